package rules

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestLimitsFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    Limits
		wantErr string // a key Validate must name; "" = valid
	}{
		{"defaults are the loader's", nil, Limits{}.withDefaults(), ""},
		{"every key set", []string{"--rule-limits-max-file-bytes", "2048", "--rule-limits-max-list-bytes", "4096",
			"--rule-limits-read-timeout", "3s", "--rule-limits-max-expr-bytes", "512", "--rule-limits-max-nesting", "8"},
			Limits{MaxRuleFileBytes: 2048, MaxListBytes: 4096, ReadTimeout: 3 * time.Second, MaxExprBytes: 512, MaxNesting: 8}, ""},
		{"zero file size", []string{"--rule-limits-max-file-bytes", "0"}, Limits{}, "rule_limits.max_file_bytes"},
		{"negative list size", []string{"--rule-limits-max-list-bytes", "-1"}, Limits{}, "rule_limits.max_list_bytes"},
		{"zero timeout", []string{"--rule-limits-read-timeout", "0s"}, Limits{}, "rule_limits.read_timeout"},
		{"zero expression size", []string{"--rule-limits-max-expr-bytes", "0"}, Limits{}, "rule_limits.max_expr_bytes"},
		{"negative nesting", []string{"--rule-limits-max-nesting", "-3"}, Limits{}, "rule_limits.max_nesting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var l Limits
			l.RegisterFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			err := l.Validate()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Validate() = %v, want an error naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if l != tt.want {
				t.Errorf("limits %+v, want %+v", l, tt.want)
			}
		})
	}
}

// TestConfiguredLimitsApply: limits set through the flags are the ones a
// load enforces, not the defaults.
func TestConfiguredLimitsApply(t *testing.T) {
	pack := writePack(t, `rules:
  - id: R1
    version: 1
    name: nested
    severity: low
    score: 1
    typology: threshold
    when: ((((amount > 1))))
`)
	tests := []struct {
		args    []string
		wantErr string
	}{
		{nil, ""},
		{[]string{"--rule-limits-max-nesting", "3"}, "nests deeper than 3 levels"},
		{[]string{"--rule-limits-max-expr-bytes", "10"}, "exceeds the limit of 10"},
		{[]string{"--rule-limits-max-file-bytes", "64"}, "over the limit of 64"},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		var l Limits
		l.RegisterFlags(fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		_, err := Load(pack, Options{Limits: l})
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%v: Load error %v, want %q", tt.args, err, tt.wantErr)
		}
	}
}
