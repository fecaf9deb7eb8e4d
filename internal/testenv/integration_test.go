package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// uniqueName keeps parallel and repeated runs against the same long-lived
// broker/server apart.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s_%d_%d", prefix, time.Now().UnixNano(), rand.IntN(1_000_000))
}

func TestIntegrationKafkaRoundTrip(t *testing.T) {
	Integration(t)
	addr := Kafka(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	// Cleanups run last-in first-out: the topic is deleted before this closes.
	t.Cleanup(cl.Close)
	adm := kadm.NewClient(cl)

	topic := uniqueName("testenv")
	const partitions = 3
	if _, err := adm.CreateTopic(ctx, partitions, 1, nil, topic); err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := adm.DeleteTopics(ctx, topic); err != nil {
			t.Logf("delete topic %s: %v", topic, err)
		}
	})

	md, td := waitForTopic(ctx, t, adm, topic)
	if n := len(md.Brokers); n != 1 {
		t.Errorf("broker count = %d, want 1 (single-node KRaft)", n)
	}
	if n := len(td.Partitions); n != partitions {
		t.Fatalf("topic %s has %d partitions, want %d", topic, n, partitions)
	}

	// Three records per partition; each value names its partition so the
	// consumer can check that records land where they were sent.
	want := map[int32][]string{}
	var records []*kgo.Record
	for p := range int32(partitions) {
		for i := range 3 {
			v := fmt.Sprintf("p%d-r%d", p, i)
			want[p] = append(want[p], v)
			records = append(records, &kgo.Record{Topic: topic, Partition: p, Key: []byte(v), Value: []byte(v)})
		}
	}
	if err := cl.ProduceSync(ctx, records...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}

	consumer, err := kgo.NewClient(
		kgo.SeedBrokers(addr),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	)
	if err != nil {
		t.Fatalf("new consumer: %v", err)
	}
	defer consumer.Close()
	got := map[int32][]string{}
	for n := 0; n < len(records); {
		fetches := consumer.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records before timeout: %v", n, len(records), err)
		}
		fetches.EachError(func(topic string, p int32, err error) {
			t.Fatalf("fetch %s/%d: %v", topic, p, err)
		})
		fetches.EachRecord(func(r *kgo.Record) {
			got[r.Partition] = append(got[r.Partition], string(r.Value))
			n++
		})
	}
	for p := range int32(partitions) {
		if strings.Join(got[p], ",") != strings.Join(want[p], ",") {
			t.Errorf("partition %d: consumed %q, want %q", p, got[p], want[p])
		}
	}
}

// waitForTopic polls metadata until the broker knows topic: in KRaft the
// controller acknowledges CreateTopics before the broker has applied the new
// metadata, so an immediate Metadata call can still say UNKNOWN_TOPIC.
func waitForTopic(ctx context.Context, t *testing.T, adm *kadm.Client, topic string) (kadm.Metadata, kadm.TopicDetail) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		md, err := adm.Metadata(ctx, topic)
		if err != nil {
			t.Fatalf("metadata: %v", err)
		}
		td, ok := md.Topics[topic]
		if ok && td.Err == nil && len(td.Partitions) > 0 {
			return md, td
		}
		if time.Now().After(deadline) {
			t.Fatalf("topic %s missing from metadata after 10s: %+v", topic, td)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestIntegrationKafkaSASL(t *testing.T) {
	Integration(t)
	creds := KafkaSASL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	auth := scram.Auth{User: creds.User, Pass: creds.Password}
	tests := []struct {
		name    string
		mech    sasl.Mechanism
		wantErr bool
	}{
		{"SCRAM-SHA-256", auth.AsSha256Mechanism(), false},
		{"SCRAM-SHA-512", auth.AsSha512Mechanism(), false},
		{"wrong password", scram.Auth{User: creds.User, Pass: creds.Password + "x"}.AsSha512Mechanism(), true},
		{"unknown user", scram.Auth{User: uniqueName("nobody"), Pass: creds.Password}.AsSha256Mechanism(), true},
	}
	topic := uniqueName("testenv_sasl")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl, err := kgo.NewClient(
				kgo.SeedBrokers(creds.Addr),
				kgo.SASL(tt.mech),
				kgo.DefaultProduceTopic(topic),
				kgo.AllowAutoTopicCreation(),
				kgo.RecordRetries(2),
				kgo.RetryTimeout(5*time.Second),
			)
			if err != nil {
				t.Fatalf("new client: %v", err)
			}
			defer cl.Close()
			pctx, pcancel := context.WithTimeout(ctx, 15*time.Second)
			defer pcancel()
			if tt.wantErr {
				// Ping returns the broker's SASL_AUTHENTICATION_FAILED at once;
				// a produce would retry until its timeout.
				err := cl.Ping(pctx)
				if err == nil {
					t.Fatalf("login over SASL as %s succeeded, want an authentication error", tt.name)
				}
				if !strings.Contains(err.Error(), "SASL_AUTHENTICATION_FAILED") {
					t.Fatalf("login over SASL as %s: %v, want SASL_AUTHENTICATION_FAILED", tt.name, err)
				}
				return
			}
			if err := cl.ProduceSync(pctx, &kgo.Record{Value: []byte(tt.name)}).FirstErr(); err != nil {
				t.Fatalf("produce over SASL (%s): %v", tt.name, err)
			}
		})
	}
	plain, err := kgo.NewClient(kgo.SeedBrokers(Kafka(t)))
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	defer plain.Close()
	if _, err := kadm.NewClient(plain).DeleteTopics(ctx, topic); err != nil {
		t.Logf("delete topic %s: %v", topic, err)
	}
}

var versionPattern = regexp.MustCompile(`^\d+\.\d+(\.\d+)*`)

func TestIntegrationClickHouse(t *testing.T) {
	Integration(t)
	dsn := ClickHouseDSN(t)
	opts, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("parse dsn %q: %v", dsn, err)
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		t.Fatalf("open %q: %v", dsn, err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var version, database string
	if err := conn.QueryRow(ctx, "SELECT version(), currentDatabase()").Scan(&version, &database); err != nil {
		t.Fatalf("SELECT version(): %v", err)
	}
	if !versionPattern.MatchString(version) {
		t.Errorf("version() = %q, want a dotted version", version)
	}
	if database != opts.Auth.Database {
		t.Errorf("currentDatabase() = %q, want the DSN's %q", database, opts.Auth.Database)
	}
	t.Logf("ClickHouse %s, database %s", version, database)

	// The shape of table the alert sink relies on (LowCardinality needs the
	// profile setting on 18.16, ReplacingMergeTree dedups replays) must be
	// creatable and round-trip rows through clickhouse-go's batch insert.
	table := uniqueName("testenv_probe")
	ddl := "CREATE TABLE " + table + " (id String, rule LowCardinality(String), n UInt64, ts DateTime) " +
		"ENGINE = ReplacingMergeTree ORDER BY id"
	if err := conn.Exec(ctx, ddl); err != nil {
		t.Fatalf("create table: %v", err)
	}
	t.Cleanup(func() {
		if err := conn.Exec(context.Background(), "DROP TABLE IF EXISTS "+table); err != nil {
			t.Logf("drop %s: %v", table, err)
		}
	})
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+table)
	if err != nil {
		t.Fatalf("prepare batch: %v", err)
	}
	const rows = 5
	var wantSum uint64
	now := time.Now().UTC().Truncate(time.Second)
	for i := range rows {
		n := uint64(rand.IntN(1000))
		wantSum += n
		if err := batch.Append(strconv.Itoa(i), "AML-TEST-001", n, now); err != nil {
			t.Fatalf("append: %v", err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatalf("send batch: %v", err)
	}
	var count, sum uint64
	if err := conn.QueryRow(ctx, "SELECT count(), sum(n) FROM "+table).Scan(&count, &sum); err != nil {
		t.Fatalf("read back: %v", err)
	}
	if count != rows || sum != wantSum {
		t.Fatalf("read back count=%d sum=%d, want count=%d sum=%d", count, sum, rows, wantSum)
	}
}

func TestIntegrationPrometheus(t *testing.T) {
	Integration(t)
	if promtool, err := exec.LookPath("promtool"); err == nil {
		cfg := filepath.Join(t.TempDir(), "prometheus.yml")
		if err := os.WriteFile(cfg, PrometheusConfig(FreePort(t), []string{"127.0.0.1:1"}), 0o644); err != nil {
			t.Fatalf("write config: %v", err)
		}
		if out, err := exec.Command(promtool, "check", "config", cfg).CombinedOutput(); err != nil {
			t.Fatalf("promtool check config rejected the generated config: %v\n%s", err, out)
		}
	} else {
		t.Fatalf("promtool not found (%v); run deploy/local/prometheus.sh up", err)
	}

	// A target with a counter at a value chosen now, so finding it in
	// Prometheus proves a real scrape happened.
	reg := prometheus.NewRegistry()
	probe := prometheus.NewCounter(prometheus.CounterOpts{Name: "testenv_probe_total", Help: "Scrape probe."})
	reg.MustRegister(probe)
	want := float64(1 + rand.IntN(10_000))
	probe.Add(want)
	target := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer target.Close()
	targetAddr := strings.TrimPrefix(target.URL, "http://")

	base := Prometheus(t, []string{targetAddr})
	checks := []struct {
		query string
		want  float64
	}{
		{`up{job="prometheus"}`, 1},
		{`up{job="targets"}`, 1},
		{`testenv_probe_total{job="targets"}`, want},
	}
	for _, c := range checks {
		got, err := waitForSample(base, c.query, c.want, 20*time.Second)
		if err != nil {
			t.Errorf("query %s: %v (last value %v)", c.query, err, got)
		}
	}
}

// waitForSample polls an instant query until it returns one sample equal to
// want or the timeout passes; it returns the last value seen.
func waitForSample(base, query string, want float64, timeout time.Duration) (float64, error) {
	deadline := time.Now().Add(timeout)
	last := -1.0
	var lastErr error
	for time.Now().Before(deadline) {
		v, err := instantQuery(base, query)
		if err == nil {
			last = v
			if v == want {
				return v, nil
			}
		}
		lastErr = err
		time.Sleep(250 * time.Millisecond)
	}
	if lastErr != nil {
		return last, fmt.Errorf("no matching sample within %s: %w", timeout, lastErr)
	}
	return last, fmt.Errorf("no sample equal to %v within %s", want, timeout)
}

func instantQuery(base, query string) (float64, error) {
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		return 0, fmt.Errorf("query: %w", err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, fmt.Errorf("decode response: %w", err)
	}
	if body.Status != "success" {
		return 0, fmt.Errorf("status %q", body.Status)
	}
	if len(body.Data.Result) != 1 {
		return 0, fmt.Errorf("%d series, want 1", len(body.Data.Result))
	}
	s, ok := body.Data.Result[0].Value[1].(string)
	if !ok {
		return 0, fmt.Errorf("sample value %v is not a string", body.Data.Result[0].Value[1])
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("parse sample %q: %w", s, err)
	}
	return v, nil
}
