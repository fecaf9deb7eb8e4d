package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/internal/redact"
	"github.com/socwatch/socwatch/rules"
)

// loadConfig parses run's configuration from env, a YAML file (if not
// empty) and args.
func loadConfig(t *testing.T, env map[string]string, file string, args ...string) (Config, error) {
	t.Helper()
	return loadCommandConfig(t, runCommand, env, file, args...)
}

// configCommand is how a command reads the configuration.
type configCommand struct {
	name      string
	shortcuts map[string]string
	validate  func(*Config) error
}

var (
	runCommand     = configCommand{"run", runShortcuts, (*Config).Validate}
	consoleCommand = configCommand{"console", consoleShortcuts, (*Config).validateConsole}
)

func loadCommandConfig(t *testing.T, cmd configCommand, env map[string]string, file string, args ...string) (Config, error) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	if file != "" {
		path := filepath.Join(t.TempDir(), "socwatch.yaml")
		if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append([]string{"--config", path}, args...)
	}
	return configFlags(newFlags(cmd.name, cmd.name, io.Discard), cmd.shortcuts, cmd.validate)(args)
}

// Each layer overrides the one below it, for every type of key.
func TestConfigPrecedence(t *testing.T) {
	checkPrecedence(t, runCommand, []precedenceCase{
		{"string default", layers{}, func(c Config) any { return c.Kafka.Topic }, "transactions"},
		{"string file", layers{file: "kafka:\n  topic: f\n"}, func(c Config) any { return c.Kafka.Topic }, "f"},
		{"string env > file", layers{file: "kafka:\n  topic: f\n", env: map[string]string{"SOCWATCH_KAFKA_TOPIC": "e"}}, func(c Config) any { return c.Kafka.Topic }, "e"},
		{"string flag > env", layers{file: "kafka:\n  topic: f\n", env: map[string]string{"SOCWATCH_KAFKA_TOPIC": "e"}, args: []string{"--kafka-topic", "x"}}, func(c Config) any { return c.Kafka.Topic }, "x"},
		{"shortcut flag > env", layers{env: map[string]string{"SOCWATCH_KAFKA_TOPIC": "e"}, args: []string{"--topic=x"}}, func(c Config) any { return c.Kafka.Topic }, "x"},
		{"int default", layers{}, func(c Config) any { return c.ClickHouse.BatchRows }, 5000},
		{"int file", layers{file: "clickhouse:\n  batch_rows: 100\n"}, func(c Config) any { return c.ClickHouse.BatchRows }, 100},
		{"int env > file", layers{file: "clickhouse:\n  batch_rows: 100\n", env: map[string]string{"SOCWATCH_CLICKHOUSE_BATCH_ROWS": "200"}}, func(c Config) any { return c.ClickHouse.BatchRows }, 200},
		{"int flag > env", layers{env: map[string]string{"SOCWATCH_CLICKHOUSE_BATCH_ROWS": "200"}, args: []string{"-clickhouse-batch-rows", "300"}}, func(c Config) any { return c.ClickHouse.BatchRows }, 300},
		{"duration default", layers{}, func(c Config) any { return c.Kafka.CommitInterval }, time.Second},
		{"duration file", layers{file: "kafka:\n  commit_interval: 250ms\n"}, func(c Config) any { return c.Kafka.CommitInterval }, 250 * time.Millisecond},
		{"duration env > file", layers{file: "kafka:\n  commit_interval: 250ms\n", env: map[string]string{"SOCWATCH_KAFKA_COMMIT_INTERVAL": "3s"}}, func(c Config) any { return c.Kafka.CommitInterval }, 3 * time.Second},
		{"duration flag > env", layers{env: map[string]string{"SOCWATCH_KAFKA_COMMIT_INTERVAL": "3s"}, args: []string{"--kafka-commit-interval", "1m"}}, func(c Config) any { return c.Kafka.CommitInterval }, time.Minute},
		{"time default (no cut)", layers{}, func(c Config) any { return c.Screen.AlertsFrom }, time.Time{}},
		{"time file", layers{file: "screen:\n  alerts_from: 2026-03-01T00:00:00Z\n"}, func(c Config) any { return c.Screen.AlertsFrom.UTC() }, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"time env > file", layers{file: "screen:\n  alerts_from: 2026-03-01T00:00:00Z\n", env: map[string]string{"SOCWATCH_SCREEN_ALERTS_FROM": "2026-04-01T02:00:00+02:00"}}, func(c Config) any { return c.Screen.AlertsFrom.UTC() }, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
		{"time shortcut flag > env", layers{env: map[string]string{"SOCWATCH_SCREEN_ALERTS_FROM": "2026-04-01T00:00:00Z"}, args: []string{"--alerts-from", "2026-05-01T12:30:00Z"}}, func(c Config) any { return c.Screen.AlertsFrom.UTC() }, time.Date(2026, 5, 1, 12, 30, 0, 0, time.UTC)},
		{"bool default", layers{}, func(c Config) any { return c.ClickHouse.Transactions }, false},
		{"bool file", layers{file: "clickhouse:\n  transactions: true\n"}, func(c Config) any { return c.ClickHouse.Transactions }, true},
		{"bool env > file", layers{file: "clickhouse:\n  transactions: true\n", env: map[string]string{"SOCWATCH_CLICKHOUSE_TRANSACTIONS": "false"}}, func(c Config) any { return c.ClickHouse.Transactions }, false},
		{"bool flag without value > env", layers{env: map[string]string{"SOCWATCH_CLICKHOUSE_TRANSACTIONS": "false"}, args: []string{"--clickhouse-transactions"}}, func(c Config) any { return c.ClickHouse.Transactions }, true},
		{"list file", layers{file: "kafka:\n  brokers: a:1, b:2\n"}, func(c Config) any { return strings.Join(c.Kafka.Brokers, "|") }, "a:1|b:2"},
		{"list shortcut", layers{file: "kafka:\n  brokers: a:1\n", args: []string{"-brokers", "c:3,d:4"}}, func(c Config) any { return strings.Join(c.Kafka.Brokers, "|") }, "c:3|d:4"},
		{"int64 default", layers{}, func(c Config) any { return c.RuleLimits.MaxRuleFileBytes }, int64(rules.DefaultMaxRuleFileBytes)},
		{"int64 file", layers{file: "rule_limits:\n  max_file_bytes: 4096\n"}, func(c Config) any { return c.RuleLimits.MaxRuleFileBytes }, int64(4096)},
		{"int64 env > file", layers{file: "rule_limits:\n  max_file_bytes: 4096\n", env: map[string]string{"SOCWATCH_RULE_LIMITS_MAX_FILE_BYTES": "8192"}}, func(c Config) any { return c.RuleLimits.MaxRuleFileBytes }, int64(8192)},
		{"int64 flag > env", layers{env: map[string]string{"SOCWATCH_RULE_LIMITS_MAX_FILE_BYTES": "8192"}, args: []string{"--rule-limits-max-file-bytes", "16384"}}, func(c Config) any { return c.RuleLimits.MaxRuleFileBytes }, int64(16384)},
		{"rule limits default", layers{}, func(c Config) any { return c.RuleLimits }, rules.Limits{MaxRuleFileBytes: rules.DefaultMaxRuleFileBytes,
			MaxListBytes: rules.DefaultMaxListBytes, ReadTimeout: rules.DefaultReadTimeout, MaxExprBytes: rules.DefaultMaxExprBytes, MaxNesting: rules.DefaultMaxNesting}},
		{"rule limits file", layers{file: "rule_limits:\n  max_list_bytes: 100\n  read_timeout: 2s\n  max_expr_bytes: 300\n  max_nesting: 9\n"},
			func(c Config) any { return c.RuleLimits }, rules.Limits{MaxRuleFileBytes: rules.DefaultMaxRuleFileBytes,
				MaxListBytes: 100, ReadTimeout: 2 * time.Second, MaxExprBytes: 300, MaxNesting: 9}},
	})
}

// layers are the sources of one configuration: file, environment, flags.
type layers struct {
	file string
	env  map[string]string
	args []string
}

// precedenceCase: loading in gives a Config whose get is want.
type precedenceCase struct {
	name string
	in   layers
	get  func(Config) any
	want any
}

func checkPrecedence(t *testing.T, cmd configCommand, tests []precedenceCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadCommandConfig(t, cmd, tc.in.env, tc.in.file, tc.in.args...)
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.get(c); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// Every key name the YAML file accepted before the move to ff still works.
func TestConfigKeepsKeyNames(t *testing.T) {
	file := `kafka:
  brokers: k1:9092,k2:9092
  topic: tx
  group: g
  dlq_topic: tx.dead
  rekey: always
  partitions: 8
  sasl:
    mechanism: PLAIN
    user: u
    password: p
    password_file: ""
  tls:
    enabled: true
    ca_file: ca.pem
    cert_file: c.pem
    key_file: k.pem
  max_in_flight: 3
  max_in_flight_records: 1000
  commit_interval: 2s
clickhouse:
  dsn: clickhouse://u@db:9000/aml
  password: chpw
  password_file: ""
  batch_rows: 10
  batch_wait: 1s
  transactions: true
rules: pack
reload_interval: 5s
metrics_addr: 127.0.0.1:0
max_record_bytes: 4096
log_level: debug
`
	c, err := loadConfig(t, nil, file)
	if err != nil {
		t.Fatal(err)
	}
	k, ch := c.Kafka, c.ClickHouse
	got := []any{strings.Join(k.Brokers, ","), k.Topic, k.Group, k.DLQTopic, k.Rekey, k.Partitions, k.SASL.Mechanism, k.SASL.User, k.SASL.Password,
		k.TLS.Enabled, k.TLS.CAFile, k.TLS.CertFile, k.TLS.KeyFile, k.MaxInFlightBatches, k.MaxInFlightRecords, k.CommitInterval,
		ch.DSN, ch.Password, ch.BatchRows, ch.BatchWait, ch.Transactions, c.Rules, c.ReloadInterval, c.MetricsAddr, c.MaxRecordBytes, c.LogLevel.String()}
	want := []any{"k1:9092,k2:9092", "tx", "g", "tx.dead", "always", 8, "PLAIN", "u", "p",
		true, "ca.pem", "c.pem", "k.pem", 3, 1000, 2 * time.Second,
		"clickhouse://u@db:9000/aml", "chpw", 10, time.Second, true, "pack", 5 * time.Second, "127.0.0.1:0", 4096, "DEBUG"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d: got %v, want %v", i, got[i], want[i])
		}
	}
}

// TestConfigBrokersAsYAMLList: a list-valued key takes a YAML sequence as
// well as the comma-separated form of its flag.
func TestConfigBrokersAsYAMLList(t *testing.T) {
	c, err := loadConfig(t, nil, "kafka:\n  brokers:\n    - k1:9092\n    - k2:9092\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Kafka.Brokers, ","); got != "k1:9092,k2:9092" {
		t.Errorf("brokers %q, want k1:9092,k2:9092", got)
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	checkKeyErrors(t, runCommand, []keyErrorCase{
		{nil, "", []string{"--kafka-rekey", "sometimes"}, []string{"kafka.rekey"}},
		{nil, "", []string{"--clickhouse", "http://x"}, []string{"clickhouse.dsn"}},
		{map[string]string{"SOCWATCH_CLICKHOUSE_BATCH_ROWS": "lots"}, "", nil, []string{"SOCWATCH_CLICKHOUSE_BATCH_ROWS", "integer"}},
		{map[string]string{"SOCWATCH_KAFKA_COMMIT_INTERVAL": "soon"}, "", nil, []string{"SOCWATCH_KAFKA_COMMIT_INTERVAL", "duration"}},
		{map[string]string{"SOCWATCH_KAFKA_TLS_ENABLED": "on"}, "", nil, []string{"SOCWATCH_KAFKA_TLS_ENABLED", "true or false"}},
		{nil, "kafka:\n  group: g\n  topik: x\n", nil, []string{"socwatch.yaml:3", "unknown key kafka.topik"}},
		{nil, "rules: r\nconfig: other.yaml\n", nil, []string{"socwatch.yaml:2", "unknown key config"}},
		{nil, "kafka:\n  commit_interval: soon\n", nil, []string{"socwatch.yaml:2", "kafka.commit_interval", "duration"}},
		{nil, "clickhouse:\n\n  batch_rows: lots\n", nil, []string{"socwatch.yaml:3", "clickhouse.batch_rows", "integer"}},
		{nil, "clickhouse:\n  transactions: yes please\n", nil, []string{"socwatch.yaml:2", "clickhouse.transactions", "true or false"}},
		{nil, "log_level: loud\n", nil, []string{"socwatch.yaml:1", "log_level"}},
		{nil, "kafka:\n  sasl: PLAIN\n", nil, []string{"socwatch.yaml:2", "kafka.sasl"}},
		{nil, "kafka:\n  topic: [a, b]\n", nil, []string{"socwatch.yaml:2", "kafka.topic"}},
		{nil, "kafka:\n  brokers:\n    - a:9092\n    - [b:9092]\n", nil, []string{"socwatch.yaml:3", "kafka.brokers", "line 4"}},
		{nil, "kafka:\n  brokers: [\"a:1,b:2\"]\n", nil, []string{"socwatch.yaml:2", "kafka.brokers", "without commas"}},
		// A broken file is an error even where a flag overrides the key.
		{nil, "kafka:\n  commit_interval: soon\n", []string{"--kafka-commit-interval", "1s"}, []string{"socwatch.yaml:2", "kafka.commit_interval"}},
		{nil, "", []string{"--kafka-sasl-mechanism", "SCRAM-SHA-256"}, []string{"kafka.sasl"}},
		{nil, "", []string{"--reload-interval", "soon"}, []string{"reload-interval"}},
		{nil, "", []string{"--reload-interval", "0s"}, []string{"reload_interval"}},
		{nil, "", []string{"--kafka-sasl-password-file", "/nonexistent/pw"}, []string{"kafka.sasl.password_file"}},
		{nil, "", []string{"--pprof-addr", ":6060"}, []string{"pprof_addr", "loopback"}},
		{nil, "", []string{"--pprof-addr", "0.0.0.0:6060"}, []string{"pprof_addr", "loopback"}},
		{nil, "pprof_addr: 10.1.2.3:6060\n", nil, []string{"pprof_addr", "loopback"}},
		{nil, "", []string{"--pprof-addr", "127.0.0.1"}, []string{"pprof_addr", "missing port"}},
		{nil, "rule_limits:\n  max_nesting: deep\n", nil, []string{"socwatch.yaml:2", "rule_limits.max_nesting", "integer"}},
		{nil, "rule_limits:\n  max_list_bytes: 16MiB\n", nil, []string{"socwatch.yaml:2", "rule_limits.max_list_bytes", "integer"}},
		{nil, "rule_limits:\n  max_rule_bytes: 1\n", nil, []string{"socwatch.yaml:2", "unknown key rule_limits.max_rule_bytes"}},
		{map[string]string{"SOCWATCH_RULE_LIMITS_READ_TIMEOUT": "long"}, "", nil, []string{"SOCWATCH_RULE_LIMITS_READ_TIMEOUT", "duration"}},
		{nil, "", []string{"--rule-limits-max-expr-bytes", "0"}, []string{"rule_limits.max_expr_bytes"}},
		// The warm-up cut is an RFC 3339 time with its zone: a bare date
		// or a time without a zone would be a guess at the bank's zone.
		{nil, "screen:\n  alerts_from: 2026-03-01\n", nil, []string{"socwatch.yaml:2", "screen.alerts_from", "RFC 3339"}},
		{nil, "screen:\n  alerts_from: 2026-03-01T00:00:00\n", nil, []string{"socwatch.yaml:2", "screen.alerts_from", "RFC 3339"}},
		{map[string]string{"SOCWATCH_SCREEN_ALERTS_FROM": "March"}, "", nil, []string{"SOCWATCH_SCREEN_ALERTS_FROM", "RFC 3339"}},
		{nil, "", []string{"--alerts-from", "2026-13-01T00:00:00Z"}, []string{"screen-alerts-from", "not an RFC 3339 time"}},
		// A boolean takes no separate value: the rest would be ignored.
		{nil, "", []string{"--kafka-tls-enabled", "true", "--kafka-tls-ca-file", "ca.pem"}, []string{`unexpected argument "true"`}},
	})
}

// keyErrorCase: loading env, file and args fails with an error holding
// every string of want (the key, the file line, the type wanted).
type keyErrorCase struct {
	env  map[string]string
	file string
	args []string
	want []string
}

func checkKeyErrors(t *testing.T, cmd configCommand, tests []keyErrorCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(strings.Join(tc.want, " "), func(t *testing.T) {
			_, err := loadCommandConfig(t, cmd, tc.env, tc.file, tc.args...)
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("%v %q %v: error %v does not name %q", tc.env, tc.file, tc.args, err, w)
				}
			}
		})
	}
}

// `run --help` lists typed flags, so an operator sees what each key takes.
func TestRunHelpShowsTypes(t *testing.T) {
	var out bytes.Buffer
	err := cmdRun([]string{"--help"}, io.Discard, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("run --help: %v", err)
	}
	for _, want := range []string{"-kafka-commit-interval duration", "-clickhouse-batch-rows int", "-clickhouse-transactions\n",
		"-log-level value", "SOCWATCH_KAFKA_TOPIC", "-topic is -kafka-topic", "-rule-limits-max-file-bytes int",
		"-rule-limits-read-timeout duration", "SOCWATCH_RULE_LIMITS_MAX_NESTING"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("run --help lacks %q:\n%s", want, out.String())
		}
	}
}

func TestSecretsFromFileAndRedaction(t *testing.T) {
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("s3cret-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := loadConfig(t, nil, "", "--clickhouse-password-file", pw, "--clickhouse", "clickhouse://socwatch@db:9000/aml")
	if err != nil {
		t.Fatal(err)
	}
	dsn := c.clickhouseDSN()
	if !strings.Contains(dsn, "s3cret-pw") {
		t.Fatalf("password not applied: %s", dsn)
	}
	if r := redact.DSN(dsn); strings.Contains(r, "s3cret-pw") || !strings.Contains(r, "socwatch:***@db:9000") {
		t.Fatalf("redact.DSN = %s", r)
	}
}

// FuzzConfigFile: the YAML parser never panics, and a file it accepts sets
// only configuration keys, each to a value of the key's type.
func FuzzConfigFile(f *testing.F) {
	for _, s := range []string{"kafka:\n  topic: t\n  commit_interval: 2s\n", "rules: r\n", "kafka: [1, 2]\n", "a: &x {b: 1}\nc: *x\n",
		"clickhouse:\n  transactions: yes\n", "log_level: debug\nkafka:\n  sasl:\n    mechanism: PLAIN\n", "", "~", "- 1\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fs := flag.NewFlagSet("fuzz", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var c Config
		c.RegisterFlags(fs)
		keys := map[string]bool{}
		fs.VisitAll(func(fl *flag.Flag) { keys[fl.Name] = true })
		path := "fuzz.yaml"
		err := yamlParser(&path, fs, keys)(bytes.NewReader(data), func(name, value string) error {
			if !keys[name] {
				t.Fatalf("set %q, not a configuration key", name)
			}
			if err := checkType(fs.Lookup(name), value); err != nil {
				t.Fatalf("set %s = %q, which is not %v", name, value, err)
			}
			return fs.Set(name, value)
		})
		if err != nil && !strings.Contains(err.Error(), "fuzz.yaml") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

// TestPprofOnlyOnLoopback: loopback addresses (and off) pass validation,
// and the pprof server answers on the address it was given.
func TestPprofOnlyOnLoopback(t *testing.T) {
	for _, addr := range []string{"", "127.0.0.1:0", "[::1]:6060", "localhost:6060", "127.0.0.2:1"} {
		if err := checkLoopback(addr); err != nil {
			t.Errorf("%q refused: %v", addr, err)
		}
	}
	srv, err := listenPprof("127.0.0.1:0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("pprof server: %v", err)
		}
	}()
	addr := srv.addr()
	resp, err := http.Get("http://" + addr + "/debug/pprof/heap?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "heap profile") {
		t.Fatalf("GET heap profile: %s %.80q", resp.Status, body)
	}
}
