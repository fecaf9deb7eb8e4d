package window

import (
	"strconv"
	"testing"
	"time"
)

// FuzzNewDistinctMatchesReference drives NewDistinct with in-order events
// at whole seconds among a few counterparties (so neither the known cap nor
// the second rounding applies) and compares every value with a brute-force
// count over all events; an Evict at any point must change nothing.
func FuzzNewDistinctMatchesReference(f *testing.F) {
	f.Add(uint8(10), uint8(20), []byte{0, 1, 1, 2, 10, 1, 5, 3, 20, 0, 1, 1})
	f.Add(uint8(3), uint8(1), []byte{0, 0, 3, 0, 1, 0, 0xFF, 1, 4, 2})
	f.Fuzz(func(t *testing.T, overSec, lookbackSec uint8, data []byte) {
		spec := Spec{Fn: NewDistinct, Over: time.Duration(overSec%40+1) * time.Second, Lookback: time.Duration(lookbackSec%40+1) * time.Second}
		st := NewStore(spec)
		type ev struct {
			t int64
			h uint64
		}
		var all []ev
		clock := base
		for i := 0; i+2 <= len(data); i += 2 {
			if data[i] == 0xFF {
				st.Evict(clock)
				continue
			}
			clock += int64(data[i]%16) * int64(time.Second)
			h := HashString("party-" + strconv.Itoa(int(data[i+1]%8)))
			all = append(all, ev{clock, h})
			got, _ := st.Observe("k", clock, 0, h)
			start, lo := clock-int64(spec.Over), clock-int64(spec.Over+spec.Lookback)
			in, before := map[uint64]bool{}, map[uint64]bool{}
			for _, e := range all {
				switch {
				case e.t > start:
					in[e.h] = true
				case e.t > lo:
					before[e.h] = true
				}
			}
			want := 0
			for h := range in {
				if !before[h] {
					want++
				}
			}
			if got != float64(want) {
				t.Fatalf("event %d at %v: new_distinct %v, reference %d", i/2, time.Duration(clock-base), got, want)
			}
		}
	})
}
