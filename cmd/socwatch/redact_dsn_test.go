package main

import (
	"bytes"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// dsnForms are the ways a ClickHouse password can be written into a DSN
// (issue 15 item 6); host is an address nothing answers on.
func dsnForms(host string) []struct{ name, dsn, secret string } {
	return []struct{ name, dsn, secret string }{
		{"user:pass@", "clickhouse://default:Pw-userinfo-1@" + host + "/db", "Pw-userinfo-1"},
		{"query password", "clickhouse://" + host + "/db?username=default&password=Pw-query-2", "Pw-query-2"},
		{"query PASS upper case", "clickhouse://" + host + "/db?PASS=Pw-query-3", "Pw-query-3"},
		{"query secret", "clickhouse://" + host + "/db?secret=Pw-query-4", "Pw-query-4"},
		{"query token", "clickhouse://" + host + "/db?Token=Pw-query-5", "Pw-query-5"},
		{"url-encoded query value", "clickhouse://" + host + "/db?password=Pw%2Dquery%2D6", "Pw-query-6"},
		{"url-encoded userinfo", "clickhouse://default:Pw%40enc-7@" + host + "/db", "Pw@enc-7"},
		{"dsn that does not parse", "clickhouse://default:Pw-unparsed-8@127.0.0.1:port/db?password=Pw-unparsed-9", "Pw-unparsed-"},
	}
}

// TestRunNeverPrintsDSNSecrets starts `run` with each DSN form against a
// ClickHouse that does not answer: the start fails, and neither the error
// nor any log line holds the password (written or URL-decoded).
func TestRunNeverPrintsDSNSecrets(t *testing.T) {
	pack, err := filepath.Abs("../../rules/packs/aml-core")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range dsnForms(closedAddr(t)) {
		t.Run(tc.name, func(t *testing.T) {
			var out, logs bytes.Buffer
			err := dispatch([]string{"run", "--clickhouse", tc.dsn, "--rules", pack, "--metrics-addr", "127.0.0.1:0",
				"--brokers", closedAddr(t), "--log-level", "debug"}, &out, &logs)
			if err == nil {
				t.Fatal("run started against a ClickHouse that does not answer")
			}
			text := out.String() + logs.String() + err.Error()
			if strings.Contains(text, tc.secret) || strings.Contains(text, strings.ReplaceAll(tc.secret, "-", "%2D")) {
				t.Errorf("password printed:\n%s", text)
			}
			if !strings.Contains(err.Error(), "clickhouse") {
				t.Errorf("error does not say what failed: %v", err)
			}
		})
	}
}

// TestDemoNeverPrintsDSNSecrets covers the lines a running instance logs
// (start-up, sink description with the ClickHouse error): the demo falls
// back to a file and runs for a moment with each DSN form that parses.
func TestDemoNeverPrintsDSNSecrets(t *testing.T) {
	pack, err := filepath.Abs("../../rules/packs/aml-core")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range dsnForms(closedAddr(t))[:7] {
		t.Run(tc.name, func(t *testing.T) {
			var out, logs bytes.Buffer
			err := dispatch([]string{"demo", "--clickhouse", tc.dsn, "--rules", pack, "--metrics-addr", "127.0.0.1:0",
				"--count", "200", "--duration", "1500ms", "--log-level", "debug",
				"--alerts", filepath.Join(t.TempDir(), "alerts.jsonl")}, &out, &logs)
			if err != nil {
				t.Fatalf("demo: %v\n%s", err, logs.String())
			}
			text := out.String() + logs.String()
			if !strings.Contains(text, "ClickHouse not reachable at") {
				t.Fatalf("the demo did not report its sink; the log path was not exercised:\n%s", text)
			}
			if strings.Contains(text, tc.secret) {
				t.Errorf("password printed:\n%s", text)
			}
		})
	}
}
