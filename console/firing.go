package console

import (
	"encoding/json"
	"fmt"
	"math/bits"
	"strings"
	"sync"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"

	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/engine"
)

// A clearing closes an alert only when the alert's rule could not have
// fired with the cleared matches taken as not matching: a rule such as
// `name_match(debtor.name, "l") || amount_eur > 1e6` fires on the amount
// alone too, and an alert it raised on the amount must reach an analyst
// whatever the good-guy list says. The proof reads the rule's `when` (its
// guards are derived from it, so it is the whole condition) as a boolean
// formula over atoms: each name_match call and each sanctions_score
// compared (>=, >) with a number is a match atom, whose value the alert's
// explanation gives (false when it did not match, false when its match
// is cleared — for a fuzzy match, when the name also misses the
// threshold scored again without the customer's cleared entities —
// unknown otherwise); every other boolean operand (a
// comparison, a field, a call, anything not made of && || ! ?: and
// literals) is a free atom, which may be true or false. The alert is
// closable when the formula is false under every assignment of the
// atoms not known to be false.

// maxAtoms bounds the atoms of a condition the proof enumerates (2^n
// assignments); a condition with more is not closable by a clearing.
const maxAtoms = 16

// ruleKey names a rule version.
type ruleKey struct {
	Rule    string
	Version int
}

// ruleConditions are the running pack's rule conditions, by version.
type ruleConditions map[ruleKey]*condition

// newRuleConditions reads the conditions of the pack's rules (none
// without a pack).
func newRuleConditions(rs *engine.RuleSet) ruleConditions {
	out := ruleConditions{}
	if rs == nil {
		return out
	}
	for _, r := range rs.Rules {
		if r.When != nil {
			out[ruleKey{r.ID, r.Version}] = parseCondition(r.When.Source().String())
		}
	}
	return out
}

// thresholds are the scores from which the conditions fire on a
// sanctions_score call: the lowest literal it is compared with.
func (rc ruleConditions) thresholds() matchThresholds {
	out := matchThresholds{}
	for k, c := range rc {
		for fl, thr := range c.scoreThresholds() {
			out[thresholdKey{k.Rule, k.Version, fl[0], fl[1]}] = thr
		}
	}
	return out
}

// condition is a rule's `when` as a boolean formula over atoms.
type condition struct {
	root  *formula
	atoms []atom
	// err says why the condition cannot be analysed (it does not parse).
	err error

	mu    sync.Mutex
	proof map[uint64]string // by the atoms known false: "" proven, else why not
}

// atom is an operand of the formula: its source text and, for a match
// atom, what it matches.
type atom struct {
	text  string
	match *matchAtom
	// hidesMatch is set on a free atom that calls name_match or
	// sanctions_score in a shape the proof does not take apart.
	hidesMatch bool
}

// matchAtom is name_match(Field, "List") (Score false) or
// sanctions_score(Field, "List") compared with Threshold (Strict: >).
type matchAtom struct {
	Field, List string
	Score       bool
	Threshold   float64
	Strict      bool
}

// formula is a node of a condition: an atom, a literal, or !, &&, || and
// ?: over formulas.
type formula struct {
	op   byte // 'a' atom, 'c' literal, '!', '&', '|', '?'
	atom int
	lit  bool
	args []*formula
}

func (f *formula) eval(assign uint64) bool {
	switch f.op {
	case 'a':
		return assign&(1<<f.atom) != 0
	case 'c':
		return f.lit
	case '!':
		return !f.args[0].eval(assign)
	case '&':
		return f.args[0].eval(assign) && f.args[1].eval(assign)
	case '|':
		return f.args[0].eval(assign) || f.args[1].eval(assign)
	default: // '?'
		if f.args[0].eval(assign) {
			return f.args[1].eval(assign)
		}
		return f.args[2].eval(assign)
	}
}

// parseCondition reads a rule's `when`.
func parseCondition(when string) *condition {
	c := &condition{proof: map[uint64]string{}}
	tree, err := parser.Parse(when)
	if err != nil {
		c.err = fmt.Errorf("its condition does not parse: %w", err)
		return c
	}
	index := map[string]int{}
	c.root = c.build(tree.Node, index)
	return c
}

// build turns a node in boolean position into a formula; equal atoms
// (the same source text) are one atom.
func (c *condition) build(n ast.Node, index map[string]int) *formula {
	switch n := n.(type) {
	case *ast.BoolNode:
		return &formula{op: 'c', lit: n.Value}
	case *ast.UnaryNode:
		if n.Operator == "!" || n.Operator == "not" {
			return &formula{op: '!', args: []*formula{c.build(n.Node, index)}}
		}
	case *ast.BinaryNode:
		switch n.Operator {
		case "&&", "and":
			return &formula{op: '&', args: []*formula{c.build(n.Left, index), c.build(n.Right, index)}}
		case "||", "or":
			return &formula{op: '|', args: []*formula{c.build(n.Left, index), c.build(n.Right, index)}}
		}
	case *ast.ConditionalNode:
		return &formula{op: '?', args: []*formula{c.build(n.Cond, index), c.build(n.Exp1, index), c.build(n.Exp2, index)}}
	}
	text := n.String()
	i, seen := index[text]
	if !seen {
		i = len(c.atoms)
		index[text] = i
		a := atom{text: text, match: classifyMatch(n)}
		a.hidesMatch = a.match == nil && callsListMatch(n)
		c.atoms = append(c.atoms, a)
	}
	return &formula{op: 'a', atom: i}
}

// classifyMatch returns the match atom n is, or nil.
func classifyMatch(n ast.Node) *matchAtom {
	if field, list, ok := listCall(n, "name_match"); ok {
		return &matchAtom{Field: field, List: list}
	}
	b, ok := n.(*ast.BinaryNode)
	if !ok {
		return nil
	}
	call, num, op := b.Left, b.Right, b.Operator
	if _, isCall := call.(*ast.CallNode); !isCall {
		call, num = b.Right, b.Left
		op = map[string]string{"<=": ">=", "<": ">"}[op]
	}
	if op != ">=" && op != ">" {
		return nil
	}
	field, list, ok := listCall(call, "sanctions_score")
	if !ok {
		return nil
	}
	m := &matchAtom{Field: field, List: list, Score: true, Strict: op == ">"}
	switch v := num.(type) {
	case *ast.FloatNode:
		m.Threshold = v.Value
	case *ast.IntegerNode:
		m.Threshold = float64(v.Value)
	default:
		return nil
	}
	return m
}

// listCall returns the field and list of a call fn(FIELD, "LIST"), FIELD
// a party's member (debtor.name).
func listCall(n ast.Node, fn string) (field, list string, ok bool) {
	c, ok := n.(*ast.CallNode)
	if !ok || len(c.Arguments) != 2 {
		return "", "", false
	}
	if id, ok := c.Callee.(*ast.IdentifierNode); !ok || id.Value != fn {
		return "", "", false
	}
	l, ok := c.Arguments[1].(*ast.StringNode)
	if !ok {
		return "", "", false
	}
	m, ok := c.Arguments[0].(*ast.MemberNode)
	if !ok {
		return "", "", false
	}
	obj, ok1 := m.Node.(*ast.IdentifierNode)
	prop, ok2 := m.Property.(*ast.StringNode)
	if !ok1 || !ok2 {
		return "", "", false
	}
	return obj.Value + "." + prop.Value, l.Value, true
}

// callsListMatch reports whether n calls name_match or sanctions_score.
func callsListMatch(n ast.Node) bool {
	v := &matchCallFinder{}
	ast.Walk(&n, v)
	return v.found
}

type matchCallFinder struct{ found bool }

func (v *matchCallFinder) Visit(node *ast.Node) {
	if c, ok := (*node).(*ast.CallNode); ok {
		if id, ok := c.Callee.(*ast.IdentifierNode); ok && (id.Value == "name_match" || id.Value == "sanctions_score") {
			v.found = true
		}
	}
}

// scoreThresholds returns the lowest threshold each sanctions_score call
// (field, list) is compared with.
func (c *condition) scoreThresholds() map[[2]string]float64 {
	out := map[[2]string]float64{}
	for _, a := range c.atoms {
		if m := a.match; m != nil && m.Score {
			fl := [2]string{m.Field, m.List}
			if prev, seen := out[fl]; !seen || m.Threshold < prev {
				out[fl] = m.Threshold
			}
		}
	}
	return out
}

// scoreThresholds returns the thresholds of the sanctions_score calls of a
// rule condition by (field, list); none for a condition that does not
// parse (a compiled rule's does).
func scoreThresholds(when string) map[[2]string]float64 {
	return parseCondition(when).scoreThresholds()
}

// falseWithout returns "" when the condition cannot hold with the atoms
// of known (a bit per atom) false, whatever the others are; otherwise
// why it can: the atoms true in an assignment (one with fewest true
// atoms) under which it holds.
func (c *condition) falseWithout(known uint64) string {
	if c.err != nil {
		return c.err.Error()
	}
	if len(c.atoms) > maxAtoms {
		return fmt.Sprintf("its condition has %d operands, more than the %d the console checks", len(c.atoms), maxAtoms)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if why, done := c.proof[known]; done {
		return why
	}
	var free []int
	for i := range c.atoms {
		if known&(1<<i) == 0 {
			free = append(free, i)
		}
	}
	witness, found := uint64(0), false
	for m := uint64(0); m < 1<<len(free); m++ {
		var assign uint64
		for j, i := range free {
			if m&(1<<j) != 0 {
				assign |= 1 << i
			}
		}
		if c.root.eval(assign) && (!found || bits.OnesCount64(assign) < bits.OnesCount64(witness)) {
			witness, found = assign, true
		}
	}
	why := ""
	if found {
		why = c.describe(witness, free)
	}
	c.proof[known] = why
	return why
}

// describe says under which assignment of the free atoms the condition
// holds.
func (c *condition) describe(witness uint64, free []int) string {
	var on, off []string
	for _, i := range free {
		if witness&(1<<i) != 0 {
			on = append(on, c.atoms[i].text)
		} else {
			off = append(off, c.atoms[i].text)
		}
	}
	var why string
	switch {
	case len(on) > 0:
		why = "its condition holds without the cleared matches when " + strings.Join(on, " and ")
	case len(off) > 0:
		why = "its condition holds without the cleared matches when none of " + strings.Join(off, ", ") + " holds"
	default:
		why = "its condition holds without any match"
	}
	for _, a := range c.atoms {
		if a.hidesMatch {
			why += fmt.Sprintf("; it reads a list match in %s, which the console does not take apart", a.text)
			break
		}
	}
	return why
}

// matchesFalse returns the match atoms of c that alert a's explanation
// shows false, as a bit per atom, with cleared (the active clearings)
// taken as not matching. A match atom the explanation does not give is
// unknown, as is a match not cleared. The explanation names a fuzzy
// match's best entity only, and once that is cleared another entity of
// the list may still reach the threshold: such an atom is false only
// when the party's name, scored again against the pack's list (lists)
// with every entity cleared for the account left out, falls below it;
// notes say why an atom with a cleared best entity stays unknown.
func (c *condition) matchesFalse(a *store.Alert, expl map[string]json.RawMessage, cleared map[matchKey]*store.Clearing, lists sanctionsLists) (known uint64, notes []string) {
	for i, at := range c.atoms {
		m := at.match
		if m == nil {
			continue
		}
		account := partyAccount(a, m.Field)
		if m.Score {
			match, ok := decodeScore(expl["sanctions_match("+m.Field+", "+m.List+")"])
			switch {
			case !ok:
			case m.below(match.Score):
				known |= 1 << i
			case match.EntityID != "" && account != "" && cleared[matchKey{account, match.List, match.EntityID}] != nil:
				next, why := lists.rescore(m.List, partyName(expl, m.Field), account, cleared)
				switch {
				case why != "":
					notes = append(notes, fmt.Sprintf("%s: %s", at.text, why))
				case m.below(next.Score):
					known |= 1 << i
				default:
					notes = append(notes, at.text+": "+next.stillScores())
				}
			}
			continue
		}
		raw, ok := expl["name_match("+m.Field+", "+m.List+")"]
		if !ok {
			continue
		}
		var listed any
		if json.Unmarshal(raw, &listed) != nil {
			continue
		}
		switch v := listed.(type) {
		case bool:
			if !v {
				known |= 1 << i
			}
		case string:
			if strings.TrimSpace(v) != "" && account != "" && cleared[matchKey{account, m.List, v}] != nil {
				known |= 1 << i
			}
		}
	}
	return known, notes
}

// below reports whether score misses the atom's threshold.
func (m *matchAtom) below(score float64) bool {
	return score < m.Threshold || m.Strict && score == m.Threshold
}

// decodeScore reads a sanctions_match explanation entry that holds a
// score, with or without an entity (a name that resembles nothing scores
// 0); not ok for a missing entry.
func decodeScore(raw json.RawMessage) (m listedMatch, ok bool) {
	var probe struct {
		Score *float64 `json:"score"`
	}
	if raw == nil || json.Unmarshal(raw, &probe) != nil || probe.Score == nil || json.Unmarshal(raw, &m) != nil {
		return m, false
	}
	return m, true
}

// partyAccount is the account of the party whose name field is.
func partyAccount(a *store.Alert, field string) string {
	switch field {
	case "debtor.name":
		return a.DebtorAccount
	case "creditor.name":
		return a.CreditorAccount
	}
	return ""
}

// unclosable says why active clearings cannot close alert a: its rule
// version is not the running pack's, or its condition can hold with the
// cleared matches taken as not matching. "" when they close it. lists
// are the pack's sanctions lists, against which a cleared fuzzy match is
// scored again (matchesFalse).
func (rc ruleConditions) unclosable(a *store.Alert, active map[matchKey]*store.Clearing, lists sanctionsLists) string {
	c, ok := rc[ruleKey{a.RuleID, int(a.RuleVersion)}]
	if !ok {
		if len(rc) == 0 {
			return "the console runs without the rule pack (--rules), so it cannot check what else the rule tested"
		}
		return fmt.Sprintf("%s v%d is not in the running pack, so the console cannot check what else it tested", a.RuleID, a.RuleVersion)
	}
	var expl map[string]json.RawMessage
	if json.Unmarshal(a.Explanation, &expl) != nil {
		return "its explanation does not read"
	}
	known, notes := c.matchesFalse(a, expl, active, lists)
	why := c.falseWithout(known)
	if why != "" && len(notes) > 0 {
		why += "; " + strings.Join(notes, "; ")
	}
	return why
}
