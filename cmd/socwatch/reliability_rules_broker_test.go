package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestRulesCannotHurtTheEngine (issue 6, item 8): a rule that panics at run
// time (integer division by zero inside the expr VM) is recovered and
// counted; every record is still screened and the other rules still alert.
// Load-time limits (expression size, literal list length, no now(), list
// names checked) are unit-tested in rules/compile_test.go.
func TestRulesCannotHurtTheEngine(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 2000, 2)
	f.produce(t, 0, len(f.records))
	dir := t.TempDir()
	copyPack(t, "../../rules/packs/aml-core", dir)
	bad := `rules:
  - id: BAD-DIV-001
    version: 1
    name: divides by zero on every transaction
    severity: low
    score: 1
    typology: threshold
    when: int(amount) % (len(currency) - 3) == 0
`
	if err := os.WriteFile(filepath.Join(dir, "zz_bad.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	// A later --rules overrides the default pack startRun passes.
	c := startRun(t, nil, append(runArgs(f), "--rules", dir)...)
	f.waitDone(t, c, 2*time.Minute)
	m := c.scrape()
	if err := c.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("socwatch did not stop cleanly after rule errors: %v", err)
	}
	sc := screenCounts(m, f)
	checkReconciled(t, "run", sc)
	ruleErrors := sum(m, "socwatch_rule_errors_total")
	if ruleErrors < float64(len(f.records)) {
		t.Errorf("socwatch_rule_errors_total = %.0f, want >= %d (one per transaction)", ruleErrors, len(f.records))
	}
	diffKeys(t, streamAlerts(t, f.dsn), batchAlerts(t, f.records))
	t.Logf("injected: a rule that panics (integer division by zero) on every transaction; counted %.0f rule errors; %s; alerts of the other rules = batch", ruleErrors, sc)
}

// TestKafkaBrokerRestart (issue 6, item 4): the real broker is restarted
// mid-stream; the clients reconnect and continue; nothing is lost and the
// dedup view has no duplicates. The broker it restarts is the one every
// other integration test uses: `make test` runs it in a go test of its own
// after all the others (other packages' tests run alongside this one's).
func TestKafkaBrokerRestart(t *testing.T) {
	f := newFixture(t, 8000, 4)
	f.produce(t, 0, len(f.records))
	c := startRun(t, nil, runArgs(f)...)
	waitMetric(t, c, "socwatch_records_screened_total", 3000, 2*time.Minute)
	start := time.Now()
	out, err := exec.Command("bash", "../../deploy/local/kafka.sh", "restart").CombinedOutput()
	if err != nil {
		t.Fatalf("kafka.sh restart: %v\n%s", err, out)
	}
	t.Logf("broker restarted in %s", time.Since(start).Round(time.Second))
	f.waitDone(t, c, 4*time.Minute)
	m := c.scrape()
	if err := c.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("socwatch did not stop cleanly after the broker restart: %v", err)
	}
	sc := screenCounts(m, f)
	checkReconciled(t, "run", sc)
	got, want := streamAlerts(t, f.dsn), batchAlerts(t, f.records)
	diffKeys(t, got, want)
	t.Logf("injected: broker restart mid-stream; %s; alerts %d = batch %d, lost 0, duplicates in dedup view 0", sc, len(got), len(want))
}
