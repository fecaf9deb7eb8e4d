package main

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/socwatch/socwatch/console"
	"github.com/socwatch/socwatch/console/goaml"
	"github.com/socwatch/socwatch/console/users"
)

// startDemoConsole serves the analyst console over the demo's ClickHouse
// database, with two throwaway users (an analyst and a supervisor) whose
// passwords are generated now and printed: the demo's users file lives in
// a temporary directory removed by the returned cleanup. Its gauges go
// to reg, the demo's /metrics.
func startDemoConsole(ctx context.Context, cfg Config, reg prometheus.Registerer, stdout io.Writer, log *slog.Logger) (stop func(), err error) {
	dir, err := os.MkdirTemp("", "socwatch-demo-console-")
	if err != nil {
		return nil, fmt.Errorf("demo console: %w", err)
	}
	cleanup := func() { os.RemoveAll(dir) }
	var f users.File
	logins := map[string]string{}
	for _, u := range []struct{ name, role string }{{"analyst", users.Analyst}, {"supervisor", users.Supervisor}} {
		var b [10]byte
		if _, err := rand.Read(b[:]); err != nil {
			cleanup()
			return nil, fmt.Errorf("demo console password: %w", err)
		}
		pw := strings.ToLower(base32.StdEncoding.EncodeToString(b[:]))
		if err := f.Set(u.name, u.role, pw, 0); err != nil {
			cleanup()
			return nil, err
		}
		logins[u.name] = pw
	}
	path := filepath.Join(dir, "users.json")
	if err := f.Save(path); err != nil {
		cleanup()
		return nil, err
	}
	mapping := filepath.Join(dir, "goaml-mapping.yaml")
	if err := os.WriteFile(mapping, goaml.ExampleYAML(), 0o600); err != nil {
		cleanup()
		return nil, fmt.Errorf("demo console: %w", err)
	}
	ccfg := console.Config{ClickHouse: cfg.clickhouseDSN(), Listen: cfg.Console.Listen, Users: path, Rules: cfg.Rules,
		GoAML: mapping, SessionTTL: 8 * time.Hour, Metrics: reg}
	r, err := console.Start(ctx, ccfg, log)
	if err != nil {
		cleanup()
		return nil, err
	}
	fmt.Fprintf(stdout, "analyst console: %s   login: analyst / %s   (supervisor / %s may close as true positive and export goAML)\n",
		r.URL, logins["analyst"], logins["supervisor"])
	return func() { r.Close(); cleanup() }, nil
}
