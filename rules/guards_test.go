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
		src  string
		want int
	}{
		{`amount_eur >= 9000 && amount_eur < 15000 && near >= 3`, 3},
		{`3 <= near && cross_border`, 2},
		{`gap >= 180 * 86400`, 1},
		{`channel == "cash_deposit" && debtor.country != "PL"`, 2},
		{`near >= 3 || amount_eur > 10`, 0}, // a disjunction guards nothing
		{`in_list(debtor.country, "x") && amount > 5`, 1},
		{`amount_eur > near`, 0},
	}
	for _, tc := range tests {
		if got := guards(tc.src, agg); len(got) != tc.want {
			t.Errorf("guards(%q) = %d, want %d", tc.src, len(got), tc.want)
		}
	}
}

// A guard is a necessary condition: whenever a rule's program is true, all
// its guards hold. Checked on the default pack over generated transactions
// with random aggregate values around the thresholds.
func TestGuardsNeverContradictProgram(t *testing.T) {
	rs, err := Load("packs/aml-core", Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := synth.New(synth.Config{Seed: 3, Count: 20000})
	en := enrich.New(nil)
	rnd := rand.New(rand.NewPCG(1, 2))
	env := &engine.Env{Agg: make([]float64, len(rs.Aggregates))}
	fired, checked := 0, 0
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
			checked++
			if out == true {
				fired++
				if !hold {
					t.Fatalf("rule %s true but a guard failed on %s", r.ID, env.TxID)
				}
			}
		}
	}
	if fired < 100 {
		t.Fatalf("only %d of %d evaluations fired: the check proves little", fired, checked)
	}
}
