package sanctions

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func smallMatcher() *Matcher {
	return NewMatcher([]Entity{
		{ID: "1", List: "a", Name: "KOWALSKI, Jan", Type: TypePerson},
		{ID: "2", List: "b", Name: "Fjord Shipping AS", Aliases: []string{"Fjord Shipping ASA"}, Type: TypeCompany},
		{ID: "3", List: "b", Name: "Bjørn Ødegård", Aliases: []string{"Бьорн Одегор"}, Type: TypePerson},
		{ID: "4", List: "a", Name: "Kraków Trans Sp. z o.o.", Type: TypeCompany},
	}, Options{})
}

func TestBest(t *testing.T) {
	m := smallMatcher()
	tests := []struct {
		query, list string
		wantID      string // "" = no hit at the default threshold
		wantAlias   string
	}{
		{"Jan Kowalski", "", "1", "KOWALSKI, Jan"},       // token order
		{"JAN KOWALSKY", "", "1", "KOWALSKI, Jan"},       // spelling
		{"Jan Kowalski", "a", "1", "KOWALSKI, Jan"},      // list filter
		{"Jan Kowalski", "b", "", ""},                    // other list
		{"Jan Kowalski", "nope", "", ""},                 // unknown list
		{"fjord shipping", "", "2", "Fjord Shipping AS"}, // suffix removed
		{"Bjorn Odegard", "", "3", "Bjørn Ødegård"},      // diacritics
		{"Бьорн Одегор", "", "3", "Бьорн Одегор"},        // Cyrillic alias
		{"Krakow Trans SA", "", "4", "Kraków Trans Sp. z o.o."},
		{"Anna Nowak", "", "", ""},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s", tt.query, tt.list), func(t *testing.T) {
			for range 2 { // the second round answers from the cache
				r := m.Best(tt.query, tt.list)
				hit := r.Score >= DefaultThreshold
				if tt.wantID == "" {
					if hit {
						t.Fatalf("unexpected hit %+v", r)
					}
					continue
				}
				if !hit || r.EntityID != tt.wantID || r.Alias != tt.wantAlias {
					t.Fatalf("got %+v, want entity %s via %q", r, tt.wantID, tt.wantAlias)
				}
				if m.Score(tt.query, tt.list) != r.Score {
					t.Fatal("Score differs from Best")
				}
			}
		})
	}
}

func TestCacheHitDoesNotAllocate(t *testing.T) {
	m := smallMatcher()
	m.Best("Jan Kowalski", "")
	allocs := testing.AllocsPerRun(1000, func() { m.Best("Jan Kowalski", "") })
	if allocs != 0 {
		t.Fatalf("%v allocations per cache hit", allocs)
	}
}

func TestCacheBounded(t *testing.T) {
	m := NewMatcher(smallMatcher().Entities(), Options{CacheSize: 64})
	for i := range 10000 {
		m.Best(fmt.Sprintf("name %d", i), "")
	}
	n := 0
	for i := range m.caches[0].shards {
		s := &m.caches[0].shards[i]
		n += len(s.cur) + len(s.old)
	}
	if n > 2*64 {
		t.Fatalf("cache holds %d entries, bound is 64 per generation", n)
	}
	if r := m.Best("Jan Kowalski", ""); r.EntityID != "1" {
		t.Fatalf("after eviction: %+v", r)
	}
}

// TestConcurrentUse runs several workers over one Matcher (for -race).
func TestConcurrentUse(t *testing.T) {
	m := smallMatcher()
	want := m.Best("Jan Kowalski", "")
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				if r := m.Best("Jan Kowalski", ""); r != want {
					t.Errorf("worker %d: %+v", w, r)
					return
				}
				m.Best(fmt.Sprintf("other %d %d", w, i), "b")
			}
		}()
	}
	wg.Wait()
}

// TestRunTogether: split and run-together romanisations meet through the
// matcher's index (the query's run-together form is looked up when it has
// a short word), both ways round.
func TestRunTogether(t *testing.T) {
	m := NewMatcher([]Entity{
		{ID: "1", List: "a", Name: "XIJINPING", Type: TypePerson},
		{ID: "2", List: "a", Name: "ABDULLAH", Type: TypePerson},
		{ID: "3", List: "a", Name: "Li Ming", Type: TypePerson},
		{ID: "4", List: "a", Name: "KOWALSKI, Jan", Type: TypePerson},
	}, Options{CacheSize: -1})
	for _, tt := range []struct{ query, wantID string }{
		{"Xi Jinping", "1"},
		{"Abd Allah", "2"},
		{"Liming", "3"},
		{"Jan Kowalski", "4"},
	} {
		if r := m.Best(tt.query, ""); r.EntityID != tt.wantID || r.Score < 0.7 {
			t.Errorf("%q: got %+v, want entity %s at ≥ 0.7", tt.query, r, tt.wantID)
		}
	}
}

// TestScoreBoundBoundsScore: the bound by which compute skips candidates
// is never below the score (beyond boundMargin), and is 0 only where the
// score is 0, for synthetic party names, listed names and the
// putin_names spellings against listed names (many of them alike).
func TestScoreBoundBoundsScore(t *testing.T) {
	ents := append(loadShipped(t), loadEUFixture(t)...)
	var listed []query
	for i := 0; i < len(ents); i += 97 {
		for _, n := range append([]string{ents[i].Name}, ents[i].Aliases...) {
			if q := prepare(n); len(q.toks) > 0 {
				listed = append(listed, q)
			}
		}
	}
	queries := synthNames(300)
	for i := 0; i < len(ents); i += 211 {
		queries = append(queries, ents[i].Name)
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "putin_names.txt"))
	if err != nil {
		t.Fatal(err)
	}
	queries = append(queries, strings.Split(string(raw), "\n")...)
	var pairs, positive int
	for _, name := range queries {
		q := prepare(name)
		if len(q.toks) == 0 {
			continue
		}
		for k := range listed {
			score, bestQ := comparePrepared(&q, &listed[k])
			bound := q.scoreBound(bestQ[:min(len(q.toks), maxWords)], shapeOf(listed[k].toks))
			pairs++
			if score > 0 {
				positive++
			}
			if bound < score-boundMargin || bound == 0 && score != 0 {
				t.Fatalf("%q ~ %q: bound %v, score %v", name, tokenTexts(listed[k].toks), bound, score)
			}
		}
	}
	t.Logf("%d pairs, %d with a score above 0", pairs, positive)
	if positive < pairs/100 {
		t.Fatalf("only %d of %d pairs score above 0: the test compares too few alike names", positive, pairs)
	}
}

// TestBestExcept: a name close to two entities scores the second's score
// once the best is left out, and below the threshold once both are; the
// skip names an entity by list and id (ids repeat across lists). The
// cached Best is not changed by it.
func TestBestExcept(t *testing.T) {
	m := NewMatcher([]Entity{
		{ID: "7", List: "a", Name: "KOVALENKO, Andriy", Type: TypePerson},
		{ID: "8", List: "b", Name: "KOVALENKO, Andrey", Type: TypePerson},
		{ID: "7", List: "b", Name: "Fjord Shipping AS", Type: TypeCompany},
	}, Options{})
	const name = "Andriy Kovalenko"
	best := m.Best(name, "")
	// The second entity's score as the matcher scores it: the best of
	// its list.
	second := m.Best(name, "b")
	if best.EntityID != "7" || best.List != "a" || best.Score < DefaultThreshold ||
		second.EntityID != "8" || second.Score < DefaultThreshold || second.Score >= best.Score {
		t.Fatalf("best %+v, second %+v: want a/7 first, b/8 second, both hits", best, second)
	}
	skipping := func(keys ...string) func(list, id string) bool {
		return func(list, id string) bool { return slices.Contains(keys, list+"/"+id) }
	}
	tests := []struct {
		name    string
		skip    func(list, id string) bool
		list    string
		wantID  string
		wantLst string
		score   float64 // wanted score; -1: below the threshold
	}{
		{"nothing skipped", skipping(), "", "7", "a", best.Score},
		{"best skipped: the second", skipping("a/7"), "", "8", "b", second.Score},
		{"same id on another list skipped: still the best", skipping("b/7"), "", "7", "a", best.Score},
		{"both skipped", skipping("a/7", "b/8"), "", "", "", -1},
		{"list filter, its hit skipped", skipping("b/8"), "b", "", "", -1},
		{"unknown list", skipping(), "nope", "", "", -1},
	}
	for _, tc := range tests {
		got := m.BestExcept(name, tc.list, tc.skip)
		if tc.score < 0 {
			if got.Score >= DefaultThreshold {
				t.Errorf("%s: %+v, want below %v", tc.name, got, DefaultThreshold)
			}
			continue
		}
		if got.EntityID != tc.wantID || got.List != tc.wantLst || got.Score != tc.score {
			t.Errorf("%s: %+v, want %s/%s scoring %v", tc.name, got, tc.wantLst, tc.wantID, tc.score)
		}
	}
	if again := m.Best(name, ""); again != best {
		t.Errorf("Best after BestExcept: %+v, want %+v", again, best)
	}
}
