package rules

import (
	"fmt"

	"github.com/expr-lang/expr/ast"
	"github.com/socwatch/socwatch/engine"
)

// readCollector is an expr patcher: it turns each aggregate identifier into
// agg__[i] and records every field path and aggregate the expression reads.
type readCollector struct {
	aggIndex map[string]int
	fields   map[string]bool
	aggs     map[int]bool
	// screens are the (name field, sanctions list) pairs of sanctions_score
	// calls: their best match goes into the explanation; nameMatches those
	// of name_match calls, whose listed entry does.
	screens, nameMatches [][2]string
	err                  error
}

func (c *readCollector) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if i, ok := c.aggIndex[n.Value]; ok {
			c.aggs[i] = true
			ast.Patch(node, &ast.MemberNode{
				Node:     &ast.IdentifierNode{Value: engine.AggIdent},
				Property: &ast.IntegerNode{Value: i},
			})
			return
		}
		if engine.Fields[n.Value] != nil {
			c.fields[n.Value] = true
		}
		if n.Value == engine.AggIdent {
			c.err = fmt.Errorf("%s is internal", engine.AggIdent)
		}
	case *ast.MemberNode:
		id, ok1 := n.Node.(*ast.IdentifierNode)
		prop, ok2 := n.Property.(*ast.StringNode)
		if ok1 && ok2 {
			if path := id.Value + "." + prop.Value; engine.Fields[path] != nil {
				c.fields[path] = true
			}
		}
	case *ast.CallNode:
		callee, ok := n.Callee.(*ast.IdentifierNode)
		if !ok || len(n.Arguments) != 2 {
			return
		}
		list, ok1 := n.Arguments[1].(*ast.StringNode)
		field := path(n.Arguments[0])
		if !ok1 || engine.Fields[field] == nil {
			return
		}
		switch callee.Value {
		case "sanctions_score":
			c.screens = append(c.screens, [2]string{field, list.Value})
		case "name_match":
			c.nameMatches = append(c.nameMatches, [2]string{field, list.Value})
		}
	}
}

// sanctionsExplain puts the best match of a screened name into the alert's
// explanation: which entity, list and listed spelling, and the score.
func sanctionsExplain(field string, l *List) func(*engine.Env) (string, any) {
	f := engine.Fields[field]
	key := "sanctions_match(" + field + ", " + l.Name + ")"
	return func(e *engine.Env) (string, any) {
		m := l.Matcher.Best(f.Str(e), "")
		return key, map[string]any{"score": m.Score, "entity_id": m.EntityID, "list": m.List, "alias": m.Alias, "name": m.Name}
	}
}

// nameMatchExplain puts what a name_match call matched into the alert's
// explanation: the list's spelling of the party's name, or false, so the
// analyst sees which party is listed and as what.
func nameMatchExplain(field string, l *List) func(*engine.Env) (string, any) {
	f := engine.Fields[field]
	key := "name_match(" + field + ", " + l.Name + ")"
	return func(e *engine.Env) (string, any) {
		if listed, ok := l.ListedName(f.Str(e)); ok {
			return key, listed
		}
		return key, false
	}
}

// memoCalls rewrites a list-function call on a field,
// `name_match(debtor.name, "l")`, into
// `memo_bool__($env, slot, debtor.name_norm)`: the result is computed once
// per record and call site (engine.Env.Memo) however many rules make the
// call, the VM passing the argument the site's guard form passes
// (argField). It runs before flattenParties.
type memoCalls struct {
	sites *callSites
}

func (m *memoCalls) Visit(node *ast.Node) {
	n, ok := (*node).(*ast.CallNode)
	if !ok || len(n.Arguments) != 2 {
		return
	}
	callee, ok1 := n.Callee.(*ast.IdentifierNode)
	list, ok2 := n.Arguments[1].(*ast.StringNode)
	if !ok1 || !ok2 {
		return
	}
	slot := m.sites.slot(callee.Value, path(n.Arguments[0]), list.Value)
	if slot < 0 {
		return
	}
	fn := memoBool
	if callee.Value == "sanctions_score" {
		fn = memoNum
	}
	ast.Patch(node, &ast.CallNode{
		Callee: &ast.IdentifierNode{Value: fn},
		Arguments: []ast.Node{
			&ast.IdentifierNode{Value: "$env"},
			&ast.IntegerNode{Value: slot},
			m.sites.argNode(slot, n.Arguments[0]),
		},
	})
}

// flattenParties rewrites `debtor.x` / `creditor.x` into the flat Env field
// `debtor__x`: one field load instead of boxing a copy of the whole Party.
type flattenParties struct{}

func (flattenParties) Visit(node *ast.Node) {
	m, ok := (*node).(*ast.MemberNode)
	if !ok || m.Optional {
		return
	}
	id, ok1 := m.Node.(*ast.IdentifierNode)
	prop, ok2 := m.Property.(*ast.StringNode)
	if !ok1 || !ok2 || (id.Value != "debtor" && id.Value != "creditor") {
		return
	}
	if engine.Fields[id.Value+"."+prop.Value] != nil {
		ast.Patch(node, &ast.IdentifierNode{Value: engine.FlatName(id.Value, prop.Value)})
	}
}

// exprLimits checks what the type checker cannot: list functions name a
// declared list by a string literal, and array literals stay short
// (membership in a long literal is a linear scan per record; long lists
// belong in list files, looked up in O(1)).
type exprLimits struct {
	maxList int
	lists   map[string]*List
	err     error
}

func (l *exprLimits) Visit(node *ast.Node) {
	if l.err != nil {
		return
	}
	switch n := (*node).(type) {
	case *ast.ArrayNode:
		if len(n.Nodes) > l.maxList {
			l.err = fmt.Errorf("a literal list of %d elements exceeds the limit of %d; declare a list file and use in_list", len(n.Nodes), l.maxList)
		}
	case *ast.CallNode:
		id, ok := n.Callee.(*ast.IdentifierNode)
		if ok && (id.Value == memoBool || id.Value == memoNum) {
			l.err = fmt.Errorf("%s is internal", id.Value)
			return
		}
		if !ok || !listFuncs[id.Value] || len(n.Arguments) != 2 {
			return
		}
		name, ok := n.Arguments[1].(*ast.StringNode)
		switch {
		case !ok:
			l.err = fmt.Errorf("%s: the list name must be a string literal", id.Value)
		case l.lists[name.Value] == nil:
			l.err = fmt.Errorf("%s: unknown list %q", id.Value, name.Value)
		case id.Value == "name_match" && !l.lists[name.Value].Names:
			l.err = fmt.Errorf("name_match: list %q is not declared with kind: names", name.Value)
		case id.Value == "sanctions_score" && l.lists[name.Value].Matcher == nil:
			l.err = fmt.Errorf("sanctions_score: list %q is not declared with kind: sanctions", name.Value)
		case id.Value != "sanctions_score" && l.lists[name.Value].Matcher != nil:
			l.err = fmt.Errorf("%s: list %q is a sanctions list; use sanctions_score", id.Value, name.Value)
		}
	}
}
