package main

// Helpers shared by the reliability tests (issue 6). They build on the e2e
// harness in e2e_test.go: fixtures, child processes, /metrics scrapes and
// alert-set comparison.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	chgo "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/socwatch/socwatch/internal/testenv"
)

// counts is what one process reports about the screening stage.
type counts struct {
	consumed, screened, rejected, replayed float64
}

func (c counts) String() string {
	return fmt.Sprintf("consumed %.0f, screened %.0f, DLQ %.0f, replayed %.0f", c.consumed, c.screened, c.rejected, c.replayed)
}

// screenCounts reads the screening stage's counters from one scrape.
func screenCounts(m map[string]float64, f *fixture) counts {
	return counts{
		consumed: sum(m, `socwatch_records_consumed_total{topic="`+f.topic+`.by-account"}`),
		screened: sum(m, "socwatch_records_screened_total"),
		rejected: sum(m, "socwatch_records_rejected_total"),
		replayed: sum(m, "socwatch_state_replayed_records_total"),
	}
}

// checkReconciled fails the test unless every consumed copy was screened
// or dead-lettered, exactly.
func checkReconciled(t *testing.T, who string, c counts) {
	t.Helper()
	if c.consumed == 0 || c.consumed != c.screened+c.rejected {
		t.Errorf("%s: consumed %.0f != screened %.0f + DLQ %.0f", who, c.consumed, c.screened, c.rejected)
	}
}

// waitMetric polls c's /metrics until metric's sum reaches min.
func waitMetric(t *testing.T, c *child, metric string, min float64, timeout time.Duration) float64 {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var v float64
	for time.Now().Before(deadline) {
		v = sum(c.scrape(), metric)
		if v >= min {
			return v
		}
		select {
		case err := <-c.exited:
			c.exited <- err
			t.Fatalf("socwatch exited while waiting for %s >= %.0f: %v", metric, min, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("%s = %.0f after %s, want >= %.0f", metric, v, timeout, min)
	return v
}

// kill9 kills c with SIGKILL: no drain, no last commit, no sink flush.
func kill9(t *testing.T, c *child) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9: %v", err)
	}
	select {
	case <-c.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("socwatch still running 10 s after SIGKILL")
	}
}

// readyzStatus returns the HTTP status of c's /readyz (0 if it does not
// answer) and the body.
func readyzStatus(c *child) (int, string) {
	cl := http.Client{Timeout: 2 * time.Second}
	resp, err := cl.Get("http://" + c.metrics + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 512)
	n, _ := resp.Body.Read(buf)
	b.Write(buf[:n])
	return resp.StatusCode, strings.TrimSpace(b.String())
}

// peakRSSMiB is the child's VmHWM so far, in MiB (0 if unreadable).
func peakRSSMiB(c *child) float64 {
	kib, err := testenv.PeakRSSKiB(c.cmd.Process.Pid)
	if err != nil {
		return 0
	}
	return float64(kib) / 1024
}

// chQuery opens the fixture's database directly, for checks the sink's
// API does not offer (raw row counts, rule versions).
func chQuery(t *testing.T, dsn string) chgo.Conn {
	t.Helper()
	opts, err := chgo.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("parse dsn: %v", err)
	}
	conn, err := chgo.Open(opts)
	if err != nil {
		t.Fatalf("open ClickHouse: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// countRows runs a SELECT count() query.
func countRows(t *testing.T, conn chgo.Conn, query string) uint64 {
	t.Helper()
	var n uint64
	if err := conn.QueryRow(context.Background(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// proxiedDSN points dsn at addr (a TCP proxy in front of the server).
func proxiedDSN(t *testing.T, dsn, addr string) string {
	t.Helper()
	hostport, err := testenv.ClickHouseHostPort(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Replace(dsn, hostport, addr, 1)
}

const sigterm = syscall.SIGTERM

// txID reads the tx_id of a canonical JSON record.
func txID(t *testing.T, record []byte) string {
	t.Helper()
	var v struct {
		TxID string `json:"tx_id"`
	}
	if err := json.Unmarshal(record, &v); err != nil {
		t.Fatalf("tx_id of %q: %v", record, err)
	}
	return v.TxID
}
