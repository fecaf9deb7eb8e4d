package rules

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/fx"
	"github.com/socwatch/socwatch/engine/iban"
)

// listFuncs are the functions whose second argument names a list; the
// compiler checks that the name is a string literal of a declared list.
var listFuncs = map[string]bool{"in_list": true, "name_match": true, "sanctions_score": true}

// listCall is a list function's implementation, a pure function of the
// list and the string looked up. A bool result is returned as 0 or 1, so
// the per-record call memo (engine.Env.Memo) keeps every result as a
// float64, without boxing.
type listCall struct {
	f      func(l *List, s string) float64
	isBool bool
}

// value is the call's result as the VM sees it.
func (c listCall) value(l *List, s string) any {
	v := c.f(l, s)
	if c.isBool {
		return v != 0
	}
	return v
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

var listCalls = map[string]listCall{
	"in_list":         {isBool: true, f: func(l *List, s string) float64 { return b2f(l.Contains(s)) }},
	"name_match":      {isBool: true, f: func(l *List, s string) float64 { return b2f(l.MatchName(s)) }},
	"sanctions_score": {f: func(l *List, s string) float64 { return l.Matcher.Score(s, "") }},
}

// The memoised forms of list-function calls (see memoCalls): internal, not
// callable from rule text.
const (
	memoBool = "memo_bool__"
	memoNum  = "memo_num__"
)

// argField is the field a list-function call on field passes: name_match
// normalises its argument, so a call on a party name reads the name's
// normalised twin (debtor.name_norm: Party.NameNorm, set by enrichment),
// which normalises to itself without allocating. Chosen once per call
// site, for the guard form and the VM's memoised form alike (they share
// the memo slot, keyed by the argument).
func argField(fn, field string) string {
	if norm := field + "_norm"; fn == "name_match" && engine.Fields[norm] != nil {
		return norm
	}
	return field
}

// callSites numbers a pack's list-function calls by (function, list,
// argument field): one slot per distinct call, whatever the number of
// rules making it. Filled while compiling, read-only afterwards.
type callSites struct {
	lists  map[string]*List
	calls  []func(string) float64
	args   []string        // per slot: the path of the field passed (argField)
	fields []*engine.Field // per slot: the call as a field guards can read
	slots  map[string]int
}

func newCallSites(lists map[string]*List) *callSites {
	return &callSites{lists: lists, slots: map[string]int{}}
}

// slot returns the slot of fn(field, list), adding it if new; -1 when fn
// is no list function, field no string field or list undeclared.
func (c *callSites) slot(fn, field, list string) int {
	key := fn + "|" + field + "|" + list
	if i, ok := c.slots[key]; ok {
		return i
	}
	call, known := listCalls[fn]
	src, l := engine.Fields[field], c.lists[list]
	if !known || src == nil || src.Kind != engine.KindString || l == nil {
		return -1
	}
	i := len(c.calls)
	c.slots[key] = i
	c.calls = append(c.calls, func(s string) float64 { return call.f(l, s) })
	c.args = append(c.args, argField(fn, field))
	f := &engine.Field{Path: fn + "(" + field + ", " + strconv.Quote(list) + ")"}
	arg := engine.Fields[c.args[i]].Str
	if fn == "sanctions_score" {
		f.Kind, f.Num = engine.KindNumber, func(e *engine.Env) float64 { return e.Memo(i, arg(e), c.calls[i]) }
	} else {
		f.Kind, f.Bool = engine.KindBool, func(e *engine.Env) bool { return e.Memo(i, arg(e), c.calls[i]) != 0 }
	}
	c.fields = append(c.fields, f)
	return i
}

// argNode is the argument the VM passes at slot, for the call's own
// argument node n: n itself, or the party member node of argField.
func (c *callSites) argNode(slot int, n ast.Node) ast.Node {
	arg := c.args[slot]
	if arg == path(n) {
		return n
	}
	side, prop, _ := strings.Cut(arg, ".")
	return &ast.MemberNode{Node: &ast.IdentifierNode{Value: side}, Property: &ast.StringNode{Value: prop}}
}

// field returns the call fn(field, list) as a field, or nil (see slot).
func (c *callSites) field(fn, field, list string) *engine.Field {
	if i := c.slot(fn, field, list); i >= 0 {
		return c.fields[i]
	}
	return nil
}

// functions returns the built-in rule functions bound to a pack's lists and
// FX table. Types are declared so expressions are checked at load time and
// the VM calls them without reflection.
func functions(lists map[string]*List, rates *fx.Table, sites *callSites) []expr.Option {
	listFunc := func(name string, typ any) expr.Option {
		call := listCalls[name]
		return expr.Function(name, func(p ...any) (any, error) {
			l := lists[p[1].(string)]
			if l == nil {
				return nil, fmt.Errorf("unknown list %q", p[1])
			}
			return call.value(l, p[0].(string)), nil
		}, typ)
	}
	memo := func(p ...any) float64 {
		slot := p[1].(int)
		return p[0].(*engine.Env).Memo(slot, p[2].(string), sites.calls[slot])
	}
	return []expr.Option{
		listFunc("in_list", new(func(string, string) bool)),
		listFunc("name_match", new(func(string, string) bool)),
		listFunc("sanctions_score", new(func(string, string) float64)),
		expr.Function(memoBool, func(p ...any) (any, error) { return memo(p...) != 0, nil }, new(func(any, int, string) bool)),
		expr.Function(memoNum, func(p ...any) (any, error) { return memo(p...), nil }, new(func(any, int, string) float64)),
		expr.Function("is_round", func(p ...any) (any, error) {
			return IsRound(p[0].(float64), p[1].(float64)), nil
		}, new(func(float64, float64) bool)),
		expr.Function("iban_country", func(p ...any) (any, error) {
			c, _ := iban.Country(p[0].(string))
			return c, nil
		}, new(func(string) string)),
		expr.Function("fx", func(p ...any) (any, error) {
			day := time.Now().UTC()
			if len(p) == 4 {
				day = p[3].(time.Time)
			}
			return rates.Convert(p[0].(float64), p[1].(string), p[2].(string), day)
		}, new(func(float64, string, string) float64), new(func(float64, string, string, time.Time) float64)),
	}
}

// IsRound reports whether amount is a whole multiple of step (e.g. 1000).
// Amounts reach rules as float64 copies of exact decimals, so compare with a
// tolerance far below a cent.
func IsRound(amount, step float64) bool {
	if step <= 0 || amount == 0 || math.IsNaN(amount) || math.IsInf(amount, 0) {
		return false
	}
	q := math.Round(amount / step)
	return q != 0 && math.Abs(amount-q*step) <= 1e-10*math.Max(1, math.Abs(amount))
}
