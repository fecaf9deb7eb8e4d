package screen_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr"
	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/enrich"
	"github.com/socwatch/socwatch/engine/screen"
	"github.com/socwatch/socwatch/rules"
)

const pack = `
aggregates:
  near_48h:
    by: debtor.account
    over: 48h
    fn: count
    where: amount_eur >= 9000 && amount_eur < 15000
  senders_24h:
    by: creditor.account
    over: 24h
    fn: distinct(debtor.account)
  inflow_24h:
    by: account
    flow: in
    over: 24h
    fn: sum(amount_eur)
  gap:
    by: debtor.account
    over: 400d
    fn: since_last
rules:
  - {id: STRUCT, version: 3, name: s, severity: high, score: 70, typology: structuring, when: near_48h >= 3}
  - {id: FANIN, version: 1, name: f, severity: medium, score: 50, typology: fan_in, when: senders_24h >= 3}
  - {id: PASS, version: 1, name: p, severity: high, score: 60, typology: pass_through, when: "inflow_24h >= 10000 && amount_eur >= 0.8 * inflow_24h"}
  - {id: BIG, version: 1, name: b, severity: low, score: 10, typology: threshold, when: amount_eur >= 15000}
  - {id: DORM, version: 1, name: d, severity: medium, score: 40, typology: dormant_reactivation, when: gap >= 180 * 86400}
`

func loadPack(t testing.TB, body string) *engine.RuleSet {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pack.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := rules.Load(path, rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

type memSink struct{ alerts []engine.Alert }

func (m *memSink) Write(_ context.Context, a []engine.Alert, done engine.Done) {
	m.alerts = append(m.alerts, a...)
	done(nil)
}
func (m *memSink) Close(context.Context) error { return nil }

type memDLQ struct{ recs []engine.Rejected }

func (m *memDLQ) Reject(_ context.Context, r []engine.Rejected, done engine.Done) {
	m.recs = append(m.recs, r...)
	done(nil)
}

func newPipeline(rs *engine.RuleSet) (*screen.Pipeline, *memSink, *memDLQ) {
	sink, dlq := &memSink{}, &memDLQ{}
	return &screen.Pipeline{
		Rules:      screen.NewRules(rs),
		NewDecoder: func() engine.Decoder { return &jsonl.Decoder{} },
		Enricher:   enrich.New(nil),
		Sink:       sink,
		DeadLetter: dlq,
	}, sink, dlq
}

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func tx(id string, at time.Duration, amount, debtor, creditor string) engine.Record {
	v := fmt.Sprintf(`{"tx_id":%q,"ts":%q,"amount":%q,"currency":"EUR","debtor":{"account":%q,"country":"PL"},"creditor":{"account":%q,"country":"NO"}}`,
		id, t0.Add(at).Format(time.RFC3339), amount, debtor, creditor)
	return engine.Record{Value: []byte(v), Position: id}
}

func keys(alerts []engine.Alert) []string {
	var out []string
	for _, a := range alerts {
		out = append(out, a.TxID+":"+a.RuleID)
	}
	sort.Strings(out)
	return out
}

func run(t *testing.T, rs *engine.RuleSet, recs []engine.Record) (*memSink, *memDLQ) {
	t.Helper()
	return runWith(t, rs, screen.TimeBounds{}, recs)
}

// runWith screens recs in one stream with the given future bounds.
func runWith(t *testing.T, rs *engine.RuleSet, b screen.TimeBounds, recs []engine.Record) (*memSink, *memDLQ) {
	t.Helper()
	p, sink, dlq := newPipeline(rs)
	p.TimeBounds = b
	st := p.NewStream("t")
	var doneErr error = errors.New("done not called")
	if err := st.Process(context.Background(), recs, func(err error) { doneErr = err }); err != nil {
		t.Fatal(err)
	}
	if doneErr != nil {
		t.Fatalf("done: %v", doneErr)
	}
	return sink, dlq
}

func TestRulesFireWithExplanation(t *testing.T) {
	rs := loadPack(t, pack)
	tests := []struct {
		name string
		recs []engine.Record
		want []string
	}{
		{"structuring: third near-threshold transfer in 48h alerts",
			[]engine.Record{tx("a", 0, "9500", "D", "C1"), tx("b", time.Hour, "9100", "D", "C2"), tx("c", 47*time.Hour, "14999.99", "D", "C3")},
			[]string{"c:STRUCT"}},
		{"structuring window edge: exactly 48h before is outside",
			[]engine.Record{tx("a", 0, "9500", "D", "C1"), tx("b", time.Hour, "9100", "D", "C2"), tx("c", 48*time.Hour, "9000", "D", "C3")},
			nil},
		{"structuring: amounts outside the band do not count",
			[]engine.Record{tx("a", 0, "8999.99", "D", "C1"), tx("b", time.Hour, "9100", "D", "C2"), tx("c", 2*time.Hour, "9000", "D", "C3")},
			nil},
		{"fan-in: third distinct sender to one creditor",
			[]engine.Record{tx("a", 0, "100", "D1", "C"), tx("b", time.Hour, "100", "D1", "C"), tx("c", 2*time.Hour, "100", "D2", "C"), tx("d", 3*time.Hour, "100", "D3", "C")},
			[]string{"d:FANIN"}},
		{"pass-through: money in then out of the same account",
			[]engine.Record{tx("in", 0, "12000", "X", "M"), tx("out", 2*time.Hour, "11500", "M", "Y")},
			[]string{"out:PASS"}},
		{"dormancy: first tx in 200 days",
			[]engine.Record{tx("a", 0, "100", "D", "C"), tx("b", 200*24*time.Hour, "100", "D", "C")},
			[]string{"b:DORM"}},
		{"threshold and fan-in are evaluated once per tx",
			[]engine.Record{tx("a", 0, "20000", "D", "C")},
			[]string{"a:BIG"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Fixtures, not a feed: the dormancy case is 200 days apart.
			sink, _ := runWith(t, rs, screen.TimeBounds{Ahead: -1}, tc.recs)
			if got := strings.Join(keys(sink.alerts), ","); got != strings.Join(tc.want, ",") {
				t.Fatalf("alerts = %s, want %s", got, strings.Join(tc.want, ","))
			}
		})
	}
	// Explanation of the structuring alert carries the aggregate value.
	sink, _ := run(t, rs, tests[0].recs)
	a := sink.alerts[0]
	if a.Explanation["near_48h"] != 3.0 {
		t.Errorf("explanation = %v", a.Explanation)
	}
	if a.AlertID != engine.AlertID("STRUCT", 3, "c") || a.RuleVersion != 3 || a.Typology != "structuring" {
		t.Errorf("alert = %+v", a)
	}
	if a.DebtorCountry != "PL" || a.CreditorCountry != "NO" || a.AmountEUR.String() != "14999.99" {
		t.Errorf("alert parties/amount = %+v", a)
	}
}

// Screening per perspective (as the streaming stage does after re-keying)
// gives the same alerts as screening every perspective at once (file mode).
func TestPerspectivesSplitEqualsFileMode(t *testing.T) {
	rs := loadPack(t, pack)
	recs := mixedFeed()
	whole, _ := run(t, rs, recs)

	// Partitioned: route each (record, perspective) copy to a stream by
	// the hash of its key, as the re-key stage does with 3 partitions.
	sink, _ := runSplit(t, rs, recs)
	if got, want := keys(sink.alerts), keys(whole.alerts); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("partitioned alerts differ:\n got %v\nwant %v", got, want)
	}
	if len(whole.alerts) < 10 {
		t.Fatalf("only %d alerts: the comparison proves little", len(whole.alerts))
	}
}

// runSplit routes each (record, perspective) copy to one of three streams
// by the hash of its key, as the re-key stage does with 3 partitions.
// Records that do not decode go to stream 0 with every perspective.
func runSplit(t *testing.T, rs *engine.RuleSet, recs []engine.Record) (*memSink, *memDLQ) {
	t.Helper()
	p, sink, dlq := newPipeline(rs)
	streams := []*screen.Stream{p.NewStream("0"), p.NewStream("1"), p.NewStream("2")}
	for _, r := range recs {
		var d jsonl.Decoder
		var tx engine.Tx
		if err := d.Decode(r.Value, &tx); err != nil {
			t.Fatal(err)
		}
		for _, persp := range rs.Perspectives {
			key := tx.Debtor.Account
			if persp == engine.PerspectiveCreditor {
				key = tx.Creditor.Account
			}
			c := r
			c.Perspective = persp
			streams[int(key[len(key)-1])%3].Process(context.Background(), []engine.Record{c}, func(error) {})
		}
	}
	for _, st := range streams {
		if s := st.Screener().Stats(); s.Late != 0 || s.Jumps != 0 {
			t.Fatalf("stream stats %+v: late events or a moved watermark", s)
		}
	}
	return sink, dlq
}

func TestRejectsGoToDeadLetterAndBatchIsAcked(t *testing.T) {
	rs := loadPack(t, pack)
	recs := []engine.Record{
		tx("ok", 0, "100", "D", "C"),
		{Value: []byte(`{"tx_id":"x"`), Position: "trunc"},
		{Value: []byte(`{"tx_id":"y","ts":"2026-01-01T00:00:00Z","amount":"5","currency":"XXX","debtor":{"account":"a"},"creditor":{"account":"b"}}`), Position: "fx"},
		{Value: []byte(strings.Repeat("x", 2<<20)), Position: "big"},
	}
	_, dlq := run(t, rs, recs)
	got := map[string]string{}
	for _, r := range dlq.recs {
		got[r.Record.Position] = engine.RejectReason(r.Err)
	}
	want := map[string]string{"trunc": engine.ReasonDecode, "fx": engine.ReasonFXMissing, "big": engine.ReasonTooLarge}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rejects = %v, want %v", got, want)
	}
}

// A rule whose function panics is recovered and counted; the record and
// the other rules are still handled.
func TestPanickingRuleIsRecovered(t *testing.T) {
	rs := loadPack(t, pack)
	boom, err := expr.Compile(`explode(amount_eur)`, expr.Env(&engine.Env{}), expr.AsBool(),
		expr.Function("explode", func(p ...any) (any, error) { panic("boom") }, new(func(float64) bool)))
	if err != nil {
		t.Fatal(err)
	}
	rs.Rules = append(rs.Rules, engine.Rule{ID: "BOOM", Version: 1, Severity: "low", Typology: "threshold", Mode: "active",
		When: boom, Perspective: engine.PerspectiveDebtor})
	p, sink, _ := newPipeline(rs)
	st := p.NewStream("t")
	st.Process(context.Background(), []engine.Record{tx("a", 0, "20000", "D", "C")}, func(error) {})
	if got := strings.Join(keys(sink.alerts), ","); got != "a:BIG" {
		t.Fatalf("alerts = %s", got)
	}
	if st.Screener().Stats().RuleErrors != 1 {
		t.Fatalf("rule errors = %d", st.Screener().Stats().RuleErrors)
	}
}

// Replay rebuilds windows without emitting; screening continues as if the
// history had been screened live.
func TestReplayRebuildsState(t *testing.T) {
	rs := loadPack(t, pack)
	hist := []engine.Record{tx("a", 0, "9500", "D", "C1"), tx("b", time.Hour, "9100", "D", "C2")}
	p, sink, _ := newPipeline(rs)
	st := p.NewStream("t")
	st.Replay(hist)
	if len(sink.alerts) != 0 {
		t.Fatal("replay emitted alerts")
	}
	st.Process(context.Background(), []engine.Record{tx("c", 2*time.Hour, "9900", "D", "C3")}, func(error) {})
	if got := strings.Join(keys(sink.alerts), ","); got != "c:STRUCT" {
		t.Fatalf("alerts after replay = %s", got)
	}
}

// A reload keeps the state of unchanged aggregates and takes effect at the
// next batch; alerts carry the new version from there on.
func TestReloadKeepsStateAndSwitchesVersion(t *testing.T) {
	rs := loadPack(t, pack)
	p, sink, _ := newPipeline(rs)
	st := p.NewStream("t")
	st.Process(context.Background(), []engine.Record{tx("a", 0, "9500", "D", "C1"), tx("b", time.Hour, "9100", "D", "C2")}, func(error) {})
	rs2 := loadPack(t, strings.Replace(strings.Replace(pack, "near_48h >= 3", "near_48h >= 2", 1), "version: 3", "version: 4", 1))
	p.Rules.Store(rs2)
	st.Process(context.Background(), []engine.Record{tx("c", 2*time.Hour, "9900", "D", "C3")}, func(error) {})
	if len(sink.alerts) != 1 || sink.alerts[0].RuleVersion != 4 || sink.alerts[0].Explanation["near_48h"] != 3.0 {
		t.Fatalf("alerts after reload = %+v", sink.alerts)
	}
}

// An aggregate no rule reads keeps no state.
func TestUnreadAggregateKeepsNoState(t *testing.T) {
	rs := loadPack(t, pack+`
  - {id: ONLY, version: 1, name: o, severity: low, score: 1, typology: threshold, when: amount_eur > 1e12}
`)
	rs.Aggregates = append(rs.Aggregates, engine.Aggregate{Name: "unread", By: engine.PerspectiveDebtor, Over: time.Hour, Fn: engine.FnCount})
	p, _, _ := newPipeline(rs)
	st := p.NewStream("t")
	st.Process(context.Background(), []engine.Record{tx("a", 0, "100", "D", "C")}, func(error) {})
	keys := st.Screener().StateKeys()
	if keys["unread"] != 0 || keys["gap"] != 1 {
		t.Fatalf("state keys = %v", keys)
	}
}

// A copy seen again (a re-key stage re-producing after a restart) is not
// counted twice in windows.
func TestDuplicateCopiesNotCountedTwice(t *testing.T) {
	rs := loadPack(t, pack)
	a, b := tx("a", 0, "9500", "D", "C1"), tx("b", time.Hour, "9100", "D", "C2")
	sink, _ := run(t, rs, []engine.Record{a, b, a, b, tx("c", 2*time.Hour, "9900", "D", "C3")})
	if got := strings.Join(keys(sink.alerts), ","); got != "c:STRUCT" {
		t.Fatalf("alerts = %s", got)
	}
	if sink.alerts[0].Explanation["near_48h"] != 3.0 {
		t.Fatalf("near_48h = %v, want 3 (duplicates skipped)", sink.alerts[0].Explanation["near_48h"])
	}
}

// A reload that changes aggregates gives their old state's keys back: the
// accounts only they held leave the screener's key table, the others stay.
func TestReloadReleasesKeysOfReplacedAggregates(t *testing.T) {
	rs := loadPack(t, pack)
	p, _, _ := newPipeline(rs)
	st := p.NewStream("t")
	st.Process(context.Background(), []engine.Record{tx("a", 0, "9500", "D1", "C1"), tx("b", time.Hour, "9100", "D2", "C2")}, func(error) {})
	if got := screen.InternedKeys(st.Screener()); got != 4 {
		t.Fatalf("%d accounts interned, want 4 (two debtors, two creditors)", got)
	}
	// Both debtor-keyed aggregates change their window: they start empty,
	// and their old state goes.
	changed := strings.Replace(strings.Replace(pack, "over: 48h", "over: 72h", 1), "over: 400d", "over: 401d", 1)
	p.Rules.Store(loadPack(t, changed))
	st.Process(context.Background(), nil, func(error) {})
	if got := screen.InternedKeys(st.Screener()); got != 2 {
		t.Fatalf("%d accounts interned after replacing the debtor aggregates, want 2", got)
	}
	st.Process(context.Background(), []engine.Record{tx("c", 2*time.Hour, "9900", "D1", "C1")}, func(error) {})
	if got := screen.InternedKeys(st.Screener()); got != 3 {
		t.Fatalf("%d accounts interned after D1 pays again, want 3", got)
	}
}

// counterparty is the other account of the copy: the creditor under the
// debtor perspective, the debtor under the creditor one, so novelty by
// account, flow both, knows a party the account paid or was paid by.
func TestCounterpartyIsTheOtherSide(t *testing.T) {
	rs := loadPack(t, `
aggregates:
  new_party:
    by: account
    flow: both
    over: 1s
    fn: "new_distinct(counterparty, lookback: 365d)"
rules:
  - {id: NEWPAYEE, version: 1, name: n, severity: low, score: 10, typology: fan_out, perspective: debtor, when: "new_party >= 1 && amount_eur >= 1000"}
  - {id: FROMA, version: 1, name: a, severity: low, score: 10, typology: fan_in, perspective: creditor, when: "counterparty == 'A'"}
`)
	tests := []struct {
		name string
		recs []engine.Record
		want []string
	}{
		{"a payee never dealt with is new",
			[]engine.Record{tx("a", 0, "1000", "M", "B")},
			[]string{"a:NEWPAYEE"}},
		{"a party that paid the account before is known when the account pays it",
			[]engine.Record{tx("a", 0, "50", "B", "M"), tx("b", 30*24*time.Hour, "1000", "M", "B")},
			nil},
		{"a payee paid ten months before is known",
			[]engine.Record{tx("a", 0, "50", "M", "B"), tx("b", 300*24*time.Hour, "1000", "M", "B")},
			nil},
		{"the creditor copy's counterparty is the debtor",
			[]engine.Record{tx("a", 0, "10", "A", "M"), tx("b", time.Hour, "10", "C", "M")},
			[]string{"a:FROMA"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink, _ := runWith(t, rs, screen.TimeBounds{Ahead: -1}, tc.recs)
			if got := strings.Join(keys(sink.alerts), ","); got != strings.Join(tc.want, ",") {
				t.Fatalf("alerts = %s, want %s", got, strings.Join(tc.want, ","))
			}
		})
	}
}
