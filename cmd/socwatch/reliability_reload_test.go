package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/connectors/file"
	"github.com/socwatch/socwatch/internal/testenv"
	"github.com/socwatch/socwatch/rules"
)

// copyPack copies a rule pack directory (one level of subdirectories, as
// aml-core has for lists) into dir.
func copyPack(t *testing.T, src, dir string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
	})
	if err != nil {
		t.Fatalf("copy rule pack: %v", err)
	}
}

// firing returns the tx ids a rule fires on when the records are screened
// in one batch with the pack at dir.
func firing(t *testing.T, dir, ruleID string, records [][]byte) map[string]bool {
	t.Helper()
	rs, err := rules.Load(dir, rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var in bytes.Buffer
	for _, r := range records {
		in.Write(r)
		in.WriteByte('\n')
	}
	sink := &memAlerts{}
	if _, err := file.Replay(&in, file.ReplayOptions{Rules: rs, Sink: sink, Rejects: file.NewRejectWriter(nil, nil)}); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, a := range sink.alerts {
		if a.RuleID == ruleID {
			out[a.TxID] = true
		}
	}
	return out
}

// TestRuleReloadUnderLoad (issue 6, item 7): while records flow, the
// threshold of AML-THR-001 is lowered (EUR 15,000 -> 10,000) and its version
// bumped; later a syntax error is written into the same file. Checks: every
// copy is screened exactly once (no skip, no double screening); alerts carry
// version 1 up to the swap and version 2 for every record produced after
// the reload was reported; the broken file is refused with file:line in the
// log and socwatch_rule_reloads_total{result="failure"}, and version 2 keeps
// running.
func TestRuleReloadUnderLoad(t *testing.T) {
	t.Parallel()
	start := time.Now()
	f := newFixture(t, 6000, 4)
	pack := t.TempDir()
	// The default pack plus the threshold reports: AML-THR-001 is the rule
	// whose literal the reload changes.
	copyPack(t, "../../rules/packs/aml-core", pack)
	copyPack(t, "../../rules/packs/threshold-reports", pack)
	pack1 := t.TempDir() // version 1 as it was: the test breaks pack later
	copyPack(t, pack, pack1)
	thrFile := filepath.Join(pack, "threshold.yaml")
	orig, err := os.ReadFile(thrFile)
	if err != nil {
		t.Fatal(err)
	}
	v2 := strings.Replace(strings.Replace(string(orig), "version: 1", "version: 2", 1),
		"when: amount_eur >= 15000", "when: amount_eur >= 10000", 1)
	if v2 == string(orig) || !strings.Contains(v2, "amount_eur >= 10000") {
		t.Fatal("threshold.yaml no longer has the expected AML-THR-001 shape")
	}
	pack2 := t.TempDir()
	copyPack(t, pack, pack2)
	if err := os.WriteFile(filepath.Join(pack2, "threshold.yaml"), []byte(v2), 0o644); err != nil {
		t.Fatal(err)
	}

	const firstPart, secondPart = 3000, 4500
	f.produce(t, 0, firstPart)
	c := startRun(t, nil, append(runArgs(f), "--rules", pack, "--reload-interval", "200ms")...)
	waitMetric(t, c, "socwatch_records_screened_total", 2000, 2*time.Minute)

	// Change threshold and version while the first part is still flowing.
	if err := os.WriteFile(thrFile, []byte(v2), 0o644); err != nil {
		t.Fatal(err)
	}
	waitMetric(t, c, `socwatch_rule_reloads_total{result="success"}`, 1, 30*time.Second)
	f.produce(t, firstPart, secondPart)

	// A broken file: refused, old (v2) rules keep running.
	broken := strings.Replace(v2, "when: amount_eur >= 10000", "when: amount_eur >= ", 1)
	if err := os.WriteFile(thrFile, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	waitMetric(t, c, `socwatch_rule_reloads_total{result="failure"}`, 1, 30*time.Second)
	f.produce(t, secondPart, len(f.records))
	f.waitDone(t, c, 3*time.Minute)
	m := c.scrape()
	if err := c.stop(sigterm); err != nil {
		t.Errorf("SIGTERM: %v", err)
	}
	log := c.log.String()

	// The refusal names the file and a line.
	refusal := regexp.MustCompile(`rule reload refused.*threshold\.yaml:\d+`)
	if !refusal.MatchString(log) {
		t.Errorf("no log line refusing the broken rule with threshold.yaml:<line>; log tail:\n%s", testenv.Tail(log, 15))
	}
	if s := sum(m, `socwatch_rule_reloads_total{result="success"}`); s != 1 {
		t.Errorf("successful reloads %.0f, want 1 (the broken file must not count)", s)
	}
	swaps := regexp.MustCompile(`msg="rule set swapped".*from_position=\S+`).FindAllString(log, -1)

	// No skip, no double screening: exactly two copies per record.
	cnt := screenCounts(m, f)
	checkReconciled(t, "reload run", cnt)
	if cnt.screened != float64(2*len(f.records)) || cnt.rejected != 0 {
		t.Errorf("screened %.0f copies, DLQ %.0f; want exactly %d screened", cnt.screened, cnt.rejected, 2*len(f.records))
	}

	// Versions: what fired under v1 before the swap, v2 after.
	v1Fires := firing(t, pack1, "AML-THR-001", f.records)
	v2Fires := firing(t, pack2, "AML-THR-001", f.records)
	conn := chQuery(t, f.dsn)
	rows, err := conn.Query(context.Background(), "SELECT tx_id, rule_version FROM alerts_dedup WHERE rule_id = 'AML-THR-001'")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint32{}
	for rows.Next() {
		var tx string
		var v uint32
		if err := rows.Scan(&tx, &v); err != nil {
			t.Fatal(err)
		}
		got[tx] = v
	}
	rows.Close()
	index := map[string]int{}
	for i, r := range f.records {
		index[txID(t, r)] = i
	}
	var n1, n2, lowered int
	for tx, v := range got {
		switch {
		case v == 1 && !v1Fires[tx]:
			t.Errorf("%s: version 1 alert where version 1 does not fire", tx)
		case v == 2 && !v2Fires[tx]:
			t.Errorf("%s: version 2 alert where version 2 does not fire", tx)
		case v == 1 && index[tx] >= firstPart:
			t.Errorf("%s (record %d, produced after the reload was reported): alert carries version 1", tx, index[tx])
		case v != 1 && v != 2:
			t.Errorf("%s: unknown version %d", tx, v)
		}
		if v == 1 {
			n1++
		} else {
			n2++
			if !v1Fires[tx] {
				lowered++
			}
		}
	}
	for tx := range v1Fires {
		if _, ok := got[tx]; !ok {
			t.Errorf("%s: no AML-THR-001 alert although every version fires on it", tx)
		}
	}
	for tx := range v2Fires {
		if _, ok := got[tx]; !ok && index[tx] >= firstPart {
			t.Errorf("%s (record %d): no version 2 alert", tx, index[tx])
		}
	}
	if n1 == 0 || lowered == 0 {
		t.Errorf("version 1 alerts %d, version 2 alerts on the lowered band %d: want both > 0", n1, lowered)
	}
	t.Logf("injected: threshold 15000->10000 and version 1->2 after %d records, then a syntax error; swaps logged: %d, e.g. %s",
		firstPart, len(swaps), first(swaps, 1))
	t.Logf("checked: %s (= 2 x %d records, none skipped or doubled); AML-THR-001 alerts v1 %d, v2 %d (%d only under the lowered threshold); reloads success 1, failure %.0f; took %s",
		cnt, len(f.records), n1, n2, lowered, sum(m, `socwatch_rule_reloads_total{result="failure"}`), time.Since(start).Round(time.Second))
}
