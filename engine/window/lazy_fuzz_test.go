package window

import (
	"strconv"
	"testing"
	"time"
)

// lazySpecs are one Spec per function with a lazy path (the behaviour
// functions) and ones without (InflowMatch, a ring function).
var lazySpecs = []Spec{
	{Fn: NewDistinct, Over: 10 * time.Second, Lookback: 20 * time.Second, Lateness: 3 * time.Second},
	{Fn: HistCount, Over: 40 * time.Second, Recent: 10 * time.Second, Lateness: 3 * time.Second},
	{Fn: HistP95, Over: 40 * time.Second, Recent: 10 * time.Second, Lateness: 3 * time.Second},
	{Fn: HistMax, Over: 40 * time.Second, Recent: 10 * time.Second, Lateness: 3 * time.Second},
	{Fn: HistMean, Over: 40 * time.Second, Recent: 10 * time.Second, Lateness: 3 * time.Second},
	{Fn: Age, Over: 30 * time.Second, Lateness: 3 * time.Second},
	{Fn: InflowMatch, Over: 10 * time.Second, Tolerance: 0.2, Lateness: 3 * time.Second},
	{Fn: Sum, Over: 10 * time.Second, Lateness: 3 * time.Second},
}

// FuzzObserveLazyMatchesObserve feeds the same events (out of order, some
// late, with evictions) to two Stores of each spec, one through ObserveKey
// and one through ObserveLazy, reading a value left uncomputed with
// ValueKey at once: the values, late flags and final states must agree,
// and events that are not late must leave behaviour values uncomputed.
func FuzzObserveLazyMatchesObserve(f *testing.F) {
	f.Add([]byte{0, 1, 10, 2, 3, 1, 1, 1, 20, 3, 0xFF, 0, 2, 2, 40, 1})
	f.Add([]byte{5, 0, 5, 1, 5, 2, 200, 3, 1, 0, 30, 1, 0xFF, 9, 90, 2, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, spec := range lazySpecs {
			eager, lazy := NewStore(spec), NewStore(spec)
			clock := base
			for i := 0; i+2 <= len(data); i += 2 {
				if data[i] == 0xFF {
					if a, b := eager.Evict(clock), lazy.Evict(clock); a != b {
						t.Fatalf("%s: evicted %d and %d", spec.Fn, a, b)
					}
					continue
				}
				// Steps of -4..+11 s: some events late, most in order.
				clock += int64(int(data[i]%16)-4) * int64(time.Second)
				party := "p" + strconv.Itoa(int(data[i+1]%5))
				key := "k" + strconv.Itoa(int(data[i+1]/5%3))
				ev := Event{TS: clock, Num: float64(data[i+1]%7+1) * 10, Hash: HashString(party), Party: party, TxID: "t" + strconv.Itoa(i)}
				want, wantLate := eager.ObserveEvent(key, ev)
				k := lazy.Lookup(key)
				got, late, ok := lazy.ObserveLazy(&k, &ev)
				if !ok {
					if late || !spec.Fn.behaviour() || spec.Fn == InflowMatch {
						t.Fatalf("%s: value left uncomputed for a late event or a function without a lazy path", spec.Fn)
					}
					ls := lazy.Spec()
					got = lazy.ValueKey(&ls, &k, &ev)
				} else if spec.Fn.behaviour() && spec.Fn != InflowMatch && !late {
					t.Fatalf("%s: value computed for an event in order", spec.Fn)
				}
				if got != want || late != wantLate {
					t.Fatalf("%s event %d: lazy %v (late %v), eager %v (late %v)", spec.Fn, i/2, got, late, want, wantLate)
				}
			}
			if eager.Keys() != lazy.Keys() || eager.Late() != lazy.Late() || eager.Overflow() != lazy.Overflow() {
				t.Fatalf("%s: states differ: keys %d/%d late %d/%d", spec.Fn, eager.Keys(), lazy.Keys(), eager.Late(), lazy.Late())
			}
		}
	})
}
