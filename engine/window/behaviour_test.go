package window

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"
)

// bev is one Observe (or, with read set, one ValueFor) of a behaviour test.
type bev struct {
	ts    int64
	num   float64
	party string // hashed as the input for NewDistinct, the counterparty for InflowMatch
	read  bool
	want  float64
}

func runBehaviour(t *testing.T, st *Store, evs []bev) {
	t.Helper()
	for i, e := range evs {
		ev := Event{TS: e.ts, Num: e.num, Hash: HashString(e.party), Party: e.party, TxID: "tx" + strconv.Itoa(i)}
		var got float64
		if e.read {
			got = st.ValueFor("acct", ev)
		} else {
			got, _ = st.ObserveEvent("acct", ev)
		}
		if got != e.want {
			t.Errorf("event %d (ts %v, read %v): got %v, want %v", i, time.Duration(e.ts-base), e.read, got, e.want)
		}
	}
}

func TestBehaviourWindowEdges(t *testing.T) {
	nd := Spec{Fn: NewDistinct, Over: 10 * s, Lookback: 20 * s}
	hist := func(fn Fn) Spec { return Spec{Fn: fn, Over: 60 * s, Recent: 10 * s} }
	inflow := Spec{Fn: InflowMatch, Over: 24 * time.Hour, Tolerance: 0.1}
	tests := []struct {
		name string
		spec Spec
		evs  []bev
	}{
		{"new_distinct: a first counterparty is new", nd, []bev{
			{ts: at(0), party: "A", want: 1}, {ts: at(5 * s), party: "A", want: 1}}},
		{"new_distinct: seen exactly at the window start is before the window", nd, []bev{
			{ts: at(0), party: "A", want: 1}, {ts: at(10 * s), party: "A", want: 0}}},
		{"new_distinct: seen exactly Over+Lookback before is forgotten", nd, []bev{
			{ts: at(0), party: "A", want: 1}, {ts: at(30 * s), party: "A", want: 1}}},
		{"new_distinct: seen 1ns inside the lookback is known", nd, []bev{
			{ts: at(0), party: "A", want: 1}, {ts: at(30*s - 1), party: "A", want: 0}}},
		{"new_distinct: two fresh counterparties in the window", nd, []bev{
			{ts: at(0), party: "A", want: 1}, {ts: at(10*s - 1), party: "B", want: 2}}},
		{"new_distinct: a counterparty moved to known still counts as seen", nd, []bev{
			{ts: at(0), party: "A", want: 1}, {ts: at(15 * s), party: "C", want: 1},
			{ts: at(25 * s), party: "A", want: 0}, {ts: at(26 * s), party: "D", want: 1}}},
		{"hist_count: an event exactly Recent before is history", hist(HistCount), []bev{
			{ts: at(0), num: 5, want: 0}, {ts: at(10 * s), num: 1, want: 1}}},
		{"hist_count: an event 1ns inside Recent is not", hist(HistCount), []bev{
			{ts: at(0), num: 5, want: 0}, {ts: at(10*s - 1), num: 1, want: 0}}},
		{"hist_max: old edge exact while the event is not folded", hist(HistMax), []bev{
			{ts: at(0), num: 5, want: 0}, {ts: at(60*s - 1), read: true, want: 5}}},
		{"hist_max: old edge rounded to the bucket once folded", hist(HistMax), []bev{
			{ts: at(0), num: 5, want: 0}, {ts: at(20 * s), num: 1, want: 5},
			// exactly Over after: out in exact terms, in through its bucket [0, 10s)
			{ts: at(60 * s), read: true, want: 5},
			// once the bucket ends at or before ts-Over it is out
			{ts: at(70 * s), read: true, want: 1}}},
		{"hist_mean and the current event is never its own history", hist(HistMean), []bev{
			{ts: at(0), num: 10, want: 0}, {ts: at(30 * s), num: 20, want: 10},
			{ts: at(45 * s), num: 90, want: 15}}},
		{"age counts from the first event and restarts after Over of silence", Spec{Fn: Age, Over: 100 * s}, []bev{
			{ts: at(0), want: 0}, {ts: at(30 * s), want: 30}, {ts: at(130 * s), want: 0},
			{ts: at(229 * s), want: 99}, {ts: at(328 * s), read: true, want: 198}, {ts: at(329 * s), read: true, want: 0}}},
		{"inflow_match: an inflow forwarded within the tolerance", inflow, []bev{
			{ts: at(0), num: 1000, party: "A", want: 0},
			{ts: at(time.Hour), num: 950, party: "C", read: true, want: 1000},
			{ts: at(time.Hour), num: 900, party: "C", read: true, want: 1000},
			{ts: at(time.Hour), num: 899.99, party: "C", read: true, want: 0},
			{ts: at(time.Hour), num: 1100, party: "C", read: true, want: 1000},
			{ts: at(time.Hour), num: 950, party: "A", read: true, want: 0}, // back to its origin: a refund
			{ts: at(24*time.Hour - 1), num: 950, party: "C", read: true, want: 1000},
			{ts: at(24 * time.Hour), num: 950, party: "C", read: true, want: 0}}},
		{"inflow_match: the closest amount wins", inflow, []bev{
			{ts: at(0), num: 1000, party: "A", want: 0},
			{ts: at(s), num: 1050, party: "B", want: 1000}, // B's inflow matches A's
			{ts: at(time.Hour), num: 1040, party: "C", read: true, want: 1050}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.spec.Validate(); err != nil {
				t.Fatal(err)
			}
			runBehaviour(t, NewStore(tt.spec), tt.evs)
		})
	}
}

func TestNewDistinctForgetsBeyondMaxKnown(t *testing.T) {
	st := NewStore(Spec{Fn: NewDistinct, Over: time.Hour, Lookback: 90 * 24 * time.Hour})
	for i := 0; i <= maxKnown+1; i++ { // maxKnown+2 counterparties, one a day: the last stays in the window
		st.Observe("acct", at(time.Duration(i)*24*time.Hour), 0, HashString(strconv.Itoa(i)))
	}
	if st.Overflow() == 0 {
		t.Fatalf("no overflow after %d counterparties", maxKnown+2)
	}
	// The counterparty seen longest ago was forgotten and reads as new; the
	// most recent ones are known.
	ts := at(time.Duration(maxKnown+3) * 24 * time.Hour)
	if v, _ := st.Observe("acct", ts, 0, HashString("0")); v != 1 {
		t.Errorf("forgotten counterparty: %v new, want 1 (the documented overcount)", v)
	}
	if v, _ := st.Observe("acct", ts+1, 0, HashString(strconv.Itoa(maxKnown))); v != 1 {
		t.Errorf("known counterparty: %v new, want 1 (only the forgotten one)", v)
	}
}

// TestHistP95Error checks the documented error of HistP95 against the exact
// nearest-rank percentile: exact below 60 events in the history, an upper
// bound at most the history's maximum above.
func TestHistP95Error(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 5, 19, 20, 40, 59, 60, 150, 600} {
		st := NewStore(Spec{Fn: HistP95, Over: 180 * 24 * time.Hour, Recent: 24 * time.Hour})
		mx := NewStore(Spec{Fn: HistMax, Over: 180 * 24 * time.Hour, Recent: 24 * time.Hour})
		var vals []float64
		for i := 0; i < n; i++ {
			v := math.Round(math.Exp(r.NormFloat64()*1.5+5)*100) / 100
			vals = append(vals, float64(float32(v)))
			ts := at(time.Duration(i) * 150 * 24 * time.Hour / time.Duration(n))
			st.Observe("acct", ts, v, 0)
			mx.Observe("acct", ts, v, 0)
		}
		q := at(151 * 24 * time.Hour)
		got := st.Value("acct", q)
		slices.Sort(vals)
		exact := vals[int(math.Ceil(0.95*float64(n)))-1]
		switch {
		case n < 60 && math.Abs(got-exact) > 1e-6*exact: // float32 tops
			t.Errorf("n=%d: p95 %v, exact %v", n, got, exact)
		case got < exact*(1-1e-6) || got > mx.Value("acct", q)*(1+1e-6):
			t.Errorf("n=%d: p95 %v outside [exact %v, max %v]", n, got, exact, mx.Value("acct", q))
		}
	}
}

func TestInflowMatchKeepsLargestAndPath(t *testing.T) {
	st := NewStore(Spec{Fn: InflowMatch, Over: 24 * time.Hour, Tolerance: 0.1})
	for i, amt := range []float64{500, 9000, 100, 7000, 8000} {
		st.ObserveEvent("B", Event{TS: at(time.Duration(i) * time.Minute), Num: amt, Party: "A" + strconv.Itoa(i), TxID: "in" + strconv.Itoa(i)})
	}
	q := Event{TS: at(time.Hour), Num: 95, Party: "C", TxID: "out"}
	if v := st.ValueFor("B", q); v != 0 {
		t.Errorf("the smallest inflow should have been dropped for the cap, matched %v", v)
	}
	q.Num = 8800
	if v := st.ValueFor("B", q); v != 9000 {
		t.Errorf("match %v, want 9000", v)
	}
	path := st.Path(st.Spec(), "B", q)
	want := []Hop{
		{From: "A1", To: "B", TxID: "in1", Amount: 9000, TS: time.Unix(0, at(time.Minute)).UTC().Format(time.RFC3339)},
		{From: "B", To: "C", TxID: "out", Amount: 8800, TS: time.Unix(0, at(time.Hour)).UTC().Format(time.RFC3339)},
	}
	if !slices.Equal(path, want) {
		t.Errorf("path %+v, want %+v", path, want)
	}
	if st.Overflow() != 1 {
		t.Errorf("overflow %d, want 1", st.Overflow())
	}
}

func TestBehaviourLateAndEvict(t *testing.T) {
	for _, spec := range []Spec{
		{Fn: NewDistinct, Over: 10 * s, Lookback: 20 * s, Lateness: 2 * s},
		{Fn: HistCount, Over: 60 * s, Recent: 10 * s, Lateness: 2 * s},
		{Fn: Age, Over: 10 * s, Lateness: 2 * s},
		{Fn: InflowMatch, Over: 10 * s, Tolerance: 0.1, Lateness: 2 * s},
	} {
		st := NewStore(spec)
		st.Observe("acct", at(10*s), 1, 1)
		if _, late := st.Observe("acct", at(8*s-1), 1, 2); !late || st.Late() != 1 {
			t.Errorf("%s: an event more than lateness behind is late", spec.Fn)
		}
		if _, late := st.Observe("acct", at(8*s), 1, 3); late {
			t.Errorf("%s: an event exactly lateness behind is not late", spec.Fn)
		}
		reach := spec.Reach() + spec.Lateness
		if n := st.Evict(at(10*s) + int64(reach) - 1); n != 0 {
			t.Errorf("%s: evicted %d keys before the reach", spec.Fn, n)
		}
		// Scratch space stays, and the pools keep the key's slices for the
		// next new key.
		if n := st.Evict(at(10*s) + int64(reach)); n != 1 || st.Keys() != 0 || st.SizeBytes()-poolSpare(st) > 64 {
			t.Errorf("%s: Evict at the reach dropped %d keys, %d left, %d bytes", spec.Fn, n, st.Keys(), st.SizeBytes())
		}
	}
}

func TestBehaviourSpecValidate(t *testing.T) {
	bad := []Spec{
		{Fn: NewDistinct, Over: s},
		{Fn: HistP95, Over: s, Recent: s},
		{Fn: HistMean, Over: s},
		{Fn: InflowMatch, Over: s, Tolerance: 1},
		{Fn: InflowMatch, Over: s},
	}
	for _, sp := range bad {
		if sp.Validate() == nil {
			t.Errorf("%+v: no error", sp)
		}
		NewStore(sp).Observe("k", base, 1, 1) // corrected, must not panic
	}
}

// TestValueWithReadsSharedState reads one history as count, max and p95,
// and one inflow state with both origins, as the screener does for
// aggregates that share a Store.
func TestValueWithReadsSharedState(t *testing.T) {
	hist := Spec{Fn: HistMax, Over: 60 * s, Recent: 10 * s}
	st := NewStore(hist)
	for i, v := range []float64{4, 9, 2} {
		st.Observe("acct", at(time.Duration(i)*s), v, 0)
	}
	q := Event{TS: at(30 * s)}
	count, p95 := hist, hist
	count.Fn, p95.Fn = HistCount, HistP95
	if count.StateKey() != hist.StateKey() {
		t.Fatalf("hist_count and hist_max of one history have different state keys")
	}
	if got := [3]float64{st.ValueWith(hist, "acct", q), st.ValueWith(count, "acct", q), st.ValueWith(p95, "acct", q)}; got != [3]float64{9, 3, 9} {
		t.Errorf("max, count, p95 = %v, want [9 3 9]", got)
	}
	other := Spec{Fn: InflowMatch, Over: 24 * time.Hour, Tolerance: 0.1}
	same := other
	same.SameOrigin = true
	in := NewStore(other)
	in.ObserveEvent("B", Event{TS: at(0), Num: 1000, Party: "A", TxID: "t1"})
	back := Event{TS: at(time.Hour), Num: 950, Party: "A", TxID: "t2"}
	if a, b := in.ValueWith(other, "B", back), in.ValueWith(same, "B", back); a != 0 || b != 1000 {
		t.Errorf("to the payer: origin other %v (want 0), origin same %v (want 1000)", a, b)
	}
	if p := in.Path(same, "B", back); len(p) != 2 || p[0].TxID != "t1" || p[1].To != "A" {
		t.Errorf("round-trip path %+v", p)
	}
}
