package trace

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// transfer is a test transfer at t0 + at.
type transfer struct {
	id   string
	d, c string
	eur  float64
	at   time.Duration
}

func (tr transfer) tx() *engine.Tx {
	return &engine.Tx{TxID: tr.id, TS: t0.Add(tr.at), AmountEURF: tr.eur,
		Debtor: engine.Party{Account: tr.d}, Creditor: engine.Party{Account: tr.c}}
}

// run traces feed in order and returns the trace of each transfer.
func run(cfg Config, feed []transfer) []engine.Trace {
	tr := New(cfg)
	out := make([]engine.Trace, len(feed))
	for i, f := range feed {
		tx := f.tx()
		tr.Observe(tx)
		out[i] = tx.Trace
		out[i].Path = slices.Clone(tx.Trace.Path) // the tracer reuses its buffer
	}
	return out
}

func TestObserve(t *testing.T) {
	h := time.Hour
	tests := []struct {
		name      string
		feed      []transfer
		wantHops  int // of the last transfer
		wantCycle bool
		wantFrom  string // origin
	}{
		{"lone transfer", []transfer{{"1", "A", "B", 1000, 0}}, 1, false, "A"},
		{"chain of three", []transfer{{"1", "A", "B", 1000, 0}, {"2", "B", "C", 950, h}, {"3", "C", "D", 900, 2 * h}}, 3, false, "A"},
		{"ratio at the low edge links", []transfer{{"1", "A", "B", 1000, 0}, {"2", "B", "C", 800, h}}, 2, false, "A"},
		{"ratio below the low edge does not", []transfer{{"1", "A", "B", 1000, 0}, {"2", "B", "C", 799.99, h}}, 1, false, "B"},
		{"ratio at the high edge links", []transfer{{"1", "A", "B", 1000, 0}, {"2", "B", "C", 1100, h}}, 2, false, "A"},
		{"ratio above the high edge does not", []transfer{{"1", "A", "B", 1000, 0}, {"2", "B", "C", 1100.01, h}}, 1, false, "B"},
		{"just inside the window links", []transfer{{"1", "A", "B", 1000, 0}, {"2", "B", "C", 1000, DefaultWindow - time.Nanosecond}}, 2, false, "A"},
		{"exactly the window apart does not (as (t − over, t])", []transfer{{"1", "A", "B", 1000, 0}, {"2", "B", "C", 1000, DefaultWindow}}, 1, false, "B"},
		{"same instant never links", []transfer{{"1", "A", "B", 1000, h}, {"2", "B", "C", 1000, h}}, 1, false, "B"},
		{"money comes back", []transfer{{"1", "A", "B", 1000, 0}, {"2", "B", "C", 950, h}, {"3", "C", "A", 900, 2 * h}}, 3, true, "A"},
		{"back to an intermediary", []transfer{{"1", "A", "B", 1000, 0}, {"2", "B", "C", 950, h}, {"3", "C", "D", 900, 2 * h}, {"4", "D", "B", 880, 3 * h}}, 4, true, "A"},
		{"two-account round trip", []transfer{{"1", "A", "B", 1000, 0}, {"2", "B", "A", 990, h}}, 2, true, "A"},
		{"self transfer is not traced", []transfer{{"1", "A", "B", 1000, 0}, {"2", "B", "B", 1000, h}}, 0, false, ""},
		{"longest path wins over the closer amount", []transfer{
			{"1", "X", "A", 1000, 0}, {"2", "A", "B", 1000, h}, // B's arrival with 2 hops, EUR 1000
			{"3", "Y", "B", 900, 2 * h},  // B's arrival with 1 hop, EUR 900
			{"4", "B", "C", 900, 3 * h}}, // matches both; the 2-hop path wins
			3, false, "X"},
		{"only the newest arrivals are kept", []transfer{
			{"1", "A", "B", 5000, 0},
			{"2", "P", "B", 10, h}, {"3", "Q", "B", 10, h}, {"4", "R", "B", 10, h}, {"5", "S", "B", 10, h},
			{"6", "B", "C", 5000, 2 * h}}, 1, false, "B"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := run(Config{}, tc.feed)
			last := got[len(got)-1]
			if last.Hops != tc.wantHops || last.Cycle != tc.wantCycle || last.Origin != tc.wantFrom {
				t.Fatalf("last trace = hops %d cycle %v origin %q, want %d %v %q", last.Hops, last.Cycle, last.Origin, tc.wantHops, tc.wantCycle, tc.wantFrom)
			}
			if tc.wantHops > 0 && len(last.Path) != tc.wantHops-1 {
				t.Fatalf("path has %d transfers, want %d", len(last.Path), tc.wantHops-1)
			}
		})
	}
}

// TestOwnAccountMovesAddNoHop: a company moving a customer's payment to
// its own account abroad and back changes accounts, not hands.
func TestOwnAccountMovesAddNoHop(t *testing.T) {
	tr := New(Config{})
	party := func(acc, name string) engine.Party { return engine.Party{Account: acc, NameNorm: name} }
	feed := []*engine.Tx{
		{TxID: "1", TS: t0, AmountEURF: 50000, Debtor: party("CUST", "kunde as"), Creditor: party("PL1", "budex sa")},
		{TxID: "2", TS: t0.Add(time.Hour), AmountEURF: 49000, Debtor: party("PL1", "budex sa"), Creditor: party("NO1", "budex sa")},
		{TxID: "3", TS: t0.Add(2 * time.Hour), AmountEURF: 48000, Debtor: party("NO1", "budex sa"), Creditor: party("PL1", "budex sa")},
		{TxID: "4", TS: t0.Add(3 * time.Hour), AmountEURF: 47000, Debtor: party("PL1", "budex sa"), Creditor: party("X", "mule")},
	}
	want := []struct {
		hops  int
		cycle bool
	}{{1, false}, {1, false}, {1, true}, {2, false}}
	for i, tx := range feed {
		tr.Observe(tx)
		if tx.Trace.Hops != want[i].hops || tx.Trace.Cycle != want[i].cycle {
			t.Errorf("transfer %s: hops %d cycle %v, want %d %v", tx.TxID, tx.Trace.Hops, tx.Trace.Cycle, want[i].hops, want[i].cycle)
		}
	}
	// The same by customer id, with different names.
	tx := &engine.Tx{TxID: "5", TS: t0.Add(4 * time.Hour), AmountEURF: 46000,
		Debtor: engine.Party{Account: "X", CustomerID: "c9"}, Creditor: engine.Party{Account: "X2", CustomerID: "c9"}}
	tr.Observe(tx)
	if tx.Trace.Hops != 2 {
		t.Errorf("own-account move by customer id: hops %d, want 2", tx.Trace.Hops)
	}
	// The path marks the own-account moves, the alerted one included, so
	// that its reader can number the hops as Hops counts them.
	var own []bool
	for _, h := range engine.TracePath(tx) {
		own = append(own, h.OwnAccount)
	}
	if want := []bool{false, true, true, false, true}; !slices.Equal(own, want) {
		t.Errorf("own-account marks %v, want %v", own, want)
	}
}

func TestPathAndHours(t *testing.T) {
	got := run(Config{}, []transfer{{"t1", "A", "B", 1000, 0}, {"t2", "B", "C", 950, 5 * time.Hour}, {"t3", "C", "D", 900, 30 * time.Hour}})
	last := got[2]
	want := []engine.Hop{
		{TxID: "t1", Debtor: "A", Creditor: "B", AmountEUR: 1000, TS: t0},
		{TxID: "t2", Debtor: "B", Creditor: "C", AmountEUR: 950, TS: t0.Add(5 * time.Hour)},
	}
	if !slices.Equal(last.Path, want) {
		t.Fatalf("path = %+v, want %+v", last.Path, want)
	}
	if last.Hours != 30 {
		t.Fatalf("hours = %v, want 30", last.Hours)
	}
	if want := 900.0 / 950; last.Ratio != want || got[0].Ratio != 0 {
		t.Fatalf("ratio = %v (first transfer %v), want %v (0)", last.Ratio, got[0].Ratio, want)
	}
}

// TestLongChainIsRebased: a path longer than 2·MaxPath keeps counting
// hops, lists MaxPath transfers, and keeps no more nodes alive.
func TestLongChainIsRebased(t *testing.T) {
	cfg := Config{MaxPath: 3}
	var feed []transfer
	for i := range 20 {
		feed = append(feed, transfer{fmt.Sprint(i), fmt.Sprint("acc", i), fmt.Sprint("acc", i+1), 1000, time.Duration(i) * time.Hour})
	}
	tr := New(cfg)
	for i, f := range feed {
		tx := f.tx()
		tr.Observe(tx)
		if tx.Trace.Hops != i+1 {
			t.Fatalf("transfer %d: hops %d, want %d", i, tx.Trace.Hops, i+1)
		}
		if want := min(i, 3); len(tx.Trace.Path) != want {
			t.Fatalf("transfer %d: path of %d, want %d", i, len(tx.Trace.Path), want)
		}
		if i > 0 && tx.Trace.Path[len(tx.Trace.Path)-1].TxID != fmt.Sprint(i-1) {
			t.Fatalf("transfer %d: path ends at %s", i, tx.Trace.Path[len(tx.Trace.Path)-1].TxID)
		}
	}
	for _, acc := range tr.accounts {
		for _, a := range acc.arrivals {
			depth := 0
			for n := a.n; n != nil; n = n.parent {
				depth++
			}
			if depth > 2*cfg.MaxPath {
				t.Fatalf("a chain keeps %d nodes alive, want at most %d", depth, 2*cfg.MaxPath)
			}
		}
	}
}

// TestOrderWithinAnInstant: the transfers of one instant give the same
// traces in any order (the re-key merge breaks ties by partition, a file
// by line).
func TestOrderWithinAnInstant(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	accounts := []string{"A", "B", "C", "D", "E", "F"}
	var feed []transfer
	for i := range 400 {
		d, c := accounts[rng.IntN(6)], accounts[rng.IntN(6)]
		feed = append(feed, transfer{fmt.Sprintf("%04d", i), d, c, float64(900 + rng.IntN(200)), time.Duration(i/4) * time.Hour})
	}
	want := run(Config{}, feed)
	for range 20 {
		shuffled := slices.Clone(feed)
		index := make([]int, len(feed))
		for i := range index {
			index[i] = i
		}
		for i := 0; i < len(shuffled); i += 4 { // shuffle within each instant
			rng.Shuffle(4, func(a, b int) {
				shuffled[i+a], shuffled[i+b] = shuffled[i+b], shuffled[i+a]
				index[i+a], index[i+b] = index[i+b], index[i+a]
			})
		}
		got := run(Config{}, shuffled)
		for i := range got {
			w := want[index[i]]
			if got[i].Hops != w.Hops || got[i].Cycle != w.Cycle || got[i].Origin != w.Origin || !slices.Equal(got[i].Path, w.Path) {
				t.Fatalf("transfer %s: %+v in shuffled order, %+v in feed order", shuffled[i].id, got[i], w)
			}
		}
	}
}

func TestEvict(t *testing.T) {
	tr := New(Config{})
	for _, f := range []transfer{{"1", "A", "B", 1000, 0}, {"2", "C", "D", 1000, DefaultWindow + 25*time.Hour}} {
		tr.Observe(f.tx())
	}
	tr.Evict()
	if tr.Accounts() != 1 {
		t.Fatalf("%d accounts after eviction, want 1 (D)", tr.Accounts())
	}
	if _, ok := tr.accounts["D"]; !ok {
		t.Fatal("D, the recent one, was evicted")
	}
	// B's state is gone and its record is reused for E: neither carries
	// the other's arrivals.
	later := DefaultWindow + 26*time.Hour
	for _, f := range []struct {
		tr   transfer
		hops int
	}{
		{transfer{"3", "X", "E", 1000, later}, 1},
		{transfer{"4", "B", "Z", 1000, later + time.Hour}, 1},
		{transfer{"5", "E", "F", 1000, later + 2*time.Hour}, 2},
	} {
		tx := f.tr.tx()
		tr.Observe(tx)
		if tx.Trace.Hops != f.hops {
			t.Errorf("transfer %s after eviction: hops %d, want %d", f.tr.id, tx.Trace.Hops, f.hops)
		}
	}
}

// TestBytesPerAccount measures the state of accounts that each receive a
// few transfers, the figure the package doc gives.
func TestBytesPerAccount(t *testing.T) {
	const accounts = 20000
	feed := make([]*engine.Tx, 0, accounts*4)
	for i := range accounts * 4 {
		feed = append(feed, transfer{fmt.Sprintf("TX%010d", i), fmt.Sprintf("NO93860111%06d", i%accounts+accounts),
			fmt.Sprintf("PL61109010140000071219%06d", i%accounts), 1000, time.Duration(i) * time.Second}.tx())
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tr := New(Config{})
	for _, tx := range feed {
		tr.Observe(tx)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / accounts
	t.Logf("%.0f bytes per account with 4 arrivals", per)
	if per > 1024 {
		t.Fatalf("%.0f bytes per account, want at most 1024", per)
	}
	runtime.KeepAlive(tr)
	runtime.KeepAlive(feed)
}

// BenchmarkObserve: a feed of 50,000 accounts, a tenth of whose transfers
// pass on what the debtor received.
func BenchmarkObserve(b *testing.B) {
	const accounts = 50000
	rng := rand.New(rand.NewPCG(3, 4))
	feed := make([]*engine.Tx, 1<<16)
	for i := range feed {
		eur := float64(100 + rng.IntN(20000))
		feed[i] = transfer{fmt.Sprintf("TX%010d", i), fmt.Sprintf("PL6110901014%016d", rng.IntN(accounts)),
			fmt.Sprintf("PL6110901014%016d", rng.IntN(accounts)), eur, time.Duration(i) * 10 * time.Second}.tx()
	}
	tr := New(Config{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		tx := feed[i&(len(feed)-1)]
		if i >= len(feed) {
			tx.TS = tx.TS.Add(time.Duration(len(feed)) * 10 * time.Second) // keep time moving forward
		}
		tr.Observe(tx)
	}
}
