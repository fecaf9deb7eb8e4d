package main

import (
	"testing"
	"time"

	"github.com/socwatch/socwatch/internal/testenv"
)

// TestClickHouseOutage (issue 6, item 3): ClickHouse becomes unreachable
// for 25 s mid-stream (a TCP proxy in front of the shared server is closed,
// cutting live connections, then reopened on the same port). The engine
// must retry, report the outage on /readyz (503) and in its sink metrics,
// stop taking records once its in-flight bound is reached, keep its memory
// bounded, resume when the server is back, and lose nothing.
func TestClickHouseOutage(t *testing.T) {
	const outage = 25 * time.Second
	start := time.Now()
	f := newFixture(t, 4000, 4)
	hostport, err := testenv.ClickHouseHostPort(f.dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := testenv.StartTCPProxy(t, hostport)
	f.produce(t, 0, len(f.records))
	// A small in-flight bound (4 unacknowledged batches per partition) so
	// that the pause shows with a feed this size; the default (64) bounds
	// memory the same way, only later.
	c := startRun(t, nil, append(runArgs(f), "--clickhouse", proxiedDSN(t, f.dsn, proxy.Addr()),
		// Bound in-flight work by records too: how many batches the
		// records arrive in depends on fetch timing.
		"--kafka-max-in-flight", "4", "--kafka-max-in-flight-records", "256")...)
	waitMetric(t, c, "socwatch_records_screened_total", 1500, 2*time.Minute)
	if code, body := readyzStatus(c); code != 200 {
		t.Fatalf("/readyz before the outage = %d %q, want 200", code, body)
	}
	rssBefore := peakRSSMiB(c)

	proxy.Stop()
	outageStart := time.Now()
	var saw503 bool
	var body503 string
	var maxPaused float64
	var screenedSamples []float64
	for time.Since(outageStart) < outage {
		if code, body := readyzStatus(c); code == 503 {
			saw503, body503 = true, body
		}
		m := c.scrape()
		if p := sum(m, "socwatch_paused_partitions"); p > maxPaused {
			maxPaused = p
		}
		screenedSamples = append(screenedSamples, sum(m, "socwatch_records_screened_total"))
		time.Sleep(500 * time.Millisecond)
	}
	during := c.scrape()
	rssOutage := peakRSSMiB(c)
	proxy.Start()

	f.waitDone(t, c, 3*time.Minute)
	after := c.scrape()
	rssEnd := peakRSSMiB(c)
	code, _ := readyzStatus(c)
	if err := c.stop(sigterm); err != nil {
		t.Errorf("SIGTERM after the outage: %v", err)
	}

	if !saw503 {
		t.Errorf("/readyz never answered 503 during a %s ClickHouse outage", outage)
	}
	if code != 200 {
		t.Errorf("/readyz after recovery = %d, want 200", code)
	}
	sinkErrors, retries := sum(during, "socwatch_sink_errors_total"), sum(during, "socwatch_sink_retries_total")
	if sinkErrors == 0 || retries == 0 {
		t.Errorf("during the outage: socwatch_sink_errors_total %.0f, socwatch_sink_retries_total %.0f; want both > 0", sinkErrors, retries)
	}
	if up := sum(during, "socwatch_sink_up"); up != 0 {
		t.Errorf("socwatch_sink_up during the outage = %.0f, want 0", up)
	}
	// Consumption stops: over the last third of the outage the screened
	// count must have stopped growing (in-flight bound reached) unless the
	// whole feed was already consumed.
	n := len(screenedSamples)
	plateau := screenedSamples[n-1] - screenedSamples[n*2/3]
	total := sum(after, `socwatch_records_consumed_total{topic="`+f.topic+`.by-account"}`)
	if plateau != 0 || screenedSamples[n-1] >= total {
		t.Errorf("screening did not stop during the outage: +%.0f copies in its last third, %.0f of %.0f screened by its end",
			plateau, screenedSamples[n-1], total)
	}
	if maxPaused == 0 {
		t.Errorf("socwatch_paused_partitions stayed 0 during the outage")
	}

	cnt := screenCounts(after, f)
	checkReconciled(t, "outage run", cnt)
	want := batchAlerts(t, f.records)
	got := streamAlerts(t, f.dsn)
	diffKeys(t, got, want)
	t.Logf("injected: ClickHouse unreachable for %s after %.0f copies screened (proxy closed, connections cut)", outage, screenedSamples[0])
	t.Logf("during: /readyz 503 %q; sink errors %.0f, retries %.0f, paused partitions max %.0f, screened %.0f of %.0f copies at the end of the outage",
		body503, sinkErrors, retries, maxPaused, screenedSamples[n-1], total)
	t.Logf("checked: %s; alerts %d = batch %d, lost 0, duplicates in dedup view 0; peak RSS (VmHWM, -race binary) %.0f MiB before, %.0f MiB at the end of the outage, %.0f MiB at the end; took %s",
		cnt, len(got), len(want), rssBefore, rssOutage, rssEnd, time.Since(start).Round(time.Second))
}
