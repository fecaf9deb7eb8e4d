package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
)

// futureRecords are issue 15's mis-dated records: copies of two EUR feed
// transactions under new ids, one dated a year and one a week after the
// original, inserted right after the original.
var futureRecords = []struct {
	id    string
	at    float64 // where in the feed, as a share of its length
	ahead time.Duration
}{
	{"future-year", 0.3, 365 * 24 * time.Hour},
	{"future-week", 0.6, 7 * 24 * time.Hour},
}

// withFutureRecords returns records with the future copies inserted.
func withFutureRecords(t *testing.T, records [][]byte) [][]byte {
	t.Helper()
	out := append([][]byte(nil), records...)
	for i := len(futureRecords) - 1; i >= 0; i-- {
		f := futureRecords[i]
		// A EUR transaction, so that without the bound the copy would
		// reach the windows (the FX table has no rates a year ahead).
		var d jsonl.Decoder
		var tx engine.Tx
		at := int(f.at * float64(len(records)))
		for ; at < len(records); at++ {
			if err := d.Decode(records[at], &tx); err != nil {
				t.Fatal(err)
			}
			if tx.Currency == "EUR" {
				break
			}
		}
		tx.TxID, tx.TS = f.id, tx.TS.Add(f.ahead)
		out = append(out[:at+1], append([][]byte{jsonl.Encode(nil, &tx)}, out[at+1:]...)...)
	}
	return out
}

// screenFile runs `socwatch screen` on records and returns the alert keys
// (tx_id:rule_id, sorted) and the rejects file's reasons by tx_id.
func screenFile(t *testing.T, records [][]byte, extra ...string) (alerts []string, rejects map[string]string) {
	t.Helper()
	dir := t.TempDir()
	in, out, rej := filepath.Join(dir, "in.jsonl"), filepath.Join(dir, "alerts.jsonl"), filepath.Join(dir, "rejects.jsonl")
	if err := os.WriteFile(in, append(bytes.Join(records, []byte("\n")), '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	args := append([]string{"screen", "--rules", "../../rules/packs/aml-core", "--input", in, "--out", out, "--rejects", rej}, extra...)
	err := dispatch(args, &stdout, &stderr)
	if code := exitCode(err); code != 0 && code != exitRejected {
		t.Fatalf("screen: %v\n%s", err, tailOf(stderr.String()))
	}
	for _, l := range readLines(t, out) {
		var a engine.Alert
		if err := json.Unmarshal(l, &a); err != nil {
			t.Fatal(err)
		}
		alerts = append(alerts, a.TxID+":"+a.RuleID)
	}
	sort.Strings(alerts)
	rejects = map[string]string{}
	for _, l := range readLines(t, rej) {
		var r struct{ Reason, Value string }
		if err := json.Unmarshal(l, &r); err != nil {
			t.Fatal(err)
		}
		var d jsonl.Decoder
		var tx engine.Tx
		d.Decode([]byte(r.Value), &tx)
		rejects[tx.TxID] = r.Reason
	}
	if want := map[bool]int{false: 0, true: exitRejected}[len(rejects) > 0]; exitCode(err) != want {
		t.Fatalf("screen exit %d with %d rejects, want %d", exitCode(err), len(rejects), want)
	}
	return alerts, rejects
}

// exitCode is the process exit code main gives err.
func readLines(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		out = append(out, append([]byte(nil), sc.Bytes()...))
	}
	return out
}

// TestScreenIgnoresFutureRecords is issue 15's "done when" for screen: a
// feed with one record a year ahead and one a week ahead gives the clean
// feed's alerts, and both records are in --rejects as ts_future. Without
// the bound the same feed loses alerts, so the comparison can fail.
func TestScreenIgnoresFutureRecords(t *testing.T) {
	t.Parallel()
	// 40,000 records are 80,000 copies, more than the screener's idle-key
	// sweep interval, so a sweep runs after the year-ahead record.
	clean := generatedFeed(42, 40000).records
	skewed := withFutureRecords(t, clean)
	want, cleanRejects := screenFile(t, clean)
	if len(want) < 100 || len(cleanRejects) != 0 {
		t.Fatalf("clean feed: %d alerts, rejects %v: the comparison proves little", len(want), cleanRejects)
	}
	got, rejects := screenFile(t, skewed)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("alerts with future records differ from the clean feed's: %d vs %d", len(got), len(want))
	}
	wantRejects := map[string]string{}
	for _, f := range futureRecords {
		wantRejects[f.id] = engine.ReasonTSFuture
	}
	if len(rejects) != len(wantRejects) || rejects["future-year"] != "ts_future" || rejects["future-week"] != "ts_future" {
		t.Fatalf("rejects %v, want %v", rejects, wantRejects)
	}
	// The default pack's alerts need not depend on the watermark; a pack
	// whose windows are evicted by a jump shows that the bound is what
	// keeps the skewed feed's alerts equal to the clean feed's.
	const sensitive = "testdata/watermark-pack"
	wantSensitive, _ := screenFile(t, clean, "--rules", sensitive)
	gotSensitive, _ := screenFile(t, skewed, "--rules", sensitive)
	if strings.Join(gotSensitive, ",") != strings.Join(wantSensitive, ",") {
		t.Fatalf("%s: alerts with future records differ from the clean feed's: %d vs %d", sensitive, len(gotSensitive), len(wantSensitive))
	}
	unbounded, _ := screenFile(t, skewed, "--rules", sensitive, "--screen-future-bound", "0")
	if strings.Join(unbounded, ",") == strings.Join(wantSensitive, ",") {
		t.Fatal("without a future bound the skewed feed gives the clean alerts too: the test does not exercise the bound")
	}
	t.Logf("default pack: clean %d alerts, skewed with the bound %d; %s: clean %d, without the bound %d",
		len(want), len(got), sensitive, len(wantSensitive), len(unbounded))
}

// TestRunIgnoresFutureRecords is issue 15's "done when" for run, against
// the real broker: the feed with a record a year ahead and one a week
// ahead, produced to a 4-partition topic, gives in ClickHouse the clean
// feed's batch alerts, and both records are in the DLQ as ts_future.
func TestRunIgnoresFutureRecords(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 20000, 4)
	clean := f.records
	f.records = withFutureRecords(t, clean)
	f.keys = f.keys[:0]
	for _, r := range f.records {
		var d jsonl.Decoder
		var tx engine.Tx
		if err := d.Decode(r, &tx); err != nil {
			t.Fatal(err)
		}
		f.keys = append(f.keys, []byte(tx.Debtor.Account))
	}
	f.produce(t, 0, len(f.records))
	c := startRun(t, nil, runArgs(f)...)
	f.waitDone(t, c, 3*time.Minute)
	m := c.scrape()
	if err := c.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	want := batchAlerts(t, clean)
	if len(want) < 100 {
		t.Fatalf("batch run raised only %d alerts: the comparison proves little", len(want))
	}
	diffKeys(t, streamAlerts(t, f.dsn), want)
	// The re-key stage judges each record against the merged feed's event
	// time and dead-letters a future one itself, once (no copy is forwarded).
	dlq := readDLQ(t, f, len(futureRecords))
	got := map[string]string{}
	for v, reasons := range dlq {
		var d jsonl.Decoder
		var tx engine.Tx
		if err := d.Decode([]byte(v), &tx); err != nil {
			t.Fatalf("DLQ record %q: %v", v, err)
		}
		got[tx.TxID] = strings.Join(reasons, ",")
	}
	if len(got) != len(futureRecords) || got["future-year"] != "ts_future" || got["future-week"] != "ts_future" {
		t.Fatalf("DLQ holds %v, want each future record once as ts_future and nothing else", got)
	}
	if late := sum(m, "socwatch_late_events_total"); late != 0 {
		t.Errorf("%.0f late events: a future record held back its partition", late)
	}
	if n := sum(m, `socwatch_records_rejected_total{reason="ts_future"}`); n != 0 {
		t.Errorf("screening refused %.0f copies as ts_future: the re-key stage should have dead-lettered them", n)
	}
	t.Logf("run = clean batch: %d alerts; DLQ %v", len(want), got)
}
