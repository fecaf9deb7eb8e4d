package main

import (
	"bytes"
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine/eventtime"
	"github.com/socwatch/socwatch/engine/screen"
)

// TestScreenConfigBounds: run's config keys and screen's flags parse to
// the same future bounds, 0 turns a bound off, and bad values name the key.
func TestScreenConfigBounds(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    screen.TimeBounds
		wantErr string
	}{
		{"defaults: 96h against the watermark, no wall clock", nil, nil, screen.TimeBounds{Ahead: eventtime.DefaultAhead}, ""},
		{"flags set both", []string{"--screen-future-bound", "168h", "--screen-wall-clock-bound", "24h"}, nil,
			screen.TimeBounds{Ahead: 168 * time.Hour, WallClock: 24 * time.Hour}, ""},
		{"not a duration", []string{"--screen-future-bound", "a week"}, nil, screen.TimeBounds{}, "screen-future-bound"},
		{"0 turns the watermark bound off", []string{"--screen-future-bound", "0"}, nil, screen.TimeBounds{Ahead: -1}, ""},
		{"negative is refused", []string{"--screen-wall-clock-bound", "-1h"}, nil, screen.TimeBounds{}, "config screen.wall_clock_bound"},
		{"env sets run's key", nil, map[string]string{"SOCWATCH_SCREEN_FUTURE_BOUND": "1h"}, screen.TimeBounds{Ahead: time.Hour}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			results := map[string]func() (screen.TimeBounds, error){
				// socwatch run's configuration (flags, env, file)
				"run": func() (screen.TimeBounds, error) {
					rfs := flag.NewFlagSet("run", flag.ContinueOnError)
					rfs.SetOutput(io.Discard)
					cfg, err := configFlags(rfs, runShortcuts, (*Config).Validate)(tt.args)
					if err != nil {
						return screen.TimeBounds{}, err
					}
					return cfg.Screen.timeBounds()
				},
			}
			if tt.env == nil { // screen reads flags only
				results["screen"] = func() (screen.TimeBounds, error) {
					fs := flag.NewFlagSet("screen", flag.ContinueOnError)
					fs.SetOutput(io.Discard)
					var sc ScreenConfig
					sc.RegisterFlags(fs)
					if err := fs.Parse(tt.args); err != nil {
						return screen.TimeBounds{}, err
					}
					return sc.timeBounds()
				}
			}
			for src, result := range results {
				got, err := result()
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("%s: err %v, want %q", src, err, tt.wantErr)
					}
					continue
				}
				if err != nil || got.Ahead != tt.want.Ahead || got.WallClock != tt.want.WallClock {
					t.Fatalf("%s: bounds %+v, err %v; want %+v", src, got, err, tt.want)
				}
			}
		})
	}
}

// TestRuleLimitsReachTheLoader: the rule_limits.* keys given to run or
// screen are the limits their pack load enforces (run loads the pack
// before it contacts Kafka or ClickHouse, so a refused pack fails first).
func TestRuleLimitsReachTheLoader(t *testing.T) {
	pack := filepath.Join(t.TempDir(), "pack.yaml")
	writeTestFile(t, pack, `rules:
  - id: NEST-001
    version: 1
    name: four brackets deep
    severity: low
    score: 1
    typology: threshold
    when: ((((amount > 1))))
`)
	input := filepath.Join(t.TempDir(), "empty.jsonl")
	writeTestFile(t, input, "")
	// Each command's arguments, and how it ends once the pack is loaded:
	// screen screens the empty input, run finds no ClickHouse.
	commands := map[string]struct {
		args   []string
		loaded func(error) bool
	}{
		"screen": {[]string{"screen", "--rules", pack, "--input", input, "--quiet"}, func(err error) bool { return err == nil }},
		"run": {[]string{"run", "--rules", pack, "--brokers", closedAddr(t), "--clickhouse", "clickhouse://default@" + closedAddr(t) + "/db",
			"--metrics-addr", "127.0.0.1:0"}, func(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "clickhouse ") }},
	}
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"nesting under the limit", []string{"--rule-limits-max-nesting", "4"}, ""},
		{"nesting over the limit", []string{"--rule-limits-max-nesting", "3"}, "nests deeper than 3 levels"},
		{"expression over the limit", []string{"--rule-limits-max-expr-bytes", "12"}, "exceeds the limit of 12"},
		{"rule file over the limit", []string{"--rule-limits-max-file-bytes", "100"}, "over the limit of 100"},
		{"zero is refused", []string{"--rule-limits-max-list-bytes", "0"}, "rule_limits.max_list_bytes"},
	}
	for name, cmd := range commands {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				var out, logs bytes.Buffer
				err := dispatch(append(append([]string{}, cmd.args...), tt.args...), &out, &logs)
				text := logs.String()
				if err != nil {
					text += err.Error()
				}
				if tt.wantErr == "" {
					if !cmd.loaded(err) {
						t.Fatalf("pack not loaded under the limits: %v\n%s", err, logs.String())
					}
					return
				}
				if err == nil || !strings.Contains(text, tt.wantErr) {
					t.Fatalf("err %v, output %q; want %q", err, logs.String(), tt.wantErr)
				}
			})
		}
	}
}
