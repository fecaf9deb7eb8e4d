package console

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/engine"
)

var traceStart = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// chain returns the trace.path of a transfer through accounts in order,
// one hop every 20 hours, each 95 % of the last.
func chain(accounts ...string) []engine.Hop {
	var hops []engine.Hop
	amt := 40000.0
	for i := 0; i+1 < len(accounts); i++ {
		hops = append(hops, engine.Hop{TxID: fmt.Sprintf("tx-%d", i+1), Debtor: accounts[i], Creditor: accounts[i+1],
			AmountEUR: amt, TS: traceStart.Add(time.Duration(20*i) * time.Hour)})
		amt *= 0.95
	}
	return hops
}

// explanation is an alert explanation as the engine writes it.
func explanation(t *testing.T, entries map[string]any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(entries)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// own marks the hops at the given indices as own-account moves.
func own(hops []engine.Hop, at ...int) []engine.Hop {
	for _, i := range at {
		hops[i].OwnAccount = true
	}
	return hops
}

// ten is a path of the tracer's longest listing: 8 earlier transfers and
// the alerted one.
func ten() []engine.Hop { return chain("A", "B", "C", "D", "E", "F", "G", "H", "I", "J") }

func TestParseTracePath(t *testing.T) {
	type want struct {
		numbers  []int // hop number of each listed transfer, 0 for an own-account move
		unlisted int
		returned string
	}
	path := func(hops any, more map[string]any) string {
		e := map[string]any{engine.TracePathKey: hops}
		for k, v := range more {
			e[k] = v
		}
		return string(explanation(t, e))
	}
	tests := []struct {
		name string
		raw  string
		want *want // nil: no path table
	}{
		{"chain", path(chain("A", "B", "C", "D", "E"), map[string]any{"trace.hops": 4}),
			&want{[]int{1, 2, 3, 4}, 0, ""}},
		{"cycle", path(chain("A", "B", "C", "A"), map[string]any{"trace.cycle": true, "trace.hops": 3}),
			&want{[]int{1, 2, 3}, 0, "A"}},
		{"back at an intermediary", path(chain("A", "B", "C", "D", "B"), nil),
			&want{[]int{1, 2, 3, 4}, 0, "B"}},
		{"longer than listed", path(ten(), map[string]any{"trace.hops": 11}),
			&want{[]int{3, 4, 5, 6, 7, 8, 9, 10, 11}, 2, ""}},
		// A treasury moving the money to its own account abroad and back:
		// 4 transfers, 2 hops.
		{"own-account moves", path(own(chain("A", "B", "B2", "B", "C"), 1, 2), map[string]any{"trace.hops": 2}),
			&want{[]int{1, 0, 0, 2}, 0, ""}},
		// 11 hops and 2 listed own-account moves: 7 listed hops, the
		// first 4 not listed (counting listed transfers would say 2).
		{"longer than listed with own-account moves", path(own(ten(), 2, 5), map[string]any{"trace.hops": 11}),
			&want{[]int{5, 6, 0, 7, 8, 0, 9, 10, 11}, 4, ""}},
		{"longer than listed, first listed an own-account move", path(own(ten(), 0), map[string]any{"trace.hops": 9}),
			&want{[]int{0, 2, 3, 4, 5, 6, 7, 8, 9}, 1, ""}},
		{"alerted transfer an own-account move", path(own(chain("A", "B", "B2"), 1), map[string]any{"trace.hops": 1}),
			&want{[]int{1, 0}, 0, ""}},
		{"trace.hops absent", path(own(chain("A", "B", "C", "D"), 1), nil),
			&want{[]int{1, 0, 2}, 0, ""}},
		{"hops not a number", path(chain("A", "B", "C"), map[string]any{"trace.hops": "many"}),
			&want{[]int{1, 2}, 0, ""}},
		// An alert written before own-account moves were marked: its count
		// is below the listed transfers; they are numbered from 1.
		{"hops below the listed transfers", path(chain("A", "B", "C", "D"), map[string]any{"trace.hops": 2}),
			&want{[]int{1, 2, 3}, 0, ""}},
		{"no path", `{"trace.hops":4,"amount_eur":9000}`, nil},
		{"empty explanation", ``, nil},
		{"not json", `{"trace.path":[`, nil},
		{"explanation a list", `[{"trace.path":[]}]`, nil},
		{"path null", `{"trace.path":null}`, nil},
		{"path empty", `{"trace.path":[]}`, nil},
		{"path a string", `{"trace.path":"A>B>C"}`, nil},
		{"path an object", `{"trace.path":{"tx_id":"t"}}`, nil},
		{"hop a number", `{"trace.path":[1,2]}`, nil},
		{"amount a string", `{"trace.path":[{"tx_id":"t","debtor":"A","creditor":"B","amount_eur":"9000","ts":"2026-03-02T08:00:00Z"}]}`, nil},
		{"ts not a time", `{"trace.path":[{"tx_id":"t","debtor":"A","creditor":"B","amount_eur":9000,"ts":"yesterday"}]}`, nil},
		{"ts missing", `{"trace.path":[{"tx_id":"t","debtor":"A","creditor":"B","amount_eur":9000}]}`, nil},
		{"debtor missing", `{"trace.path":[{"tx_id":"t","creditor":"B","amount_eur":9000,"ts":"2026-03-02T08:00:00Z"}]}`, nil},
		{"tx id missing", `{"trace.path":[{"debtor":"A","creditor":"B","amount_eur":9000,"ts":"2026-03-02T08:00:00Z"}]}`, nil},
		{"account a number", `{"trace.path":[{"tx_id":"t","debtor":7,"creditor":"B","amount_eur":9000,"ts":"2026-03-02T08:00:00Z"}]}`, nil},
		{"negative amount", `{"trace.path":[{"tx_id":"t","debtor":"A","creditor":"B","amount_eur":-1,"ts":"2026-03-02T08:00:00Z"}]}`, nil},
		{"own_account not a bool", `{"trace.path":[{"tx_id":"t","debtor":"A","creditor":"B","amount_eur":1,"ts":"2026-03-02T08:00:00Z","own_account":"yes"}]}`, nil},
		{"one-hop layering path", `{"forwarded_inflow_96h_path":[{"from":"A","to":"B","tx_id":"t","amount":9000,"ts":"2026-03-02T08:00:00Z"}]}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := parseTracePath(json.RawMessage(tc.raw))
			if tc.want == nil {
				if p != nil {
					t.Fatalf("got a path of %d hops, want none", len(p.Hops))
				}
				return
			}
			if p == nil {
				t.Fatal("no path")
			}
			var numbers []int
			for i, h := range p.Hops {
				numbers = append(numbers, h.N)
				if h.OwnAccount != (h.N == 0) || h.Alerted != (i == len(p.Hops)-1) {
					t.Errorf("hop %d: number %d, own account %v, alerted %v", i, h.N, h.OwnAccount, h.Alerted)
				}
				if h.From.Returned != (h.From.Account == tc.want.returned) || h.To.Returned != (h.To.Account == tc.want.returned) {
					t.Errorf("hop %d: returned marks %v %v", i, h.From.Returned, h.To.Returned)
				}
			}
			if fmt.Sprint(numbers) != fmt.Sprint(tc.want.numbers) || p.Unlisted != tc.want.unlisted || p.Returned != tc.want.returned {
				t.Fatalf("numbers %v, %d unlisted, returned %q; want %v, %d, %q",
					numbers, p.Unlisted, p.Returned, tc.want.numbers, tc.want.unlisted, tc.want.returned)
			}
		})
	}
}

// TestExplainRowsTracePath: a path shown as a table is not also dumped as
// JSON; one that cannot be shown stays in the explanation.
func TestExplainRowsTracePath(t *testing.T) {
	tests := []struct {
		name     string
		raw      json.RawMessage
		showPath bool
	}{
		{"valid", explanation(t, map[string]any{"trace.hops": 3, engine.TracePathKey: chain("A", "B", "C", "D")}), false},
		{"malformed", json.RawMessage(`{"trace.hops":3,"trace.path":[{"tx_id":"t"}]}`), true},
		{"wrong type", json.RawMessage(`{"trace.hops":3,"trace.path":"A>B"}`), true},
	}
	for _, tc := range tests {
		rows := explainRows(tc.raw)
		keys := map[string]string{}
		for _, r := range rows {
			keys[r.Key] = r.Value
		}
		if _, ok := keys[engine.TracePathKey]; ok != tc.showPath {
			t.Errorf("%s: trace.path row shown %v, want %v", tc.name, ok, tc.showPath)
		}
		if keys["trace.hops"] != "3" {
			t.Errorf("%s: trace.hops row = %q", tc.name, keys["trace.hops"])
		}
	}
}

// flowAlert is the alert of a path's last hop.
func flowAlert(hops []engine.Hop, typology string) *store.Alert {
	last := hops[len(hops)-1]
	return &store.Alert{ID: "f", TxID: last.TxID, Typology: typology, TS: last.TS,
		DebtorAccount: last.Debtor, CreditorAccount: last.Creditor}
}

// edgeKinds lists a graph's edges as "from>to kind hop", in drawing order.
func edgeKinds(t *testing.T, g *graph) []string {
	t.Helper()
	var out []string
	for _, e := range g.Edges {
		if e.Path == "" {
			t.Errorf("edge %s>%s has no curve", e.From.Account, e.To.Account)
		}
		out = append(out, fmt.Sprintf("%s>%s %s %d", e.From.Account, e.To.Account, e.Kind, e.Hop))
	}
	return out
}

// checkSpread fails when two nodes overlap or a label would run into a
// neighbour's.
func checkSpread(t *testing.T, g *graph) {
	t.Helper()
	for i, a := range g.Nodes {
		if a.X < 20 || a.X > float64(g.Width)-20 || a.Y < 20 || a.Y > float64(g.Height)-20 {
			t.Errorf("%s outside the picture at (%.0f, %.0f)", a.Account, a.X, a.Y)
		}
		for _, b := range g.Nodes[i+1:] {
			if math.Hypot(a.X-b.X, a.Y-b.Y) < 60 {
				t.Errorf("%s and %s overlap", a.Account, b.Account)
			}
			if a.Y+a.LabelDY == b.Y+b.LabelDY && math.Abs(a.X-b.X) < 95 {
				t.Errorf("labels of %s and %s overlap", a.Account, b.Account)
			}
		}
	}
	nodes := nodeBoxes(g.Nodes)
	for i, e := range g.Edges {
		if hits(g.Nodes, e.From, e.To, e.bend) > 0 {
			t.Errorf("edge %s>%s passes over a node", e.From.Account, e.To.Account)
		}
		lb := e.labelBox()
		for _, f := range g.Edges[i+1:] {
			if lb.overlaps(f.labelBox()) {
				t.Errorf("labels of %s>%s and %s>%s overlap", e.From.Account, e.To.Account, f.From.Account, f.To.Account)
			}
		}
		for _, nb := range nodes {
			if lb.overlaps(nb) {
				t.Errorf("label of %s>%s covers a node or its label", e.From.Account, e.To.Account)
			}
		}
	}
}

func TestGraphTracedChain(t *testing.T) {
	hops := chain("PL61109010140000071219812874", "NO9386011117947", "B", "C", "D")
	expl := explanation(t, map[string]any{"trace.hops": 4, engine.TracePathKey: hops})
	a := flowAlert(hops, "layering_chain")
	// Only the alerted transfer and an unrelated inflow of D are stored:
	// the path's earlier accounts are drawn all the same.
	txs := []store.Tx{
		{ID: "tx-4", TS: hops[3].TS, AmountEUR: "34295", DebtorAccount: "C", CreditorAccount: "D", DebtorCountry: "DE", CreditorCountry: "LT"},
		{ID: "other", TS: hops[3].TS.Add(-time.Hour), AmountEUR: "120", DebtorAccount: "X", CreditorAccount: "C"},
	}
	g := buildGraph(a, txs, parseTracePath(expl))
	got := strings.Join(edgeKinds(t, g), ", ")
	want := "X>C flow 0, PL61109010140000071219812874>NO9386011117947 path 1, NO9386011117947>B path 2, B>C path 3, C>D alert 4"
	if got != want {
		t.Fatalf("edges\n got %s\nwant %s", got, want)
	}
	roles := map[string]string{}
	for _, n := range g.Nodes {
		roles[n.Account] = n.Role + " " + n.Country
	}
	wantRoles := map[string]string{"PL61109010140000071219812874": "path PL", "NO9386011117947": "path NO", "B": "path ",
		"C": "debtor DE", "D": "creditor LT", "X": "counterparty "}
	if len(roles) != len(wantRoles) {
		t.Fatalf("nodes %v", roles)
	}
	for acct, r := range wantRoles {
		if roles[acct] != r {
			t.Errorf("%s: %q, want %q", acct, roles[acct], r)
		}
	}
	// The path reads left to right in hop order.
	for i := 1; i < 4; i++ {
		if g.Edges[i].To.X <= g.Edges[i].From.X {
			t.Errorf("hop %d runs right to left", g.Edges[i].Hop)
		}
	}
	if !g.Traced || g.Edges[4].Label() != "4 · €34,295" {
		t.Errorf("traced %v, alert label %q", g.Traced, g.Edges[4].Label())
	}
	checkSpread(t, g)
}

func TestGraphTracedCycle(t *testing.T) {
	hops := chain("A", "B", "C", "A")
	a := flowAlert(hops, "round_trip")
	g := buildGraph(a, nil, parseTracePath(explanation(t, map[string]any{engine.TracePathKey: hops})))
	got := strings.Join(edgeKinds(t, g), ", ")
	if want := "A>B path 1, B>C path 2, C>A alert 3"; got != want {
		t.Fatalf("edges\n got %s\nwant %s", got, want)
	}
	for _, n := range g.Nodes {
		if n.Returned != (n.Account == "A") {
			t.Errorf("%s returned = %v", n.Account, n.Returned)
		}
	}
	if len(g.Nodes) != 3 {
		t.Fatalf("%d nodes", len(g.Nodes))
	}
	checkSpread(t, g)
}

// TestGraphOwnAccountMove: an own-account move is drawn in its place on
// the path, labelled as such instead of with a hop number.
func TestGraphOwnAccountMove(t *testing.T) {
	hops := own(chain("A", "B", "B2", "C"), 1)
	g := buildGraph(flowAlert(hops, "layering_chain"), nil,
		parseTracePath(explanation(t, map[string]any{"trace.hops": 2, engine.TracePathKey: hops})))
	got := strings.Join(edgeKinds(t, g), ", ")
	if want := "A>B path 1, B>B2 path 0, B2>C alert 2"; got != want {
		t.Fatalf("edges\n got %s\nwant %s", got, want)
	}
	if l := g.Edges[1].Label(); l != "own · €38,000" {
		t.Errorf("own-account move labelled %q", l)
	}
	checkSpread(t, g)
}

// TestGraphLongPath: the longest listed path (the tracer's 8 earlier
// hops and the alerted one) stays readable.
func TestGraphLongPath(t *testing.T) {
	hops := chain("A0000000000001", "A0000000000002", "A0000000000003", "A0000000000004", "A0000000000005",
		"A0000000000006", "A0000000000007", "A0000000000008", "A0000000000009", "A0000000000010")
	g := buildGraph(flowAlert(hops, "layering_chain"), nil, parseTracePath(explanation(t, map[string]any{engine.TracePathKey: hops})))
	if len(g.Nodes) != 10 || len(g.Edges) != 9 {
		t.Fatalf("%d nodes, %d edges", len(g.Nodes), len(g.Edges))
	}
	checkSpread(t, g)
}

// TestGraphUntracedUnchanged: an alert without a path is drawn as before,
// debtor and creditor in the middle.
func TestGraphUntracedUnchanged(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	a := &store.Alert{ID: "a", TxID: "t", Typology: "fan_in", TS: at, DebtorAccount: "S", CreditorAccount: "R"}
	g := buildGraph(a, []store.Tx{{ID: "t", TS: at, AmountEUR: "10", DebtorAccount: "S", CreditorAccount: "R"}},
		parseTracePath(json.RawMessage(`{"trace.path":"garbage"}`)))
	if g.Traced || len(g.Nodes) != 2 || g.Nodes[1].X != 300 || g.Nodes[0].X != 600 {
		t.Fatalf("traced %v, nodes %+v %+v", g.Traced, *g.Nodes[0], *g.Nodes[1])
	}
}

// TestCaseGraphPaths: two alerts of one chain (its 3rd and 4th hops) in a
// case draw the chain once, both alerted transfers marked.
func TestCaseGraphPaths(t *testing.T) {
	long := chain("A", "B", "C", "D", "E")
	short := long[:3]
	paths := []*tracePath{
		parseTracePath(explanation(t, map[string]any{engine.TracePathKey: short})),
		parseTracePath(explanation(t, map[string]any{engine.TracePathKey: long})),
	}
	txs := []store.Tx{
		{ID: "tx-3", TS: long[2].TS, AmountEUR: "36100", DebtorAccount: "C", CreditorAccount: "D"},
		{ID: "tx-4", TS: long[3].TS, AmountEUR: "34295", DebtorAccount: "D", CreditorAccount: "E"},
		{ID: "fan", TS: long[3].TS, AmountEUR: "900", DebtorAccount: "F", CreditorAccount: "E"},
	}
	g := buildCaseGraph(txs, paths)
	got := strings.Join(edgeKinds(t, g), ", ")
	if want := "A>B path 0, B>C path 0, C>D alert 0, D>E alert 0, F>E alert 0"; got != want {
		t.Fatalf("edges\n got %s\nwant %s", got, want)
	}
	if len(g.Nodes) != 6 || !g.Traced {
		t.Fatalf("%d nodes, traced %v", len(g.Nodes), g.Traced)
	}
	checkSpread(t, g)
	// Without paths the case is drawn around its hub as before.
	if g := buildCaseGraph(txs, nil); g.Traced || len(g.Edges) != 3 {
		t.Fatalf("untraced case graph: traced %v, %d edges", g.Traced, len(g.Edges))
	}
}

// TestCaseGraphCrossingLabels: two transfers without a common account
// cross in the middle of the picture; their labels must not land on each
// other there.
func TestCaseGraphCrossingLabels(t *testing.T) {
	at := time.Date(2026, 10, 13, 11, 47, 0, 0, time.UTC)
	g := buildCaseGraph([]store.Tx{
		{ID: "a", TS: at, AmountEUR: "1654", DebtorAccount: "PL1111940050", CreditorAccount: "PL9810114779"},
		{ID: "b", TS: at, AmountEUR: "1025", DebtorAccount: "SE9360760145", CreditorAccount: "PL2811638966"},
	}, nil)
	if len(g.Edges) != 2 {
		t.Fatalf("%d edges", len(g.Edges))
	}
	checkSpread(t, g)
}

// TestGraphTracedCounterparties: the alert's accounts' other transfers
// (a fan-in to the creditor, payments by the debtor) are drawn in rows
// above and below the path, without covering it.
func TestGraphTracedCounterparties(t *testing.T) {
	hops := chain("A", "B", "C", "D", "E")
	a := flowAlert(hops, "layering_chain")
	var txs []store.Tx
	for i := 0; i < 8; i++ {
		txs = append(txs, store.Tx{ID: fmt.Sprint("in", i), TS: hops[3].TS.Add(time.Duration(i) * time.Hour),
			AmountEUR: fmt.Sprint(1000 + 100*i), DebtorAccount: fmt.Sprintf("SENDER%02d", i), CreditorAccount: "E"})
	}
	for i := 0; i < 3; i++ {
		txs = append(txs, store.Tx{ID: fmt.Sprint("out", i), TS: hops[3].TS.Add(-time.Duration(i) * time.Hour),
			AmountEUR: "900", DebtorAccount: "D", CreditorAccount: fmt.Sprintf("PAYEE%02d", i)})
	}
	g := buildGraph(a, txs, parseTracePath(explanation(t, map[string]any{engine.TracePathKey: hops})))
	if len(g.Nodes) != 16 || len(g.Edges) != 15 {
		t.Fatalf("%d nodes, %d edges", len(g.Nodes), len(g.Edges))
	}
	for _, n := range g.Nodes {
		row := map[bool]string{true: "sender", false: "payee"}[strings.HasPrefix(n.Account, "SENDER")]
		switch {
		case n.Role == "path" || n.Role == "debtor" || n.Role == "creditor":
		case row == "sender" && n.Y >= g.Nodes[0].Y, row == "payee" && n.Y <= g.Nodes[0].Y:
			t.Errorf("%s (%s) at y %.0f, path at %.0f", n.Account, row, n.Y, g.Nodes[0].Y)
		}
	}
	checkSpread(t, g)
}

func TestTracePathSummary(t *testing.T) {
	tests := []struct {
		hours []int // hop times after the first
		want  string
	}{
		{nil, "1 transfer"},
		{[]int{20, 40}, "3 transfers over 40 h"},
		{[]int{20, 40, 60}, "4 transfers over 2 days 12 h"},
	}
	for _, tc := range tests {
		p := &tracePath{Hops: []pathHop{{TS: traceStart}}}
		for _, h := range tc.hours {
			p.Hops = append(p.Hops, pathHop{TS: traceStart.Add(time.Duration(h) * time.Hour)})
		}
		if got := p.Summary(); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.hours, got, tc.want)
		}
	}
}

// FuzzTracePath: whatever an explanation holds, reading its path and
// drawing the alert's and a case's graph do not panic, and a path read
// has hops that each name their transfer, numbered in order.
func FuzzTracePath(f *testing.F) {
	f.Add(`{"trace.hops":3,"trace.path":[{"tx_id":"1","debtor":"A","creditor":"B","amount_eur":9000,"ts":"2026-03-02T08:00:00Z"},{"tx_id":"2","debtor":"B","creditor":"A","amount_eur":8800,"ts":"2026-03-02T09:00:00Z"}]}`)
	f.Add(`{"trace.path":[{"tx_id":"1","debtor":"A","creditor":"A","amount_eur":1,"ts":"2026-03-02T08:00:00Z"},{"tx_id":"2","debtor":"A","creditor":"A","amount_eur":1,"ts":"2026-03-02T09:00:00Z"}]}`)
	f.Add(`{"trace.hops":-5,"trace.path":[{"tx_id":"1","debtor":"A","creditor":"B","amount_eur":1e308,"ts":"0001-01-01T00:00:01Z"}]}`)
	f.Add(`{"trace.path":[{"tx_id":"x","debtor":"A","creditor":"B","amount_eur":1,"ts":"2026-03-02T08:00:00Z"},{"tx_id":"x","debtor":"B","creditor":"C","amount_eur":1,"ts":"2026-03-02T08:00:00Z"}]}`)
	f.Add(`{"trace.path":null}`)
	f.Add(`{"trace.hops":9,"trace.path":[{"tx_id":"1","debtor":"A","creditor":"A2","amount_eur":1,"ts":"2026-03-02T08:00:00Z","own_account":true},{"tx_id":"2","debtor":"A2","creditor":"B","amount_eur":1,"ts":"2026-03-02T09:00:00Z"}]}`)
	f.Add(`{"forwarded_inflow_96h_path":` + layeringPath + `}`)
	f.Fuzz(func(t *testing.T, raw string) {
		p := parseTracePath(json.RawMessage(raw))
		explainRows(json.RawMessage(raw))
		a := &store.Alert{ID: "a", TxID: "t", DebtorAccount: "D", CreditorAccount: "C"}
		buildGraph(a, nil, p)
		if p == nil {
			buildCaseGraph(nil, nil)
			return
		}
		last := p.Unlisted
		for _, h := range p.Hops {
			if h.TxID == "" || h.From.Account == "" || h.To.Account == "" {
				t.Fatalf("hop %+v", h)
			}
			// Hops that changed hands are numbered one after the other,
			// after the unlisted ones; own-account moves are not.
			if h.OwnAccount != (h.N == 0) || !h.OwnAccount && h.N != last+1 {
				t.Fatalf("hop %+v after number %d", h, last)
			}
			last = max(last, h.N)
		}
		buildCaseGraph(nil, []*tracePath{p})
	})
}

// layeringPath is an inflow_match read's path entry as engine/screen
// writes it (window.Hop): the matched inflow, then the alerted transfer.
const layeringPath = `[{"from":"PL61109010140000071219812874","to":"NO9386011117947","tx_id":"in-1","amount":8000,"ts":"2026-03-02T08:00:00Z"},` +
	`{"from":"NO9386011117947","to":"DE89370400440532013000","tx_id":"out-1","amount":7800,"ts":"2026-03-02T13:00:00Z"}]`

func TestDecodeTransferList(t *testing.T) {
	tests := []struct {
		name, key, raw string
		want           []string // "from>to tx amount", nil: not a list
	}{
		{"layering path", "forwarded_inflow_96h_path", layeringPath,
			[]string{"PL61109010140000071219812874>NO9386011117947 in-1 8000", "NO9386011117947>DE89370400440532013000 out-1 7800"}},
		{"one transfer", "x_path", `[{"from":"A","to":"B","tx_id":"t","amount":1,"ts":"2026-03-02T08:00:00Z"}]`, []string{"A>B t 1"}},
		{"not a _path key", "forwarded_inflow_96h", layeringPath, nil},
		{"trace.path is the hop table's", engine.TracePathKey, layeringPath, nil},
		{"empty", "x_path", `[]`, nil},
		{"null", "x_path", `null`, nil},
		{"a number", "x_path", `3`, nil},
		{"ts not RFC 3339", "x_path", `[{"from":"A","to":"B","tx_id":"t","amount":1,"ts":"yesterday"}]`, nil},
		{"to missing", "x_path", `[{"from":"A","tx_id":"t","amount":1,"ts":"2026-03-02T08:00:00Z"}]`, nil},
		{"tx id missing", "x_path", `[{"from":"A","to":"B","amount":1,"ts":"2026-03-02T08:00:00Z"}]`, nil},
		{"amount a string", "x_path", `[{"from":"A","to":"B","tx_id":"t","amount":"1","ts":"2026-03-02T08:00:00Z"}]`, nil},
	}
	for _, tc := range tests {
		got, ok := decodeTransferList(tc.key, json.RawMessage(tc.raw))
		var rows []string
		for _, h := range got {
			rows = append(rows, fmt.Sprintf("%s>%s %s %v", h.From.Account, h.To.Account, h.TxID, h.AmountEUR))
		}
		if ok != (tc.want != nil) || fmt.Sprint(rows) != fmt.Sprint(tc.want) {
			t.Errorf("%s: %v %v, want %v", tc.name, rows, ok, tc.want)
		}
	}
}

// TestAlertPageShowsPaths renders the alert page: an aggregate's path is
// a list of its transfers, not JSON, with the alerted one marked; the
// hop table numbers a long path with own-account moves as trace.hops
// counts, and says how many hops it does not list.
func TestAlertPageShowsPaths(t *testing.T) {
	pages, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	hops := own(ten(), 2, 5)
	last := hops[len(hops)-1]
	expl := explanation(t, map[string]any{"trace.hops": 11, engine.TracePathKey: hops,
		"forwarded_inflow_96h_path": json.RawMessage(layeringPath)})
	a := flowAlert(hops, "layering_chain")
	a.TxID, a.RuleID, a.Status, a.Explanation = "out-1", "AML-LAYER-001", "new", expl
	d := &detail{Alert: a, Path: parseTracePath(expl)}
	d.Graph = buildGraph(a, nil, d.Path)
	var buf strings.Builder
	if err := pages.ExecuteTemplate(&buf, "alert.html", view{Data: &alertView{detail: d}}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if strings.Contains(page, `"tx_id"`) || strings.Contains(page, `&#34;tx_id&#34;`) {
		t.Error("a path is shown as JSON")
	}
	list := page[strings.Index(page, `<ol class="transfers" data-key="forwarded_inflow_96h_path">`)+1:]
	list = list[:strings.Index(list, "</ol>")]
	if strings.Count(list, "<li") != 2 || strings.Count(list, `class="alerted"`) != 1 ||
		!strings.Contains(list, "in-1") || !strings.Contains(list, "7,800 EUR") || !strings.Contains(list, "8,000 EUR") {
		t.Errorf("transfer list:\n%s", list)
	}
	var rows []string
	for _, m := range strings.Split(page, `data-hop="`)[1:] {
		rows = append(rows, m[:strings.IndexByte(m, '"')])
	}
	if got, want := strings.Join(rows, " "), "5 6 own 7 8 own 9 10 11"; !strings.HasPrefix(got, want) {
		t.Errorf("hop column %q, want %q first (then the graph's numbered edges)", got, want)
	}
	if !strings.Contains(page, "The first 4 hops of this path are not listed") {
		t.Error("unlisted hops not counted")
	}
	if !strings.Contains(page, last.TxID) {
		t.Error("alerted transfer not listed")
	}
}

// TestPathAmountUnit: an aggregate's path lists the aggregate's input, EUR
// for amount_eur (the shipped pack, and the assumption without one), the
// field's name for another.
func TestPathAmountUnit(t *testing.T) {
	other := &engine.RuleSet{Aggregates: []engine.Aggregate{{Name: "forwarded_inflow_96h", Field: engine.Fields["amount"]}}}
	if engine.Fields["amount"] == nil {
		t.Fatal("no amount field")
	}
	tests := []struct {
		name string
		rs   *engine.RuleSet
		key  string
		want string
	}{
		{"shipped pack", loadPack(t), "forwarded_inflow_96h_path", "EUR"},
		{"no pack", nil, "forwarded_inflow_96h_path", "EUR"},
		{"aggregate over the original amount", other, "forwarded_inflow_96h_path", "amount"},
		{"another aggregate's path", other, "forwarded_foreign_24h_path", "EUR"},
	}
	for _, tc := range tests {
		if got := pathAmountUnit(tc.rs, tc.key); got != tc.want {
			t.Errorf("%s: unit %q, want %q", tc.name, got, tc.want)
		}
	}
}
