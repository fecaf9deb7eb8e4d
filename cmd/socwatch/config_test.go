package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func loadConfig(t *testing.T, env map[string]string, file string, args ...string) (Config, error) {
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
	fs := newFlags("run", "run", io.Discard)
	load := configFlags(fs, runShortcuts)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return load()
}

func TestConfigPrecedence(t *testing.T) {
	file := "kafka:\n  topic: from-file\n  group: g-file\nclickhouse:\n  batch_rows: 100\n"
	c, err := loadConfig(t, map[string]string{"SOCWATCH_KAFKA_TOPIC": "from-env", "SOCWATCH_CLICKHOUSE_BATCH_ROWS": "200"},
		file, "--topic", "from-flag")
	if err != nil {
		t.Fatal(err)
	}
	if c.Kafka.Topic != "from-flag" || c.ClickHouse.BatchRows != 200 || c.Kafka.Group != "g-file" || c.MetricsAddr != "127.0.0.1:9464" {
		t.Fatalf("precedence flag > env > file > default broken: %+v", c)
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		env  map[string]string
		file string
		args []string
		want string
	}{
		{nil, "", []string{"--kafka-rekey", "sometimes"}, "kafka.rekey"},
		{nil, "", []string{"--clickhouse", "http://x"}, "clickhouse.dsn"},
		{map[string]string{"SOCWATCH_CLICKHOUSE_BATCH_ROWS": "lots"}, "", nil, "SOCWATCH_CLICKHOUSE_BATCH_ROWS"},
		{nil, "kafka:\n  topik: x\n", nil, "topik"},
		{nil, "", []string{"--kafka-sasl-mechanism", "SCRAM-SHA-256"}, "kafka.sasl"},
		{nil, "", []string{"--reload-interval", "soon"}, "reload_interval"},
		{nil, "", []string{"--kafka-sasl-password-file", "/nonexistent/pw"}, "kafka.sasl.password_file"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			_, err := loadConfig(t, tc.env, tc.file, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v %q %v: error %v does not name %q", tc.env, tc.file, tc.args, err, tc.want)
			}
		})
	}
}

func TestSecretsFromFileAndRedaction(t *testing.T) {
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("s3cret-pw\n"), 0o600)
	c, err := loadConfig(t, nil, "", "--clickhouse-password-file", pw, "--clickhouse", "clickhouse://socwatch@db:9000/aml")
	if err != nil {
		t.Fatal(err)
	}
	dsn := c.clickhouseDSN()
	if !strings.Contains(dsn, "s3cret-pw") {
		t.Fatalf("password not applied: %s", dsn)
	}
	if r := redactDSN(dsn); strings.Contains(r, "s3cret-pw") || !strings.Contains(r, "socwatch:***@db:9000") {
		t.Fatalf("redactDSN = %s", r)
	}
}

// keyOf answers every perspective of one record from one decode, and a
// record it cannot screen fails for every perspective.
func TestKeyOf(t *testing.T) {
	k := keyOf(nil, 1<<20)
	rec := []byte(`{"tx_id":"t","ts":"2026-03-02T09:00:00Z","amount":"10","currency":"EUR","debtor":{"account":"D1"},"creditor":{"account":"C1"}}`)
	for _, tc := range []struct{ p, want string }{{"debtor.account", "D1"}, {"creditor.account", "C1"}, {"debtor.account", "D1"}} {
		got, err := k(rec, tc.p)
		if err != nil || string(got) != tc.want {
			t.Fatalf("keyOf(%s) = %q, %v; want %s", tc.p, got, err, tc.want)
		}
	}
	bad := []byte(`{"tx_id":"t","ts":"2026-03-02T09:00:00Z","amount":"10","currency":"ZZZ","debtor":{"account":"D1"},"creditor":{"account":"C1"}}`)
	for _, p := range []string{"debtor.account", "creditor.account"} {
		if _, err := k(bad, p); err == nil {
			t.Fatalf("keyOf accepted an unscreenable record for %s", p)
		}
	}
	if got, err := k(rec, "creditor.account"); err != nil || string(got) != "C1" {
		t.Fatalf("after a bad record: %q, %v", got, err)
	}
}
