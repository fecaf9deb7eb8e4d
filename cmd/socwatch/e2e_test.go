package main

// End-to-end tests of the socwatch binary against the real Kafka broker and
// the real ClickHouse server (SOCWATCH_INTEGRATION=1, started by `make
// services`). The binary runs as a child process, as ops would run it.

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/socwatch/socwatch/connectors/clickhouse"
	"github.com/socwatch/socwatch/connectors/file"
	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/testenv"
	"github.com/socwatch/socwatch/rules"
)

// childBinary is one build of the socwatch binary for child processes.
type childBinary struct {
	once sync.Once
	path string
	err  error
}

var raceBinary, fastBinary childBinary

// socwatchBinary builds, once per test run, the binary the integration
// tests run as child processes, with the race detector: several tests
// (outages, failover) also rely on a child being slow enough that a
// backlog is still waiting when they act.
func socwatchBinary(t *testing.T) string { return raceBinary.build(t, "-race") }

// socwatchFastBinary builds the binary without the race detector, for tests
// that only compare alert sets over large backlogs (the scale-out test runs
// 300,000 records through several instances three times) and for the lint
// bounds on time and memory, which must measure the binary users run; the
// same code runs under -race in the other tests.
func socwatchFastBinary(t *testing.T) string { return fastBinary.build(t) }

func (b *childBinary) build(t *testing.T, flags ...string) string {
	t.Helper()
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "socwatch-bin")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, "socwatch")
		args := append(append([]string{"build"}, flags...), "-o", b.path, ".")
		if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// child is a running `socwatch run`.
type child struct {
	t       *testing.T
	cmd     *exec.Cmd
	log     *testenv.SyncBuffer
	metrics string
	exited  chan error
}

func startRun(t *testing.T, env []string, args ...string) *child {
	t.Helper()
	return startRunBinary(t, socwatchBinary(t), env, args...)
}

// startRunBinary is startRun with the binary to run.
func startRunBinary(t *testing.T, bin string, env []string, args ...string) *child {
	t.Helper()
	port := testenv.FreePort(t)
	c := &child{t: t, log: &testenv.SyncBuffer{}, metrics: fmt.Sprintf("127.0.0.1:%d", port), exited: make(chan error, 1)}
	args = append([]string{"run", "--metrics-addr", c.metrics, "--rules", "../../rules/packs/aml-core"}, args...)
	c.cmd = exec.Command(bin, args...)
	c.cmd.Env = append(os.Environ(), env...)
	c.cmd.Stderr = c.log
	c.cmd.Stdout = c.log
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start socwatch run: %v", err)
	}
	go func() { c.exited <- c.cmd.Wait() }()
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			c.cmd.Process.Kill()
			<-c.exited
		}
		if t.Failed() {
			log := c.log.String()
			if i := strings.Index(log, "WARNING: DATA RACE"); i >= 0 {
				t.Logf("socwatch run data race:\n%s", head(log[i:], 120))
			}
			t.Logf("socwatch run log:\n%s", testenv.Tail(log, 60))
		}
	})
	return c
}

// stop sends sig and waits for the exit; SIGTERM must exit 0 within 10 s.
func (c *child) stop(sig syscall.Signal) error {
	c.cmd.Process.Signal(sig)
	select {
	case err := <-c.exited:
		return err
	case <-time.After(15 * time.Second):
		c.cmd.Process.Kill()
		return fmt.Errorf("socwatch did not exit within 15 s of %v", sig)
	}
}

// scrape returns every sample of /metrics, keyed by the line's series
// (name{labels}), or nil if the endpoint does not answer.
func (c *child) scrape() map[string]float64 {
	resp, err := http.Get("http://" + c.metrics + "/metrics")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// sum adds every series of a metric name.
func sum(samples map[string]float64, name string) float64 {
	var s float64
	for k, v := range samples {
		if k == name || strings.HasPrefix(k, name+"{") {
			s += v
		}
	}
	return s
}

func head(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// fixture is one generated feed, produced to a fresh topic.
type fixture struct {
	topic, group, dsn string
	brokers           string
	records           [][]byte
	keys              [][]byte
	admin             *kadm.Client
	client            *kgo.Client
}

func newFixture(t *testing.T, count, partitions int) *fixture {
	t.Helper()
	testenv.Integration(t)
	f := &fixture{brokers: testenv.Kafka(t)}
	id := fmt.Sprintf("%d%04d", time.Now().UnixNano()%1e9, rand.IntN(10000))
	f.topic, f.group = "e2e-"+id, "e2e-group-"+id
	base := testenv.ClickHouseDSN(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/e2e_" + id
	f.dsn = u.String()
	testenv.DropDatabaseAfter(t, f.dsn)
	cl, err := kgo.NewClient(kgo.SeedBrokers(f.brokers), kgo.DefaultProduceTopic(f.topic),
		kgo.ProducerLinger(5*time.Millisecond), kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)))
	if err != nil {
		t.Fatal(err)
	}
	f.client = cl
	f.admin = kadm.NewClient(cl)
	t.Cleanup(cl.Close)
	ctx := context.Background()
	if _, err := f.admin.CreateTopic(ctx, int32(partitions), 1, nil, f.topic); err != nil {
		t.Fatalf("create topic: %v", err)
	}
	feed := generatedFeed(42, count)
	f.records, f.keys = feed.records, feed.keys
	return f
}

func encode(tx *engine.Tx) []byte { return jsonl.Encode(nil, tx) }

// produce writes records [from, to) keyed by debtor account, as a bank's
// topic often is, and waits for the broker's acks.
func (f *fixture) produce(t *testing.T, from, to int) {
	t.Helper()
	var recs []*kgo.Record
	for i := from; i < to; i++ {
		recs = append(recs, &kgo.Record{Key: f.keys[i], Value: f.records[i]})
	}
	if err := f.client.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// caughtUp reports whether a group has committed the end of every
// partition of a topic: every record's alerts are durable.
func (f *fixture) caughtUp(group, topic string) (bool, int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	lags, err := f.admin.Lag(ctx, group)
	if err != nil {
		return false, -1
	}
	l, ok := lags[group]
	if !ok || l.FetchErr != nil || l.DescribeErr != nil {
		return false, -1
	}
	var total int64
	seen := false
	for _, ps := range l.Lag {
		for _, p := range ps {
			if p.Topic != topic {
				continue
			}
			seen = true
			// A partition that never received a record has nothing to
			// commit (kcat's sticky partitioner can leave one empty).
			if p.Err != nil || (p.Commit.At < 0 && p.End.Offset > 0) {
				return false, -1
			}
			total += p.Lag
		}
	}
	return seen && total == 0, total
}

// waitDone waits until both stages have committed everything.
func (f *fixture) waitDone(t *testing.T, c *child, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		a, _ := f.caughtUp(f.group+"-rekey", f.topic)
		b, _ := f.caughtUp(f.group, f.topic+".by-account")
		if a && b {
			return
		}
		select {
		case err := <-c.exited:
			t.Fatalf("socwatch exited early: %v", err)
		case <-time.After(500 * time.Millisecond):
		}
	}
	m := c.scrape()
	t.Fatalf("not caught up after %s: screened %.0f, rejected %.0f", timeout,
		sum(m, "socwatch_records_screened_total"), sum(m, "socwatch_records_rejected_total"))
}

// batchAlerts screens the same records as a file, in one process (once
// per set of records and test binary: see memo_test.go).
func batchAlerts(t *testing.T, records [][]byte) []clickhouse.AlertKey {
	t.Helper()
	keys, err := batchAlertSets.get(recordsDigest(records), func() ([]clickhouse.AlertKey, error) {
		return screenBatch(records, time.Time{})
	})
	if err != nil {
		t.Fatal(err)
	}
	return slices.Clone(keys)
}

// screenBatch screens records with the default pack, withholding the
// alerts dated before alertsFrom (zero: none), and returns the alert keys,
// sorted.
func screenBatch(records [][]byte, alertsFrom time.Time) ([]clickhouse.AlertKey, error) {
	rs, err := rules.Load("../../rules/packs/aml-core", rules.Options{})
	if err != nil {
		return nil, err
	}
	sink := &memAlerts{}
	if _, err := file.Replay(joinLines(records), file.ReplayOptions{Rules: rs, Sink: sink,
		Rejects: file.NewRejectWriter(nil, nil), AlertsFrom: alertsFrom}); err != nil {
		return nil, fmt.Errorf("batch screening: %w", err)
	}
	keys := make([]clickhouse.AlertKey, 0, len(sink.alerts))
	for _, a := range sink.alerts {
		keys = append(keys, clickhouse.AlertKey{TxID: a.TxID, RuleID: a.RuleID})
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].TxID != keys[j].TxID {
			return keys[i].TxID < keys[j].TxID
		}
		return keys[i].RuleID < keys[j].RuleID
	})
	return keys, nil
}

type memAlerts struct{ alerts []engine.Alert }

func (m *memAlerts) Write(_ context.Context, a []engine.Alert, done engine.Done) {
	m.alerts = append(m.alerts, a...)
	done(nil)
}
func (m *memAlerts) Close(context.Context) error { return nil }

// streamAlerts reads the alert set from ClickHouse's dedup view and checks
// that the view holds no duplicate alert ids.
func streamAlerts(t *testing.T, dsn string) []clickhouse.AlertKey {
	t.Helper()
	ctx := context.Background()
	s, err := clickhouse.New(ctx, clickhouse.Options{DSN: dsn})
	if err != nil {
		t.Fatalf("open ClickHouse: %v", err)
	}
	defer s.Close(ctx)
	keys, err := s.AlertKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dedup, err := s.CountDedup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if dedup != uint64(len(keys)) {
		t.Fatalf("dedup view count %d != rows read %d", dedup, len(keys))
	}
	seen := map[clickhouse.AlertKey]bool{}
	for _, k := range keys {
		if seen[k] {
			t.Fatalf("duplicate alert in dedup view: %+v", k)
		}
		seen[k] = true
	}
	return keys
}

func diffKeys(t *testing.T, got, want []clickhouse.AlertKey) {
	t.Helper()
	g := map[clickhouse.AlertKey]bool{}
	for _, k := range got {
		g[k] = true
	}
	w := map[clickhouse.AlertKey]bool{}
	for _, k := range want {
		w[k] = true
	}
	var missing, extra []string
	for k := range w {
		if !g[k] {
			missing = append(missing, k.TxID+":"+k.RuleID)
		}
	}
	for k := range g {
		if !w[k] {
			extra = append(extra, k.TxID+":"+k.RuleID)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) > 0 {
		t.Fatalf("stream alerts differ from batch: %d missing %v, %d extra %v (stream %d, batch %d)",
			len(missing), first(missing, 10), len(extra), first(extra, 10), len(got), len(want))
	}
}

// requireFlowAlerts fails the test unless the batch alerts hold some of
// the flow rules, which read traces the re-key stage writes across
// partitions (and rebuilds after a restart); it returns how many.
func requireFlowAlerts(t *testing.T, want []clickhouse.AlertKey) int {
	t.Helper()
	flow := 0
	for _, k := range want {
		if strings.HasPrefix(k.RuleID, "AML-FLOW-") {
			flow++
		}
	}
	if flow == 0 {
		t.Fatalf("batch run raised no flow-tracing alert among %d: the comparison would not test tracing", len(want))
	}
	return flow
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func runArgs(f *fixture) []string {
	return []string{"--brokers", f.brokers, "--topic", f.topic, "--group", f.group, "--clickhouse", f.dsn,
		"--kafka-commit-interval", "200ms"}
}

// TestStreamEqualsBatch: a generated feed produced to a 4-partition topic
// keyed by debtor account, screened by `socwatch run`, gives in ClickHouse
// exactly the alert set `socwatch screen` gives on the same records.
func TestStreamEqualsBatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 20000, 4)
	f.produce(t, 0, len(f.records))
	c := startRun(t, nil, runArgs(f)...)
	f.waitDone(t, c, 3*time.Minute)
	m := c.scrape()
	if err := c.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: socwatch did not exit cleanly: %v", err)
	}
	want := batchAlerts(t, f.records)
	got := streamAlerts(t, f.dsn)
	if len(want) < 100 {
		t.Fatalf("batch run raised only %d alerts: the comparison proves little", len(want))
	}
	flow := requireFlowAlerts(t, want)
	diffKeys(t, got, want)
	// Metrics reconcile: every copy consumed was screened or dead-lettered.
	consumed := sum(m, `socwatch_records_consumed_total{topic="`+f.topic+`.by-account"}`)
	screened, rejected := sum(m, "socwatch_records_screened_total"), sum(m, "socwatch_records_rejected_total")
	if consumed == 0 || consumed != screened+rejected {
		t.Errorf("consumed %.0f != screened %.0f + rejected %.0f", consumed, screened, rejected)
	}
	if alerts := sum(m, "socwatch_alerts_total"); int(alerts) < len(want) {
		t.Errorf("socwatch_alerts_total %.0f < %d alerts", alerts, len(want))
	}
	if _, ok := m[`socwatch_consumer_lag{partition="0",topic="`+f.topic+`.by-account"}`]; !ok {
		t.Errorf("no consumer lag series for partition 0 in /metrics")
	}
	t.Logf("stream = batch: %d records, %d alerts (%d flow); consumed %.0f copies, screened %.0f, rejected %.0f",
		len(f.records), len(got), flow, consumed, screened, rejected)
}

// TestRestartMidStream: stopping the service in the middle of the feed and
// starting it again gives the same alert set.
func TestRestartMidStream(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 12000, 4)
	f.produce(t, 0, len(f.records))
	c := startRun(t, nil, runArgs(f)...)
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) && sum(c.scrape(), "socwatch_records_screened_total") < 6000 {
		time.Sleep(100 * time.Millisecond)
	}
	if err := c.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("first run did not stop cleanly: %v", err)
	}
	c2 := startRun(t, nil, runArgs(f)...)
	f.waitDone(t, c2, 3*time.Minute)
	if err := c2.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("second run did not stop cleanly: %v", err)
	}
	want := batchAlerts(t, f.records)
	requireFlowAlerts(t, want)
	diffKeys(t, streamAlerts(t, f.dsn), want)
}

// TestRekeyRestartKeepsTraces: the re-key stage stops between two hops
// of a traced chain (the feed is produced in two parts, the second after
// the first is re-keyed and screened) and the restarted stage still
// traces the chain: it re-reads its history before the new records, so
// the alert on the later hop is raised as in the batch run.
func TestRekeyRestartKeepsTraces(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 12000, 4)
	want := batchAlerts(t, f.records)
	requireFlowAlerts(t, want)
	// Split the feed just before the middle flow alert: that alert's
	// earlier hops are in the first part.
	index := map[string]int{}
	var tx engine.Tx
	var dec jsonl.Decoder
	for i, r := range f.records {
		if err := dec.Decode(r, &tx); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		index[tx.TxID] = i
	}
	var flowAt []int
	for _, k := range want {
		if strings.HasPrefix(k.RuleID, "AML-FLOW-") {
			flowAt = append(flowAt, index[k.TxID])
		}
	}
	slices.Sort(flowAt)
	split := flowAt[len(flowAt)/2]

	f.produce(t, 0, split)
	c := startRun(t, nil, runArgs(f)...)
	f.waitDone(t, c, 3*time.Minute)
	if err := c.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("first run did not stop cleanly: %v", err)
	}
	f.produce(t, split, len(f.records))
	c2 := startRun(t, nil, runArgs(f)...)
	f.waitDone(t, c2, 3*time.Minute)
	if err := c2.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("second run did not stop cleanly: %v", err)
	}
	diffKeys(t, streamAlerts(t, f.dsn), want)
	t.Logf("stopped at record %d of %d, before flow alert %d of %d", split, len(f.records), len(flowAt)/2+1, len(flowAt))
}

// TestPoisonRecordsGoToDLQ: bad records mixed into the feed each land in the
// DLQ with their reason; everything else is screened.
func TestPoisonRecordsGoToDLQ(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 3000, 3)
	poison := map[string]string{
		`{"tx_id":"p1"`: "decode",
		`{"tx_id":"p2","ts":"2026-02-01T10:00:00Z","amount":"-5","currency":"EUR","debtor":{"account":"A"},"creditor":{"account":"B"}}`: "invalid",
		`{"tx_id":"p3","ts":"2026-02-01T10:00:00Z","amount":"5","currency":"EUR","creditor":{"account":"B"}}`:                           "missing",
		`{"tx_id":"p4","ts":"2026-02-01T10:00:00Z","amount":"5","currency":"ZZZ","debtor":{"account":"A"},"creditor":{"account":"B"}}`:  "fx_missing",
		"\xff\xfe not json": "decode",
		`{"tx_id":"p6","ts":"yesterday","amount":"5","currency":"EUR","debtor":{"account":"A"},"creditor":{"account":"B"}}`: "invalid",
	}
	f.produce(t, 0, 1500)
	var recs []*kgo.Record
	for v := range poison {
		recs = append(recs, &kgo.Record{Key: []byte("poison"), Value: []byte(v)})
	}
	if err := f.client.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	f.produce(t, 1500, len(f.records))
	c := startRun(t, nil, runArgs(f)...)
	f.waitDone(t, c, 3*time.Minute)
	m := c.scrape()
	c.stop(syscall.SIGTERM)

	// Read the DLQ back.
	cl, err := kgo.NewClient(kgo.SeedBrokers(f.brokers), kgo.ConsumeTopics(f.topic+".dlq"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	got := map[string]string{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for len(got) < len(poison) && ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		fs.EachRecord(func(r *kgo.Record) {
			h := map[string]string{}
			for _, kv := range r.Headers {
				h[kv.Key] = string(kv.Value)
			}
			for _, k := range []string{"socwatch-error", "socwatch-source-topic", "socwatch-source-partition", "socwatch-source-offset"} {
				if h[k] == "" {
					t.Errorf("DLQ record %q lacks header %s", r.Value, k)
				}
			}
			got[string(r.Value)] = h["socwatch-reason"]
		})
	}
	for v, reason := range poison {
		if got[v] != reason {
			t.Errorf("DLQ reason for %q = %q, want %q", v, got[v], reason)
		}
	}
	screened, rejected := sum(m, "socwatch_records_screened_total"), sum(m, "socwatch_records_rejected_total")
	consumed := sum(m, `socwatch_records_consumed_total{topic="`+f.topic+`.by-account"}`)
	if consumed != screened+rejected || rejected != float64(len(poison)) {
		t.Errorf("consumed %.0f, screened %.0f, rejected %.0f (want %d rejected)", consumed, screened, rejected, len(poison))
	}
	diffKeys(t, streamAlerts(t, f.dsn), batchAlerts(t, f.records))
}

// TestKcatProducedFeed: the README's kcat command (a real third-party Kafka
// client) produces canonical JSON lines that `socwatch run` screens.
func TestKcatProducedFeed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 2000, 2)
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Fatalf("kcat not installed (Debian package kcat; `make services` installs it): %v", err)
	}
	path := filepath.Join(t.TempDir(), "feed.jsonl")
	if err := os.WriteFile(path, joinLines(f.records).Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(kcat, "-P", "-b", f.brokers, "-t", f.topic, "-l", path).CombinedOutput()
	if err != nil {
		t.Fatalf("kcat -P: %v\n%s", err, out)
	}
	c := startRun(t, nil, runArgs(f)...)
	f.waitDone(t, c, 2*time.Minute)
	m := c.scrape()
	c.stop(syscall.SIGTERM)
	if got := sum(m, `socwatch_records_consumed_total{topic="`+f.topic+`"}`); got != float64(len(f.records)) {
		t.Errorf("re-key stage consumed %.0f of %d kcat records", got, len(f.records))
	}
	if rej := sum(m, "socwatch_records_rejected_total"); rej != 0 {
		t.Errorf("%.0f kcat records rejected", rej)
	}
	diffKeys(t, streamAlerts(t, f.dsn), batchAlerts(t, f.records))
}
