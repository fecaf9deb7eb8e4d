package main

import (
	"fmt"
	"testing"
	"time"
)

// TestDefaultScaleOutIsExact (issue 15, item 3): two or three `socwatch run`
// instances with the default kafka.rekey=auto share one consumer group,
// started 2 s apart on a 300k-record backlog. Each runs a re-key stage and a
// screening source; the re-key group's balancer gives every input partition
// to the longest-lived instance, so one merge orders the internal topic and
// the alert set equals `socwatch screen` on the same records, with no
// duplicate in the dedup view. With kill, the re-key owner is killed with
// SIGKILL midway: another instance takes the input partitions over after
// the session timeout and re-produces what was not committed, which the
// screeners drop as duplicate copies.
func TestDefaultScaleOutIsExact(t *testing.T) {
	t.Parallel()
	const records = 300_000
	cases := []struct {
		instances int
		kill      bool
	}{
		{instances: 2},
		{instances: 3},
		{instances: 2, kill: true},
	}
	for _, tc := range cases {
		name := fmt.Sprintf("%d instances", tc.instances)
		if tc.kill {
			name += ", owner killed"
		}
		t.Run(name, func(t *testing.T) {
			// Each case has its own topics, groups and database, and
			// mostly waits on its children; the feed and its batch alert
			// set are computed once for the three (memo_test.go).
			t.Parallel()
			start := time.Now()
			f := newFixture(t, records, 4)
			f.produce(t, 0, len(f.records))
			var cs []*child
			for i := 0; i < tc.instances; i++ {
				if i > 0 {
					time.Sleep(2 * time.Second)
				}
				cs = append(cs, startRunBinary(t, socwatchFastBinary(t), nil, runArgs(f)...))
			}
			input := `socwatch_records_consumed_total{topic="` + f.topic + `"}`
			survivor := cs[len(cs)-1]
			var killedAt float64
			if tc.kill {
				// Midway through the re-key stage's input.
				killedAt = waitTotal(t, cs, input, records/2, 6*time.Minute)
				kill9(t, cs[0])
			}
			f.waitDone(t, survivor, 6*time.Minute)
			var reKeyers int
			var dups, late float64
			for i, c := range cs {
				if tc.kill && i == 0 {
					continue
				}
				m := c.scrape()
				if sum(m, input) > 0 {
					reKeyers++
				}
				if sum(m, "socwatch_records_screened_total") == 0 {
					t.Errorf("instance %d screened nothing: screening does not scale out", i)
				}
				dups += sum(m, "socwatch_duplicate_copies_total")
				late += sum(m, "socwatch_late_events_total")
			}
			// Without a kill only the first instance ever re-keys; after
			// the kill exactly one survivor took over.
			if reKeyers != 1 {
				t.Errorf("%d live instances consumed the input topic, want exactly 1", reKeyers)
			}
			for i, c := range cs {
				if tc.kill && i == 0 {
					continue
				}
				if err := c.stop(sigterm); err != nil {
					t.Errorf("instance %d did not stop cleanly: %v", i, err)
				}
			}
			want := batchAlerts(t, f.records)
			got := streamAlerts(t, f.dsn)
			diffKeys(t, got, want)
			t.Logf("%d instances 2 s apart, %d records, kill -9 of the re-key owner: %v (after %.0f input records re-keyed); survivors: duplicate copies dropped %.0f, late events %.0f",
				tc.instances, records, tc.kill, killedAt, dups, late)
			t.Logf("checked: alerts %d = batch %d, lost 0, extra 0, duplicates in dedup view 0; took %s",
				len(got), len(want), time.Since(start).Round(time.Second))
		})
	}
}

// waitTotal polls every live child's /metrics until metric, summed over
// them, reaches min.
func waitTotal(t *testing.T, cs []*child, metric string, min float64, timeout time.Duration) float64 {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var v float64
	for time.Now().Before(deadline) {
		v = 0
		for _, c := range cs {
			v += sum(c.scrape(), metric)
		}
		if v >= min {
			return v
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s summed over %d instances = %.0f after %s, want >= %.0f", metric, len(cs), v, timeout, min)
	return v
}
