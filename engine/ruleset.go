package engine

import (
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/socwatch/socwatch/engine/window"
)

// AggFn is an aggregate function over a sliding event-time window.
type AggFn uint8

const (
	FnCount     AggFn = iota + 1 // number of events in the window
	FnSum                        // sum of Field
	FnAvg                        // mean of Field
	FnMin                        // minimum of Field
	FnMax                        // maximum of Field
	FnDistinct                   // number of distinct values of Field
	FnSinceLast                  // seconds since the key's previous event, -1 if none
	// Behaviour features; exact semantics in engine/window/doc.go.
	FnNewDistinct // distinct values of Field in the window not seen in Lookback before it
	FnHistMean    // mean of Field over the history (Over), Recent excluded
	FnHistP95     // 95th percentile of Field over the history
	FnHistMax     // maximum of Field over the history
	FnHistCount   // number of events in the history
	FnAge         // seconds since the key's first event (forgotten after Over of silence)
	FnInflowMatch // amount of the account's recent inflow that this transfer forwards
)

// Flow selects which copies update an aggregate keyed by `account` (the
// perspective account): money out of it (debtor copies), into it (creditor
// copies), or both.
type Flow uint8

const (
	FlowBoth Flow = iota
	FlowIn
	FlowOut
)

// Perspective key paths produced by the re-key stage.
const (
	PerspectiveDebtor   = "debtor.account"
	PerspectiveCreditor = "creditor.account"
	// KeyAccount is the pseudo key path "the perspective account".
	KeyAccount = "account"
)

// Aggregate is a compiled aggregate declaration.
type Aggregate struct {
	Name  string
	By    string // field path, or KeyAccount
	Flow  Flow   // only for By == KeyAccount
	Over  time.Duration
	Fn    AggFn
	Field *Field      // input of sum/avg/min/max/distinct; nil for count/since_last
	Where *vm.Program // nil = every transaction
	// Parameters of the behaviour functions (zero when unused).
	Lookback   time.Duration // new_distinct: how far before the window to look
	Recent     time.Duration // hist_*: the newest span left out of the history
	Tolerance  float64       // inflow_match: relative amount tolerance
	SameOrigin bool          // inflow_match: match inflows from the creditor itself (origin: same)
	// WhereGuards are necessary conditions of Where, tested first.
	WhereGuards []Guard
	// WhereNative, when set, is the whole of Where as a native condition:
	// the VM does not run.
	WhereNative *Cond
	// ReadsTrace is set when Where reads a trace field (engine.Trace).
	ReadsTrace bool
	// Def is a canonical text of the declaration; state survives a reload
	// only for aggregates whose Def is unchanged.
	Def string
}

// Spec is the window spec of the aggregate's state under a pack lateness.
func (a *Aggregate) Spec(lateness time.Duration) window.Spec {
	return window.Spec{Fn: window.Fn(a.Fn), Over: a.Over, Lateness: lateness,
		Lookback: a.Lookback, Recent: a.Recent, Tolerance: a.Tolerance, SameOrigin: a.SameOrigin}
}

// UpdatedIn reports whether a copy screened under perspective p updates
// (and can read) this aggregate.
func (a *Aggregate) UpdatedIn(p string) bool {
	if a.By != KeyAccount {
		return a.By == p
	}
	switch a.Flow {
	case FlowIn:
		return p == PerspectiveCreditor
	case FlowOut:
		return p == PerspectiveDebtor
	}
	return p == PerspectiveCreditor || p == PerspectiveDebtor
}

// Read is one value a rule reads, recorded in its alerts' explanation.
type Read struct {
	Name  string // expr path or aggregate name
	Agg   int    // index into RuleSet.Aggregates, or -1 for a field
	Field *Field // set when Agg == -1
}

// Rule is a compiled rule.
type Rule struct {
	ID          string
	Version     int
	Name        string
	Description string
	Severity    string
	Score       int
	Typology    string
	Mode        string // active | shadow
	When        *vm.Program
	// Guards are necessary conditions of When, tested before the VM runs.
	Guards []Guard
	// Native, when set, is the whole of When as a native condition: the
	// rule fires exactly when it holds, without the VM.
	Native *Cond
	// AnyOf, for a When that is a disjunction (a || b || …), holds the
	// guards of each side: the rule can be true only if all guards of some
	// side hold. RuleIndex files the rule under one guard per side; a side
	// without guards makes the rule always selected.
	AnyOf [][]Guard
	// Perspective is the one copy the rule is evaluated on, so a
	// transaction screened from two perspectives alerts at most once.
	Perspective string
	Reads       []Read
	// Extra adds evidence computed only when the rule fires (e.g. which
	// sanctioned entity a name matched).
	Extra []func(*Env) (string, any)
	// ReadsTrace is set when When reads a trace field (engine.Trace).
	ReadsTrace bool
	Source     string // file:line of the rule, for logs
}

// RuleSet is a compiled rule pack, immutable once built; the engine swaps
// whole sets on reload.
type RuleSet struct {
	Aggregates []Aggregate
	Rules      []Rule
	// Perspectives lists the key paths records are screened under, in
	// evaluation order (debtor.account first).
	Perspectives []string
	// Lateness is how far behind a key's newest event an event may arrive
	// and still be placed in its windows.
	Lateness time.Duration
	// Hash identifies the pack content, for logs and metrics.
	Hash string
	// Traced is set when a rule or aggregate reads a trace field: the
	// feed must then pass through the flow tracer (engine/trace), which
	// the re-key stage runs, or `socwatch screen` over a file.
	Traced bool
}

// LongestWindow is the longest reach of an aggregate's state back in time
// (its window, plus new_distinct's lookback or a history bucket), which bounds both idle-key
// eviction and the replay needed to rebuild state.
func (rs *RuleSet) LongestWindow() time.Duration {
	var d time.Duration
	for i := range rs.Aggregates {
		d = max(d, rs.Aggregates[i].Spec(0).Reach())
	}
	return d
}

// GuardOp is the comparison of a Guard.
type GuardOp uint8

const (
	GuardGE GuardOp = iota + 1
	GuardGT
	GuardLE
	GuardLT
	GuardEQ
	GuardNE
	GuardTrue // a bool field must be true
)

// Guard is a necessary condition of a rule (or filter) that the engine can
// test natively, without running the expr VM: one conjunct of the
// expression's top-level && chain that compares a number field or an
// aggregate with a constant (or with another one times a constant), a
// string field with a literal (or with another string field), or is a bool
// field. When any guard fails the expression is false, so most records skip
// most rules for the price of a float comparison (filter indexing in the
// style of Esper, kept simple).
type Guard struct {
	Op    GuardOp
	Agg   int    // aggregate index, or -1
	Field *Field // number, string or bool field when Agg < 0
	K     float64
	S     string
	// Vs, when set, is the right operand instead of the literal: another
	// string field (S unused), or a number field or aggregate times K
	// (outgoing_24h > 2 * outgoing_before_90d).
	Vs *Operand
}

// Cond is a boolean expression made only of guards, && and ||, which the
// engine evaluates without the expr VM: exactly one of Guard, All, Any is
// set. Guards are pure and cannot fail, so evaluation order does not
// matter and the value equals the program's.
type Cond struct {
	Guard *Guard
	All   []Cond
	Any   []Cond
}

// Holds evaluates c on e.
func (c *Cond) Holds(e *Env) bool {
	switch {
	case c.Guard != nil:
		return c.Guard.Holds(e)
	case c.All != nil:
		for i := range c.All {
			if !c.All[i].Holds(e) {
				return false
			}
		}
		return true
	}
	for i := range c.Any {
		if c.Any[i].Holds(e) {
			return true
		}
	}
	return false
}

// Operand is a value of the record a Guard compares with: an aggregate
// (Agg >= 0) or a field.
type Operand struct {
	Agg   int
	Field *Field
}

// num reads a number operand.
func num(e *Env, agg int, f *Field) float64 {
	if agg >= 0 {
		return e.Agg[agg]
	}
	return f.Num(e)
}

// Holds evaluates the guard on e.
func (g *Guard) Holds(e *Env) bool {
	if g.Op == GuardTrue {
		return g.Field.Bool(e)
	}
	if g.Field != nil && g.Field.Kind == KindString {
		s := g.S
		if g.Vs != nil {
			s = g.Vs.Field.Str(e)
		}
		if g.Op == GuardEQ {
			return g.Field.Str(e) == s
		}
		return g.Field.Str(e) != s
	}
	v, k := num(e, g.Agg, g.Field), g.K
	if g.Vs != nil {
		k *= num(e, g.Vs.Agg, g.Vs.Field)
	}
	switch g.Op {
	case GuardGE:
		return v >= k
	case GuardGT:
		return v > k
	case GuardLE:
		return v <= k
	case GuardLT:
		return v < k
	case GuardEQ:
		return v == k
	case GuardNE:
		return v != k
	}
	return true
}
