package console

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/console/store"
)

// waitBacktest polls a backtest until it ends, checking that progress
// never goes backwards.
func waitBacktest(t *testing.T, c *client, id string) backtestStatus {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	var last uint64
	for time.Now().Before(deadline) {
		var st backtestStatus
		c.mustDo(200, "GET", "/api/backtest/"+id, nil, &st)
		if st.Done < last {
			t.Fatalf("progress went back from %d to %d", last, st.Done)
		}
		last = st.Done
		if st.State != "running" {
			return st
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("backtest did not finish in 2 minutes")
	return backtestStatus{}
}

func TestIntegrationBacktest(t *testing.T) {
	e := apiEnv(t)
	c := e.login("ana")
	var from, to time.Time
	err := e.store.ScanTransactions(t.Context(), time.Unix(0, 0), time.Now().AddDate(10, 0, 0), func(tx *store.Tx) error {
		if from.IsZero() {
			from = tx.TS
		}
		to = tx.TS
		return nil
	})
	if err != nil || from.IsZero() {
		t.Fatalf("no stored transactions: %v", err)
	}
	rng := map[string]string{"from": from.Format(time.RFC3339), "to": to.Add(time.Second).Format(time.RFC3339)}

	// The running pack over the transactions it screened raises exactly
	// what it stored: the backtest runs the same engine.
	var job struct{ ID string }
	c.mustDo(http.StatusAccepted, "POST", "/api/backtest", rng, &job)
	st := waitBacktest(t, c, job.ID)
	if st.State != "done" || st.Total != seedTx || st.Done != seedTx {
		t.Fatalf("backtest = %s %s, %d of %d", st.State, st.Error, st.Done, st.Total)
	}
	var raised int
	for _, r := range st.Rules {
		raised += r.Raised
		if r.Added != 0 || r.Removed != 0 || r.Backtest != r.Raised {
			t.Errorf("unchanged pack: %+v", r)
		}
	}
	if raised == 0 {
		t.Fatal("no alerts compared")
	}

	// Lowering one rule's threshold adds alerts of that rule only.
	orig, err := os.ReadFile(packDir + "/threshold.yaml")
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(orig), "when: amount_eur >= 15000", "when: amount_eur >= 9000", 1)
	if edited == string(orig) {
		t.Fatal("threshold rule not found in the pack")
	}
	body := map[string]string{"rules": edited, "file": "threshold.yaml", "from": rng["from"], "to": rng["to"]}
	c.mustDo(http.StatusAccepted, "POST", "/api/backtest", body, &job)
	st = waitBacktest(t, c, job.ID)
	if st.State != "done" {
		t.Fatalf("edited backtest: %s %s", st.State, st.Error)
	}
	if want := filepath.Base(packDir) + " with threshold.yaml edited"; st.Pack != want {
		t.Errorf("edited backtest's pack %q, want %q (no host path)", st.Pack, want)
	}
	for _, r := range st.Rules {
		switch {
		case r.RuleID == "AML-THR-001" && (r.Added == 0 || r.Removed != 0):
			t.Errorf("lowered threshold: %+v, want added > 0 and nothing removed", r)
		case r.RuleID != "AML-THR-001" && (r.Added != 0 || r.Removed != 0):
			t.Errorf("untouched rule changed: %+v", r)
		}
	}
	for _, a := range st.Added {
		if a.RuleID != "AML-THR-001" {
			t.Fatalf("added alert of another rule: %+v", a)
		}
	}

	// The pages render what the API returned.
	for page, want := range map[string]string{
		"/backtest/" + job.ID: `id="bt-rules"`, "/backtest": `id="backtest-form"`, "/backtest?file=threshold.yaml": "amount_eur &gt;= 15000",
		"/rules": `href="/backtest?file=threshold.yaml"`, "/cases": `id="cases"`,
	} {
		var html string
		if code := c.do("GET", page, nil, &html); code != 200 || !strings.Contains(html, want) {
			t.Errorf("GET %s = %d, want it to contain %s", page, code, want)
		}
	}

	// Refusals: a broken rule, a path outside the packs, a bad range.
	for _, bad := range []map[string]string{
		{"rules": "rules:\n  - id: X\n    when: amount_eur >>= 1\n", "file": "threshold.yaml", "from": rng["from"], "to": rng["to"]},
		{"rules": "../../../../etc", "from": rng["from"], "to": rng["to"]},
		{"rules": "/etc", "from": rng["from"], "to": rng["to"]},
		{"from": rng["to"], "to": rng["from"]},
	} {
		var out string
		if code := c.do("POST", "/api/backtest", bad, &out); code != http.StatusBadRequest || strings.Contains(out, filepath.Dir(packDir)) {
			t.Errorf("backtest %v = %d %s, want 400 without the host's paths", bad, code, out)
		}
	}
}

func TestIntegrationRulesFeedback(t *testing.T) {
	e := apiEnv(t)
	alerts := e.firstAlerts(500, "rule=AML-THR-002&status=new")
	if len(alerts) < 4 {
		t.Fatalf("only %d new AML-THR-002 alerts in the seed; the test needs 4", len(alerts))
	}
	// Close three as false positive and one as not suspicious.
	var evs []store.Event
	for i, a := range alerts[:4] {
		to := "false_positive"
		if i == 3 {
			to = "not_suspicious"
		}
		evs = append(evs,
			store.Event{AlertID: a.ID, User: "ana", Action: "status", From: "new", To: "in_review", AlertTS: a.TS, Score: a.Score},
			store.Event{AlertID: a.ID, User: "ana", Action: "dispose", From: "in_review", To: to, Note: "test", AlertTS: a.TS, Score: a.Score})
	}
	if err := e.store.Append(t.Context(), evs); err != nil {
		t.Fatal(err)
	}
	var v rulesView
	e.login("ana").mustDo(200, "GET", "/api/rules", nil, &v)
	var row *ruleRow
	for i := range v.Rules {
		if v.Rules[i].ID == "AML-THR-002" {
			row = &v.Rules[i]
		}
	}
	// The pack is named as the analyst knows it, with the hash the
	// service logs, not by the host's path.
	if v.Pack != filepath.Base(packDir) || v.Hash != loadPack(t).Hash || v.Hash == "" {
		t.Errorf("rules page names pack %q #%s, want %q #%s", v.Pack, v.Hash, filepath.Base(packDir), loadPack(t).Hash)
	}
	if row == nil || !row.InPack || row.Version != 1 || row.Mode == "" {
		b, _ := json.Marshal(v.Rules)
		t.Fatalf("AML-THR-002 missing or incomplete: %s", b)
	}
	if row.Stats.Closed < 4 || row.Stats.FalsePositive < 3 || row.FPShare <= 0 || row.FPShare >= 1 {
		t.Fatalf("AML-THR-002 stats %+v share %.2f", row.Stats, row.FPShare)
	}
	if len(row.Days) != statsDays || row.Stats.Total == 0 {
		t.Fatalf("per-day series %d days, total %d", len(row.Days), row.Stats.Total)
	}
}
