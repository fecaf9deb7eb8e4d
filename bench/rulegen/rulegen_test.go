package rulegen

import (
	"fmt"
	"strings"
	"testing"

	"github.com/socwatch/socwatch/rules"
)

func TestMutate(t *testing.T) {
	tests := []struct {
		name, when string
		k          int
		want       string
	}{
		{"variant 0 is the original", `amount_eur >= 15000 && debtor.country == "PL"`, 0, `amount_eur >= 15000 && debtor.country == "PL"`},
		{"integer threshold scaled and rounded", `amount_eur >= 15000`, 10, `amount_eur >= 19500`},
		{"fraction keeps decimals", `sent_24h >= 0.8 * received_24h`, 10, `sent_24h >= 1.04 * received_24h`},
		{"both bounds of a band", `amount_eur >= 9000 && amount_eur < 15000`, 1, `amount_eur >= 9270 && amount_eur < 15450`},
		{"countries rotate", `debtor.country == "PL" && creditor.country == "NO"`, 2, `debtor.country == "DE" && creditor.country == "SE"`},
		{"unknown country still rotates into the list", `debtor.country == "ZZ"`, 1, `debtor.country == "` + countries[(int('Z')+int('Z')+1)%len(countries)] + `"`},
		{"currency and channel untouched", `currency == "NOK" && channel == "cash_deposit"`, 5, `currency == "NOK" && channel == "cash_deposit"`},
		{"function arguments untouched", `is_round(amount, 1000)`, 5, `is_round(amount, 1000)`},
		{"no space after operator", `x>=100`, 10, `x>=130`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Mutate(tt.when, tt.k); got != tt.want {
				t.Fatalf("Mutate(%q, %d) = %q, want %q", tt.when, tt.k, got, tt.want)
			}
		})
	}
}

func TestVariants(t *testing.T) {
	base := []*rules.RuleDecl{
		{ID: "A", Name: "a", When: "amount_eur >= 100", Version: 2, Perspective: "debtor"},
		{ID: "B", Name: "b", When: `debtor.country == "PL"`, Version: 1},
	}
	vs, err := Variants(base, 5)
	if err != nil {
		t.Fatal(err)
	}
	wantIDs := []string{"A-G0000", "B-G0001", "A-G0002", "B-G0003", "A-G0004"}
	wantWhen := []string{"amount_eur >= 100", `debtor.country == "PL"`, "amount_eur >= 103", `debtor.country == "NO"`, "amount_eur >= 106"}
	for i, v := range vs {
		if v.ID != wantIDs[i] || v.When != wantWhen[i] {
			t.Errorf("variant %d = %s %q, want %s %q", i, v.ID, v.When, wantIDs[i], wantWhen[i])
		}
	}
	if vs[0].Version != 2 || vs[0].Perspective != "debtor" {
		t.Errorf("variant lost version or perspective: %+v", vs[0])
	}
	if base[0].ID != "A" || base[0].When != "amount_eur >= 100" {
		t.Errorf("Variants changed its input: %+v", base[0])
	}
	for _, n := range []int{0, -1} {
		if _, err := Variants(base, n); err == nil {
			t.Errorf("Variants(%d): want error", n)
		}
	}
	if _, err := Variants(nil, 3); err == nil {
		t.Error("Variants of no rules: want error")
	}
}

// TestGeneratedPacksCompile writes packs from the shipped default pack and
// loads them with the real compiler: every variant must be a valid rule.
func TestGeneratedPacksCompile(t *testing.T) {
	src, err := rules.Parse("../../rules/packs/aml-core")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{10, 100, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			path, err := WritePack(src, n, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			rs, err := rules.Load(path, rules.Options{})
			if err != nil {
				t.Fatalf("load generated pack: %v", err)
			}
			if len(rs.Rules) != n {
				t.Fatalf("%d rules, want %d", len(rs.Rules), n)
			}
			if len(rs.Aggregates) != len(src.Aggregates) {
				t.Fatalf("%d aggregates, want the source's %d", len(rs.Aggregates), len(src.Aggregates))
			}
			seen := map[string]bool{}
			changed := 0
			for i, r := range rs.Rules {
				if seen[r.ID] {
					t.Fatalf("duplicate id %s", r.ID)
				}
				seen[r.ID] = true
				if i >= len(src.Rules) && !strings.HasSuffix(r.ID, fmt.Sprintf("G%04d", i)) {
					t.Fatalf("rule %d has id %s", i, r.ID)
				}
			}
			data, _ := Marshal(src, n)
			for _, r := range src.Rules {
				if !strings.Contains(string(data), r.When) {
					changed++
				}
			}
			if n > len(src.Rules) && changed == len(src.Rules) {
				t.Fatal("variant 0 of each rule should keep its original expression")
			}
		})
	}
}

func FuzzMutate(f *testing.F) {
	f.Add(`amount_eur >= 9000 && amount_eur < 15000 && debtor.country == "PL"`, 3)
	f.Add(`x >= 1.5`, 1)
	f.Fuzz(func(t *testing.T, when string, k int) {
		if Mutate(when, 0) != when {
			t.Fatal("variant 0 changed the expression")
		}
		out := Mutate(when, k%1000)
		if strings.Count(out, `"`) != strings.Count(when, `"`) {
			t.Fatalf("Mutate changed the number of quotes: %q -> %q", when, out)
		}
	})
}
