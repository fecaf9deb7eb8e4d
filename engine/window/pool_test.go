package window

import (
	"slices"
	"testing"
	"time"
)

// poolSpare is the memory st's pools keep for the next new keys.
func poolSpare(st *Store) int64 {
	if st.beh != nil {
		return st.beh.pools.spareBytes()
	}
	return st.rings.spareBytes()
}

func TestSlicePool(t *testing.T) {
	p := newSlicePool[int64](2)
	a, b := p.get(2), p.get(2)
	if cap(a) != 2 || cap(b) != 2 || len(a) != 0 {
		t.Fatalf("get(2): len %d cap %d, cap %d", len(a), cap(a), cap(b))
	}
	a = append(a, 1, 2)
	b = append(b, 3, 4)
	if a[0] != 1 || a[1] != 2 {
		t.Fatalf("slices carved from one chunk overlap: a %v b %v", a, b)
	}
	if g := p.get(5); cap(g) != 5 {
		t.Fatalf("get(5) cap %d", cap(g))
	}
	p.put(a)
	if p.spareBytes() < 16 {
		t.Fatalf("a slice handed back is not spare: %d bytes", p.spareBytes())
	}
	c := p.get(2)
	if &c[:1][0] != &a[0] {
		t.Fatal("a slice handed back is not reused first")
	}
	if c[:2][0] != 0 || c[:2][1] != 0 {
		t.Fatalf("a reused slice keeps old elements: %v", c[:2])
	}
	p.put(make([]int64, 3)) // another capacity: left to the GC
	if d := p.get(2); cap(d) != 2 || &d[:1][0] == &c[:1][0] {
		t.Fatal("a slice of another capacity was pooled, or one slice handed out twice")
	}
	grown := p.grow(append(p.get(2), 7, 8), 4)
	if cap(grown) != 4 || len(grown) != 2 || grown[0] != 7 || grown[1] != 8 {
		t.Fatalf("grow: %v cap %d", grown, cap(grown))
	}
	var none *slicePool[int64]
	none.put(none.get(1))
	if s := none.get(3); cap(s) != 3 {
		t.Fatalf("nil pool get(3) cap %d", cap(s))
	}
}

// TestPoolReusesEvictedKeys: keys evicted and replaced by as many new ones
// leave the Stores' memory where it was (the new keys reuse the old keys'
// slices), and values match a Store without eviction.
func TestPoolReusesEvictedKeys(t *testing.T) {
	for _, spec := range []Spec{
		{Fn: Sum, Over: 10 * time.Second},
		{Fn: NewDistinct, Over: 10 * time.Second, Lookback: 10 * time.Second},
		{Fn: HistCount, Over: 40 * time.Second, Recent: 10 * time.Second},
		{Fn: InflowMatch, Over: 10 * time.Second, Tolerance: 0.1},
	} {
		st := NewStore(spec)
		round := func(st *Store, r int) []float64 {
			var vals []float64
			for k := 0; k < 100; k++ {
				key := string(rune('a'+r%2)) + string(rune('0'+k/10)) + string(rune('0'+k%10))
				for e := 0; e < 3; e++ {
					ts := at(time.Duration(r)*time.Hour + time.Duration(e)*time.Second)
					v, _ := st.ObserveEvent(key, Event{TS: ts, Num: float64(e + 1), Hash: uint64(e), Party: "p" + string(rune('0'+e)), TxID: "t"})
					vals = append(vals, v)
				}
			}
			return vals
		}
		round(st, 0)
		st.Evict(at(time.Hour))
		round(st, 1)
		before := st.SizeBytes()
		st.Evict(at(2 * time.Hour))
		got := round(st, 2)
		if after := st.SizeBytes(); after > before {
			t.Errorf("%s: %d bytes after replacing 100 keys, %d before", spec.Fn, after, before)
		}
		if want := round(NewStore(spec), 2); !slices.Equal(got, want) {
			t.Errorf("%s: values on reused slices %v, on a new Store %v", spec.Fn, got, want)
		}
		if st.Keys() != 100 {
			t.Errorf("%s: %d keys", spec.Fn, st.Keys())
		}
	}
}
