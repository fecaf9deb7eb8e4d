package eval

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/rules"
)

// sweepPack has one rule reading two aggregates (one with a where) and
// one rule the sweep must leave out.
const sweepPack = `aggregates:
  big_out_24h:
    by: debtor.account
    over: 24h
    fn: count
    where: amount_eur >= 1000.5
  p95_30d:
    by: debtor.account
    over: 30d
    fn: max(amount_eur)
  creditors_24h:
    by: debtor.account
    over: 1d
    fn: distinct(creditor.account)
rules:
  - id: R-FAN
    version: 1
    name: fan
    severity: low
    score: 1
    typology: fan_out
    when: creditors_24h >= 4 && big_out_24h >= 2
  - id: R-OTHER
    version: 1
    name: other
    severity: low
    score: 1
    typology: threshold
    when: amount_eur > 1e6
`

func writePack(t *testing.T) *rules.Pack {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.yaml"), []byte(sweepPack), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := rules.Parse(dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLiterals(t *testing.T) {
	p := writePack(t)
	lits, err := Literals(p, "R-FAN")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lits {
		got = append(got, fmt.Sprintf("%s=%g", l, l.Value))
	}
	want := "when 4=4 | when 2=2 | big_out_24h.where 1000.5=1000.5 | big_out_24h.over 24h=24 | creditors_24h.over 1d=1"
	if strings.Join(got, " | ") != want {
		t.Fatalf("literals\n got %s\nwant %s", strings.Join(got, " | "), want)
	}
	// An aggregate the rule does not read is not swept; numbers in fn are.
	for _, l := range lits {
		if strings.HasPrefix(l.Place, "p95_30d") {
			t.Errorf("swept %s, which R-FAN does not read", l)
		}
	}
	fnLits := numbers(numberRe, "new_distinct(creditor.account, lookback: 90d, q: 0.95, p95)", "x.fn")
	if len(fnLits) != 2 || fnLits[0].Text != "90d" || fnLits[0].Unit != "d" || fnLits[1].Text != "0.95" || fnLits[1].Int {
		t.Errorf("fn numbers %+v, want 90d and 0.95", fnLits)
	}
	if _, err := Literals(p, "NOPE"); err == nil {
		t.Fatal("unknown rule: no error")
	}

	tests := []struct {
		lit   int
		v     float64
		field func(q *rules.Pack) string
		want  string
	}{
		{0, 6.4, func(q *rules.Pack) string { return q.Rules[0].When }, "creditors_24h >= 6 && big_out_24h >= 2"},
		{1, 3, func(q *rules.Pack) string { return q.Rules[0].When }, "creditors_24h >= 4 && big_out_24h >= 3"},
		{2, 2000, func(q *rules.Pack) string { return q.Aggregates[0].Where }, "amount_eur >= 2000.0"},
		{3, 12, func(q *rules.Pack) string { return q.Aggregates[0].Over }, "12h"},
		{4, 2, func(q *rules.Pack) string { return q.Aggregates[2].Over }, "2d"},
	}
	for _, tc := range tests {
		q, err := Only(p, "R-FAN")
		if err != nil {
			t.Fatal(err)
		}
		if err := lits[tc.lit].Apply(q, tc.v); err != nil {
			t.Fatal(err)
		}
		if got := tc.field(q); got != tc.want {
			t.Errorf("%s := %g: %q, want %q", lits[tc.lit], tc.v, got, tc.want)
		}
		if len(q.Rules) != 1 || q.Rules[0].ID != "R-FAN" {
			t.Errorf("Only kept %d rules", len(q.Rules))
		}
		if _, err := rules.Compile(q, rules.Options{}); err != nil {
			t.Errorf("patched pack does not compile: %v", err)
		}
		// The parsed pack itself is untouched.
		if p.Rules[0].When != "creditors_24h >= 4 && big_out_24h >= 2" || p.Aggregates[0].Over != "24h" {
			t.Fatalf("Apply changed the original pack")
		}
	}
}

// TestRunSweep: a debtor paying 5 creditors (3 of them >= 1000.5) is a
// labelled fan-out; another paying 3 is legitimate. Lowering the
// distinct-creditors literal to 3 must add the legitimate one; raising it
// to 6 must lose the fan-out.
func TestRunSweep(t *testing.T) {
	p := writePack(t)
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var data []byte
	truth := &Truth{Tx: map[string]Label{}}
	add := func(id, debtor, creditor string, eur string, at time.Duration, label string) {
		tx := engine.Tx{TxID: id, TS: start.Add(at), Currency: "EUR",
			Debtor: engine.Party{Account: debtor}, Creditor: engine.Party{Account: creditor}}
		var err error
		if tx.Amount, err = engine.ParseDecimal(eur); err != nil {
			t.Fatal(err)
		}
		data = append(jsonl.Encode(data, &tx), '\n')
		if label != "" {
			truth.Tx[id] = Label{Typology: label, Attempt: "m1"}
		}
	}
	for i := range 5 {
		amt := "500.00"
		if i < 3 {
			amt = "2000.00"
		}
		add(fmt.Sprintf("m%d", i), "MULE", fmt.Sprintf("C%d", i), amt, time.Duration(i)*time.Hour, "fan_out")
	}
	for i := range 3 {
		add(fmt.Sprintf("l%d", i), "SHOP", fmt.Sprintf("S%d", i), "3000.00", time.Duration(10+i)*time.Hour, "")
	}
	prep, err := Prepare([]Input{{Name: "t", Format: "jsonl", Data: data}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := RunSweep(p, "R-FAN", []float64{0.75, 1.5}, rules.Options{}, prep, truth, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Baseline.Alerts != 2 || s.Baseline.Precision != 1 || s.Baseline.RecallOwn != 1 {
		t.Fatalf("as written: %+v, want 2 alerts (m3, m4), precision 1, recall 1", s.Baseline.Score)
	}
	byValue := map[string]SweepPoint{}
	for _, pt := range s.Points {
		if pt.Literal == 0 {
			byValue[pt.Value] = pt
		}
	}
	if len(byValue) != 2 {
		t.Fatalf("distinct-creditors points %v, want values 3 and 6", byValue)
	}
	// m2, m3, m4 and the shop's third payment l2.
	if lo := byValue["3"]; lo.Alerts != 4 || math.Abs(lo.LegitShare-1.0/3) > 1e-9 || lo.Precision != 0.75 {
		t.Errorf("creditors >= 3: %+v, want 4 alerts, one legit of three", lo.Score)
	}
	if hi := byValue["6"]; hi.Alerts != 0 || hi.RecallOwn != 0 {
		t.Errorf("creditors >= 6: %+v, want no alerts and recall 0", hi.Score)
	}
	var svg strings.Builder
	PlotSweep(&svg, s)
	if !strings.HasPrefix(svg.String(), "<svg") || !strings.Contains(svg.String(), "when 4") || !strings.HasSuffix(svg.String(), "</svg>\n") {
		t.Errorf("plot:\n%s", svg.String())
	}
	var table strings.Builder
	if err := PrintSweep(&table, s); err != nil || !strings.Contains(table.String(), "big_out_24h.where 1000.5") {
		t.Errorf("table (%v):\n%s", err, table.String())
	}
}
