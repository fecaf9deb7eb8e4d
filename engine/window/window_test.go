package window

import (
	"math"
	"strconv"
	"testing"
	"time"
)

// base is an arbitrary 2024 event time, so tests run on realistic values.
const base = int64(1_717_000_000) * int64(time.Second)

// at returns base plus a duration, for readable event times.
func at(d time.Duration) int64 { return base + int64(d) }

const s = time.Second

// event is one Observe call and what it must return.
type event struct {
	key   string
	ts    int64
	num   float64
	value string // distinct value, hashed with HashString
	want  float64
	late  bool
}

func runEvents(t *testing.T, st *Store, events []event) {
	t.Helper()
	for i, e := range events {
		key := e.key
		if key == "" {
			key = "acct-1"
		}
		got, late := st.Observe(key, e.ts, e.num, HashString(e.value))
		if got != e.want || late != e.late {
			t.Errorf("event %d (ts %+v): Observe = (%v, late %v), want (%v, late %v)",
				i, time.Duration(e.ts-base), got, late, e.want, e.late)
		}
	}
}

func TestObserveWindowEdges(t *testing.T) {
	tests := []struct {
		name   string
		spec   Spec
		events []event
	}{
		{"event exactly Over before is out", Spec{Fn: Count, Over: 10 * s}, []event{
			{ts: at(0), want: 1}, {ts: at(10 * s), want: 1}}},
		{"event 1ns inside Over is in", Spec{Fn: Count, Over: 10 * s}, []event{
			{ts: at(0), want: 1}, {ts: at(10*s - 1), want: 2}}},
		{"event at same ts is in", Spec{Fn: Count, Over: 10 * s}, []event{
			{ts: at(0), want: 1}, {ts: at(0), want: 2}, {ts: at(0), want: 3}}},
		{"current event is in its own window", Spec{Fn: Sum, Over: time.Nanosecond}, []event{
			{ts: at(0), num: 7, want: 7}, {ts: at(1), num: 5, want: 5}}},
		{"sum slides", Spec{Fn: Sum, Over: 10 * s}, []event{
			{ts: at(0), num: 1, want: 1}, {ts: at(5 * s), num: 2, want: 3},
			{ts: at(10 * s), num: 4, want: 6}, {ts: at(15 * s), num: 8, want: 12}}},
		{"avg slides", Spec{Fn: Avg, Over: 10 * s}, []event{
			{ts: at(0), num: 2, want: 2}, {ts: at(5 * s), num: 4, want: 3},
			{ts: at(10 * s), num: 9, want: 6.5}}},
		{"min drops expired minimum", Spec{Fn: Min, Over: 10 * s}, []event{
			{ts: at(0), num: 1, want: 1}, {ts: at(5 * s), num: 3, want: 1},
			{ts: at(10 * s), num: 2, want: 2}}},
		{"max drops expired maximum", Spec{Fn: Max, Over: 10 * s}, []event{
			{ts: at(0), num: 9, want: 9}, {ts: at(5 * s), num: -3, want: 9},
			{ts: at(10 * s), num: -5, want: -3}}},
		{"distinct counts values once", Spec{Fn: Distinct, Over: 10 * s}, []event{
			{ts: at(0), value: "a", want: 1}, {ts: at(1 * s), value: "b", want: 2},
			{ts: at(2 * s), value: "a", want: 2}, {ts: at(10 * s), value: "c", want: 3},
			{ts: at(12 * s), value: "c", want: 1}}},
		{"since last first event", Spec{Fn: SinceLast, Over: time.Hour}, []event{
			{ts: at(0), want: -1}, {ts: at(90 * s), want: 90}, {ts: at(100 * s), want: 10}}},
		{"since last ignores same-ts events", Spec{Fn: SinceLast, Over: time.Hour}, []event{
			{ts: at(0), want: -1}, {ts: at(5 * s), want: 5}, {ts: at(5 * s), want: 5}}},
		{"since last exactly Over is out", Spec{Fn: SinceLast, Over: 10 * s}, []event{
			{ts: at(0), want: -1}, {ts: at(10 * s), want: -1}, {ts: at(20*s - 1), want: 10 - 1e-9}}},
		{"keys are independent", Spec{Fn: Count, Over: 10 * s}, []event{
			{key: "a", ts: at(0), want: 1}, {key: "b", ts: at(1 * s), want: 1},
			{key: "a", ts: at(2 * s), want: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runEvents(t, NewStore(tt.spec), tt.events)
		})
	}
}

func TestObserveOutOfOrderAndLate(t *testing.T) {
	tests := []struct {
		name     string
		spec     Spec
		events   []event
		wantLate uint64
	}{
		{"out of order is inserted at its time", Spec{Fn: Count, Over: 10 * s, Lateness: 5 * s}, []event{
			{ts: at(0), want: 1}, {ts: at(8 * s), want: 2},
			{ts: at(6 * s), want: 2}, // sees 0 and itself, not 8
			{ts: at(9 * s), want: 4}, {ts: at(16 * s), want: 3}}, 0},
		{"out of order sum excludes later events", Spec{Fn: Sum, Over: 10 * s, Lateness: 5 * s}, []event{
			{ts: at(10 * s), num: 100, want: 100}, {ts: at(7 * s), num: 1, want: 1},
			{ts: at(12 * s), num: 10, want: 111}}, 0},
		{"out of order equal ts counts stored equal events", Spec{Fn: Count, Over: 10 * s, Lateness: 5 * s}, []event{
			{ts: at(5 * s), want: 1}, {ts: at(8 * s), want: 2}, {ts: at(5 * s), want: 2}}, 0},
		{"exactly Lateness behind is not late", Spec{Fn: Count, Over: 10 * s, Lateness: 5 * s}, []event{
			{ts: at(11 * s), want: 1}, {ts: at(20 * s), want: 2},
			{ts: at(15 * s), want: 2},      // sees 11 and itself
			{ts: at(21 * s), want: 3}}, 0}, // 15 was stored
		{"1ns more than Lateness behind is late and not stored", Spec{Fn: Count, Over: 10 * s, Lateness: 5 * s}, []event{
			{ts: at(11 * s), want: 1}, {ts: at(20 * s), want: 2},
			{ts: at(15*s - 1), want: 2, late: true}, // sees 11 and itself
			{ts: at(21 * s), want: 2}}, 1},          // 15-1ns was not stored
		{"zero lateness makes any older event late", Spec{Fn: Sum, Over: 10 * s}, []event{
			{ts: at(11 * s), num: 1, want: 1}, {ts: at(20 * s), num: 2, want: 3},
			{ts: at(20*s - 1), num: 4, want: 5, late: true},
			{ts: at(20 * s), num: 8, want: 11}}, 1},
		{"late value is as of its own ts", Spec{Fn: Max, Over: 10 * s, Lateness: 2 * s}, []event{
			{ts: at(10 * s), num: 3, want: 3}, {ts: at(15 * s), num: 9, want: 9},
			{ts: at(11 * s), num: 1, want: 3, late: true}}, 1},
		{"late distinct includes its own value", Spec{Fn: Distinct, Over: 10 * s}, []event{
			{ts: at(5 * s), value: "x", want: 1}, {ts: at(10 * s), value: "z", want: 2},
			{ts: at(9 * s), value: "y", want: 2, late: true}, // x and y: z is later
			{ts: at(9 * s), value: "x", want: 1, late: true},
			{ts: at(11 * s), value: "x", want: 2}}, 2}, // x, z: no y stored
		{"late since last", Spec{Fn: SinceLast, Over: time.Minute}, []event{
			{ts: at(10 * s), want: -1}, {ts: at(30 * s), want: 20},
			{ts: at(25 * s), want: 15, late: true}, {ts: at(40 * s), want: 10}}, 1},
		{"out of order since last", Spec{Fn: SinceLast, Over: time.Minute, Lateness: time.Minute}, []event{
			{ts: at(10 * s), want: -1}, {ts: at(30 * s), want: 20},
			{ts: at(25 * s), want: 15}, {ts: at(40 * s), want: 10}, {ts: at(28 * s), want: 3}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := NewStore(tt.spec)
			runEvents(t, st, tt.events)
			if st.Late() != tt.wantLate {
				t.Errorf("Late() = %d, want %d", st.Late(), tt.wantLate)
			}
		})
	}
}

func TestValue(t *testing.T) {
	tests := []struct {
		name  string
		spec  Spec
		key   string
		ts    int64
		want  float64
		setup []event
	}{
		{"unknown key count", Spec{Fn: Count, Over: 10 * s}, "nobody", at(0), 0, nil},
		{"unknown key since last", Spec{Fn: SinceLast, Over: 10 * s}, "nobody", at(0), -1, nil},
		{"unknown key avg", Spec{Fn: Avg, Over: 10 * s}, "nobody", at(0), 0, nil},
		{"does not add the read", Spec{Fn: Count, Over: 10 * s}, "acct-1", at(5 * s), 2,
			[]event{{ts: at(0), want: 1}, {ts: at(1 * s), want: 2}}},
		{"window slides past all events", Spec{Fn: Sum, Over: 10 * s}, "acct-1", at(11 * s), 0,
			[]event{{ts: at(0), num: 3, want: 3}, {ts: at(1 * s), num: 4, want: 7}}},
		{"min of empty window is 0", Spec{Fn: Min, Over: 10 * s}, "acct-1", at(20 * s), 0,
			[]event{{ts: at(0), num: 3, want: 3}}},
		{"exactly Over after is out", Spec{Fn: Max, Over: 10 * s}, "acct-1", at(10 * s), 0,
			[]event{{ts: at(0), num: 3, want: 3}}},
		{"before later events", Spec{Fn: Count, Over: 10 * s, Lateness: 10 * s}, "acct-1", at(4 * s), 1,
			[]event{{ts: at(0), want: 1}, {ts: at(5 * s), want: 2}}},
		{"since last at same ts", Spec{Fn: SinceLast, Over: 10 * s}, "acct-1", at(5 * s), 5,
			[]event{{ts: at(0), want: -1}, {ts: at(5 * s), want: 5}}},
		{"since last later", Spec{Fn: SinceLast, Over: 10 * s}, "acct-1", at(7 * s), 2,
			[]event{{ts: at(0), want: -1}, {ts: at(5 * s), want: 5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := NewStore(tt.spec)
			runEvents(t, st, tt.setup)
			if got := st.Value(tt.key, tt.ts); got != tt.want {
				t.Errorf("Value(%q, %+v) = %v, want %v", tt.key, time.Duration(tt.ts-base), got, tt.want)
			}
			if got := st.Value(tt.key, tt.ts); got != tt.want {
				t.Errorf("second Value(%q) = %v, want %v (Value must not change state)", tt.key, got, tt.want)
			}
		})
	}
}

func TestPruneBoundsEventsPerKey(t *testing.T) {
	tests := []struct {
		name    string
		spec    Spec
		step    time.Duration
		maxKept uint32
	}{
		// Events 1s apart over (ts-10s-5s, ts]: at most 15 are needed.
		{"count keeps Over+Lateness", Spec{Fn: Count, Over: 10 * s, Lateness: 5 * s}, s, 15},
		{"sum keeps Over", Spec{Fn: Sum, Over: 10 * s}, s, 10},
		// SinceLast keeps events in the lateness range plus one before it.
		{"since last keeps lateness plus one", Spec{Fn: SinceLast, Over: time.Hour, Lateness: 5 * s}, s, 7},
		{"since last without lateness keeps two", Spec{Fn: SinceLast, Over: time.Hour}, s, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := NewStore(tt.spec)
			var most uint32
			for i := range 1000 {
				st.Observe("k", at(time.Duration(i)*tt.step), 1, 1)
				most = max(most, st.slots[slotOf(st, "k")].n)
			}
			if most != tt.maxKept {
				t.Errorf("most events kept = %d, want %d", most, tt.maxKept)
			}
			if st.Overflow() != 0 {
				t.Errorf("Overflow() = %d, want 0", st.Overflow())
			}
		})
	}
}

func TestRingShrinksAfterBurst(t *testing.T) {
	st := NewStore(Spec{Fn: Sum, Over: 10 * s})
	for i := range 500 {
		st.Observe("k", at(time.Duration(i)*time.Millisecond), 1, 0)
	}
	burst := st.SizeBytes()
	for i := range 20 {
		st.Observe("k", at(time.Hour+time.Duration(i)*time.Hour), 1, 0)
	}
	k := st.slots[slotOf(st, "k")]
	if got := uint32(len(k.buf)) / st.stride; got > 2*initialCapacity {
		t.Errorf("ring capacity after burst = %d events, want <= %d", got, 2*initialCapacity)
	}
	if after := st.SizeBytes(); after >= burst {
		t.Errorf("SizeBytes after burst = %d, want < %d", after, burst)
	}
}

func TestMaxEventsCap(t *testing.T) {
	tests := []struct {
		name         string
		spec         Spec
		events       []event
		wantOverflow uint64
	}{
		{"oldest dropped beyond cap", Spec{Fn: Count, Over: time.Hour, MaxEvents: 3}, []event{
			{ts: at(1 * s), want: 1}, {ts: at(2 * s), want: 2}, {ts: at(3 * s), want: 3},
			{ts: at(4 * s), want: 3}, {ts: at(5 * s), want: 3}}, 2},
		{"sum loses the dropped input", Spec{Fn: Sum, Over: time.Hour, MaxEvents: 2}, []event{
			{ts: at(1 * s), num: 1, want: 1}, {ts: at(2 * s), num: 2, want: 3}, {ts: at(3 * s), num: 4, want: 6}}, 1},
		{"out of order oldest event is the one dropped", Spec{Fn: Sum, Over: time.Hour, Lateness: time.Hour, MaxEvents: 2}, []event{
			{ts: at(10 * s), num: 1, want: 1}, {ts: at(20 * s), num: 2, want: 3},
			{ts: at(5 * s), num: 4, want: 4}, // dropped, but screened with its own value
			{ts: at(30 * s), num: 8, want: 10}}, 2},
		{"out of order middle event displaces oldest", Spec{Fn: Count, Over: time.Hour, Lateness: time.Hour, MaxEvents: 2}, []event{
			{ts: at(10 * s), want: 1}, {ts: at(20 * s), want: 2},
			{ts: at(15 * s), want: 1}, {ts: at(25 * s), want: 2}}, 2},
		{"cap of one", Spec{Fn: Max, Over: time.Hour, MaxEvents: 1}, []event{
			{ts: at(1 * s), num: 9, want: 9}, {ts: at(2 * s), num: 1, want: 1}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := NewStore(tt.spec)
			runEvents(t, st, tt.events)
			if st.Overflow() != tt.wantOverflow {
				t.Errorf("Overflow() = %d, want %d", st.Overflow(), tt.wantOverflow)
			}
			if n := st.slots[slotOf(st, "acct-1")].n; int(n) > tt.spec.MaxEvents {
				t.Errorf("events kept = %d, want <= %d", n, tt.spec.MaxEvents)
			}
		})
	}
}

func TestDefaultCapAndLargeDistinct(t *testing.T) {
	st := NewStore(Spec{Fn: Distinct, Over: time.Hour})
	var got float64
	for i := range DefaultMaxEvents + 10 {
		got, _ = st.Observe("k", at(time.Duration(i)*time.Millisecond), 0, HashString(strconv.Itoa(i%700)))
	}
	if got != 700 {
		t.Errorf("distinct over %d events of 700 values = %v, want 700", DefaultMaxEvents, got)
	}
	if st.Overflow() != 10 {
		t.Errorf("Overflow() = %d, want 10", st.Overflow())
	}
}

func TestEvict(t *testing.T) {
	spec := Spec{Fn: Count, Over: 10 * s, Lateness: 5 * s}
	tests := []struct {
		name      string
		watermark int64
		want      int
	}{
		{"newest exactly Over+Lateness before watermark is dropped", at(15 * s), 1},
		{"newest 1ns inside is kept", at(15*s - 1), 0},
		{"far ahead drops both", at(time.Hour), 2},
		{"watermark before everything keeps all", at(-time.Hour), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := NewStore(spec)
			st.Observe("old", at(-5*s), 0, 0)
			st.Observe("old", at(0), 0, 0)
			st.Observe("new", at(10*s), 0, 0)
			if got := st.Evict(tt.watermark); got != tt.want {
				t.Fatalf("Evict = %d, want %d", got, tt.want)
			}
			if st.Keys() != 2-tt.want {
				t.Errorf("Keys() = %d, want %d", st.Keys(), 2-tt.want)
			}
			if tt.want > 0 && st.Value("old", at(1*s)) != 0 {
				t.Errorf("evicted key still has a value")
			}
			// An evicted key starts over in a reused slot.
			if v, late := st.Observe("old", at(20*s), 0, 0); v != 1 && tt.want > 0 || late {
				t.Errorf("Observe after evict = (%v, %v), want (1, false)", v, late)
			}
		})
	}
}

func TestEvictReusesSlotsAndShrinksSize(t *testing.T) {
	st := NewStore(Spec{Fn: Sum, Over: time.Minute})
	for i := range 1000 {
		st.Observe("key-"+strconv.Itoa(i), at(0), 1, 0)
	}
	full := sizeWithKeys(st)
	slots := cap(st.slots)
	if got := st.Evict(at(time.Hour)); got != 1000 {
		t.Fatalf("Evict = %d, want 1000", got)
	}
	if st.Keys() != 0 || st.keys.keys.Len() != 0 {
		t.Errorf("Keys() = %d, KeyTable.Len() = %d after evicting all", st.Keys(), st.keys.keys.Len())
	}
	if emptied := sizeWithKeys(st); emptied >= full {
		t.Errorf("SizeBytes with keys after evicting all = %d, want < %d", emptied, full)
	}
	for i := range 1000 {
		if v, _ := st.Observe("other-"+strconv.Itoa(i), at(2*time.Hour), 2, 0); v != 2 {
			t.Fatalf("Observe new key after evict = %v, want 2", v)
		}
	}
	if cap(st.slots) != slots {
		t.Errorf("slot table grew from %d to %d: evicted slots not reused", slots, cap(st.slots))
	}
}

func TestObserveDoesNotAllocateForExistingKeys(t *testing.T) {
	for fn := Count; fn <= SinceLast; fn++ {
		t.Run(fn.String(), func(t *testing.T) {
			st := NewStore(Spec{Fn: fn, Over: 10 * s, Lateness: 2 * s})
			keyBuf := []byte("PL61109010140000071219812874")
			ts := at(0)
			step := func() {
				ts += int64(s)
				st.Observe(string(keyBuf), ts, 1, uint64(ts%7))
				st.Observe(string(keyBuf), ts-int64(s)/2, 1, 3) // out of order
				st.Value(string(keyBuf), ts)
			}
			for range 100 { // reach the steady-state ring size
				step()
			}
			if allocs := testing.AllocsPerRun(1000, step); allocs != 0 {
				t.Errorf("allocs per Observe/Value round = %v, want 0", allocs)
			}
		})
	}
}

func TestSpecValidate(t *testing.T) {
	tests := []struct {
		name    string
		spec    Spec
		wantErr bool
	}{
		{"valid", Spec{Fn: Sum, Over: time.Hour}, false},
		{"valid with cap and lateness", Spec{Fn: SinceLast, Over: time.Hour, Lateness: time.Minute, MaxEvents: 8}, false},
		{"zero fn", Spec{Over: time.Hour}, true},
		{"fn past since_last", Spec{Fn: SinceLast + 1, Over: time.Hour}, true},
		{"zero over", Spec{Fn: Count}, true},
		{"negative lateness", Spec{Fn: Count, Over: time.Hour, Lateness: -1}, true},
		{"negative cap", Spec{Fn: Count, Over: time.Hour, MaxEvents: -1}, true},
		{"huge cap", Spec{Fn: Count, Over: time.Hour, MaxEvents: maxEventsLimit + 1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.spec.Validate(); (err != nil) != tt.wantErr {
				t.Errorf("Validate() = %v, want error %v", err, tt.wantErr)
			}
			// An invalid spec must still give a working store.
			st := NewStore(tt.spec)
			if err := st.Spec().Validate(); err != nil {
				t.Errorf("normalized spec invalid: %v", err)
			}
			st.Observe("k", at(0), 1, 1)
			if st.Keys() != 1 {
				t.Errorf("Keys() = %d, want 1", st.Keys())
			}
		})
	}
}

func TestExtremeTimesDoNotPanic(t *testing.T) {
	for fn := Count; fn <= SinceLast; fn++ {
		st := NewStore(Spec{Fn: fn, Over: math.MaxInt64, Lateness: math.MaxInt64})
		for _, ts := range []int64{math.MinInt64, 0, math.MaxInt64, math.MinInt64 + 1, -1} {
			if v, _ := st.Observe("k", ts, 1, 1); math.IsNaN(v) {
				t.Errorf("%s: Observe(%d) = NaN", fn, ts)
			}
			st.Value("k", ts)
		}
		// The key's newest event is MaxInt64: no watermark is past it.
		if n := st.Evict(math.MinInt64) + st.Evict(math.MaxInt64); n != 0 || st.Keys() != 1 {
			t.Errorf("%s: Evict dropped %d, Keys() = %d, want 0 and 1", fn, n, st.Keys())
		}
	}
}

func TestHashString(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
	}{
		// Published FNV-1a 64-bit test vectors.
		{"", 0xcbf29ce484222325},
		{"a", 0xaf63dc4c8601ec8c},
		{"foobar", 0x85944171f73967e8},
	}
	for _, tt := range tests {
		if got := HashString(tt.in); got != tt.want {
			t.Errorf("HashString(%q) = %#x, want %#x", tt.in, got, tt.want)
		}
	}
	if HashString("DE89370400440532013000") == HashString("DE89370400440532013001") {
		t.Error("neighbouring IBANs hash equal")
	}
}

func TestFnString(t *testing.T) {
	tests := []struct {
		fn   Fn
		want string
	}{{Count, "count"}, {SinceLast, "since_last"}, {Distinct, "distinct"}, {Fn(0), "invalid"}, {Fn(99), "Fn(99)"}}
	for _, tt := range tests {
		if got := tt.fn.String(); got != tt.want {
			t.Errorf("Fn(%d).String() = %q, want %q", uint8(tt.fn), got, tt.want)
		}
	}
}

func TestEvictReleasesLargeRings(t *testing.T) {
	st := NewStore(Spec{Fn: Sum, Over: time.Hour})
	for i := range 100 {
		st.Observe("busy", at(time.Duration(i)*s), 1, 0)
	}
	st.Observe("quiet", at(0), 1, 0)
	before := sizeWithKeys(st)
	if got := st.Evict(at(3 * time.Hour)); got != 2 {
		t.Fatalf("Evict = %d, want 2", got)
	}
	// The busy key's ring (128 events × 16 bytes) is released; the quiet
	// key's initial ring is kept for reuse.
	if freed := before - sizeWithKeys(st); freed < 128*16 {
		t.Errorf("SizeBytes freed %d bytes, want >= %d", freed, 128*16)
	}
	for i, key := range []string{"a", "b"} {
		if v, _ := st.Observe(key, at(4*time.Hour), float64(i+5), 0); v != float64(i+5) {
			t.Errorf("Observe(%s) in reused slot = %v, want %d", key, v, i+5)
		}
	}
}

func TestDistinctIncrementalCounts(t *testing.T) {
	tests := []struct {
		name   string
		spec   Spec
		events []event
	}{
		{"cap drop leaves the counts", Spec{Fn: Distinct, Over: time.Hour, MaxEvents: 2}, []event{
			{ts: at(1 * s), value: "a", want: 1}, {ts: at(2 * s), value: "b", want: 2},
			{ts: at(3 * s), value: "c", want: 2}, {ts: at(4 * s), value: "a", want: 2}}},
		{"window slide leaves the counts", Spec{Fn: Distinct, Over: 10 * s, Lateness: 5 * s}, []event{
			{ts: at(0), value: "a", want: 1}, {ts: at(5 * s), value: "a", want: 1},
			{ts: at(10 * s), value: "b", want: 2}, {ts: at(15 * s), value: "c", want: 2},
			{ts: at(12 * s), value: "d", want: 3},   // out of order: a@5, b, d; c is later
			{ts: at(16 * s), value: "e", want: 4}}}, // b, d, c, e
		{"jump past everything", Spec{Fn: Distinct, Over: 10 * s}, []event{
			{ts: at(0), value: "a", want: 1}, {ts: at(1 * s), value: "b", want: 2},
			{ts: at(time.Hour), value: "a", want: 1}}},
	}
	for _, tt := range tests {
		for _, countsFrom := range []uint32{1, 2, distinctCountsFrom} {
			t.Run(tt.name+"/counts from "+strconv.Itoa(int(countsFrom)), func(t *testing.T) {
				st := NewStore(tt.spec)
				st.countsFrom = countsFrom
				runEvents(t, st, tt.events)
			})
		}
	}
}

func TestSizeBytesCountsDistinctMaps(t *testing.T) {
	st := NewStore(Spec{Fn: Distinct, Over: time.Hour})
	for i := range 200 {
		st.Observe("k", at(time.Duration(i)*s), 0, uint64(i))
	}
	if got := st.Value("k", at(200*s)); got != 200 {
		t.Fatalf("Value = %v, want 200", got)
	}
	with := st.SizeBytes()
	if len(st.large) != 1 {
		t.Fatalf("large keys = %d, want 1", len(st.large))
	}
	clear(st.large)
	if extra := with - st.SizeBytes(); extra < 200*16 {
		t.Errorf("count map of 200 hashes adds %d bytes to SizeBytes, want >= %d", extra, 200*16)
	}
}

// slotOf is the slot of a key st holds (a test fails on index out of range
// for a key it does not).
func slotOf(st *Store, key string) uint32 {
	k := st.Lookup(key)
	slot, ok := st.slotTable().find(&k)
	if !ok {
		return ^uint32(0)
	}
	return slot
}

// sizeWithKeys is a Store's SizeBytes plus its KeyTable's: the memory of a
// Store that shares its table with no other.
func sizeWithKeys(st *Store) int64 { return st.SizeBytes() + st.slotTable().keys.SizeBytes() }
