package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestTLSAndSCRAM (issue 6, item 9): `socwatch run` reaches the real broker
// over TLS (SASL_SSL listener, certificate checked against the test CA)
// with SCRAM-SHA-512, the password from a file; alerts equal the batch run
// and the password appears in no log line and no metric.
func TestTLSAndSCRAM(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 2000, 2)
	f.produce(t, 0, len(f.records))
	ca := filepath.Join("..", "..", ".scratch", "kafka", "tls", "ca.pem")
	if s := os.Getenv("SOCWATCH_SCRATCH"); s != "" {
		ca = filepath.Join(s, "kafka", "tls", "ca.pem")
	}
	if _, err := os.Stat(ca); err != nil {
		t.Fatalf("test CA %s missing (deploy/local/kafka.sh up creates it with the SASL_SSL listener on 9095): %v", ca, err)
	}
	password := os.Getenv("SOCWATCH_TEST_SASL_PASSWORD")
	if password == "" {
		password = "socwatch-secret"
	}
	pwFile := filepath.Join(t.TempDir(), "sasl-password")
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append(runArgs(f), "--brokers", "127.0.0.1:9095",
		"--kafka-tls-enabled", "--kafka-tls-ca-file", ca,
		"--kafka-sasl-mechanism", "SCRAM-SHA-512", "--kafka-sasl-user", "socwatch",
		"--kafka-sasl-password-file", pwFile, "--log-level", "debug")
	c := startRun(t, nil, args...)
	f.waitDone(t, c, 2*time.Minute)
	m := c.scrape()
	if err := c.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("socwatch did not stop cleanly: %v", err)
	}
	checkReconciled(t, "run", screenCounts(m, f))
	diffKeys(t, streamAlerts(t, f.dsn), batchAlerts(t, f.records))
	if strings.Contains(c.log.String(), password) {
		t.Errorf("the SASL password appears in the log")
	}
	for k := range m {
		if strings.Contains(k, password) {
			t.Errorf("the SASL password appears in /metrics: %s", k)
		}
	}
	t.Logf("TLS (CA-verified) + SCRAM-SHA-512 on 127.0.0.1:9095: %s; password in neither log (%d bytes, debug) nor /metrics",
		screenCounts(m, f), len(c.log.String()))
}
