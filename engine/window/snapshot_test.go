package window

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"
)

// snapshotSpec is a spec for fn that reaches its edges with events a few
// minutes apart: short windows, some lateness, and a small event cap so
// overflow happens.
func snapshotSpec(fn Fn) Spec {
	return Spec{Fn: fn, Over: 20 * time.Minute, Lateness: 3 * time.Minute, MaxEvents: 24,
		Lookback: 30 * time.Minute, Recent: 5 * time.Minute, Tolerance: 0.2}
}

// copyStore snapshots st into a new Store of the same spec.
func copyStore(t *testing.T, st *Store) *Store {
	t.Helper()
	cp := NewStore(st.Spec())
	cp.countsFrom = st.countsFrom
	cp.SetCounters(st.Counters())
	err := st.EncodeKeys(func(key string, state []byte) error { return cp.DecodeKey(key, slices.Clone(state)) })
	if err != nil {
		t.Fatalf("%s: snapshot: %v", st.Spec().Fn, err)
	}
	return cp
}

// TestSnapshotRoundTrip runs every aggregate function on a random event
// stream (out-of-order and late events, evictions, overflow) and, every
// few events, replaces a second Store by a snapshot of itself: every value,
// path and counter of the restored Store must equal the never-snapshotted
// one's. A function whose state the snapshot misses fails here.
func TestSnapshotRoundTrip(t *testing.T) {
	for fn := Count; fn <= lastFn; fn++ {
		t.Run(fn.String(), func(t *testing.T) {
			spec := snapshotSpec(fn)
			orig, restored := NewStore(spec), NewStore(spec)
			orig.countsFrom, restored.countsFrom = 6, 6 // reach Distinct's incremental counts
			r := rand.New(rand.NewPCG(uint64(fn), 7))
			keys := []string{"PL61109010140000071219812874", "NO9386011117947", "DE89370400440532013000", "x"}
			parties := []string{"A", "B", "C", "D", "E", "F", "G", "H", "I"}
			clock := base
			for i := range 3000 {
				if i%37 == 0 {
					restored = copyStore(t, restored)
				}
				clock += int64(r.IntN(40)-8) * int64(time.Second) // mostly forward, sometimes back
				ts := clock - int64(r.IntN(5))*int64(time.Minute)*int64(r.IntN(2))
				p := parties[r.IntN(len(parties))]
				ev := Event{TS: ts, Num: float64(r.IntN(1000)) + 0.25, Hash: HashString(p), Party: p, TxID: "tx" + strconv.Itoa(i)}
				key := keys[r.IntN(len(keys))]
				switch op := r.IntN(10); {
				case op == 0:
					if a, b := orig.Evict(clock), restored.Evict(clock); a != b {
						t.Fatalf("op %d: Evict %d, restored %d", i, a, b)
					}
				case op <= 2:
					if a, b := orig.ValueFor(key, ev), restored.ValueFor(key, ev); a != b {
						t.Fatalf("op %d: ValueFor %v, restored %v", i, a, b)
					}
					if a, b := orig.Path(spec, key, ev), restored.Path(spec, key, ev); !reflect.DeepEqual(a, b) {
						t.Fatalf("op %d: Path %v, restored %v", i, a, b)
					}
				default:
					a, la := orig.ObserveEvent(key, ev)
					b, lb := restored.ObserveEvent(key, ev)
					if a != b || la != lb {
						t.Fatalf("op %d: ObserveEvent (%v, late %v), restored (%v, late %v)", i, a, la, b, lb)
					}
				}
				if orig.Keys() != restored.Keys() || orig.Late() != restored.Late() || orig.Overflow() != restored.Overflow() {
					t.Fatalf("op %d: keys/late/overflow %d/%d/%d, restored %d/%d/%d", i, orig.Keys(), orig.Late(),
						orig.Overflow(), restored.Keys(), restored.Late(), restored.Overflow())
				}
			}
			if orig.Late() == 0 || orig.Overflow() == 0 && fn != Age && fn != SinceLast && !fn.hist() {
				t.Errorf("late %d, overflow %d: the stream did not reach the late and cap edges", orig.Late(), orig.Overflow())
			}
		})
	}
}

// TestSnapshotCoversEveryField fails when a state type gains a field: add
// it to snapshot.go (or say here why it is not state) and to this list.
func TestSnapshotCoversEveryField(t *testing.T) {
	tests := []struct {
		v      any
		fields []string
	}{
		// Store: spec..countsFrom come from NewStore; late, overflow via
		// SetCounters; keys, slots, large per key; scratch and bufBytes are
		// memory bookkeeping rebuilt by DecodeKey; rings is memory for
		// reuse, not state.
		{Store{}, []string{"spec", "horizon", "stride", "maxCap", "keys", "slots", "rings", "scratch", "large",
			"countsFrom", "late", "overflow", "bufBytes", "beh"}},
		// keySlots: the key of each slot; the free list is bookkeeping.
		{keySlots{}, []string{"keys", "slotOf", "idOf", "free"}},
		{keyState{}, []string{"buf", "head", "n"}},
		{distinctWindow{}, []string{"counts", "lo"}},
		// behaviourStore: stateBytes is memory bookkeeping DecodeKey
		// rebuilds; pools, view and the scratch slices are not state.
		{behaviourStore{}, []string{"spec", "keys", "states", "pools", "late", "overflow", "stateBytes", "view", "seen", "vals"}},
		{ageKey{}, []string{"first", "last"}},
		{noveltyKey{}, []string{"ev", "known"}},
		{knownParty{}, []string{"h", "t"}},
		{tsHash{}, []string{"t", "h"}},
		{histKey{}, []string{"recent", "buckets"}},
		{histBucket{}, []string{"id", "n", "sum", "top"}},
		{tsNum{}, []string{"t", "v"}},
		{inflowKey{}, []string{"in"}},
		{inflow{}, []string{"t", "amount", "hash", "origin", "txID"}},
	}
	for _, tt := range tests {
		typ := reflect.TypeOf(tt.v)
		var got []string
		for i := range typ.NumField() {
			got = append(got, typ.Field(i).Name)
		}
		if !slices.Equal(got, tt.fields) {
			t.Errorf("%s has fields %v, the snapshot knows %v: encode the new state in snapshot.go", typ.Name(), got, tt.fields)
		}
	}
}

func TestDecodeKeyRefuses(t *testing.T) {
	valid := func(fn Fn) []byte {
		st := NewStore(snapshotSpec(fn))
		for i := range 5 {
			st.ObserveEvent("k", Event{TS: at(time.Duration(i) * time.Minute), Num: float64(i), Hash: uint64(i), Party: "P" + strconv.Itoa(i)})
		}
		var out []byte
		st.EncodeKeys(func(_ string, state []byte) error { out = slices.Clone(state); return nil })
		return out
	}
	tests := []struct {
		name  string
		fn    Fn
		state []byte
	}{
		{"empty", Count, nil},
		{"zero events", Sum, []byte{0, 0}},
		{"more events than the cap", Count, []byte{100}},
		{"truncated", Sum, valid(Sum)[:5]},
		{"trailing byte", Max, append(valid(Max), 0)},
		{"counts on a sum key", Sum, append(valid(Sum)[:len(valid(Sum))-1], 1, 0)},
		{"hist without recent events", HistMean, []byte{0, 0}},
		{"age first after last", Age, []byte{4, 2}},
		{"inflows beyond the cap", InflowMatch, []byte{9}},
		{"new_distinct truncated", NewDistinct, valid(NewDistinct)[:4]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := NewStore(snapshotSpec(tt.fn))
			if err := st.DecodeKey("k", tt.state); err == nil {
				t.Errorf("decoded %x", tt.state)
			}
			if st.Keys() != 0 {
				t.Errorf("a refused key was added")
			}
		})
	}
	st := NewStore(snapshotSpec(Count))
	if err := st.DecodeKey("k", valid(Count)); err != nil {
		t.Fatal(err)
	}
	if err := st.DecodeKey("k", valid(Count)); err == nil {
		t.Errorf("a key decoded twice was accepted")
	}
}

// FuzzDecodeKey: any input either decodes to a key the Store can use
// (observe, read, evict, encode again and decode to the same bytes) or is
// an error; never a panic.
func FuzzDecodeKey(f *testing.F) {
	for fn := Count; fn <= lastFn; fn++ {
		st := NewStore(snapshotSpec(fn))
		for i := range 30 {
			st.ObserveEvent("k", Event{TS: at(time.Duration(i) * 3 * time.Minute), Num: float64(i), Hash: uint64(i % 7), Party: "P" + strconv.Itoa(i%5), TxID: "t"})
		}
		st.EncodeKeys(func(_ string, state []byte) error { f.Add(uint8(fn), slices.Clone(state)); return nil })
	}
	f.Fuzz(func(t *testing.T, fn uint8, state []byte) {
		spec := snapshotSpec(Fn(fn%uint8(lastFn) + 1))
		st := NewStore(spec)
		if err := st.DecodeKey("k", state); err != nil {
			return
		}
		var again []byte
		if err := st.EncodeKeys(func(_ string, s []byte) error { again = slices.Clone(s); return nil }); err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		cp := NewStore(spec)
		if err := cp.DecodeKey("k", again); err != nil {
			t.Fatalf("re-encoded state does not decode: %v", err)
		}
		ev := Event{TS: at(time.Hour), Num: 5, Hash: 3, Party: "P1", TxID: "t"}
		st.ValueFor("k", ev)
		st.Path(spec, "k", ev)
		st.ObserveEvent("k", ev)
		st.ObserveEvent("k", Event{TS: at(-time.Hour), Num: 1})
		st.Evict(at(1000 * time.Hour))
		st.SizeBytes()
	})
}
