package main

import (
	"testing"
	"time"

	"github.com/socwatch/socwatch/connectors/clickhouse"
)

// TestKill9MidStream (issue 6, item 2): SIGKILL in the middle of the feed
// (no drain, no final commit, no sink flush), then a restart: no alert is
// missing, and the dedup view holds no duplicate even if the raw table does
// (records between the last commit and the kill are screened twice).
func TestKill9MidStream(t *testing.T) {
	t.Parallel()
	start := time.Now()
	f := newFixture(t, 8000, 4)
	f.produce(t, 0, len(f.records))
	c := startRun(t, nil, runArgs(f)...)
	killedAt := waitMetric(t, c, "socwatch_records_screened_total", 5000, 2*time.Minute)
	before := screenCounts(c.scrape(), f)
	kill9(t, c)

	c2 := startRun(t, nil, runArgs(f)...)
	f.waitDone(t, c2, 3*time.Minute)
	after := screenCounts(c2.scrape(), f)
	checkReconciled(t, "restarted process", after)

	want := batchAlerts(t, f.records)
	got := streamAlerts(t, f.dsn) // fails on any duplicate in the dedup view
	diffKeys(t, got, want)
	raw := countRows(t, chQuery(t, f.dsn), "SELECT count() FROM alerts")
	if raw < uint64(len(got)) {
		t.Errorf("raw alerts table has %d rows, fewer than the %d distinct alerts", raw, len(got))
	}
	// At-least-once: together the two processes screened every copy at least
	// once (the second re-screens what the first had not committed).
	if total := before.screened + before.rejected + after.screened + after.rejected; total < after.consumed {
		t.Errorf("screened+DLQ over both runs %.0f < copies consumed by the second %.0f", total, after.consumed)
	}
	if err := c2.stop(sigterm); err != nil {
		t.Errorf("restarted process did not stop cleanly: %v", err)
	}
	t.Logf("injected: kill -9 after %.0f copies screened of %d records (4 partitions); before kill: %s; after restart: %s",
		killedAt, len(f.records), before, after)
	t.Logf("checked: alerts %d = batch %d, lost 0, extra 0, duplicates in dedup view 0, raw rows %d (%d re-written by the replay); took %s",
		len(got), len(want), raw, raw-uint64(len(got)), time.Since(start).Round(time.Second))
}

// TestCrashStateSpansWindows (issue 6, item 1): the process screens the
// first half of the feed, is killed with SIGKILL, and the second half
// arrives while it is down. The restarted worker must rebuild its
// multi-day windows from history, so the alerts of the second half that
// need first-half state (structuring over 48 h, fan-in over 24 h, ...)
// still fire: the alert set equals the no-crash batch run's.
func TestCrashStateSpansWindows(t *testing.T) {
	t.Parallel()
	start := time.Now()
	f := newFixture(t, 8000, 4)
	half := len(f.records) / 2
	f.produce(t, 0, half)
	c := startRun(t, nil, runArgs(f)...)
	f.waitDone(t, c, 2*time.Minute)
	first := screenCounts(c.scrape(), f)
	kill9(t, c)
	f.produce(t, half, len(f.records))

	c2 := startRun(t, nil, runArgs(f)...)
	f.waitDone(t, c2, 3*time.Minute)
	second := screenCounts(c2.scrape(), f)
	checkReconciled(t, "first process", first)
	checkReconciled(t, "restarted process", second)
	if second.replayed == 0 {
		t.Errorf("restarted process replayed no history (socwatch_state_replayed_records_total = 0)")
	}

	want := batchAlerts(t, f.records)
	diffKeys(t, streamAlerts(t, f.dsn), want)

	// The test proves something only if windows do span the crash: alerts on
	// second-half transactions that a fresh start on the second half alone
	// would not raise.
	secondHalf := map[string]bool{}
	for _, r := range f.records[half:] {
		secondHalf[txID(t, r)] = true
	}
	cold := map[clickhouse.AlertKey]bool{}
	for _, k := range batchAlerts(t, f.records[half:]) {
		cold[k] = true
	}
	spanning := 0
	for _, k := range want {
		if secondHalf[k.TxID] && !cold[k] {
			spanning++
		}
	}
	if spanning == 0 {
		t.Fatalf("no second-half alert depends on first-half state: the feed does not exercise windows spanning the crash")
	}
	if err := c2.stop(sigterm); err != nil {
		t.Errorf("restarted process did not stop cleanly: %v", err)
	}
	t.Logf("injected: kill -9 after %d of %d records, second half produced while down; first: %s; restarted: %s",
		half, len(f.records), first, second)
	t.Logf("checked: %d alerts = batch, %d of them on second-half transactions need pre-crash window state; lost 0, duplicates 0; took %s",
		len(want), spanning, time.Since(start).Round(time.Second))
}
