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
		src   string
		want  int
		exact bool
	}{
		{`amount_eur >= 9000 && amount_eur < 15000 && near >= 3`, 3, true},
		{`3 <= near && cross_border`, 2, true},
		{`gap >= 180 * 86400`, 1, true},
		{`channel == "cash_deposit" && debtor.country != "PL"`, 2, true},
		{`near >= 3 || amount_eur > 10`, 0, false}, // a disjunction guards nothing
		{`in_list(debtor.country, "x") && amount > 5`, 1, false},
		{`amount_eur > near`, 1, true},
		{`amount >= 5000 && is_round(amount, 1000)`, 1, false},
		{`debtor.account != creditor.account`, 1, true},
		{`debtor.account == creditor.country && near < gap`, 2, true},
		{`near > 2 * gap && cross_border && gap * 0.5 <= near`, 3, true},
		{`near > gap / 2`, 0, false},
		{`debtor.account != creditor.account + "x"`, 0, false},
		{`near > 2 * amount_eur * gap`, 0, false},
		{`ts > near`, 0, false},
	}
	for _, tc := range tests {
		got, exact := guards(tc.src, agg, nil)
		if len(got) != tc.want || exact != tc.exact {
			t.Errorf("guards(%q) = %d guards, exact %v; want %d, exact %v", tc.src, len(got), exact, tc.want, tc.exact)
		}
	}
}

// A guard is a necessary condition: whenever a rule's program is true, all
// its guards hold, and for a disjunction (Rule.AnyOf, e.g. the sanctions
// rules' calls) the guards of one side do. For an exact rule or where
// filter (Rule.Exact, Aggregate.WhereExact) the guards holding is the
// program being true. Checked on the default pack over generated
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
	fired, checked, firedAnyOf, exactTrue, exactFalse := 0, 0, 0, 0, 0
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
			if r.Exact {
				if hold != (out == true) {
					t.Fatalf("exact rule %s: program %v, guards %v on %s", r.ID, out, hold, env.TxID)
				}
				if hold {
					exactTrue++
				} else {
					exactFalse++
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
			if !a.WhereExact {
				continue
			}
			out, err := expr.Run(a.Where, env)
			if err != nil {
				t.Fatal(err)
			}
			hold := true
			for j := range a.WhereGuards {
				hold = hold && a.WhereGuards[j].Holds(env)
			}
			if hold != (out == true) {
				t.Fatalf("exact where of %s: program %v, guards %v on %s", a.Name, out, hold, env.TxID)
			}
		}
	}
	if exactTrue < 100 || exactFalse < 100 {
		t.Fatalf("exact rules true %d, false %d times: the check proves little", exactTrue, exactFalse)
	}
	if fired < 100 || firedAnyOf == 0 {
		t.Fatalf("only %d of %d evaluations fired (%d disjunctions): the check proves little", fired, checked, firedAnyOf)
	}
}
