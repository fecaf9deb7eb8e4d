package engine

import (
	"math/bits"
	"slices"
)

// RuleIndex finds the rules whose guards can hold for a transaction without
// visiting the others, in the manner of Esper's filter index: each rule is
// filed under one of its guards (a string field equal to a literal, a
// number field or aggregate against a threshold, a bool field), and a copy
// looks up each filed field once: a hash look-up for equality, a walk of
// the satisfied end of a sorted threshold list for ranges. A disjunction
// is filed under one guard of each side (Rule.AnyOf). Rules with no guard
// the index can use are always selected. Selection is only a
// shortcut: every selected rule still tests all its guards, and a rule
// left out has a guard that fails, so the alerts are those of visiting
// every rule. Not safe for concurrent use (it keeps its selection buffer);
// a screener builds one per perspective.
type RuleIndex struct {
	rules  []int   // the indexed rules (RuleSet.Rules indices), ascending
	always []int32 // positions in rules with no indexed guard
	eqs    []eqIndex
	ranges []rangeIndex
	bools  []boolIndex
	set    []uint64 // selection bitset over positions
	out    []int
}

type eqIndex struct {
	field *Field
	rules map[string][]int32
}

type boolIndex struct {
	field *Field
	rules []int32
}

// rangeIndex files threshold guards on one number field or aggregate:
// above holds the lower bounds (v >= k, v > k) by k ascending, below the
// upper bounds (v <= k, v < k) by k descending, so the rules a value
// satisfies are a prefix of each.
type rangeIndex struct {
	field        *Field // nil for an aggregate
	agg          int
	above, below []bound
}

type bound struct {
	k      float64
	strict bool
	pos    int32
}

// NewRuleIndex indexes rs.Rules[i] for each i in rules (ascending).
func NewRuleIndex(rs *RuleSet, rules []int) *RuleIndex {
	x := &RuleIndex{rules: rules, set: make([]uint64, (len(rules)+63)/64)}
	for pos, ri := range rules {
		r := &rs.Rules[ri]
		var filed []*Guard
		if g := indexGuard(r.Guards); g != nil {
			filed = []*Guard{g}
		} else {
			for _, side := range r.AnyOf {
				g := indexGuard(side)
				if g == nil {
					filed = nil // a side that always may hold
					break
				}
				filed = append(filed, g)
			}
		}
		if len(filed) == 0 {
			x.always = append(x.always, int32(pos))
		}
		for _, g := range filed {
			x.file(int32(pos), g)
		}
	}
	for i := range x.ranges {
		r := &x.ranges[i]
		slices.SortStableFunc(r.above, func(a, b bound) int { return cmpFloat(a.k, b.k) })
		slices.SortStableFunc(r.below, func(a, b bound) int { return cmpFloat(b.k, a.k) })
	}
	return x
}

// file adds the rule at position p under guard g.
func (x *RuleIndex) file(p int32, g *Guard) {
	switch {
	case g.Op == GuardTrue:
		i := slices.IndexFunc(x.bools, func(b boolIndex) bool { return b.field == g.Field })
		if i < 0 {
			i = len(x.bools)
			x.bools = append(x.bools, boolIndex{field: g.Field})
		}
		x.bools[i].rules = append(x.bools[i].rules, p)
	case g.Op == GuardEQ && g.Field != nil && g.Field.Kind == KindString:
		i := slices.IndexFunc(x.eqs, func(e eqIndex) bool { return e.field == g.Field })
		if i < 0 {
			i = len(x.eqs)
			x.eqs = append(x.eqs, eqIndex{field: g.Field, rules: map[string][]int32{}})
		}
		x.eqs[i].rules[g.S] = append(x.eqs[i].rules[g.S], p)
	default:
		field := g.Field
		if g.Agg >= 0 {
			field = nil
		}
		i := slices.IndexFunc(x.ranges, func(r rangeIndex) bool { return r.field == field && (field != nil || r.agg == g.Agg) })
		if i < 0 {
			i = len(x.ranges)
			x.ranges = append(x.ranges, rangeIndex{field: field, agg: g.Agg})
		}
		r := &x.ranges[i]
		switch g.Op {
		case GuardGE, GuardEQ: // v == k implies v >= k
			r.above = append(r.above, bound{k: g.K, pos: p})
		case GuardGT:
			r.above = append(r.above, bound{k: g.K, strict: true, pos: p})
		case GuardLE:
			r.below = append(r.below, bound{k: g.K, pos: p})
		case GuardLT:
			r.below = append(r.below, bound{k: g.K, strict: true, pos: p})
		}
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// indexGuard picks the guard a rule is filed under: a string equality
// (most selective: one value of many), else a threshold on an aggregate
// (counts and sums of one account are mostly below rule thresholds), else
// a threshold on a field, else a bool field; nil when the rule has none
// (only != guards, comparisons of two values of the record, or no guards).
func indexGuard(gs []Guard) *Guard {
	rank := func(g *Guard) int {
		switch {
		case g.Op == GuardNE, g.Vs != nil:
			return 0
		case g.Op == GuardTrue:
			return 1
		case g.Field != nil && g.Field.Kind == KindString:
			if g.Op == GuardEQ {
				return 4
			}
			return 0
		case g.K != g.K:
			return 0 // a NaN threshold never holds; it cannot be sorted either
		case g.Agg >= 0:
			return 3
		}
		return 2
	}
	var best *Guard
	for i := range gs {
		if r := rank(&gs[i]); r > 0 && (best == nil || r > rank(best)) {
			best = &gs[i]
		}
	}
	return best
}

func (x *RuleIndex) add(p int32) { x.set[p>>6] |= 1 << (p & 63) }

// Select returns, ascending, the indexed rules whose filed guard holds for
// e, plus the rules filed under nothing. An aggregate marked in pending has
// no value yet (its where was false and it is read lazily): rules filed
// under it are selected. The slice is reused by the next call.
func (x *RuleIndex) Select(e *Env, pending []bool) []int {
	clear(x.set)
	mark := func(ps []int32) {
		for _, p := range ps {
			x.add(p)
		}
	}
	mark(x.always)
	for i := range x.bools {
		if x.bools[i].field.Bool(e) {
			mark(x.bools[i].rules)
		}
	}
	for i := range x.eqs {
		mark(x.eqs[i].rules[x.eqs[i].field.Str(e)])
	}
	for i := range x.ranges {
		r := &x.ranges[i]
		if r.field == nil && pending[r.agg] {
			for _, b := range r.above {
				x.add(b.pos)
			}
			for _, b := range r.below {
				x.add(b.pos)
			}
			continue
		}
		var v float64
		if r.field != nil {
			v = r.field.Num(e)
		} else {
			v = e.Agg[r.agg]
		}
		if v != v {
			continue // NaN satisfies no threshold
		}
		for _, b := range r.above {
			if b.k > v {
				break
			}
			if !b.strict || b.k < v {
				x.add(b.pos)
			}
		}
		for _, b := range r.below {
			if b.k < v {
				break
			}
			if !b.strict || v < b.k {
				x.add(b.pos)
			}
		}
	}
	x.out = x.out[:0]
	for w, word := range x.set {
		for word != 0 {
			x.out = append(x.out, x.rules[w<<6+bits.TrailingZeros64(word)])
			word &= word - 1
		}
	}
	return x.out
}
