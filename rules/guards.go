package rules

import (
	"strconv"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"

	"github.com/socwatch/socwatch/engine"
)

// guards extracts the conjuncts of src's top-level && chain that the engine
// can test natively (see engine.Guard). Anything it does not recognise is
// simply left to the VM: guards are only ever a shortcut to "false". With
// calls, a list-function call on a field (sanctions_score(debtor.name,
// "l") >= 0.88) is an operand too, read through the per-record call memo.
func guards(src string, aggIndex map[string]int, calls *callSites) []engine.Guard {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil
	}
	return conjunctGuards(tree.Node, aggIndex, calls)
}

func conjunctGuards(n ast.Node, aggIndex map[string]int, calls *callSites) []engine.Guard {
	var out []engine.Guard
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		if b, ok := n.(*ast.BinaryNode); ok && (b.Operator == "&&" || b.Operator == "and") {
			walk(b.Left)
			walk(b.Right)
			return
		}
		if g, ok := guardOf(n, aggIndex, calls); ok {
			out = append(out, g)
		}
	}
	walk(n)
	return out
}

// native returns src as an engine.Cond when it is made only of guards, &&
// and || (amount_eur >= 1000 && (in_list(debtor.country, "l") ||
// in_list(creditor.country, "l"))), so the engine evaluates it without the
// VM; nil otherwise.
func native(src string, aggIndex map[string]int, calls *callSites) *engine.Cond {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil
	}
	c, ok := nativeCond(tree.Node, aggIndex, calls)
	if !ok {
		return nil
	}
	return &c
}

func nativeCond(n ast.Node, aggIndex map[string]int, calls *callSites) (engine.Cond, bool) {
	b, ok := n.(*ast.BinaryNode)
	if ok && (b.Operator == "&&" || b.Operator == "and" || b.Operator == "||" || b.Operator == "or") {
		left, ok1 := nativeCond(b.Left, aggIndex, calls)
		right, ok2 := nativeCond(b.Right, aggIndex, calls)
		if !ok1 || !ok2 {
			return engine.Cond{}, false
		}
		return join(b.Operator == "&&" || b.Operator == "and", left, right), true
	}
	g, ok := guardOf(n, aggIndex, calls)
	if !ok {
		return engine.Cond{}, false
	}
	return engine.Cond{Guard: &g}, true
}

// join combines two conditions under && (all) or || (any), flattening a
// side that is already of the same kind.
func join(all bool, parts ...engine.Cond) engine.Cond {
	var out []engine.Cond
	for _, p := range parts {
		switch {
		case all && p.All != nil:
			out = append(out, p.All...)
		case !all && p.Any != nil:
			out = append(out, p.Any...)
		default:
			out = append(out, p)
		}
	}
	if all {
		return engine.Cond{All: out}
	}
	return engine.Cond{Any: out}
}

// alternatives returns, when src is a top-level disjunction a || b || …,
// the guards of each side (see engine.Rule.AnyOf); nil otherwise.
func alternatives(src string, aggIndex map[string]int, calls *callSites) [][]engine.Guard {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil
	}
	var out [][]engine.Guard
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		if b, ok := n.(*ast.BinaryNode); ok && (b.Operator == "||" || b.Operator == "or") {
			walk(b.Left)
			walk(b.Right)
			return
		}
		out = append(out, conjunctGuards(n, aggIndex, calls))
	}
	walk(tree.Node)
	if len(out) < 2 {
		return nil
	}
	return out
}

var flipped = map[string]string{">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}

var opOf = map[string]engine.GuardOp{">=": engine.GuardGE, ">": engine.GuardGT, "<=": engine.GuardLE,
	"<": engine.GuardLT, "==": engine.GuardEQ, "!=": engine.GuardNE}

func guardOf(n ast.Node, aggIndex map[string]int, calls *callSites) (engine.Guard, bool) {
	if f := operandField(n, calls); f != nil {
		if f.Kind == engine.KindBool {
			return engine.Guard{Op: engine.GuardTrue, Agg: -1, Field: f}, true
		}
		return engine.Guard{}, false
	}
	b, ok := n.(*ast.BinaryNode)
	if !ok {
		return engine.Guard{}, false
	}
	op, left, right := b.Operator, b.Left, b.Right
	if path(left) == "" && operandField(left, calls) == nil { // constant on the left: 3 <= x
		op, left, right = flipped[op], right, left
	}
	gop, ok := opOf[op]
	if !ok {
		return engine.Guard{}, false
	}
	if i, ok := aggIndex[path(left)]; ok {
		if k, ok := number(right); ok {
			return engine.Guard{Op: gop, Agg: i, K: k}, true
		}
		if vs, k, ok := scaled(right, aggIndex, calls); ok && numeric(vs) {
			return engine.Guard{Op: gop, Agg: i, K: k, Vs: vs}, true
		}
		return engine.Guard{}, false
	}
	f := operandField(left, calls)
	if f == nil {
		return engine.Guard{}, false
	}
	if s, ok := right.(*ast.StringNode); ok {
		if f.Kind != engine.KindString || (gop != engine.GuardEQ && gop != engine.GuardNE) {
			return engine.Guard{}, false
		}
		return engine.Guard{Op: gop, Agg: -1, Field: f, S: s.Value}, true
	}
	if k, ok := number(right); ok && f.Kind == engine.KindNumber {
		return engine.Guard{Op: gop, Agg: -1, Field: f, K: k}, true
	}
	vs, k, ok := scaled(right, aggIndex, calls)
	switch {
	case !ok:
	case f.Kind == engine.KindString && vs.Field != nil && vs.Field.Kind == engine.KindString &&
		path(right) != "" && (gop == engine.GuardEQ || gop == engine.GuardNE):
		// debtor.account != creditor.account
		return engine.Guard{Op: gop, Agg: -1, Field: f, Vs: vs}, true
	case f.Kind == engine.KindNumber && numeric(vs):
		return engine.Guard{Op: gop, Agg: -1, Field: f, K: k, Vs: vs}, true
	}
	return engine.Guard{}, false
}

func numeric(o *engine.Operand) bool { return o.Agg >= 0 || o.Field.Kind == engine.KindNumber }

// scaled reads an operand that is another value of the record, possibly
// times a numeric literal (2 * outgoing_before_90d, x * 2): the value as an
// aggregate or field, and the factor (1 without one).
func scaled(n ast.Node, aggIndex map[string]int, calls *callSites) (*engine.Operand, float64, bool) {
	k := 1.0
	if b, ok := n.(*ast.BinaryNode); ok && b.Operator == "*" {
		if c, ok := number(b.Left); ok {
			k, n = c, b.Right
		} else if c, ok := number(b.Right); ok {
			k, n = c, b.Left
		} else {
			return nil, 0, false
		}
	}
	if i, ok := aggIndex[path(n)]; ok {
		return &engine.Operand{Agg: i}, k, true
	}
	if f := operandField(n, calls); f != nil {
		return &engine.Operand{Agg: -1, Field: f}, k, true
	}
	return nil, 0, false
}

// operandField is the field an operand reads: a transaction field by path,
// is_round of a number field by a literal step, or (with calls) a
// list-function call on a string field; nil otherwise.
func operandField(n ast.Node, calls *callSites) *engine.Field {
	if p := path(n); p != "" {
		return engine.Fields[p]
	}
	c, ok := n.(*ast.CallNode)
	if !ok || len(c.Arguments) != 2 {
		return nil
	}
	callee, ok := c.Callee.(*ast.IdentifierNode)
	if !ok {
		return nil
	}
	if callee.Value == "is_round" {
		return roundField(c)
	}
	list, ok := c.Arguments[1].(*ast.StringNode)
	if !ok || calls == nil {
		return nil
	}
	return calls.field(callee.Value, path(c.Arguments[0]), list.Value)
}

// roundField is is_round(field, step) as a bool field, for a number field
// and a literal step (is_round(amount, 1000)); nil otherwise.
func roundField(c *ast.CallNode) *engine.Field {
	f := engine.Fields[path(c.Arguments[0])]
	step, ok := number(c.Arguments[1])
	if f == nil || f.Kind != engine.KindNumber || !ok {
		return nil
	}
	return &engine.Field{Path: "is_round(" + f.Path + ", " + strconv.FormatFloat(step, 'g', -1, 64) + ")", Kind: engine.KindBool,
		Bool: func(e *engine.Env) bool { return IsRound(f.Num(e), step) }}
}

// path returns "amount_eur", "debtor.country" or an aggregate name for an
// identifier or a party member, else "".
func path(n ast.Node) string {
	switch x := n.(type) {
	case *ast.IdentifierNode:
		return x.Value
	case *ast.MemberNode:
		id, ok1 := x.Node.(*ast.IdentifierNode)
		prop, ok2 := x.Property.(*ast.StringNode)
		if ok1 && ok2 && !x.Optional {
			return id.Value + "." + prop.Value
		}
	}
	return ""
}

// number folds a numeric literal, or a product/sum of literals
// (180 * 86400), into a float64.
func number(n ast.Node) (float64, bool) {
	switch x := n.(type) {
	case *ast.IntegerNode:
		return float64(x.Value), true
	case *ast.FloatNode:
		return x.Value, true
	case *ast.UnaryNode:
		if v, ok := number(x.Node); ok && x.Operator == "-" {
			return -v, true
		}
	case *ast.BinaryNode:
		a, ok1 := number(x.Left)
		b, ok2 := number(x.Right)
		if !ok1 || !ok2 {
			return 0, false
		}
		switch x.Operator {
		case "*":
			return a * b, true
		case "+":
			return a + b, true
		case "-":
			return a - b, true
		}
	}
	return 0, false
}
