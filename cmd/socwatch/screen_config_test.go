package main

import (
	"flag"
	"io"
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
					cfg, err := configFlags(rfs, runShortcuts)(tt.args)
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
