package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine"
)

func TestBehaviourAggregates(t *testing.T) {
	agg := func(name, by, flow, over, fn string) string {
		s := "  " + name + ":\n    by: " + by + "\n    over: " + over + "\n    fn: \"" + fn + "\"\n"
		if flow != "" {
			s += "    flow: " + flow + "\n"
		}
		return s
	}
	rule := "rules:\n  - {id: R1, version: 1, name: n, severity: high, score: 10, typology: fan_out, when: 'a >= 0'}\n"
	tests := []struct {
		name, decl string
		check      func(*engine.Aggregate) bool
		err        string
	}{
		{"new_distinct", agg("a", "debtor.account", "", "96h", "new_distinct(creditor.account, lookback: 90d)"),
			func(a *engine.Aggregate) bool { return a.Fn == engine.FnNewDistinct && a.Lookback == 90*24*time.Hour }, ""},
		{"hist_p95", agg("a", "account", "both", "180d", "hist_p95(amount_eur, recent: 24h)"),
			func(a *engine.Aggregate) bool { return a.Fn == engine.FnHistP95 && a.Recent == 24*time.Hour }, ""},
		{"hist_count without field", agg("a", "debtor.account", "", "90d", "hist_count(recent: 24h)"),
			func(a *engine.Aggregate) bool { return a.Fn == engine.FnHistCount && a.Field == nil }, ""},
		{"inflow_match origin same", agg("a", "account", "in", "96h", "inflow_match(amount_eur, tolerance: 0.1, origin: same)"),
			func(a *engine.Aggregate) bool { return a.Tolerance == 0.1 && a.SameOrigin }, ""},
		{"age", agg("a", "account", "both", "400d", "age"), func(a *engine.Aggregate) bool { return a.Fn == engine.FnAge }, ""},
		{"missing lookback", agg("a", "debtor.account", "", "96h", "new_distinct(creditor.account)"), nil, "needs lookback"},
		{"unknown parameter", agg("a", "debtor.account", "", "96h", "new_distinct(creditor.account, lookback: 90d, depth: 3)"), nil, "unknown parameter"},
		{"recent not shorter", agg("a", "debtor.account", "", "1d", "hist_max(amount_eur, recent: 2d)"), nil, "shorter than over"},
		{"bad tolerance", agg("a", "account", "in", "1d", "inflow_match(amount_eur, tolerance: 1.5)"), nil, "tolerance"},
		{"bad origin", agg("a", "account", "in", "1d", "inflow_match(amount_eur, tolerance: 0.1, origin: mine)"), nil, "origin"},
		{"inflow_match needs flow in", agg("a", "account", "out", "1d", "inflow_match(amount_eur, tolerance: 0.1)"), nil, "flow: in"},
		{"novelty of a number", agg("a", "debtor.account", "", "1d", "new_distinct(amount, lookback: 1d)"), nil, "string field"},
		{"field after a parameter", agg("a", "debtor.account", "", "1d", "hist_max(recent: 1h, amount)"), nil, "neither the field"},
		{"parameter twice", agg("a", "debtor.account", "", "1d", "hist_max(amount, recent: 1h, recent: 2h)"), nil, "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := Load(writePack(t, "aggregates:\n"+tt.decl+rule), Options{})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one mentioning %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(&rs.Aggregates[0]) {
				t.Errorf("compiled %+v", rs.Aggregates[0])
			}
		})
	}
}

// FuzzParseAggCall: no input panics, and what parses names a function and
// parameters that print back to an equivalent call.
func FuzzParseAggCall(f *testing.F) {
	for _, s := range []string{"count", "sum(amount_eur)", "new_distinct(creditor.account, lookback: 90d)",
		"inflow_match(amount_eur, tolerance: 0.1, origin: same)", "hist_count(recent: 24h)", "x(,)", "f(a,b:)", "(("} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseAggCall(s)
		if err != nil {
			return
		}
		if c.name == "" {
			t.Fatalf("%q parsed without a name", s)
		}
		parts := []string{}
		if c.field != "" {
			parts = append(parts, c.field)
		}
		for k, v := range c.params {
			parts = append(parts, k+": "+v)
		}
		text := c.name
		if len(parts) > 0 {
			text += "(" + strings.Join(parts, ", ") + ")"
		}
		again, err := parseAggCall(text)
		if err != nil || again.name != c.name || again.field != c.field || len(again.params) != len(c.params) {
			t.Fatalf("%q → %+v → %q → %+v, %v", s, c, text, again, err)
		}
	})
}
