package rules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socwatch/socwatch/engine"
)

const goodPack = `
lists:
  risky: {values: [KP, IR]}
aggregates:
  near_48h:
    by: debtor.account
    over: 48h
    fn: count
    where: amount_eur >= 9000 && amount_eur < 15000
  senders_24h:
    by: creditor.account
    over: 24h
    fn: distinct(debtor.account)
  inflow_24h:
    by: account
    flow: in
    over: 24h
    fn: sum(amount_eur)
rules:
  - id: R-STRUCT
    version: 2
    name: structuring
    severity: high
    score: 70
    typology: structuring
    when: near_48h >= 3
  - id: R-FANIN
    version: 1
    name: fan in
    severity: medium
    score: 50
    typology: fan_in
    when: senders_24h >= 5
  - id: R-PASS
    version: 1
    name: pass through
    severity: high
    score: 60
    typology: pass_through
    when: inflow_24h > 10000 && amount_eur > 0.8 * inflow_24h
  - id: R-HRJ
    version: 1
    name: risky country
    severity: high
    score: 60
    typology: high_risk_jurisdiction
    mode: shadow
    when: in_list(creditor.country, "risky") && amount_eur > 100
`

func writePack(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "pack.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCompileGoodPack(t *testing.T) {
	rs, err := Load(writePack(t, goodPack), Options{})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if len(rs.Rules) != 4 || len(rs.Aggregates) != 3 {
		t.Fatalf("got %d rules, %d aggregates", len(rs.Rules), len(rs.Aggregates))
	}
	persp := map[string]string{}
	for _, r := range rs.Rules {
		persp[r.ID] = r.Perspective
	}
	want := map[string]string{
		"R-STRUCT": engine.PerspectiveDebtor, "R-FANIN": engine.PerspectiveCreditor,
		"R-PASS": engine.PerspectiveDebtor, "R-HRJ": engine.PerspectiveDebtor,
	}
	for id, p := range want {
		if persp[id] != p {
			t.Errorf("%s perspective = %q, want %q", id, persp[id], p)
		}
	}
	if strings.Join(rs.Perspectives, ",") != "debtor.account,creditor.account" {
		t.Errorf("perspectives = %v", rs.Perspectives)
	}
	// Explanation reads: aggregates and fields each rule reads.
	var pass *engine.Rule
	for i := range rs.Rules {
		if rs.Rules[i].ID == "R-PASS" {
			pass = &rs.Rules[i]
		}
	}
	var names []string
	for _, rd := range pass.Reads {
		names = append(names, rd.Name)
	}
	if got := strings.Join(names, ","); got != "inflow_24h,amount_eur" {
		t.Errorf("R-PASS reads %s, want inflow_24h,amount_eur", got)
	}
	if rs.Rules[3].Mode != "shadow" || rs.Rules[0].Mode != "active" {
		t.Errorf("modes: %s %s", rs.Rules[0].Mode, rs.Rules[3].Mode)
	}
}

func TestCompileErrors(t *testing.T) {
	rule := func(extra string) string {
		return "rules:\n  - id: R1\n    version: 1\n    name: n\n    severity: high\n    score: 10\n    typology: threshold\n" + extra
	}
	tests := []struct {
		name, pack string
		line       int
		want       string
	}{
		{"non-boolean when", rule("    when: amount_eur + 1\n"), 8, "expected bool"},
		{"unknown aggregate", rule("    when: nope_24h > 3\n"), 8, "unknown name nope_24h"},
		{"unknown list", rule("    when: in_list(debtor.country, \"nolist\")\n"), 8, "unknown list"},
		{"internal memo function", rule("    when: memo_bool__($env, 0, debtor.name)\n"), 8, "memo_bool__ is internal"},
		{"list name not literal", "lists:\n  l: {values: [a]}\n" + rule("    when: in_list(debtor.country, debtor.name)\n"), 10, "string literal"},
		{"bad severity", strings.Replace(rule("    when: true\n"), "high", "urgent", 1), 2, "severity"},
		{"bad typology", strings.Replace(rule("    when: true\n"), "threshold", "magic", 1), 2, "typology"},
		{"duplicate id", rule("    when: true\n") + "  - id: R1\n    version: 1\n    name: n\n    severity: high\n    score: 1\n    typology: threshold\n    when: true\n", 9, "duplicate rule id"},
		{"unknown key", rule("    when: true\n    treshold: 3\n"), 9, `unknown key "treshold"`},
		{"missing version", strings.Replace(rule("    when: true\n"), "    version: 1\n", "", 1), 2, "version"},
		{"bad score", strings.Replace(rule("    when: true\n"), "score: 10", "score: 101", 1), 2, "score"},
		{"cross-partition rule", "aggregates:\n  a: {by: debtor.account, over: 1h, fn: count}\n  b: {by: creditor.account, over: 1h, fn: count}\n" + rule("    when: a > 1 && b > 1\n"), 5, "different partitions"},
		{"bad fn", "aggregates:\n  a: {by: debtor.account, over: 1h, fn: median(amount)}\n" + rule("    when: a > 1\n"), 2, "fn"},
		{"sum of string", "aggregates:\n  a: {by: debtor.account, over: 1h, fn: sum(currency)}\n" + rule("    when: a > 1\n"), 2, "number field"},
		{"bad by", "aggregates:\n  a: {by: amount, over: 1h, fn: count}\n" + rule("    when: a > 1\n"), 2, "not a string field"},
		{"flow needs account", "aggregates:\n  a: {by: debtor.account, flow: in, over: 1h, fn: count}\n" + rule("    when: a > 1\n"), 2, "flow"},
		{"bad over", "aggregates:\n  a: {by: debtor.account, over: soon, fn: count}\n" + rule("    when: a > 1\n"), 2, "over"},
		{"where reads aggregate", "aggregates:\n  a: {by: debtor.account, over: 1h, fn: count}\n  b: {by: debtor.account, over: 1h, fn: count, where: a > 1}\n" + rule("    when: b > 1\n"), 3, "unknown name a"},
		{"huge literal list", rule("    when: debtor.country in [" + strings.Repeat(`"XX",`, 300) + `"YY"]` + "\n"), 8, "exceeds the limit"},
		{"now is disabled", rule("    when: now().Year() > 2000\n"), 8, "now"},
		{"yaml syntax", "rules:\n  - id: x\n\tbad\n", 2, "yaml"},
		{"no rules", "lists:\n  l: {values: [a]}\n", 0, "no rules"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writePack(t, tc.pack)
			_, err := Load(path, Options{})
			if err == nil {
				t.Fatalf("loaded a broken pack")
			}
			var probs Problems
			if !errors.As(err, &probs) {
				t.Fatalf("error %v is not Problems", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not mention %q", msg, tc.want)
			}
			if probs[0].Line != tc.line {
				t.Errorf("line = %d, want %d (%s)", probs[0].Line, tc.line, msg)
			}
			if !strings.HasPrefix(msg, path) {
				t.Errorf("error %q does not start with the file path", msg)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]string{"48h": "48h0m0s", "7d": "168h0m0s", "1.5d": "36h0m0s", "90m": "1h30m0s"} {
		d, err := ParseDuration(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	if _, err := ParseDuration("soon"); err == nil {
		t.Error("ParseDuration(soon) accepted")
	}
}

func TestIsRound(t *testing.T) {
	tests := []struct {
		amount, step float64
		want         bool
	}{
		{5000, 1000, true}, {5000.01, 1000, false}, {0, 1000, false}, {123000, 1000, true},
		{999.999999, 1000, false}, {1e12, 1000, true}, {5000, 0, false},
	}
	for _, tc := range tests {
		if got := IsRound(tc.amount, tc.step); got != tc.want {
			t.Errorf("IsRound(%v,%v) = %v", tc.amount, tc.step, got)
		}
	}
}

// FuzzLoad feeds arbitrary pack text to the loader: it must return a pack
// or errors, never panic, and every error must carry the file name.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(goodPack))
	f.Add([]byte("rules:\n  - id: x\n    when: 1 +\n"))
	f.Add([]byte("aggregates: {a: {by: debtor.account, over: 1d, fn: count}}\nrules: [{id: r, version: 1, name: n, severity: low, score: 1, typology: velocity, when: a > 1}]"))
	f.Add([]byte("lists: [1,2]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseBytes("fuzz.yaml", data)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error without file: %v", err)
			}
			return
		}
		// Lists from files are not fuzzed (no file system access).
		for _, l := range p.Lists {
			l.File = ""
			if l.Values == nil {
				l.Values = []string{"x"}
			}
		}
		rs, err := Compile(p, Options{})
		if err == nil && len(rs.Rules) == 0 {
			t.Fatal("compiled a pack with no rules")
		}
	})
}

// TestTraceExplanation: a rule that reads any trace field explains its
// alert with the path and with trace.hops, read or not (a reader numbers
// the listed hops from it); a rule that reads none adds neither.
func TestTraceExplanation(t *testing.T) {
	tests := []struct {
		when string
		want []string // extra explanation keys, in order
	}{
		{"trace.cycle && amount_eur > 100", []string{engine.TracePathKey, "trace.hops"}},
		{"trace.hops >= 3", []string{engine.TracePathKey}}, // trace.hops is a read
		{"amount_eur > 100", nil},
	}
	for _, tc := range tests {
		rs, err := Load(writePack(t, "rules:\n  - {id: R, version: 1, name: r, severity: high, score: 1, typology: round_trip, when: \""+tc.when+"\"}\n"), Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.when, err)
		}
		tx := engine.Tx{TxID: "t", AmountEURF: 500, Debtor: engine.Party{Account: "B"}, Creditor: engine.Party{Account: "C"},
			Trace: engine.Trace{Hops: 11, Cycle: true, Path: []engine.Hop{{TxID: "p", Debtor: "A", Creditor: "B"}}}}
		env := engine.Env{Tx: tx}
		var keys []string
		for _, x := range rs.Rules[0].Extra {
			k, v := x(&env)
			keys = append(keys, k)
			switch k {
			case "trace.hops":
				if v != 11 {
					t.Errorf("%s: trace.hops %v, want 11", tc.when, v)
				}
			case engine.TracePathKey:
				if p, _ := v.([]engine.Hop); len(p) != 2 {
					t.Errorf("%s: path %v, want 2 transfers", tc.when, v)
				}
			}
		}
		if strings.Join(keys, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: extra explanation %v, want %v", tc.when, keys, tc.want)
		}
	}
}

// TestNameMatchExplanation: a rule that calls name_match explains each call
// with the list's spelling of the name it matched, or false, so the alert
// says which party is listed and as what.
func TestNameMatchExplanation(t *testing.T) {
	pack := "lists:\n  wl: {kind: names, values: [\"CABELLO RONDON, Jose David\", \"Jan Kowalski\"]}\n" +
		"rules:\n  - {id: R, version: 1, name: r, severity: high, score: 1, typology: sanctions, " +
		"when: 'name_match(debtor.name, \"wl\") || name_match(creditor.name, \"wl\")'}\n"
	rs, err := Load(writePack(t, pack), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		debtor, creditor string
		want             map[string]any
	}{
		{"Jose David CABELLO RONDON", "Ola Nordmann", map[string]any{
			"name_match(debtor.name, wl)": "CABELLO RONDON, Jose David", "name_match(creditor.name, wl)": false}},
		{"Kari Nordmann", "KOWALSKI  Jan", map[string]any{
			"name_match(debtor.name, wl)": false, "name_match(creditor.name, wl)": "Jan Kowalski"}},
	}
	for _, tc := range tests {
		env := engine.Env{Tx: engine.Tx{TxID: "t", Debtor: engine.Party{Account: "B", Name: tc.debtor}, Creditor: engine.Party{Account: "C", Name: tc.creditor}}}
		got := map[string]any{}
		for _, x := range rs.Rules[0].Extra {
			k, v := x(&env)
			got[k] = v
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s → %s: explanation %v, want %v", tc.debtor, tc.creditor, got, tc.want)
		}
	}
}
