package rules

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/socwatch/socwatch/engine/names"
)

// TestMatchNameSortedTokens checks the allocation-free sorted-token lookup
// against names.SortedTokens on names in any word order and case, short
// and long (past the stack buffers, where the general path must answer).
func TestMatchNameSortedTokens(t *testing.T) {
	l := &List{Names: true, values: map[string]struct{}{}}
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
		// The guard form passes the enriched, already normalised name.
		if got := l.MatchName(norm); got != want {
			t.Fatalf("MatchName(Normalize(%q)) = %v, MatchName(name) %v", name, got, want)
		}
		if norm == "" {
			continue
		}
		if found, ok := l.hasSortedTokens(norm); ok {
			fast++
			if found != sorted {
				t.Fatalf("hasSortedTokens(%q) = %v, SortedTokens lookup %v", norm, found, sorted)
			}
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
