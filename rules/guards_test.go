package rules

import (
	"math/rand/v2"
	"testing"

	"github.com/expr-lang/expr"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/enrich"
	"github.com/socwatch/socwatch/internal/synth"
)

func TestGuardsExtracted(t *testing.T) {
	agg := map[string]int{"near": 0, "gap": 1}
	tests := []struct {
		src    string
		want   int
		native bool // the whole expression is a native condition
	}{
		{`amount_eur >= 9000 && amount_eur < 15000 && near >= 3`, 3, true},
		{`3 <= near && cross_border`, 2, true},
		{`gap >= 180 * 86400`, 1, true},
		{`channel == "cash_deposit" && debtor.country != "PL"`, 2, true},
		{`near >= 3 || amount_eur > 10`, 0, true}, // a disjunction guards nothing
		{`amount_eur > 10 && (channel == "a" || channel == "b" && near > 1)`, 1, true},
		{`amount_eur > 10 && (channel == "a" || abs(near) > 1)`, 1, false},
		{`!cross_border`, 0, false},
		{`in_list(debtor.country, "x") && amount > 5`, 1, false},
		{`amount_eur > near`, 1, true},
		{`amount >= 5000 && is_round(amount, 1000)`, 2, true},
		{`is_round(amount, near)`, 0, false},
		{`is_round(debtor.name, 1000)`, 0, false},
		{`debtor.account != creditor.account`, 1, true},
		{`debtor.account == creditor.country && near < gap`, 2, true},
		{`near > 2 * gap && cross_border && gap * 0.5 <= near`, 3, true},
		{`near > gap / 2`, 0, false},
		{`debtor.account != creditor.account + "x"`, 0, false},
		{`near > 2 * amount_eur * gap`, 0, false},
		{`ts > near`, 0, false},
	}
	for _, tc := range tests {
		got, nat := guards(tc.src, agg, nil), native(tc.src, agg, nil)
		if len(got) != tc.want || (nat != nil) != tc.native {
			t.Errorf("guards(%q) = %d guards, native %v; want %d, native %v", tc.src, len(got), nat != nil, tc.want, tc.native)
		}
	}
}

// A guard is a necessary condition: whenever a rule's program is true, all
// its guards hold, and for a disjunction (Rule.AnyOf, e.g. the sanctions
// rules' calls) the guards of one side do. A native condition (Rule.Native,
// Aggregate.WhereNative) equals the program. Checked on the default pack over generated
// transactions with random aggregate values around the thresholds.
func TestGuardsNeverContradictProgram(t *testing.T) {
	rs, err := Load("packs/aml-core", Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := synth.New(synth.Config{Seed: 3, Count: 20000})
	en := enrich.New(nil)
	rnd := rand.New(rand.NewPCG(1, 2))
	env := &engine.Env{Agg: make([]float64, len(rs.Aggregates))}
	fired, checked, firedAnyOf, nativeTrue, nativeFalse := 0, 0, 0, 0, 0
	for {
		if _, ok := g.Next(&env.Tx); !ok {
			break
		}
		if en.Enrich(&env.Tx) != nil {
			continue
		}
		env.Flatten()
		for i := range env.Agg {
			env.Agg[i] = float64(rnd.IntN(20)) * []float64{1, 1000, 86400 * 30}[rnd.IntN(3)]
		}
		for i := range rs.Rules {
			r := &rs.Rules[i]
			out, err := expr.Run(r.When, env)
			if err != nil {
				t.Fatal(err)
			}
			hold := true
			for j := range r.Guards {
				hold = hold && r.Guards[j].Holds(env)
			}
			anySide := len(r.AnyOf) == 0
			for _, side := range r.AnyOf {
				all := true
				for j := range side {
					all = all && side[j].Holds(env)
				}
				anySide = anySide || all
			}
			checked++
			if r.Native != nil {
				nat := r.Native.Holds(env)
				if nat != (out == true) {
					t.Fatalf("native rule %s: program %v, native %v on %s", r.ID, out, nat, env.TxID)
				}
				if nat {
					nativeTrue++
				} else {
					nativeFalse++
				}
			}
			if out == true {
				fired++
				if !hold {
					t.Fatalf("rule %s true but a guard failed on %s", r.ID, env.TxID)
				}
				if !anySide {
					t.Fatalf("rule %s true but no side of its disjunction has its guards holding on %s", r.ID, env.TxID)
				}
				if len(r.AnyOf) > 0 {
					firedAnyOf++
				}
			}
		}
		for i := range rs.Aggregates {
			a := &rs.Aggregates[i]
			if a.WhereNative == nil {
				continue
			}
			out, err := expr.Run(a.Where, env)
			if err != nil {
				t.Fatal(err)
			}
			if nat := a.WhereNative.Holds(env); nat != (out == true) {
				t.Fatalf("native where of %s: program %v, native %v on %s", a.Name, out, nat, env.TxID)
			}
		}
	}
	if nativeTrue < 100 || nativeFalse < 100 {
		t.Fatalf("native rules true %d, false %d times: the check proves little", nativeTrue, nativeFalse)
	}
	if fired < 100 || firedAnyOf == 0 {
		t.Fatalf("only %d of %d evaluations fired (%d disjunctions): the check proves little", fired, checked, firedAnyOf)
	}
}
