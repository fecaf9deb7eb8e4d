package main

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/internal/testenv"
)

// TestIntegrationDemoStopsWithConsole: `socwatch demo` against a real
// ClickHouse starts the analyst console and still stops cleanly when its
// duration ends (the console's close once blocked on the ClickHouse pool
// and then recursed, so the demo never exited).
func TestIntegrationDemoStopsWithConsole(t *testing.T) {
	testenv.Integration(t)
	dsn, err := url.Parse(testenv.ClickHouseDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	dsn.Path = "/socwatch_demo_console"
	var out, logs bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- dispatch([]string{"demo", "--clickhouse", dsn.String(), "--metrics-addr", "127.0.0.1:0",
			"--console-listen", "127.0.0.1:0", "--count", "2000", "--duration", "4s", "--rules", "../../rules/packs/aml-core"}, &out, &logs)
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo: %v\n%s", err, tailOf(logs.String()))
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("demo did not stop 56 s after its duration ended\n%s", out.String())
	}
	if !strings.Contains(out.String(), "analyst console: http://127.0.0.1:") {
		t.Fatalf("the demo did not start the console:\n%s", out.String())
	}
}
