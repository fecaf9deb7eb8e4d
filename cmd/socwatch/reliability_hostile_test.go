package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/socwatch/socwatch/connectors/clickhouse"
)

// hostileCase is one hostile record and the outcome it must have.
type hostileCase struct {
	name  string
	value []byte
	want  string // "screened" or the DLQ reason
}

// hostileSizeLimit is the --max-record-bytes the hostile test runs with: a
// configured limit well under the broker's 1 MiB message size, so an
// over-size record can reach the engine at all.
const hostileSizeLimit = 64 << 10

// loadHostileCorpus reads testdata/hostile/expected.txt and the files it
// names, and adds the cases too big to keep as files.
func loadHostileCorpus(t *testing.T) []hostileCase {
	t.Helper()
	dir := filepath.Join("testdata", "hostile")
	f, err := os.Open(filepath.Join(dir, "expected.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []hostileCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			t.Fatalf("expected.txt: bad line %q", line)
		}
		v, err := os.ReadFile(filepath.Join(dir, fields[0]))
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, hostileCase{name: fields[0], value: v, want: fields[1]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	valid := `"amount":"5","ts":"2026-02-01T10:00:00Z","currency":"EUR","debtor":{"account":"A1"},"creditor":{"account":"B1"}`
	cases = append(cases,
		hostileCase{"nested_arrays_20k", []byte(`{"tx_id":"h-deep-a","x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "," + valid + `}`), "decode"},
		hostileCase{"nested_objects_10k", []byte(`{"tx_id":"h-deep-o","x":` + strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000) + "," + valid + `}`), "decode"},
		hostileCase{"over_size_limit_valid_json", []byte(`{"tx_id":"h-big","pad":"` + strings.Repeat("x", hostileSizeLimit) + `",` + valid + `}`), "too_large"},
		hostileCase{"over_size_limit_garbage", []byte(strings.Repeat("\xff", hostileSizeLimit+1)), "too_large"},
	)
	return cases
}

// TestHostileInput (issue 6, item 6): a corpus of hostile records (broken
// and truncated JSON, wrong types, missing fields, bad amounts, unknown
// currencies, invalid UTF-8, extreme timestamps, deep nesting, over-size
// values, duplicate tx ids) mixed into a normal feed. Every hostile record
// is screened or dead-lettered with its specific reason, the process stays
// up, the counts reconcile exactly, and the normal feed's alerts are the
// ones a clean batch run gives.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	start := time.Now()
	cases := loadHostileCorpus(t)
	f := newFixture(t, 3000, 3)

	// The broker's default message size (about 1 MiB) refuses a 10 MB value
	// outright: such a record never reaches the engine on a default topic.
	// Random bytes: the producer compresses, and zeros would shrink to
	// nothing.
	tenMB := make([]byte, 10<<20)
	rand.Read(tenMB)
	big, err := kgo.NewClient(kgo.SeedBrokers(f.brokers), kgo.DefaultProduceTopic(f.topic), kgo.ProducerBatchMaxBytes(16<<20))
	if err != nil {
		t.Fatal(err)
	}
	errTenMB := big.ProduceSync(context.Background(), &kgo.Record{Value: tenMB}).FirstErr()
	big.Close()
	if errTenMB == nil {
		t.Fatalf("the broker accepted a 10 MB record on a default topic; the corpus must then include it")
	}

	f.produce(t, 0, 1500)
	var recs []*kgo.Record
	for _, c := range cases {
		recs = append(recs, &kgo.Record{Key: []byte("hostile"), Value: c.value})
	}
	if err := f.client.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatalf("produce hostile corpus: %v", err)
	}
	f.produce(t, 1500, len(f.records))

	c := startRun(t, nil, append(runArgs(f), "--max-record-bytes", "65536")...)
	f.waitDone(t, c, 3*time.Minute)
	m := c.scrape()
	if err := c.stop(sigterm); err != nil {
		t.Errorf("socwatch did not stop cleanly after the hostile corpus: %v", err)
	}

	wantDLQ := wantDLQRecords(cases)
	dlq := readDLQ(t, f, wantDLQ)
	var wantRejected, wantScreenedHostile int
	var bad []string
	for _, hc := range cases {
		reasons, inDLQ := dlq[string(hc.value)]
		got := strings.Join(reasons, ",")
		switch {
		case hc.want == "screened" && inDLQ:
			bad = append(bad, hc.name+": dead-lettered ("+got+"), want screened")
		case hc.want == "screened":
			wantScreenedHostile++
		case got != hc.want:
			bad = append(bad, hc.name+": DLQ reason "+quoteOr(got, inDLQ)+", want "+hc.want)
		default:
			wantRejected += len(reasons)
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}

	cnt := screenCounts(m, f)
	checkReconciled(t, "hostile run", cnt)
	// Every valid record is screened once per perspective (debtor,
	// creditor); a rejected one is forwarded once and dead-lettered once,
	// except an over-size or future one, which the re-key stage
	// dead-letters itself.
	wantScreened := float64(2 * (len(f.records) + wantScreenedHostile))
	wantRekeyDLQ := countWant(cases, func(w string) bool { return w == "too_large" || w == "ts_future" })
	dlqTotal := sum(m, "socwatch_dlq_records_total")
	if cnt.screened != wantScreened || cnt.rejected != float64(wantRejected-wantRekeyDLQ) || dlqTotal != float64(wantRejected) {
		t.Errorf("screened %.0f copies, rejected by screening %.0f, dead-lettered %.0f; want %.0f screened, %d rejected by screening, %d dead-lettered",
			cnt.screened, cnt.rejected, dlqTotal, wantScreened, wantRejected-wantRekeyDLQ, wantRejected)
	}

	// The normal feed's alerts are unaffected by the hostile records around
	// it (a far-future timestamp must not, for instance, make later records
	// late); the hostile records that are screened add their own alerts.
	var screenedHostile [][]byte
	for _, hc := range cases {
		if hc.want == "screened" {
			screenedHostile = append(screenedHostile, hc.value)
		}
	}
	want := append(batchAlerts(t, f.records), batchAlerts(t, screenedHostile)...)
	got := streamAlerts(t, f.dsn)
	diffKeys(t, dedupKeys(got), dedupKeys(want))
	t.Logf("injected: %d hostile records (%d to the DLQ, %d valid), 10 MB record refused by the broker (%v); limit --max-record-bytes %d",
		len(cases), wantRejected, wantScreenedHostile, errTenMB, hostileSizeLimit)
	t.Logf("checked: every hostile record's outcome; %s (= screened + DLQ exactly); alerts %d = clean batch, lost 0, duplicates 0; took %s",
		cnt, len(got), time.Since(start).Round(time.Second))
}

// wantDLQRecords is how many DLQ records the corpus must give: one per
// reason an outcome lists.
func wantDLQRecords(cases []hostileCase) int {
	n := 0
	for _, c := range cases {
		if c.want != "screened" {
			n += len(strings.Split(c.want, ","))
		}
	}
	return n
}

// countWant is how many cases have an outcome keep accepts.
func countWant(cases []hostileCase, keep func(string) bool) int {
	n := 0
	for _, c := range cases {
		if keep(c.want) {
			n++
		}
	}
	return n
}

func quoteOr(s string, ok bool) string {
	if !ok {
		return "none (not in the DLQ)"
	}
	return `"` + s + `"`
}

// dedupKeys drops repeated keys (two batch runs may both alert on a
// duplicated tx id).
func dedupKeys(keys []clickhouse.AlertKey) []clickhouse.AlertKey {
	seen := map[clickhouse.AlertKey]bool{}
	var out []clickhouse.AlertKey
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// readDLQ reads the fixture's DLQ topic until n records arrived (or 30 s
// passed) and returns each value's socwatch-reason headers, one per DLQ
// record holding that value. It also checks
// that every DLQ record says where it came from.
func readDLQ(t *testing.T, f *fixture, n int) map[string][]string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(f.brokers), kgo.ConsumeTopics(f.topic+".dlq"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	got := map[string][]string{}
	records := 0
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for records < n && ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		fs.EachRecord(func(r *kgo.Record) {
			records++
			h := map[string]string{}
			for _, kv := range r.Headers {
				h[kv.Key] = string(kv.Value)
			}
			for _, k := range []string{"socwatch-reason", "socwatch-error", "socwatch-source-topic", "socwatch-source-partition", "socwatch-source-offset"} {
				if h[k] == "" {
					t.Errorf("DLQ record (%d bytes) lacks header %s", len(r.Value), k)
				}
			}
			got[string(r.Value)] = append(got[string(r.Value)], h["socwatch-reason"])
		})
	}
	if records != n {
		t.Errorf("DLQ holds %d records, want %d", records, n)
	}
	// A short extra wait: more records than expected are a failure too.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel2()
	cl.PollFetches(ctx2).EachRecord(func(r *kgo.Record) {
		records++
		got[string(r.Value)] = append(got[string(r.Value)], "extra")
	})
	return got
}
