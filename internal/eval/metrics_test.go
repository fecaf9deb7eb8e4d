package eval

import (
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine"
)

// tinyFeed is ten transactions t1…t10, an hour apart: t1–t3 are one fan_out attempt
// (a1), t4 is a lone structuring transfer (no attempt id), t5–t6 a
// structuring attempt s1; t7–t10 are legitimate. Accounts: Dn pays Cn.
func tinyFeed() (*Feed, *Truth) {
	f := &Feed{}
	for i := 1; i <= 10; i++ {
		id := "t" + strconv.Itoa(i)
		f.Add(&engine.Tx{TxID: id, TS: time.Date(2026, 1, 1, i, 0, 0, 0, time.UTC),
			Debtor: engine.Party{Account: "D" + id}, Creditor: engine.Party{Account: "C" + id}})
	}
	t := &Truth{Tx: map[string]Label{
		"t1": {"fan_out", "a1"}, "t2": {"fan_out", "a1"}, "t3": {"fan_out", "a1"},
		"t4": {"structuring", ""},
		"t5": {"structuring", "s1"}, "t6": {"structuring", "s1"},
		"t99": {"fan_out", "a9"}, // not in the feed: ignored
	}}
	return f, t
}

func alert(rule, typ, tx string) engine.Alert {
	return engine.Alert{RuleID: rule, Typology: typ, TxID: tx, DebtorAccount: "D" + tx, CreditorAccount: "C" + tx}
}

func near(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) < 1e-9
}

func TestCompute(t *testing.T) {
	rules := []RuleInfo{{ID: "FO", Typology: "fan_out"}, {ID: "ST", Typology: "structuring"}, {ID: "TH", Typology: "threshold"}}
	nan := math.NaN()
	tests := []struct {
		name   string
		alerts []engine.Alert
		min    int
		// want: overall and per rule (FO, ST, TH)
		overall Score
		perRule [3]Score
	}{
		{
			name:    "no alerts",
			overall: Score{Precision: nan, RecallTx: 0, RecallAttempt: 0, RecallOwn: nan, LegitShare: 0},
			perRule: [3]Score{
				{Precision: nan, RecallOwn: 0},
				{Precision: nan, RecallOwn: 0},
				{Precision: nan, RecallOwn: nan},
			},
		},
		{
			name: "one hit per attempt, one legit alert, a repeated alert counted once",
			alerts: []engine.Alert{
				alert("FO", "fan_out", "t2"), alert("FO", "fan_out", "t2"),
				alert("ST", "structuring", "t6"),
				alert("TH", "threshold", "t7"), alert("TH", "threshold", "t4"),
			},
			// 4 distinct (rule, tx) alerts over 4 tx: 3 laundering, 1 legit.
			// Attempts: a1, lone t4, s1 = 3, all hit.
			overall: Score{Alerts: 4, AlertedTx: 4, Per1000: 400, Precision: 0.75, RecallTx: 3.0 / 6,
				RecallAttempt: 1, RecallOwn: nan, LegitShare: 0.25},
			perRule: [3]Score{
				{Alerts: 1, AlertedTx: 1, Per1000: 100, Precision: 1, RecallTx: 1.0 / 6, RecallAttempt: 1.0 / 3, RecallOwn: 1, LegitShare: 0},
				{Alerts: 1, AlertedTx: 1, Per1000: 100, Precision: 1, RecallTx: 1.0 / 6, RecallAttempt: 1.0 / 3, RecallOwn: 0.5, LegitShare: 0},
				{Alerts: 2, AlertedTx: 2, Per1000: 200, Precision: 0.5, RecallTx: 1.0 / 6, RecallAttempt: 1.0 / 3, RecallOwn: nan, LegitShare: 0.25},
			},
		},
		{
			name:   "attempts of one transaction left out with min 2",
			min:    2,
			alerts: []engine.Alert{alert("ST", "structuring", "t4"), alert("FO", "fan_out", "t8")},
			// Eligible attempts: a1, s1 — neither hit. t4 still counts as a
			// laundering transaction.
			overall: Score{Alerts: 2, AlertedTx: 2, Per1000: 200, Precision: 0.5, RecallTx: 1.0 / 6,
				RecallAttempt: 0, RecallOwn: nan, LegitShare: 0.25},
			perRule: [3]Score{
				{Alerts: 1, AlertedTx: 1, Per1000: 100, Precision: 0, RecallTx: 0, RecallAttempt: 0, RecallOwn: 0, LegitShare: 0.25},
				{Alerts: 1, AlertedTx: 1, Per1000: 100, Precision: 1, RecallTx: 1.0 / 6, RecallAttempt: 0, RecallOwn: 0, LegitShare: 0},
				{Precision: nan, RecallOwn: nan},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, truth := tinyFeed()
			rep := Compute(f, truth, rules, tc.alerts, Options{MinAttemptTx: tc.min})
			if rep.Transactions != 10 || rep.Laundering != 6 || rep.Legit != 4 {
				t.Fatalf("counts: %d tx, %d laundering, %d legit; want 10, 6, 4", rep.Transactions, rep.Laundering, rep.Legit)
			}
			wantAttempts := 3
			if tc.min == 2 {
				wantAttempts = 2
			}
			if rep.Attempts != wantAttempts || rep.Attempts+rep.Small != 3 {
				t.Fatalf("attempts %d (+%d small), want %d of 3", rep.Attempts, rep.Small, wantAttempts)
			}
			check := func(what string, got, want Score) {
				t.Helper()
				if got.Alerts != want.Alerts || got.AlertedTx != want.AlertedTx || !near(got.Per1000, want.Per1000) ||
					!near(got.Precision, want.Precision) || !near(got.RecallTx, want.RecallTx) ||
					!near(got.RecallAttempt, want.RecallAttempt) || !near(got.RecallOwn, want.RecallOwn) ||
					!near(got.LegitShare, want.LegitShare) {
					t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
				}
			}
			check("overall", rep.Overall, tc.overall)
			for i, r := range rep.Rules {
				check(r.ID, r.Score, tc.perRule[i])
			}
		})
	}
}

func TestComputeTypologies(t *testing.T) {
	f, truth := tinyFeed()
	rules := []RuleInfo{{ID: "FO", Typology: "fan_out"}, {ID: "TH", Typology: "threshold"}}
	alerts := []engine.Alert{alert("TH", "threshold", "t5"), alert("FO", "fan_out", "t1"), alert("FO", "fan_out", "t9")}
	rep := Compute(f, truth, rules, alerts, Options{})
	got := map[string]TypologyScore{}
	for _, ts := range rep.Typologies {
		got[ts.Typology] = ts
	}
	if len(got) != 3 {
		t.Fatalf("typologies %v, want fan_out, structuring, threshold", rep.Typologies)
	}
	fo, st, th := got["fan_out"], got["structuring"], got["threshold"]
	// fan_out: attempt a1 (3 tx) hit by FO on t1; FO also alerts legit t9.
	if fo.Attempts != 1 || fo.Tx != 3 || !near(fo.RecallAttempt, 1) || !near(fo.RecallTx, 1.0/3) ||
		fo.Rules != 1 || fo.Alerts != 2 || !near(fo.Precision, 0.5) || !near(fo.RecallOwn, 1) || !near(fo.LegitShare, 0.25) {
		t.Errorf("fan_out: %+v", fo)
	}
	// structuring: lone t4 and s1; s1 hit by the threshold rule only, so
	// recall by any rule is 1/2 and by its own (none) NaN.
	if st.Attempts != 2 || st.Tx != 3 || !near(st.RecallAttempt, 0.5) || !near(st.RecallTx, 1.0/3) ||
		st.Rules != 0 || st.Alerts != 0 || !math.IsNaN(st.Precision) {
		t.Errorf("structuring: %+v", st)
	}
	// threshold: rules only, no labels.
	if th.Attempts != 0 || th.Rules != 1 || th.Alerts != 1 || !near(th.Precision, 1) || !math.IsNaN(th.RecallAttempt) {
		t.Errorf("threshold: %+v", th)
	}
}

func TestComputeAccounts(t *testing.T) {
	f, _ := tinyFeed()
	// Fraud accounts: Dt1, Ct1, Dt2, and one that never transacts.
	truth := &Truth{Tx: map[string]Label{}, Accounts: map[string]bool{"Dt1": true, "Ct1": true, "Dt2": true, "Dt7": false, "X": true}}
	rules := []RuleInfo{{ID: "OUT", Perspective: engine.PerspectiveDebtor}, {ID: "IN", Perspective: engine.PerspectiveCreditor}}
	alerts := []engine.Alert{alert("OUT", "fan_out", "t1"), alert("OUT", "fan_out", "t7"), alert("IN", "fan_in", "t1")}
	rep := Compute(f, truth, rules, alerts, Options{})
	if rep.AccountsSeen != 20 {
		t.Fatalf("accounts seen %d, want 20", rep.AccountsSeen)
	}
	tests := []struct {
		name                   string
		got                    *AccountScore
		flagged, fraud, hit    int
		precision, recall, f1v float64
	}{
		// OUT flags Dt1 (fraud) and Dt7: precision 1/2, recall 1/3.
		{"OUT", rep.Rules[0].Accounts, 2, 3, 1, 0.5, 1.0 / 3, 0.4},
		// IN flags Ct1 (fraud).
		{"IN", rep.Rules[1].Accounts, 1, 3, 1, 1, 1.0 / 3, 0.5},
		// together Dt1, Dt7, Ct1.
		{"all", rep.Accounts, 3, 3, 2, 2.0 / 3, 2.0 / 3, 2.0 / 3},
	}
	for _, tc := range tests {
		g := tc.got
		if g.Flagged != tc.flagged || g.Fraud != tc.fraud || g.Hit != tc.hit ||
			!near(g.Precision, tc.precision) || !near(g.Recall, tc.recall) || !near(g.F1, tc.f1v) {
			t.Errorf("%s: %+v, want flagged %d fraud %d hit %d P %.3f R %.3f F1 %.3f",
				tc.name, *g, tc.flagged, tc.fraud, tc.hit, tc.precision, tc.recall, tc.f1v)
		}
	}
}

// TestComputeWarmup: the first three hours (t1–t3, the fan_out attempt)
// are screened but not counted, nor are their alerts.
func TestComputeWarmup(t *testing.T) {
	f, truth := tinyFeed()
	rules := []RuleInfo{{ID: "FO", Typology: "fan_out"}, {ID: "ST", Typology: "structuring"}}
	alerts := []engine.Alert{alert("FO", "fan_out", "t2"), alert("ST", "structuring", "t5"), alert("FO", "fan_out", "t8")}
	rep := Compute(f, truth, rules, alerts, Options{Warmup: 3 * time.Hour})
	if rep.Transactions != 7 || rep.Laundering != 3 || rep.Legit != 4 || rep.Attempts != 2 {
		t.Fatalf("counted %d tx, %d laundering, %d legit, %d attempts; want 7, 3, 4, 2",
			rep.Transactions, rep.Laundering, rep.Legit, rep.Attempts)
	}
	if o := rep.Overall; o.Alerts != 2 || !near(o.Precision, 0.5) || !near(o.RecallAttempt, 0.5) || !near(o.LegitShare, 0.25) {
		t.Errorf("overall %+v: want 2 alerts, precision 1/2, attempt recall 1/2, legit 1/4", o)
	}
	if fo := rep.Rules[0]; fo.Alerts != 1 || !math.IsNaN(fo.RecallOwn) {
		t.Errorf("FO %+v: want 1 alert (t8) and no fan_out attempt left to recall", fo.Score)
	}
}
