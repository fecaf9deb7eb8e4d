package window

import (
	"strconv"
	"testing"
	"time"
)

// FuzzNewDistinctMatchesReference drives NewDistinct with in-order events
// at whole seconds among up to 48 counterparties (so neither the known cap,
// the event cap nor the second rounding applies) and compares every value with a
// brute-force count over all events; an Evict at any point must change
// nothing. Windows of more than smallScanLimit events take the hash-table
// path of the value.
func FuzzNewDistinctMatchesReference(f *testing.F) {
	f.Add(uint8(10), uint8(20), uint8(7), []byte{0, 1, 1, 2, 10, 1, 5, 3, 20, 0, 1, 1})
	f.Add(uint8(3), uint8(1), uint8(7), []byte{0, 0, 3, 0, 1, 0, 0xFF, 1, 4, 2})
	busy := make([]byte, 0, 200)
	for i := range 100 { // 100 events a second apart among 40 parties
		busy = append(busy, 1, byte(i*7))
	}
	f.Add(uint8(39), uint8(30), uint8(39), busy)
	f.Fuzz(func(t *testing.T, overSec, lookbackSec, parties uint8, data []byte) {
		spec := Spec{Fn: NewDistinct, Over: time.Duration(overSec%40+1) * time.Second, Lookback: time.Duration(lookbackSec%40+1) * time.Second}
		st := NewStore(spec)
		type ev struct {
			t int64
			h uint64
		}
		var all []ev
		clock := base
		// Fewer events than MaxEvents, whose overflow the reference does
		// not model.
		data = data[:min(len(data), 2*(st.Spec().MaxEvents-1))]
		for i := 0; i+2 <= len(data); i += 2 {
			if data[i] == 0xFF {
				st.Evict(clock)
				continue
			}
			clock += int64(data[i]%16) * int64(time.Second)
			h := HashString("party-" + strconv.Itoa(int(data[i+1]%(parties%48+1))))
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
