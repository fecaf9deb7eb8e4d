// Package ruletest runs rule fixtures, as `promtool test rules` does for
// Prometheus: a `*_test.yaml` beside a pack lists cases, each with
// transactions in (canonical JSON fields, in YAML) and the alerts expected
// out. A case fails on a missing alert, an unexpected one (for the rules it
// checks), or an explanation value that differs. Cases that must NOT alert
// are cases with no expected alerts.
package ruletest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/enrich"
	"github.com/socwatch/socwatch/engine/screen"
	"github.com/socwatch/socwatch/rules"
)

// File is one fixture file.
type File struct {
	Tests []Case `yaml:"tests"`
}

// Case is one test case.
type Case struct {
	Name string `yaml:"name"`
	// Rules limits the comparison to these rule ids; by default, the rules
	// of the pack file with the fixture's base name (x_test.yaml → x.yaml),
	// or every rule of the pack.
	Rules        []string         `yaml:"rules"`
	Transactions []map[string]any `yaml:"transactions"`
	Alerts       []Expected       `yaml:"alerts"`
	// Rejects is the number of transactions expected to be rejected.
	Rejects int `yaml:"rejects"`
	line    int
}

// Expected is one alert a case expects.
type Expected struct {
	TxID        string         `yaml:"tx_id"`
	RuleID      string         `yaml:"rule_id"`
	Explanation map[string]any `yaml:"explanation"`
}

// Result is the outcome of one case.
type Result struct {
	File, Name string
	Line       int
	Failures   []string
}

// OK reports whether the case passed.
func (r Result) OK() bool { return len(r.Failures) == 0 }

func (r Result) String() string {
	if r.OK() {
		return fmt.Sprintf("ok   %s:%d %s", r.File, r.Line, r.Name)
	}
	return fmt.Sprintf("FAIL %s:%d %s\n  %s", r.File, r.Line, r.Name, strings.Join(r.Failures, "\n  "))
}

// FindFixtures lists the *_test.yaml files under path.
func FindFixtures(path string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && rules.IsFixtureFile(p) {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// RunFile runs every case of one fixture file against the pack in its
// directory.
func RunFile(path string, opts rules.Options) ([]Result, error) {
	data, err := rules.ReadRuleFile(path, opts.Limits)
	if err != nil {
		return nil, fmt.Errorf("read fixture: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var f File
	if err := doc.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	caseLines(&doc, &f)
	dir := filepath.Dir(path)
	pack, err := rules.ParseLimits(dir, opts.Limits)
	if err != nil {
		return nil, fmt.Errorf("pack for %s: %w", path, err)
	}
	rs, err := rules.Compile(pack, opts)
	if err != nil {
		return nil, fmt.Errorf("pack for %s: %w", path, err)
	}
	defaults := defaultRules(path, pack)
	var results []Result
	for _, c := range f.Tests {
		results = append(results, runCase(path, c, rs, defaults))
	}
	return results, nil
}

func caseLines(doc *yaml.Node, f *File) {
	if len(doc.Content) == 0 {
		return
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "tests" {
			for j, n := range root.Content[i+1].Content {
				if j < len(f.Tests) {
					f.Tests[j].line = n.Line
				}
			}
		}
	}
}

func defaultRules(fixture string, pack *rules.Pack) []string {
	base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(fixture), ".yaml"), "_test")
	var ids []string
	for _, r := range pack.Rules {
		rb := strings.TrimSuffix(filepath.Base(r.File), filepath.Ext(r.File))
		if rb == base {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

type collect struct{ alerts []engine.Alert }

func (c *collect) Write(_ context.Context, a []engine.Alert, done engine.Done) {
	c.alerts = append(c.alerts, a...)
	done(nil)
}
func (c *collect) Close(context.Context) error { return nil }

type countRejects struct {
	n    int
	errs []string
}

func (c *countRejects) Reject(_ context.Context, recs []engine.Rejected, done engine.Done) {
	c.n += len(recs)
	for _, r := range recs {
		c.errs = append(c.errs, fmt.Sprintf("%s: %v", r.Record.Position, r.Err))
	}
	done(nil)
}

func runCase(file string, c Case, rs *engine.RuleSet, defaults []string) Result {
	res := Result{File: file, Name: c.Name, Line: c.line}
	fail := func(format string, args ...any) { res.Failures = append(res.Failures, fmt.Sprintf(format, args...)) }
	checked := c.Rules
	if len(checked) == 0 {
		checked = defaults
	}
	known := map[string]bool{}
	for _, r := range rs.Rules {
		known[r.ID] = true
	}
	check := map[string]bool{}
	for _, id := range checked {
		if !known[id] {
			fail("rules: unknown rule id %q", id)
		}
		check[id] = true
	}
	all := len(check) == 0
	for _, e := range c.Alerts {
		if !known[e.RuleID] {
			fail("alerts: unknown rule id %q", e.RuleID)
		}
		if !all && !check[e.RuleID] {
			check[e.RuleID] = true // an expected alert is always checked
		}
	}
	sink, rej := &collect{}, &countRejects{}
	p := &screen.Pipeline{
		Rules:      screen.NewRules(rs),
		NewDecoder: func() engine.Decoder { return &jsonl.Decoder{} },
		Enricher:   enrich.New(nil),
		Sink:       sink,
		DeadLetter: rej,
		// A fixture's few transactions, often months apart, are not a
		// feed: no future bound against the watermark.
		TimeBounds: screen.TimeBounds{Ahead: -1},
	}
	st := p.NewStream("fixture")
	defer st.Close()
	recs := make([]engine.Record, 0, len(c.Transactions))
	for i, t := range c.Transactions {
		b, err := json.Marshal(normalizeYAML(t))
		if err != nil {
			fail("transaction %d: %v", i+1, err)
			return res
		}
		recs = append(recs, engine.Record{Value: b, Position: fmt.Sprintf("transaction %d", i+1)})
	}
	var doneErr error
	st.Process(context.Background(), recs, func(err error) { doneErr = err })
	if doneErr != nil {
		fail("pipeline: %v", doneErr)
	}
	if rej.n != c.Rejects {
		fail("rejects: want %d, got %d %v", c.Rejects, rej.n, rej.errs)
	}
	got := map[string]*engine.Alert{}
	for i := range sink.alerts {
		a := &sink.alerts[i]
		if all || check[a.RuleID] {
			got[a.TxID+" "+a.RuleID] = a
		}
	}
	want := map[string]Expected{}
	for _, e := range c.Alerts {
		want[e.TxID+" "+e.RuleID] = e
	}
	for _, k := range sortedKeys(want) {
		a := got[k]
		if a == nil {
			fail("missing alert: %s", k)
			continue
		}
		e := want[k]
		for name, wv := range e.Explanation {
			gv, ok := a.Explanation[name]
			if !ok {
				fail("alert %s: explanation has no %q (has %v)", k, name, keys(a.Explanation))
				continue
			}
			if !sameValue(wv, gv) {
				fail("alert %s: explanation %s = %v, want %v", k, name, gv, wv)
			}
		}
	}
	for _, k := range sortedKeys(got) {
		if _, ok := want[k]; !ok {
			fail("unexpected alert: %s (explanation %v)", k, got[k].Explanation)
		}
	}
	return res
}

// normalizeYAML turns YAML-decoded maps into JSON-encodable ones.
func normalizeYAML(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			out[k] = normalizeYAML(v)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			out[fmt.Sprint(k)] = normalizeYAML(v)
		}
		return out
	case []any:
		for i := range x {
			x[i] = normalizeYAML(x[i])
		}
	}
	return v
}

func sameValue(want, got any) bool {
	wf, wok := toFloat(want)
	gf, gok := toFloat(got)
	if wok && gok {
		return math.Abs(wf-gf) <= 1e-6*math.Max(1, math.Abs(wf))
	}
	return fmt.Sprint(want) == fmt.Sprint(got)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func keys(m map[string]any) []string { return sortedKeys(m) }
