package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/socwatch/socwatch/rules"
)

// TestScreenAlertsFrom: `screen --alerts-from T` writes exactly the alerts
// of the full run dated at or after T (the state before T was built, so an
// alert that needs that history still fires), none before T, counts the
// rest in the summary, and differs from a cold start at T.
func TestScreenAlertsFrom(t *testing.T) {
	dir := t.TempDir()
	feed := filepath.Join(dir, "feed.jsonl")
	if err := dispatch([]string{"gen", "--seed", "7", "--count", "10000", "--out", feed}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	full, _ := screenLines(t, feed)
	if len(full) < 50 {
		t.Fatalf("full run raised %d alerts, too few to test a cut", len(full))
	}
	// The cut is the event time of an alert in the middle of the year: a
	// record dated exactly at the cut must alert.
	atCut := full[len(full)/2]
	cut := atCut.ts
	var wantAfter []string
	for _, a := range full {
		if !a.ts.Before(cut) {
			wantAfter = append(wantAfter, a.line)
		}
	}

	got, summary := screenLines(t, feed, "--alerts-from", cut.Format(time.RFC3339))
	gotLines := make([]string, len(got))
	for i, a := range got {
		if a.ts.Before(cut) {
			t.Errorf("alert %s dated %s, before the cut %s", a.id, a.ts, cut)
		}
		gotLines[i] = a.line
	}
	sort.Strings(gotLines)
	sort.Strings(wantAfter)
	if strings.Join(gotLines, "\n") != strings.Join(wantAfter, "\n") {
		t.Fatalf("alerts from the cut differ from the full run's alerts from the cut: %d vs %d", len(gotLines), len(wantAfter))
	}
	if !contains(gotLines, atCut.line) {
		t.Errorf("the alert dated exactly at the cut (%s) was withheld", atCut.id)
	}
	withheld := len(full) - len(got)
	if want := "withheld " + strconv.Itoa(withheld) + " alerts of transactions before " + cut.Format(time.RFC3339); !strings.Contains(summary, want) {
		t.Errorf("summary lacks %q:\n%s", want, summary)
	}
	if withheld == 0 {
		t.Fatal("nothing withheld: the cut tests nothing")
	}

	// A cold start at the cut (only the records from the cut on) misses
	// alerts that need the history before it: the warm-up built state.
	cold := filepath.Join(dir, "cold.jsonl")
	writeFrom(t, feed, cold, cut)
	coldAlerts, _ := screenLines(t, cold)
	coldIDs := map[string]bool{}
	for _, a := range coldAlerts {
		coldIDs[a.id] = true
	}
	needHistory := 0
	for _, a := range got {
		if !coldIDs[a.id] {
			needHistory++
		}
	}
	if needHistory == 0 {
		t.Fatal("every alert after the cut also fires on a cold start: the test shows no state built from history")
	}
	t.Logf("full %d alerts, %d from the cut (%d withheld), %d of them need the history before the cut; cold start %d",
		len(full), len(got), withheld, needHistory, len(coldAlerts))
}

type screenedAlert struct {
	id, line string
	ts       time.Time
}

// screenLines screens feed with the default pack and returns the alerts
// and the summary.
func screenLines(t *testing.T, feed string, extra ...string) ([]screenedAlert, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	args := append([]string{"screen", "--rules", "../../rules/packs/aml-core", "--input", feed}, extra...)
	if err := dispatch(args, &out, &errOut); err != nil {
		t.Fatalf("screen %v: %v\n%s", extra, err, errOut.String())
	}
	var alerts []screenedAlert
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var a struct {
			AlertID string    `json:"alert_id"`
			TS      time.Time `json:"ts"`
		}
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("alert line %q: %v", sc.Text(), err)
		}
		alerts = append(alerts, screenedAlert{id: a.AlertID, line: sc.Text(), ts: a.TS})
	}
	sort.SliceStable(alerts, func(i, j int) bool { return alerts[i].ts.Before(alerts[j].ts) })
	return alerts, errOut.String()
}

// writeFrom copies the records of feed dated at or after from to out.
func writeFrom(t *testing.T, feed, out string, from time.Time) {
	t.Helper()
	data, err := os.ReadFile(feed)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) > 0 && !recordTime(t, line).Before(from) {
			buf.Write(line)
		}
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func contains(s []string, x string) bool {
	i := sort.SearchStrings(s, x)
	return i < len(s) && s[i] == x
}

// TestRunAlertsFrom: `socwatch run --alerts-from T` over a real topic
// writes to ClickHouse exactly the alerts `screen --alerts-from T` gives on
// the same records (stream == batch with the cut), none dated before T;
// counts the withheld ones in socwatch_alerts_withheld_total (a series per
// rule from the start); still stores every transaction, the ones before T
// too; and commits every offset, the records whose alerts were withheld
// included.
func TestRunAlertsFrom(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 20000, 4)
	cut := recordTime(t, f.records[len(f.records)/2])
	before := 0
	for _, r := range f.records {
		if recordTime(t, r).Before(cut) {
			before++
		}
	}
	full := batchAlerts(t, f.records)
	want, err := screenBatch(f.records, cut)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 50 || len(full)-len(want) < 50 {
		t.Fatalf("batch: %d alerts, %d from the cut: too few on one side to test the cut", len(full), len(want))
	}

	f.produce(t, 0, len(f.records))
	c := startRun(t, nil, append(runArgs(f), "--alerts-from", cut.Format(time.RFC3339), "--clickhouse-transactions")...)
	// waitDone returns once both groups have committed the end of every
	// partition: the records whose alerts were withheld too.
	f.waitDone(t, c, 3*time.Minute)
	m := c.scrape()
	if err := c.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: socwatch did not exit cleanly: %v", err)
	}
	diffKeys(t, streamAlerts(t, f.dsn), want)

	conn := chQuery(t, f.dsn)
	if n := countRows(t, conn, fmt.Sprintf("SELECT count() FROM alerts WHERE ts < toDateTime(%d)", cut.Unix())); n != 0 {
		t.Errorf("%d alerts dated before the cut %s in ClickHouse", n, cut)
	}
	if n := countRows(t, conn, "SELECT count() FROM (SELECT DISTINCT tx_id FROM transactions)"); n != uint64(len(f.records)) {
		t.Errorf("transactions table holds %d transactions, want all %d", n, len(f.records))
	}
	if n := countRows(t, conn, fmt.Sprintf("SELECT count() FROM (SELECT DISTINCT tx_id FROM transactions WHERE ts < toDateTime(%d))", cut.Unix())); n != uint64(before) {
		t.Errorf("transactions before the cut stored: %d, want %d", n, before)
	}

	withheld := sum(m, "socwatch_alerts_withheld_total")
	if int(withheld) != len(full)-len(want) {
		t.Errorf("socwatch_alerts_withheld_total %.0f, want %d (batch alerts %d, %d from the cut)", withheld, len(full)-len(want), len(full), len(want))
	}
	// Every rule has its series, also one that withheld nothing.
	rs, err := rules.Load("../../rules/packs/aml-core", rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs.Rules {
		if _, ok := m[`socwatch_alerts_withheld_total{rule="`+r.ID+`"}`]; !ok {
			t.Errorf("no socwatch_alerts_withheld_total series for rule %s", r.ID)
		}
	}
	t.Logf("cut %s: %d records before it; %d alerts written, %.0f withheld", cut, before, len(want), withheld)
}

// recordTime is a canonical record's ts.
func recordTime(t *testing.T, record []byte) time.Time {
	t.Helper()
	var r struct {
		TS time.Time `json:"ts"`
	}
	if err := json.Unmarshal(record, &r); err != nil {
		t.Fatalf("record %q: %v", record, err)
	}
	return r.TS
}
