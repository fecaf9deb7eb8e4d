package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/internal/testenv"
)

// TestSecretsNeverLogged (issue 6, item 9): socwatch runs against the
// broker's SASL_PLAINTEXT listener with SCRAM-SHA-256, the password coming
// from the environment; the feed is screened end to end, and neither the
// SASL password nor a configured ClickHouse password appears in the logs,
// /metrics or /readyz. The ClickHouse password is checked on a second start
// that the server refuses (its default user has no password), since that
// error path is where a DSN with credentials is most likely to be printed.
func TestSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	start := time.Now()
	if def := defaultConfig().MetricsAddr; !strings.HasPrefix(def, "127.0.0.1:") {
		t.Errorf("default metrics address %q is not loopback", def)
	}
	f := newFixture(t, 1500, 2)
	creds := testenv.KafkaSASL(t)
	f.produce(t, 0, len(f.records))
	env := []string{"SOCWATCH_KAFKA_SASL_PASSWORD=" + creds.Password}
	args := append(runArgs(f), "--brokers", creds.Addr, "--kafka-sasl-mechanism", "SCRAM-SHA-256",
		"--kafka-sasl-user", creds.User, "--log-level", "debug")
	c := startRun(t, env, args...)
	f.waitDone(t, c, 2*time.Minute)
	metrics := httpBody(t, "http://"+c.metrics+"/metrics")
	readyz := httpBody(t, "http://"+c.metrics+"/readyz")
	cnt := screenCounts(c.scrape(), f)
	if err := c.stop(sigterm); err != nil {
		t.Errorf("SIGTERM: %v", err)
	}
	checkReconciled(t, "SASL run", cnt)
	diffKeys(t, streamAlerts(t, f.dsn), batchAlerts(t, f.records))
	for where, text := range map[string]string{"log": c.log.String(), "/metrics": metrics, "/readyz": readyz} {
		if strings.Contains(text, creds.Password) {
			t.Errorf("the SASL password appears in %s", where)
		}
	}

	// A ClickHouse password the server refuses: the start fails, and the
	// error and logs must not show the password.
	chPassword := fmt.Sprintf("ch-secret-%d", rand.Int64())
	bad := startRun(t, []string{"SOCWATCH_CLICKHOUSE_PASSWORD=" + chPassword}, runArgs(f)...)
	var exitErr error
	select {
	case exitErr = <-bad.exited:
	case <-time.After(60 * time.Second):
		t.Fatalf("socwatch with a wrong ClickHouse password still running after 60 s")
	}
	badLog := bad.log.String()
	if exitErr == nil {
		t.Errorf("socwatch started although ClickHouse refuses the password")
	}
	if strings.Contains(badLog, chPassword) {
		t.Errorf("the ClickHouse password appears in the log:\n%s", testenv.Tail(badLog, 10))
	}
	t.Logf("injected: SASL/SCRAM-SHA-256 on %s with the password from SOCWATCH_KAFKA_SASL_PASSWORD; a wrong ClickHouse password from SOCWATCH_CLICKHOUSE_PASSWORD",
		creds.Addr)
	t.Logf("checked: %s; alerts = batch; SASL password absent from %d bytes of log, /metrics and /readyz; ClickHouse password absent from the refused start's log (%q); took %s",
		cnt, len(c.log.String()), lastLine(badLog), time.Since(start).Round(time.Second))
}

func httpBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return string(b)
}

// lastLine returns the last non-empty line of s, cut to 200 bytes.
func lastLine(s string) string {
	l := strings.TrimSpace(s)
	if i := strings.LastIndexByte(l, '\n'); i >= 0 {
		l = l[i+1:]
	}
	if len(l) > 200 {
		l = l[:200]
	}
	return l
}
