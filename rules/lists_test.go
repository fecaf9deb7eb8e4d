package rules

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/enrich"
	"github.com/socwatch/socwatch/engine/names"
	"github.com/socwatch/socwatch/internal/synth"
)

// TestMatchNameSortedTokens checks the allocation-free sorted-token lookup
// against names.SortedTokens on names in any word order and case, short
// and long (past the stack buffers, which then grow on the heap).
func TestMatchNameSortedTokens(t *testing.T) {
	l := newList("t", true)
	for _, v := range []string{"Jan Kowalski", "Bjørn Ødegård", "AL-QAIDA Network", "O'Brien Sean Patrick", "Zz"} {
		l.add(v)
	}
	vocab := []string{"jan", "KOWALSKI", "Bjørn", "ødegård", "al-qaida", "NETWORK", "o'brien", "Sean", "patrick", "zz", "a1", "x"}
	rnd := rand.New(rand.NewPCG(7, 9))
	fast, general, matched := 0, 0, 0
	for i := 0; i < 20000; i++ {
		n := 1 + rnd.IntN(4)
		if i%50 == 0 {
			n = 17 + rnd.IntN(10) // more words than the stack buffer
		}
		words := make([]string, n)
		for j := range words {
			words[j] = vocab[rnd.IntN(len(vocab))]
			if i%97 == 0 {
				words[j] = strings.Repeat(words[j], 40) // longer than the byte buffer
			}
		}
		name := strings.Join(words, []string{" ", "  ", ", "}[rnd.IntN(3)])
		norm := names.Normalize(name)
		_, exact := l.values[norm]
		_, sorted := l.values[names.SortedTokens(norm)]
		want := norm != "" && (exact || sorted)
		if got := l.MatchName(name); got != want {
			t.Fatalf("MatchName(%q) = %v, want %v", name, got, want)
		}
		// Call sites (guard and VM alike) pass the enriched, already
		// normalised name.
		if got := l.MatchName(norm); got != want {
			t.Fatalf("MatchName(Normalize(%q)) = %v, MatchName(name) %v", name, got, want)
		}
		if norm == "" {
			continue
		}
		// The sorted tokens MatchName looks up, against the toks of norm
		// sorted and joined the slow way.
		var buf [256]byte
		b := names.AppendSortedTokens(buf[:0], norm)
		toks := strings.Fields(norm)
		slices.Sort(toks)
		if string(b) != strings.Join(toks, " ") {
			t.Fatalf("AppendSortedTokens(%q) = %q, want %q", norm, b, strings.Join(toks, " "))
		}
		if _, found := l.values[string(b)]; found != sorted {
			t.Fatalf("AppendSortedTokens(%q) lookup %v, SortedTokens lookup %v", norm, found, sorted)
		}
		if len(toks) <= 16 && &b[0] == &buf[0] {
			fast++ // within the stack buffers
		} else {
			general++
		}
		if want {
			matched++
		}
	}
	if fast == 0 || general == 0 || matched < 100 {
		t.Fatalf("fast path %d, general path %d, matches %d: the check proves little", fast, general, matched)
	}
	if a := testing.AllocsPerRun(100, func() { l.MatchName("kowalski jan") }); a != 0 {
		t.Errorf("MatchName of a normalised two-word name allocates %.0f times, want 0", a)
	}
}

// TestNameMatchCallSiteOnce: a rule whose name_match guard holds and whose
// program still runs in the VM calls MatchName once per record, the guard
// and the VM passing the same argument (the normalised name) to the one
// memo slot.
func TestNameMatchCallSiteOnce(t *testing.T) {
	l := newList("l", true)
	l.add("Jan Kowalski")
	lists := map[string]*List{"l": l}
	sites := newCallSites(lists)
	opts := Options{}
	opts.defaults()
	base := append([]expr.Option{expr.Env(engine.Env{})}, functions(lists, opts.FX, sites)...)
	src := `name_match(debtor.name, "l") && abs(amount_eur) > 1`
	prog, err := compileBool(src, base, opts, lists, sites, nil)
	if err != nil {
		t.Fatal(err)
	}
	gs := guards(src, nil, sites)
	if len(gs) != 1 || native(src, nil, sites) != nil || len(sites.calls) != 1 {
		t.Fatalf("%d guards, %d call sites, native %v: want one guard, one site, the VM", len(gs), len(sites.calls), native(src, nil, sites) != nil)
	}
	calls := 0
	f := sites.calls[0]
	sites.calls[0] = func(s string) float64 { calls++; return f(s) }
	env := &engine.Env{}
	en := enrich.New(nil)
	amount, err := engine.ParseDecimal("100")
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"KOWALSKI, Jan", "Anna Nowak", "Ødegård Bjørn"} {
		env.Tx = engine.Tx{TxID: "t", TS: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), Amount: amount, Currency: "EUR", Debtor: engine.Party{Name: name}}
		if err := en.Enrich(&env.Tx); err != nil {
			t.Fatal(err)
		}
		env.Flatten()
		hold := gs[0].Holds(env)
		out, err := expr.Run(prog, env)
		if err != nil {
			t.Fatal(err)
		}
		if hold != (i == 0) || out != (i == 0) {
			t.Fatalf("%q: guard %v, program %v", name, hold, out)
		}
		if calls != i+1 {
			t.Fatalf("%q: MatchName ran %d times in %d records", name, calls, i+1)
		}
	}
}

// BenchmarkMatchName screens the normalised party names of a synthetic
// feed against the default pack's watchlist, as name_match does for both
// parties of every record.
func BenchmarkMatchName(b *testing.B) {
	d := &ListDecl{Name: "w", Kind: "names", File: "lists/sanctions_watchlist.txt", Pos: Pos{File: "packs/aml-core/sanctions.yaml"}}
	l, err := loadList(d, Limits{})
	if err != nil {
		b.Fatal(err)
	}
	g := synth.New(synth.Config{Seed: 3, Count: 5000})
	var tx engine.Tx
	var norms []string
	for {
		if _, ok := g.Next(&tx); !ok {
			break
		}
		norms = append(norms, names.Normalize(tx.Debtor.Name), names.Normalize(tx.Creditor.Name))
	}
	b.ResetTimer()
	for i := range b.N {
		l.MatchName(norms[i%len(norms)])
	}
}
