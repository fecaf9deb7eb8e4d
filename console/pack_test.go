package console

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/fx"
	"github.com/socwatch/socwatch/internal/testenv"
	"github.com/socwatch/socwatch/rules"
)

// copyPack copies the test pack to a directory of the test's, which the
// test edits as a deployment edits the running pack.
func copyPack(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "aml-core")
	if err := os.CopyFS(dir, os.DirFS(packDir)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// bumpVersion rewrites rule id's version in the pack file file of dir
// from one to another, as an analyst's change does.
func bumpVersion(t *testing.T, dir, file, id string, from, to int) {
	t.Helper()
	path := filepath.Join(dir, file)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	old := "id: " + id + "\n    version: " + strconv.Itoa(from) + "\n"
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s has no %q", file, old)
	}
	b = bytes.Replace(b, []byte(old), []byte("id: "+id+"\n    version: "+strconv.Itoa(to)+"\n"), 1)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPackReloaderCheck: the reloader re-reads the pack when its files
// change and knows the new rule versions; it keeps the pack it has when
// nothing changed, and when the changed pack does not load (logged).
func TestPackReloaderCheck(t *testing.T) {
	dir := copyPack(t)
	c, err := rules.LoadCompiled(dir, rules.Options{FX: fx.Default()})
	if err != nil {
		t.Fatal(err)
	}
	rs := c.Rules
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	opts := rules.Options{FX: fx.Default()}
	r := newPackReloader(dir, c)
	v := packVersion(t, "AML-SANC-001")
	known := func(version int) bool { return r.pack().conditions[ruleKey{"AML-SANC-001", version}] != nil }

	r.check(opts, log)
	if r.pack().rules != rs || !known(v) {
		t.Fatalf("unchanged pack: rules %p (want %p), v%d known %v", r.pack().rules, rs, v, known(v))
	}

	bumpVersion(t, dir, "sanctions.yaml", "AML-SANC-001", v, v+10)
	r.check(opts, log)
	p := r.pack()
	if p.rules == rs || p.rules.Hash == rs.Hash || !known(v+10) || known(v) || p.lists["sanctions_ofac_un"] == nil ||
		!strings.Contains(logged.String(), "rule pack re-read") {
		t.Fatalf("after the version bump: hash %s (was %s), v%d known %v, v%d known %v; log %s", p.rules.Hash, rs.Hash, v+10, known(v+10), v, known(v), logged.String())
	}

	if err := os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("rules: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.check(opts, log)
	if r.pack() != p || !strings.Contains(logged.String(), "does not load") || !strings.Contains(logged.String(), "broken.yaml") {
		t.Fatalf("after a broken edit: pack replaced %v; log %s", r.pack() != p, logged.String())
	}

	if err := os.Remove(filepath.Join(dir, "broken.yaml")); err != nil {
		t.Fatal(err)
	}
	r.check(opts, log)
	if r.pack() != p {
		t.Error("a pack whose content hash is the running one's replaced it")
	}

	none := newPackReloader("", &rules.Compiled{})
	none.check(opts, log)
	if none.pack().rules != nil || len(none.pack().conditions) != 0 {
		t.Errorf("without a pack directory: %+v", none.pack())
	}
}

// TestIntegrationClearingAfterPackReload: an alert of a rule version
// that `socwatch run` loaded after the console started is not closed by
// a clearing while the console does not know the version; once the
// pack's files hold it, the next sweep re-reads them and closes the
// alert, and the rules page shows the new hash.
func TestIntegrationClearingAfterPackReload(t *testing.T) {
	testenv.Integration(t)
	dir := copyPack(t)
	c, err := rules.LoadCompiled(dir, rules.Options{FX: fx.Default()})
	if err != nil {
		t.Fatal(err)
	}
	rs := c.Rules
	e := startEnvPack(t, freshDB(t, "clearing_reload"), dir, c)
	v := packVersion(t, "AML-SANC-001")
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	newer := func(txID string, ts time.Time) engine.Alert {
		a := exactAlert(t, txID, ts, kovalenko, payee, watchlisted["17761"], "")
		a.RuleVersion = v + 10
		a.AlertID = engine.AlertID(a.RuleID, a.RuleVersion, txID)
		return a
	}
	first, later := newer("reload-1", t0), newer("reload-2", t0.Add(time.Hour))
	writeAlerts(t, e.dsn, first, later)
	ana, sue := e.login("ana"), e.login("sue")
	var res struct {
		AlertOpen string `json:"alert_open"`
	}
	ana.mustDo(201, "POST", "/api/alerts/"+first.AlertID+"/clearings", map[string]string{"party": "debtor", "reason": "Customer born 1990"}, &res)
	if !strings.Contains(res.AlertOpen, "is not in the running pack") {
		t.Fatalf("alert of an unknown version left open because %q", res.AlertOpen)
	}

	bumpVersion(t, dir, "sanctions.yaml", "AML-SANC-001", v, v+10)
	if _, err := e.cons.sweep.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, a := range []engine.Alert{first, later} {
		if status, disp, evs := alertState(t, sue, a.AlertID); status != "closed" || disp != store.ClearedMatch || evs[len(evs)-1].User != store.AutoUser {
			t.Errorf("%s after the pack's reload: %s/%s, want closed by the sweep", a.TxID, status, disp)
		}
	}
	var page string
	sue.mustDo(200, "GET", "/rules", nil, &page)
	if h := e.cons.pack().rules.Hash; h == rs.Hash || !strings.Contains(page, h) {
		t.Errorf("rules page after the reload does not show the new hash %s (was %s)", h, rs.Hash)
	}
}
