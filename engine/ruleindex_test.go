package engine

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRuleIndexSelectsEveryRuleWhoseGuardsHold: on random guard sets (and
// disjunctions of them) and
// random transactions, every rule whose guards all hold is selected (the
// index is sound), the selection is ascending, and rules whose filed guard
// fails are left out (the index does its job). Aggregates marked pending
// select the rules filed under them.
func TestRuleIndexSelectsEveryRuleWhoseGuardsHold(t *testing.T) {
	amount, currency, cross := Fields["amount_eur"], Fields["currency"], Fields["cross_border"]
	rng := rand.New(rand.NewPCG(3, 4))
	ks := []float64{0, 1, 2.5, 3, 1000, 15000, math.NaN(), math.Inf(1)}
	randGuard := func() Guard {
		k := ks[rng.IntN(len(ks))]
		op := GuardOp(1 + rng.IntN(int(GuardNE)))
		switch rng.IntN(4) {
		case 0:
			return Guard{Op: op, Agg: -1, Field: amount, K: k}
		case 1:
			return Guard{Op: op, Agg: rng.IntN(2), K: k}
		case 2:
			ops := []GuardOp{GuardEQ, GuardNE}
			return Guard{Op: ops[rng.IntN(2)], Agg: -1, Field: currency, S: []string{"EUR", "NOK", ""}[rng.IntN(3)]}
		}
		return Guard{Op: GuardTrue, Agg: -1, Field: cross}
	}
	rs := &RuleSet{}
	var all []int
	for i := range 400 {
		r := Rule{ID: "R"}
		for range rng.IntN(4) {
			r.Guards = append(r.Guards, randGuard())
		}
		if len(r.Guards) == 0 && rng.IntN(2) == 0 { // a disjunction
			for range 2 + rng.IntN(2) {
				var side []Guard
				for range rng.IntN(3) {
					side = append(side, randGuard())
				}
				r.AnyOf = append(r.AnyOf, side)
			}
		}
		rs.Rules = append(rs.Rules, r)
		if i%5 != 0 { // the index covers a subset of the set's rules
			all = append(all, i)
		}
	}
	x := NewRuleIndex(rs, all)
	left := 0
	for range 2000 {
		e := &Env{Agg: []float64{ks[rng.IntN(len(ks))], -ks[rng.IntN(len(ks))]}}
		e.AmountEURF = ks[rng.IntN(len(ks))]
		e.Currency = []string{"EUR", "NOK", "SEK"}[rng.IntN(3)]
		e.CrossBorder = rng.IntN(2) == 0
		pending := []bool{rng.IntN(3) == 0, false}
		sel := x.Select(e, pending)
		in := map[int]bool{}
		for i, ri := range sel {
			if i > 0 && sel[i-1] >= ri {
				t.Fatalf("selection %v not ascending", sel)
			}
			in[ri] = true
		}
		for _, ri := range all {
			can := func(gs []Guard) bool {
				for _, g := range gs {
					if (g.Agg < 0 || !pending[g.Agg]) && !g.Holds(e) {
						return false
					}
				}
				return true
			}
			r := &rs.Rules[ri]
			holds := can(r.Guards)
			if len(r.AnyOf) > 0 {
				holds = slices.ContainsFunc(r.AnyOf, can)
			}
			if holds && !in[ri] {
				t.Fatalf("rule %d (guards %+v) holds on %+v (pending %v) but was not selected", ri, rs.Rules[ri].Guards, e.Agg, pending)
			}
			if !holds && !in[ri] {
				left++
			}
		}
	}
	if left == 0 {
		t.Fatal("the index never left a rule out")
	}
}
