package main

import (
	"context"
	"testing"
	"time"
)

// TestTwoInstancesOneDies (issue 6, item 5): two screening `socwatch run`
// processes share one consumer group behind one re-key instance (the
// dedicated-re-keyer topology: `--kafka-rekey stage` once, `--kafka-rekey
// screen` N times); once both screeners own partitions, one is killed with
// SIGKILL. Its partitions move to the survivor, which rebuilds their state
// from history; the final alert set equals the single-process batch run.
// TestDefaultScaleOutIsExact covers the default topology (every instance
// `auto`).
func TestTwoInstancesOneDies(t *testing.T) {
	t.Parallel()
	start := time.Now()
	f := newFixture(t, 8000, 4)
	f.produce(t, 0, len(f.records))
	// The internal topic exists before anyone reads it, as an operator
	// running the stages apart may create it.
	if _, err := f.admin.CreateTopic(context.Background(), 4, -1, nil, f.topic+rekeySuffix); err != nil {
		t.Fatalf("create the internal topic: %v", err)
	}
	a := startRun(t, nil, append(runArgs(f), "--kafka-rekey", "screen")...)
	b := startRun(t, nil, append(runArgs(f), "--kafka-rekey", "screen")...)
	// The re-key stage starts once both screening instances own
	// internal-topic partitions: started with them, it could fill the
	// internal topic while one instance was still joining, and the other
	// screened all of it (it did in CI once the engine got faster). The
	// input is complete before the stage reads it, so its merge sees no
	// live feed.
	owning := time.Now().Add(time.Minute)
	for sum(a.scrape(), "socwatch_partitions_assigned") == 0 || sum(b.scrape(), "socwatch_partitions_assigned") == 0 {
		if time.Now().After(owning) {
			t.Fatal("the two screening instances do not both own internal-topic partitions after 1 min")
		}
		time.Sleep(200 * time.Millisecond)
	}
	rk := startRun(t, nil, append(runArgs(f), "--kafka-rekey", "stage")...)
	// Both must screen before the kill, or the test would only restart a
	// single instance. (Screened copies are the evidence: an instance can
	// hold internal-topic partitions, socwatch_partitions_assigned{topic},
	// before it has screened anything.) The victim must also have committed,
	// or the survivor takes its partitions over from the first offset and
	// has no history to replay (it once killed the victim before its first
	// commit).
	deadline := time.Now().Add(2 * time.Minute)
	for {
		sa := sum(a.scrape(), "socwatch_records_screened_total")
		bm := b.scrape()
		sb, cb := sum(bm, "socwatch_records_screened_total"), sum(bm, "socwatch_commits_total")
		if sa > 0 && sb >= 1500 && cb > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("work not shared after 2 min: instance a screened %.0f, b %.0f copies (b committed %.0f times)", sa, sb, cb)
		}
		time.Sleep(200 * time.Millisecond)
	}
	vm := b.scrape()
	victim := screenCounts(vm, f)
	t.Logf("victim before the kill: late events %.0f", sum(vm, "socwatch_late_events_total"))
	kill9(t, b)
	f.waitDone(t, a, 3*time.Minute)
	sm := a.scrape()
	survivor := screenCounts(sm, f)
	t.Logf("survivor: late events %.0f, rule errors %.0f, replayed %.0f, re-key consumed %.0f",
		sum(sm, "socwatch_late_events_total"), sum(sm, "socwatch_rule_errors_total"), sum(sm, "socwatch_state_replayed_records_total"),
		sum(sm, `socwatch_records_consumed_total{topic="`+f.topic+`"}`))
	checkReconciled(t, "survivor", survivor)
	if survivor.replayed == 0 {
		t.Errorf("survivor replayed no history after taking over the victim's partitions")
	}
	if err := a.stop(sigterm); err != nil {
		t.Errorf("survivor did not stop cleanly: %v", err)
	}
	if err := rk.stop(sigterm); err != nil {
		t.Errorf("re-key instance did not stop cleanly: %v", err)
	}
	want := batchAlerts(t, f.records)
	got := streamAlerts(t, f.dsn)
	diffKeys(t, got, want)
	t.Logf("injected: kill -9 of one of two instances in group %s; victim before the kill: %s; survivor: %s",
		f.group, victim, survivor)
	t.Logf("checked: alerts %d = single-process batch %d, lost 0, extra 0, duplicates in dedup view 0; took %s",
		len(got), len(want), time.Since(start).Round(time.Second))
}
