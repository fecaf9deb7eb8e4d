package window

import (
	"testing"
	"time"
)

// TestTouchChangesNothing: Touch reads 0 for a key the Store does not hold,
// something for one it holds, and changes neither values nor memory.
func TestTouchChangesNothing(t *testing.T) {
	for _, spec := range lazySpecs {
		st := NewStore(spec)
		k := st.Lookup("k")
		if got := st.Touch(&k); got != 0 {
			t.Errorf("%s: Touch of an unknown key %d", spec.Fn, got)
		}
		newest := at(7 * time.Second)
		for _, ts := range []int64{at(time.Second), newest, at(5 * time.Second)} {
			st.ObserveKey(&k, &Event{TS: ts, Num: 10, Hash: 1, Party: "p", TxID: "t"})
		}
		q, qs := Event{TS: newest, Num: 10, Party: "q"}, st.Spec()
		before, size := st.ValueKey(&qs, &k, &q), st.SizeBytes()
		if got := st.Touch(&k); got < newest {
			t.Errorf("%s: Touch %d, below the newest event time %d", spec.Fn, got, newest)
		}
		if after := st.ValueKey(&qs, &k, &q); after != before || st.SizeBytes() != size || st.Keys() != 1 {
			t.Errorf("%s: Touch changed the state: value %v -> %v", spec.Fn, before, after)
		}
	}
}
