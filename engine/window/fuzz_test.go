package window

import (
	"math"
	"testing"
	"time"
)

// refEvent is one stored event of the reference model.
type refEvent struct {
	ts  int64
	num float64
	h   uint64
}

// refStore is the naive reference: it keeps every stored event of every key
// forever and computes each value by brute force from the definition.
type refStore struct {
	spec   Spec
	events map[string][]refEvent
	newest map[string]int64
}

func newRefStore(spec Spec) *refStore {
	return &refStore{spec: spec, events: map[string][]refEvent{}, newest: map[string]int64{}}
}

// observe mirrors Store.Observe: late iff more than Lateness behind the key's
// newest event; the value counts stored events in (ts-Over, ts] and the event.
func (r *refStore) observe(key string, ts int64, num float64, h uint64) (float64, bool) {
	newest, known := r.newest[key]
	late := known && ts < newest-int64(r.spec.Lateness)
	v := r.value(key, ts, &refEvent{ts, num, h})
	if !late {
		r.events[key] = append(r.events[key], refEvent{ts, num, h})
		if !known || ts > newest {
			r.newest[key] = ts
		}
	}
	return v, late
}

func (r *refStore) value(key string, ts int64, extra *refEvent) float64 {
	var in []refEvent
	for _, e := range r.events[key] {
		if e.ts > ts-int64(r.spec.Over) && e.ts <= ts {
			in = append(in, e)
		}
	}
	if r.spec.Fn == SinceLast {
		best := int64(math.MinInt64)
		for _, e := range in {
			if e.ts < ts && e.ts > best {
				best = e.ts
			}
		}
		if best == math.MinInt64 {
			return -1
		}
		return float64(ts-best) / 1e9
	}
	if extra != nil {
		in = append(in, *extra)
	}
	if len(in) == 0 {
		return 0
	}
	sum, lo, hi := 0.0, in[0].num, in[0].num
	seen := map[uint64]bool{}
	for _, e := range in {
		sum += e.num
		lo, hi = min(lo, e.num), max(hi, e.num)
		seen[e.h] = true
	}
	switch r.spec.Fn {
	case Count:
		return float64(len(in))
	case Sum:
		return sum
	case Avg:
		return sum / float64(len(in))
	case Min:
		return lo
	case Max:
		return hi
	case Distinct:
		return float64(len(seen))
	}
	return math.NaN()
}

// evict mirrors Store.Evict's documented rule.
func (r *refStore) evict(watermark int64) int {
	n := 0
	for key, newest := range r.newest {
		if newest <= watermark-int64(r.spec.Over)-int64(r.spec.Lateness) {
			delete(r.newest, key)
			delete(r.events, key)
			n++
		}
	}
	return n
}

var fuzzKeys = [...]string{"PL61109010140000071219812874", "NO9386011117947", "DE89370400440532013000", "x"}

// FuzzObserveMatchesReference decodes ops from data, 4 bytes each:
// key (low 2 bits; 0xFC in the high bits asks for Evict instead),
// a signed time step in seconds, a numeric input, and a distinct value.
// Every value the Store returns for a non-late event or a Value read at or
// after newest-Lateness must equal the reference's.
func FuzzObserveMatchesReference(f *testing.F) {
	f.Add(uint8(Count), uint8(10), uint8(5), []byte{0, 1, 1, 1, 0, 9, 2, 2, 0, 0xFD, 3, 3, 1, 20, 4, 4, 0xFC, 0, 0, 0})
	f.Add(uint8(SinceLast), uint8(10), uint8(0), []byte{0, 1, 1, 1, 0, 10, 2, 2, 0, 0, 3, 3, 0, 0xFF, 4, 4})
	f.Add(uint8(Distinct), uint8(3), uint8(2), []byte{0, 1, 1, 1, 0, 1, 2, 2, 0, 0xFF, 1, 1, 2, 1, 4, 4})
	f.Add(uint8(Avg), uint8(1), uint8(1), []byte{3, 0, 7, 0, 3, 1, 8, 0, 3, 0xFF, 9, 0})
	f.Fuzz(func(t *testing.T, fn, overSec, latenessSec uint8, data []byte) {
		spec := Spec{
			Fn:        Fn(fn%7 + 1),
			Over:      time.Duration(overSec%64+1) * time.Second,
			Lateness:  time.Duration(latenessSec%16) * time.Second,
			MaxEvents: 1 << 16, // no overflow: the reference has no cap
		}
		st, ref := NewStore(spec), newRefStore(spec)
		// capped sees the same events with a small cap: it must never hold
		// more than its cap, and while nothing overflowed it must agree.
		capSpec := spec
		capSpec.MaxEvents = int(latenessSec>>4) + 1
		capped := NewStore(capSpec)
		// Reach Distinct's incremental counts with few events.
		st.countsFrom = uint32(overSec>>6) + 1
		capped.countsFrom = 1
		clock, watermark := base, base
		for i := 0; i+4 <= len(data); i += 4 {
			op := data[i : i+4]
			clock += int64(int8(op[1])) * int64(time.Second) / 4 // quarter seconds hit edges and non-edges
			watermark = max(watermark, clock)
			if op[0]&0xFC == 0xFC {
				if got, want := st.Evict(watermark), ref.evict(watermark); got != want {
					t.Fatalf("op %d: Evict(%d) = %d, reference %d", i/4, watermark-base, got, want)
				}
				capped.Evict(watermark)
				continue
			}
			key := fuzzKeys[op[0]&3]
			num := float64(int8(op[2]))
			h := HashString(string(rune('a' + op[3]%8)))
			got, gotLate := st.Observe(key, clock, num, h)
			want, wantLate := ref.observe(key, clock, num, h)
			if gotLate != wantLate {
				t.Fatalf("op %d %s: Observe(%s, %d) late = %v, reference %v", i/4, spec.Fn, key, clock-base, gotLate, wantLate)
			}
			if !wantLate && got != want {
				t.Fatalf("op %d %s over %v lateness %v: Observe(%s, t=%v) = %v, reference %v",
					i/4, spec.Fn, spec.Over, spec.Lateness, key, time.Duration(clock-base), got, want)
			}
			cappedGot, cappedLate := capped.Observe(key, clock, num, h)
			if capped.Overflow() == 0 && (cappedLate != wantLate || !wantLate && cappedGot != want) {
				t.Fatalf("op %d %s cap %d without overflow: Observe = (%v, %v), reference (%v, %v)",
					i/4, spec.Fn, capSpec.MaxEvents, cappedGot, cappedLate, want, wantLate)
			}
			k := capped.Lookup(key)
			if idx, ok := capped.keys.find(&k); ok && int(capped.slots[idx].n) > capSpec.MaxEvents {
				t.Fatalf("op %d: capped store holds %d events, cap %d", i/4, capped.slots[idx].n, capSpec.MaxEvents)
			}
			if newest, ok := ref.newest[key]; ok {
				// Value at any time not behind newest-Lateness is exact.
				for _, d := range []int64{-int64(spec.Lateness), 0, int64(spec.Over), int64(spec.Over) + 1} {
					ts := newest + d
					if got, want := st.Value(key, ts), ref.value(key, ts, nil); got != want {
						t.Fatalf("op %d %s: Value(%s, newest%+v) = %v, reference %v", i/4, spec.Fn, key, time.Duration(d), got, want)
					}
				}
			}
		}
		if st.Keys() != len(ref.newest) {
			t.Fatalf("Keys() = %d, reference %d", st.Keys(), len(ref.newest))
		}
		if st.Overflow() != 0 {
			t.Fatalf("Overflow() = %d with cap 1<<16", st.Overflow())
		}
	})
}
