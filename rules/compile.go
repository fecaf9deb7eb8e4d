package rules

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/fx"
	"github.com/socwatch/socwatch/engine/sanctions"
)

// Typologies is the fixed typology vocabulary shared by alerts and
// dashboards.
var Typologies = []string{
	"threshold", "structuring", "velocity", "fan_in", "fan_out", "pass_through",
	"high_risk_jurisdiction", "round_amount", "dormant_reactivation", "sanctions",
	"cash_intensive", "corridor", "layering_chain", "round_trip",
}

// Severities is the severity vocabulary.
var Severities = []string{"low", "medium", "high", "critical"}

// Options tune compilation. The zero value is ready to use.
type Options struct {
	// FX is the rate table behind the fx() function (default fx.Default()).
	FX *fx.Table
	// MaxNodes caps the size of one expression (default 500 nodes), so a
	// rule cannot make evaluation arbitrarily expensive.
	MaxNodes uint
	// MaxLiteralList caps array literals in expressions (default 200
	// elements); longer lists belong in a list file, looked up in O(1).
	MaxLiteralList int
	// DefaultLateness applies when the pack sets none (default 1h).
	DefaultLateness time.Duration
	// Limits bound file sizes, read time and expression nesting.
	Limits Limits
	// NoCallMemo compiles list-function calls as plain calls instead of
	// once-per-record memoised ones (memoCalls); for comparisons.
	NoCallMemo bool
}

func (o *Options) defaults() {
	if o.FX == nil {
		o.FX = fx.Default()
	}
	if o.MaxNodes == 0 {
		o.MaxNodes = 500
	}
	if o.MaxLiteralList == 0 {
		o.MaxLiteralList = 200
	}
	if o.DefaultLateness == 0 {
		o.DefaultLateness = time.Hour
	}
}

// Load parses and compiles the pack at path (a directory or one file).
func Load(path string, opts Options) (*engine.RuleSet, error) {
	c, err := LoadCompiled(path, opts)
	if err != nil {
		return nil, err
	}
	return c.Rules, nil
}

// Compiled is a compiled pack with the matchers of its sanctions lists
// (kind sanctions) by list name, what its sanctions_score calls score
// against: a reader of its alerts (the console) scores a name with them
// as the rule did. engine.RuleSet does not hold them: engine/sanctions'
// tests import engine.
type Compiled struct {
	Rules     *engine.RuleSet
	Sanctions map[string]*sanctions.Matcher
}

// LoadCompiled is Load with the pack's sanctions matchers.
func LoadCompiled(path string, opts Options) (*Compiled, error) {
	p, err := ParseLimits(path, opts.Limits)
	if err != nil {
		return nil, err
	}
	return compile(p, opts)
}

var identRe = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// reserved are names an aggregate or list may not take: they would shadow
// a field or a function in expressions.
var reserved = map[string]bool{
	"debtor": true, "creditor": true, "in_list": true, "name_match": true, "is_round": true,
	"iban_country": true, "fx": true, engine.AggIdent: true,
}

// Compile type-checks and compiles a parsed pack. It returns every problem
// found, each with file:line, or a RuleSet ready to run.
func Compile(p *Pack, opts Options) (*engine.RuleSet, error) {
	c, err := compile(p, opts)
	if err != nil {
		return nil, err
	}
	return c.Rules, nil
}

// compile is Compile with the pack's sanctions matchers.
func compile(p *Pack, opts Options) (*Compiled, error) {
	opts.defaults()
	var probs Problems
	rs := &engine.RuleSet{Lateness: opts.DefaultLateness}
	if p.Settings.Lateness != "" {
		d, err := ParseDuration(p.Settings.Lateness)
		if err != nil || d < 0 {
			probs.add(p.Files[0], 0, "settings", "lateness %q: want a duration such as 1h or 2d", p.Settings.Lateness)
		} else {
			rs.Lateness = d
		}
	}

	// Lists.
	lists := map[string]*List{}
	for _, d := range p.Lists {
		what := "list " + d.Name
		if !identRe.MatchString(d.Name) || reserved[d.Name] {
			probs.add(d.File0(), d.Line, what, "name must be lower_snake_case and not a field or function name")
			continue
		}
		if lists[d.Name] != nil {
			probs.add(d.File0(), d.Line, what, "declared twice")
			continue
		}
		l, err := loadList(d, opts.Limits)
		if err != nil {
			probs.add(d.File0(), d.Line, what, "%v", err)
			continue
		}
		lists[d.Name] = l
	}

	base := []expr.Option{
		// The type by value: expr compiles reads of a struct env's fields to
		// indexed loads (OpLoadField); with a pointer type every read went
		// through runtime.Fetch (method look-up by name, a sync.Map, then
		// the field). Programs still run on *engine.Env.
		expr.Env(engine.Env{}),
		expr.MaxNodes(opts.MaxNodes),
		// Alerts must not depend on when a record is screened.
		expr.DisableBuiltin("now"),
	}
	sites := newCallSites(lists)
	base = append(base, functions(lists, opts.FX, sites)...)

	// Aggregates.
	aggIndex := map[string]int{}
	for _, d := range p.Aggregates {
		what := "aggregate " + d.Name
		a, err := compileAggregate(d, base, lists, sites, opts)
		if err != nil {
			probs.add(d.File, d.Line, what, "%v", err)
			continue
		}
		if _, dup := aggIndex[d.Name]; dup {
			probs.add(d.File, d.Line, what, "declared twice")
			continue
		}
		aggIndex[d.Name] = len(rs.Aggregates)
		rs.Aggregates = append(rs.Aggregates, *a)
	}

	// Rules.
	ids := map[string]bool{}
	for _, d := range p.Rules {
		what := "rule " + d.ID
		if d.ID == "" {
			probs.add(d.File, d.Line, "rule", "id is required")
			continue
		}
		if ids[d.ID] {
			probs.add(d.File, d.Line, what, "duplicate rule id")
			continue
		}
		ids[d.ID] = true
		r, line, err := compileRule(d, rs, aggIndex, base, lists, sites, opts)
		if err != nil {
			probs.add(d.File, line, what, "%v", err)
			continue
		}
		rs.Rules = append(rs.Rules, *r)
	}
	if len(p.Rules) == 0 && len(probs) == 0 {
		probs.add(p.Files[0], 0, "", "pack has no rules")
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	rs.Perspectives = perspectives(rs)
	for i := range rs.Rules {
		rs.Traced = rs.Traced || rs.Rules[i].ReadsTrace
	}
	for i := range rs.Aggregates {
		a := &rs.Aggregates[i]
		rs.Traced = rs.Traced || a.ReadsTrace || a.Field != nil && isTraceField(a.Field.Path)
	}
	rs.Hash = p.hash(lists)
	c := &Compiled{Rules: rs, Sanctions: map[string]*sanctions.Matcher{}}
	for name, l := range lists {
		if l.Matcher != nil {
			c.Sanctions[name] = l.Matcher
		}
	}
	return c, nil
}

func compileAggregate(d *AggregateDecl, base []expr.Option, lists map[string]*List, sites *callSites, opts Options) (*engine.Aggregate, error) {
	if !identRe.MatchString(d.Name) || reserved[d.Name] || engine.Fields[d.Name] != nil {
		return nil, fmt.Errorf("name must be lower_snake_case and not a field or function name")
	}
	if lists[d.Name] != nil {
		return nil, fmt.Errorf("name is already a list")
	}
	a := &engine.Aggregate{Name: d.Name, By: d.By}
	switch {
	case d.By == "":
		return nil, fmt.Errorf("by is required (debtor.account, creditor.account, account, or another field path)")
	case d.By == engine.KeyAccount:
	case engine.Fields[d.By] == nil || engine.Fields[d.By].Kind != engine.KindString:
		return nil, fmt.Errorf("by: %q is not a string field path (known: %s)", d.By, strings.Join(engine.FieldPaths(), ", "))
	case isTraceField(d.By):
		return nil, fmt.Errorf("by: %q is set by the flow tracer after the re-key stage has keyed the copies; key by an account", d.By)
	}
	switch d.Flow {
	case "", "both":
		a.Flow = engine.FlowBoth
	case "in":
		a.Flow = engine.FlowIn
	case "out":
		a.Flow = engine.FlowOut
	default:
		return nil, fmt.Errorf("flow %q: want in, out or both", d.Flow)
	}
	if d.Flow != "" && d.By != engine.KeyAccount {
		return nil, fmt.Errorf("flow applies only to by: account (the perspective account)")
	}
	over, err := ParseDuration(d.Over)
	if err != nil || over <= 0 {
		return nil, fmt.Errorf("over %q: want a positive duration such as 48h or 7d", d.Over)
	}
	a.Over = over
	if err := applyAggFn(a, d.Fn, d.Flow); err != nil {
		return nil, err
	}
	if d.Where != "" {
		reads := &readCollector{fields: map[string]bool{}, aggs: map[int]bool{}}
		prog, err := compileBool(d.Where, base, opts, lists, sites, reads)
		if err != nil {
			return nil, fmt.Errorf("where: %v", err)
		}
		for f := range reads.fields {
			a.ReadsTrace = a.ReadsTrace || isTraceField(f)
		}
		a.Where = prog
		a.WhereGuards = guards(d.Where, nil, sites)
		a.WhereNative = native(d.Where, nil, sites)
	}
	a.Def = fmt.Sprintf("by=%s flow=%s over=%s fn=%s where=%s", d.By, d.Flow, over, strings.TrimSpace(d.Fn), strings.TrimSpace(d.Where))
	return a, nil
}

func compileRule(d *RuleDecl, rs *engine.RuleSet, aggIndex map[string]int, base []expr.Option, lists map[string]*List, sites *callSites, opts Options) (*engine.Rule, int, error) {
	r := &engine.Rule{
		ID: d.ID, Version: d.Version, Name: d.Name, Description: d.Description,
		Severity: d.Severity, Score: d.Score, Typology: d.Typology, Mode: d.Mode,
		Source: fmt.Sprintf("%s:%d", d.File, d.Line),
	}
	switch {
	case d.Version < 1:
		return nil, d.Line, fmt.Errorf("version must be >= 1")
	case d.Name == "":
		return nil, d.Line, fmt.Errorf("name is required")
	case !contains(Severities, d.Severity):
		return nil, d.Line, fmt.Errorf("severity %q: want one of %s", d.Severity, strings.Join(Severities, ", "))
	case d.Score < 0 || d.Score > 100:
		return nil, d.Line, fmt.Errorf("score %d: want 0..100", d.Score)
	case !contains(Typologies, d.Typology):
		return nil, d.Line, fmt.Errorf("typology %q: want one of %s", d.Typology, strings.Join(Typologies, ", "))
	case strings.TrimSpace(d.When) == "":
		return nil, d.Line, fmt.Errorf("when is required")
	}
	switch d.Mode {
	case "":
		r.Mode = "active"
	case "active", "shadow":
	default:
		return nil, d.Line, fmt.Errorf("mode %q: want active or shadow", d.Mode)
	}
	reads := &readCollector{aggIndex: aggIndex, fields: map[string]bool{}, aggs: map[int]bool{}}
	prog, err := compileBool(d.When, base, opts, lists, sites, reads)
	if err != nil {
		return nil, d.WhenLine, fmt.Errorf("when: %v", err)
	}
	r.When = prog
	r.Guards = guards(d.When, aggIndex, sites)
	r.Native = native(d.When, aggIndex, sites)
	r.AnyOf = alternatives(d.When, aggIndex, sites)
	for i := range rs.Aggregates {
		if reads.aggs[i] {
			r.Reads = append(r.Reads, engine.Read{Name: rs.Aggregates[i].Name, Agg: i})
		}
	}
	fields := make([]string, 0, len(reads.fields))
	for f := range reads.fields {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		r.Reads = append(r.Reads, engine.Read{Name: f, Agg: -1, Field: engine.Fields[f]})
	}
	for _, sc := range reads.screens {
		r.Extra = append(r.Extra, sanctionsExplain(sc[0], lists[sc[1]]))
	}
	for _, nm := range reads.nameMatches {
		r.Extra = append(r.Extra, nameMatchExplain(nm[0], lists[nm[1]]))
	}
	for _, f := range fields {
		if isTraceField(f) {
			r.ReadsTrace = true
			r.Extra = append(r.Extra, tracePathExplain)
			if !contains(fields, traceHopsField) {
				r.Extra = append(r.Extra, traceHopsExplain)
			}
			break
		}
	}
	p, err := rulePerspective(d, r, rs)
	if err != nil {
		return nil, d.Line, err
	}
	r.Perspective = p
	return r, d.Line, nil
}

// compileBool compiles a boolean expression against engine.Env; reads, when
// given, rewrites aggregate names and records what the expression reads.
func compileBool(src string, base []expr.Option, opts Options, lists map[string]*List, sites *callSites, reads *readCollector) (*vm.Program, error) {
	if err := opts.Limits.checkExpr(src); err != nil {
		return nil, err
	}
	o := append([]expr.Option{}, base...)
	limit := &exprLimits{maxList: opts.MaxLiteralList, lists: lists}
	o = append(o, expr.AsBool(), expr.Patch(limit))
	if reads != nil {
		o = append(o, expr.Patch(reads))
	}
	if !opts.NoCallMemo {
		o = append(o, expr.Patch(&memoCalls{sites: sites}))
	}
	o = append(o, expr.Patch(flattenParties{}))
	prog, err := expr.Compile(strings.TrimSpace(src), o...)
	if limit.err != nil {
		return nil, limit.err
	}
	if err != nil {
		return nil, flattenExprErr(err)
	}
	if reads != nil && reads.err != nil {
		return nil, reads.err
	}
	return prog, nil
}

// flattenExprErr keeps expr's message and its caret snippet on one line
// after the file:line prefix.
func flattenExprErr(err error) error {
	msg := strings.TrimSpace(err.Error())
	lines := strings.Split(msg, "\n")
	if len(lines) == 1 {
		return err
	}
	return fmt.Errorf("%s (in: %s)", lines[0], strings.TrimSpace(lines[1]))
}

// ParseDuration accepts Go durations plus a day suffix ("7d", "180d").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(d, 64)
		if err != nil {
			return 0, err
		}
		return time.Duration(n * 24 * float64(time.Hour)), nil
	}
	return time.ParseDuration(s)
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// isTraceField reports whether path is one of the flow tracer's fields
// (engine.Trace), which only a traced feed sets.
func isTraceField(path string) bool { return strings.HasPrefix(path, "trace.") }

// tracePathExplain lists a traced transfer's path in the alert.
func tracePathExplain(e *engine.Env) (string, any) {
	return engine.TracePathKey, engine.TracePath(&e.Tx)
}

// traceHopsField is the trace field that counts the path's hops.
const traceHopsField = "trace.hops"

// traceHopsExplain puts trace.hops beside the path of a rule that does not
// read it: the path lists only the newest transfers, and a reader numbers
// them, and counts the hops it does not list, from the total.
func traceHopsExplain(e *engine.Env) (string, any) {
	return traceHopsField, e.Tx.Trace.Hops
}
