package deploytest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"gopkg.in/yaml.v3"

	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/synth"
	"github.com/socwatch/socwatch/internal/testenv"
)

// Traffic shape of the verification run. trafficFor is how long Prometheus
// scrapes the running instances before the queries: long enough for a 1m
// rate window to hold samples from both instances, short enough to keep
// the test around a minute and a half on a 2-core machine.
const (
	trafficFor   = 30 * time.Second
	feedRate     = 1000 // transactions per second
	poisonPerSec = 3    // malformed records per second, for the reject/DLQ panels
	partitions   = 4
	instances    = 2
)

// poisonRecords are records SOC-Watch must dead-letter, one per reject
// reason the Kafka source knows.
var poisonRecords = []string{
	`{"tx_id":"deploytest-bad-json"`,
	`{"tx_id":"deploytest-missing","ts":"2026-02-01T10:00:00Z","amount":"5","currency":"EUR","creditor":{"account":"B"}}`,
	`{"tx_id":"deploytest-fx","ts":"2026-02-01T10:00:00Z","amount":"5","currency":"ZZZ","debtor":{"account":"A"},"creditor":{"account":"B"}}`,
}

// TestIntegrationDashboardsAndRules is the verification of issue 5: two
// `socwatch run` instances in one consumer group screen a synthetic feed
// from the real Kafka into the real ClickHouse, the real Prometheus scrapes
// them every second with the shipped prometheus.yml and rules, and then
// every dashboard query and every rule expression is run against that data.
func TestIntegrationDashboardsAndRules(t *testing.T) {
	testenv.Integration(t)
	root := repoRoot(t)
	brokers := testenv.Kafka(t)
	baseDSN := testenv.ClickHouseDSN(t)
	promtool := lookPath(t, "promtool")
	promBin := os.Getenv(testenv.EnvPrometheus)
	if promBin == "" {
		promBin = lookPath(t, "prometheus")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	// Unique names keep repeated and parallel runs apart on the shared
	// broker and server.
	suffix := fmt.Sprintf("%d_%d", time.Now().UnixNano(), rand.IntN(1_000_000))
	topic, group, database := "deploytest_"+suffix, "deploytest_"+suffix, "deploytest_"+suffix
	dsn := withDatabase(t, baseDSN, database)
	createTopic(ctx, t, brokers, topic)
	t.Cleanup(func() { dropDatabase(t, baseDSN, database) })

	buildStart := time.Now()
	bin := buildSocwatch(t, root)
	start := time.Now()
	t.Logf("go build ./cmd/socwatch took %s", start.Sub(buildStart).Round(100*time.Millisecond))

	var targets []string
	var procs []*child
	for i := range instances {
		addr := "127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
		targets = append(targets, addr)
		cmd := exec.Command(bin, "run",
			"--brokers", brokers, "--topic", topic, "--group", group,
			"--clickhouse", dsn, "--metrics-addr", addr,
			"--rules", filepath.Join(root, "rules", "packs", "aml-core"),
			"--clickhouse-batch-wait", "100ms",
			"--log-level", "warn")
		procs = append(procs, startChild(t, fmt.Sprintf("socwatch %d", i+1), cmd))
	}
	for i, addr := range targets {
		p := procs[i]
		if err := waitHTTP(ctx, "http://"+addr+"/readyz", 30*time.Second, func() error {
			select {
			case err := <-p.exited:
				p.exited <- err
				return fmt.Errorf("%s exited: %v\n%s", p.name, err, testenv.Tail(p.out.String(), 40))
			default:
				return nil
			}
		}); err != nil {
			t.Fatalf("socwatch %d: %v", i+1, err)
		}
	}

	feedCtx, stopFeed := context.WithCancel(ctx)
	feedDone := make(chan error, 1)
	go func() { feedDone <- feed(feedCtx, brokers, topic) }()
	defer func() {
		stopFeed()
		if err := <-feedDone; err != nil {
			t.Errorf("feed: %v", err)
		}
	}()

	promCfg := filepath.Join(t.TempDir(), "prometheus.yml")
	writeTestPrometheusConfig(t, root, promCfg, targets)
	if out, err := exec.Command(promtool, "check", "config", promCfg).CombinedOutput(); err != nil {
		t.Fatalf("promtool check config (test copy): %v\n%s", err, out)
	}
	promBase := startPrometheus(t, promBin, promCfg)
	promStart := time.Now()

	// The offline checks run while traffic flows.
	t.Run("promtool", func(t *testing.T) { checkPromtool(t, root, promtool) })

	waitFor(ctx, t, promStart.Add(trafficFor), procs)
	if err := waitSample(ctx, promBase, `sum(up{job="socwatch"})`, float64(instances), 15*time.Second); err != nil {
		t.Fatalf("both instances up in Prometheus: %v", err)
	}
	if err := waitSample(ctx, promBase, `sum(socwatch_sink_rows_written_total{table="alerts"}) > 0`, -1, 15*time.Second); err != nil {
		for i, addr := range targets {
			m, _ := httpGet("http://" + addr + "/metrics")
			t.Logf("socwatch %d metrics:\n%s\noutput:\n%s", i+1, grepLines(m, "socwatch_records_", "socwatch_sink_rows", "socwatch_consumer_lag", "socwatch_partitions"), testenv.Tail(procs[i].out.String(), 20))
		}
		t.Fatalf("alerts written to ClickHouse: %v", err)
	}

	t.Run("promtool check metrics", func(t *testing.T) { checkMetricsLint(t, promtool, targets[0]) })
	t.Run("operations dashboard", func(t *testing.T) {
		checkOperationsDashboard(ctx, t, root, promBase, start)
	})
	t.Run("alerting rules", func(t *testing.T) { checkRules(ctx, t, root, promBase) })
	t.Run("alerts dashboard", func(t *testing.T) {
		checkAlertsDashboard(ctx, t, root, dsn, start.Add(-time.Minute), time.Now().Add(time.Minute))
	})
	for _, p := range procs {
		p.running(t)
	}
	t.Logf("verification after the build took %s (traffic %s)", time.Since(start).Round(time.Second), trafficFor)
}

// grepLines keeps the lines of s that start with one of the prefixes.
func grepLines(s string, prefixes ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				out = append(out, l)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

func lookPath(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: %v; install it with `deploy/local/prometheus.sh up` (make services)", name, err)
	}
	return p
}

// buildSocwatch builds the binary from this checkout.
func buildSocwatch(t testing.TB, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "socwatch")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/socwatch")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/socwatch: %v\n%s", err, out)
	}
	return bin
}

func withDatabase(t testing.TB, dsn, database string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse clickhouse dsn: %v", err)
	}
	u.Path = "/" + database
	return u.String()
}

func dropDatabase(t testing.TB, dsn, database string) {
	opts, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		t.Logf("parse dsn: %v", err)
		return
	}
	opts.Auth.Database = ""
	conn, err := clickhouse.Open(opts)
	if err != nil {
		t.Logf("open clickhouse to drop %s: %v", database, err)
		return
	}
	defer conn.Close()
	if err := conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+database); err != nil {
		t.Logf("drop database %s: %v", database, err)
	}
}

func createTopic(ctx context.Context, t testing.TB, brokers, topic string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers))
	if err != nil {
		t.Fatalf("kafka client: %v", err)
	}
	adm := kadm.NewClient(cl)
	if _, err := adm.CreateTopic(ctx, partitions, 1, nil, topic); err != nil {
		cl.Close()
		t.Fatalf("create topic %s: %v", topic, err)
	}
	t.Cleanup(func() {
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// The DLQ and any internal topic SOC-Watch created carry the
		// input topic's name.
		topics, err := adm.ListTopics(ctx)
		if err != nil {
			t.Logf("list topics: %v", err)
			return
		}
		var mine []string
		for _, name := range topics.Names() {
			if strings.Contains(name, topic) {
				mine = append(mine, name)
			}
		}
		if _, err := adm.DeleteTopics(ctx, mine...); err != nil {
			t.Logf("delete topics %v: %v", mine, err)
		}
	})
}

// feed produces the synthetic feed at feedRate, keyed by debtor account as
// banks' topics often are, with a few poison records every second.
func feed(ctx context.Context, brokers, topic string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers), kgo.DefaultProduceTopic(topic))
	if err != nil {
		return fmt.Errorf("feed client: %w", err)
	}
	defer cl.Close()
	// The generator sizes its account population by Count, so the feed is
	// made of bounded chunks rather than one endless generator.
	const chunk = 50_000
	seed := int64(5)
	g := synth.New(synth.Config{Seed: seed, Count: chunk})
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var tx engine.Tx
	// Produce callbacks run on the client's goroutines.
	var (
		mu     sync.Mutex
		failed error
	)
	done := func(_ *kgo.Record, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil && ctx.Err() == nil && failed == nil {
			failed = err
		}
	}
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			if err := cl.Flush(context.Background()); err != nil {
				return fmt.Errorf("flush feed: %w", err)
			}
			mu.Lock()
			defer mu.Unlock()
			return failed
		case <-tick.C:
		}
		for range feedRate / 10 {
			if _, ok := g.Next(&tx); !ok {
				seed++
				g = synth.New(synth.Config{Seed: seed, Count: chunk})
				if _, ok := g.Next(&tx); !ok {
					return fmt.Errorf("synthetic feed seed %d is empty", seed)
				}
			}
			cl.Produce(ctx, &kgo.Record{Key: []byte(tx.Debtor.Account), Value: jsonl.Encode(nil, &tx)}, done)
		}
		if n%10 == 0 {
			for i := range poisonPerSec {
				v := poisonRecords[i%len(poisonRecords)]
				cl.Produce(ctx, &kgo.Record{Key: []byte("poison"), Value: []byte(v)}, done)
			}
		}
	}
}

// writeTestPrometheusConfig is deploy/prometheus/prometheus.yml with the
// compose hostnames replaced by the test's instances, 1 s intervals, and
// the rule files found where the repo keeps them. Everything else (job
// name, group label, rule files) is what ships.
func writeTestPrometheusConfig(t testing.TB, root, path string, targets []string) {
	t.Helper()
	src := filepath.Join(root, "deploy", "prometheus", "prometheus.yml")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatalf("read %s: %v", src, err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("decode %s: %v", src, err)
	}
	global, _ := cfg["global"].(map[string]any)
	if global == nil {
		t.Fatalf("%s: no global section", src)
	}
	global["scrape_interval"], global["scrape_timeout"], global["evaluation_interval"] = "1s", "1s", "1s"
	rules, _ := cfg["rule_files"].([]any)
	if len(rules) == 0 {
		t.Fatalf("%s: no rule_files", src)
	}
	for i, r := range rules {
		rules[i] = filepath.Join(filepath.Dir(src), fmt.Sprint(r))
	}
	scrapes, _ := cfg["scrape_configs"].([]any)
	replaced := false
	for _, s := range scrapes {
		sc, _ := s.(map[string]any)
		if sc == nil || sc["job_name"] != "socwatch" {
			continue
		}
		statics, _ := sc["static_configs"].([]any)
		if len(statics) != 1 {
			t.Fatalf("%s: job socwatch has %d static_configs, want 1", src, len(statics))
		}
		st, _ := statics[0].(map[string]any)
		if st == nil {
			t.Fatalf("%s: job socwatch static_configs[0] is not a mapping", src)
		}
		st["targets"] = targets
		replaced = true
	}
	if !replaced {
		t.Fatalf("%s: no scrape job named socwatch", src)
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatalf("encode test prometheus config: %v", err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
}

func startPrometheus(t testing.TB, bin, cfg string) string {
	t.Helper()
	port := testenv.FreePort(t)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	p := startChild(t, "prometheus", exec.Command(bin,
		"--config.file="+cfg,
		"--web.listen-address=127.0.0.1:"+strconv.Itoa(port),
		"--storage.tsdb.path="+filepath.Join(t.TempDir(), "data"),
	))
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	if err := waitHTTP(ctx, base+"/-/ready", 30*time.Second, func() error {
		select {
		case err := <-p.exited:
			p.exited <- err
			return fmt.Errorf("prometheus exited: %v\n%s", err, testenv.Tail(p.out.String(), 30))
		default:
			return nil
		}
	}); err != nil {
		t.Fatalf("prometheus: %v", err)
	}
	return base
}

// waitFor sleeps until deadline, failing early if a child exits.
func waitFor(ctx context.Context, t testing.TB, deadline time.Time, procs []*child) {
	t.Helper()
	for time.Now().Before(deadline) {
		for _, p := range procs {
			p.running(t)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for traffic: %v", ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

// waitSample polls expr until it returns a sample (equal to want unless
// want is negative).
func waitSample(ctx context.Context, base, expr string, want float64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last []promSample
	var err error
	for time.Now().Before(deadline) {
		last, err = promQuery(ctx, base, expr)
		if err == nil && len(last) > 0 && (want < 0 || last[0].Value == want) {
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("%s: last result %v, err %v", expr, last, err)
}

func checkPromtool(t *testing.T, root, promtool string) {
	dir := filepath.Join(root, "deploy", "prometheus")
	checks := [][]string{
		{"check", "config", filepath.Join(dir, "prometheus.yml")},
		{"check", "rules", filepath.Join(dir, "rules", "socwatch.yml")},
		{"test", "rules", filepath.Join(dir, "tests", "socwatch_test.yml")},
	}
	for _, args := range checks {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// checkMetricsLint runs `promtool check metrics` on a real scrape. Problems
// listed in testdata/promtool-lint-exceptions.txt (third-party series SOC-Watch
// cannot rename from deploy/) are logged, anything else fails.
func checkMetricsLint(t *testing.T, promtool, addr string) {
	resp, err := httpGet("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("scrape %s: %v", addr, err)
	}
	exceptions := readLines(t, filepath.Join("testdata", "promtool-lint-exceptions.txt"))
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(resp)
	out, _ := cmd.CombinedOutput() // exit status 3 means lint problems, read below
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if exceptions[line] {
			t.Logf("known lint problem (see testdata/promtool-lint-exceptions.txt): %s", line)
			continue
		}
		t.Errorf("promtool check metrics: %s", line)
	}
	if !strings.Contains(resp, "socwatch_records_screened_total") {
		t.Errorf("scrape of %s holds no socwatch_records_screened_total: not a SOC-Watch /metrics", addr)
	}
}

func readLines(t testing.TB, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	out := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			out[l] = true
		}
	}
	return out
}

var metricName = regexp.MustCompile(`\b((?:socwatch|go|process)_[a-z0-9_]+|up)\b`)

// checkOperationsDashboard evaluates every variable and panel query of the
// Operations dashboard.
func checkOperationsDashboard(ctx context.Context, t *testing.T, root, base string, start time.Time) {
	d, err := LoadDashboard(filepath.Join(root, "deploy", "grafana", "dashboards", "socwatch-operations.json"))
	if err != nil {
		t.Fatal(err)
	}
	expected := loadExpectedEmpty(t, root)
	known := knownMetricNames(ctx, t, base)

	vars := map[string]string{}
	for _, v := range d.Templating.List {
		text, err := v.QueryText()
		if err != nil {
			t.Fatal(err)
		}
		lv, err := ParseLabelValues(text)
		if err != nil {
			t.Errorf("variable %s: %v", v.Name, err)
			continue
		}
		// Earlier variables are set to All, as on a fresh dashboard.
		sel, err := ExpandPromQL(lv.Selector, PromVars{Vars: vars})
		if err != nil {
			t.Errorf("variable %s: %v", v.Name, err)
			continue
		}
		vals, err := labelValues(ctx, base, LabelValuesQuery{Selector: sel, Label: lv.Label}, start, time.Now())
		if err != nil {
			t.Errorf("variable %s query %q: %v", v.Name, text, err)
			continue
		}
		if len(vals) == 0 {
			t.Errorf("variable %s query %q: no values", v.Name, text)
		}
		t.Logf("variable %s: %v", v.Name, vals)
		if !v.IncludeAll || v.AllValue == "" {
			t.Errorf("variable %s: want includeAll with an allValue regex", v.Name)
		}
		vars[v.Name] = v.AllValue
	}

	pv := PromVars{RateInterval: time.Minute, Interval: 15 * time.Second, Range: 10 * time.Minute, Vars: vars}
	total, withData := 0, 0
	used := map[string]bool{}
	for _, q := range d.Queries() {
		if q.Datasource.Type != "prometheus" {
			t.Errorf("%s: data source %+v, want prometheus", q, q.Datasource)
			continue
		}
		total++
		listed := expectedEmpty(expected, q, used)
		expr, err := ExpandPromQL(q.Text, pv)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		for _, name := range metricName.FindAllString(expr, -1) {
			if !known[name] && !listed {
				t.Errorf("%s: metric %s is not exported by SOC-Watch (or not scraped)", q, name)
			}
		}
		res, err := promQuery(ctx, base, expr)
		if err != nil {
			t.Errorf("%s: %s: %v", q, expr, err)
			continue
		}
		if finite(res) > 0 {
			withData++
			continue
		}
		if !listed {
			t.Errorf("%s returned no data: %s", q, expr)
		} else {
			t.Logf("%s returned no data, as expected-empty.txt allows", q)
		}
	}
	for _, e := range expected {
		if !used[e.Entry] {
			t.Errorf("expected-empty.txt line %d %q names no panel title or expression of the Operations dashboard", e.Line, e.Entry)
		}
	}
	if total == 0 {
		t.Fatal("the Operations dashboard has no queries")
	}
	t.Logf("Operations dashboard: %d panel queries checked, %d returned data, %d listed in expected-empty.txt", total, withData, len(expected))
}

func loadExpectedEmpty(t testing.TB, root string) []ExpectedEmpty {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "deploy", "grafana", "expected-empty.txt"))
	if err != nil {
		t.Fatalf("open expected-empty.txt: %v", err)
	}
	defer f.Close()
	list, err := ParseExpectedEmpty(f)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// expectedEmpty reports whether q is listed (by panel title or raw
// expression) and marks the entry used.
func expectedEmpty(list []ExpectedEmpty, q Query, used map[string]bool) bool {
	for _, e := range list {
		if e.Entry == q.Panel || e.Entry == q.Text {
			used[e.Entry] = true
			return true
		}
	}
	return false
}

func knownMetricNames(ctx context.Context, t testing.TB, base string) map[string]bool {
	t.Helper()
	var names []string
	if err := promGet(ctx, base, "/api/v1/label/__name__/values", url.Values{}, &names); err != nil {
		t.Fatalf("metric names: %v", err)
	}
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	return known
}

// checkRules runs every alerting rule's expression as a query (it must
// parse and evaluate), checks that every metric it reads is exported, and
// that Prometheus itself loaded and evaluated each rule without error.
func checkRules(ctx context.Context, t *testing.T, root, base string) {
	path := filepath.Join(root, "deploy", "prometheus", "rules", "socwatch.yml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &file); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	known := knownMetricNames(ctx, t, base)
	want := map[string]bool{}
	n := 0
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			n++
			want[r.Alert] = true
			if _, err := promQuery(ctx, base, r.Expr); err != nil {
				t.Errorf("rule %s: %v", r.Alert, err)
			}
			for _, name := range metricName.FindAllString(r.Expr, -1) {
				if !known[name] {
					t.Errorf("rule %s reads %s, which SOC-Watch does not export", r.Alert, name)
				}
			}
		}
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Name      string `json:"name"`
				Health    string `json:"health"`
				LastError string `json:"lastError"`
				State     string `json:"state"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := promGet(ctx, base, "/api/v1/rules", url.Values{"type": {"alert"}}, &rules); err != nil {
		t.Fatalf("rules API: %v", err)
	}
	var firing []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			delete(want, r.Name)
			if r.Health != "ok" {
				t.Errorf("rule %s: health %q: %s", r.Name, r.Health, r.LastError)
			}
			if r.State != "inactive" {
				firing = append(firing, r.Name+"="+r.State)
			}
		}
	}
	for name := range want {
		t.Errorf("rule %s is in %s but Prometheus did not load it", name, path)
	}
	sort.Strings(firing)
	t.Logf("%d alerting rules evaluated; not inactive on a healthy run: %v", n, firing)
}

// checkAlertsDashboard runs every variable and panel SQL of the Alerts
// dashboard against the ClickHouse the instances wrote to, and requires
// rows with something in them.
func checkAlertsDashboard(ctx context.Context, t *testing.T, root, dsn string, from, to time.Time) {
	d, err := LoadDashboard(filepath.Join(root, "deploy", "grafana", "dashboards", "socwatch-alerts.json"))
	if err != nil {
		t.Fatal(err)
	}
	opts, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("parse dsn: %v", err)
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		t.Fatalf("open clickhouse: %v", err)
	}
	defer conn.Close()
	var version string
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		t.Fatalf("clickhouse version: %v", err)
	}

	sv := SQLVars{From: from, To: to, Interval: 10 * time.Second, Vars: map[string][]string{}}
	for _, v := range d.Templating.List {
		text, err := v.QueryText()
		if err != nil {
			t.Fatal(err)
		}
		switch v.Type {
		case "textbox", "constant", "custom":
			sv.Vars[v.Name] = []string{text}
			if v.Type == "custom" {
				sv.Vars[v.Name] = strings.Split(text, ",")
			}
		case "query":
			sql, err := ExpandSQL(text, sv)
			if err != nil {
				t.Errorf("variable %s: %v", v.Name, err)
				continue
			}
			rows, err := runSQL(ctx, conn, sql)
			if err != nil {
				t.Errorf("variable %s: %v\n%s", v.Name, err, sql)
				continue
			}
			var vals []string
			for _, r := range rows {
				vals = append(vals, r[0])
			}
			if len(vals) == 0 {
				t.Errorf("variable %s: no values", v.Name)
			}
			// All selected, as on a fresh dashboard: Grafana sends every value.
			sv.Vars[v.Name] = vals
		default:
			t.Errorf("variable %s: type %q not checked by this test", v.Name, v.Type)
		}
	}
	total, withRows := 0, 0
	for _, q := range d.Queries() {
		if q.Datasource.Type != "grafana-clickhouse-datasource" {
			t.Errorf("%s: data source %+v, want grafana-clickhouse-datasource", q, q.Datasource)
			continue
		}
		total++
		sql, err := ExpandSQL(q.Text, sv)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		rows, err := runSQL(ctx, conn, sql)
		if err != nil {
			t.Errorf("%s on ClickHouse %s: %v\n%s", q, version, err, sql)
			continue
		}
		if len(rows) == 0 || !anyValue(rows) {
			t.Errorf("%s: %d rows, none with a non-zero value:\n%s", q, len(rows), sql)
			continue
		}
		withRows++
		t.Logf("%s: %d rows, first %v", q, len(rows), rows[0])
	}
	t.Logf("Alerts dashboard on ClickHouse %s: %d panel queries checked, %d returned rows", version, total, withRows)
}

// runSQL runs a query and returns every cell formatted as text.
func runSQL(ctx context.Context, conn clickhouse.Conn, sql string) ([][]string, error) {
	rows, err := conn.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	types := rows.ColumnTypes()
	var out [][]string
	for rows.Next() {
		dest := make([]any, len(types))
		for i, ct := range types {
			dest[i] = newScanValue(ct.ScanType())
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		row := make([]string, len(dest))
		for i, p := range dest {
			row[i] = derefString(p)
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// anyValue reports whether some cell is neither empty nor zero, so an
// aggregate over no rows (one row of zeros) does not count as data.
func anyValue(rows [][]string) bool {
	for _, r := range rows {
		for _, c := range r {
			if c == "" || c == "[]" {
				continue
			}
			if f, err := strconv.ParseFloat(c, 64); err == nil && f == 0 {
				continue
			}
			return true
		}
	}
	return false
}
