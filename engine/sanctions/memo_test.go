package sanctions

import (
	"cmp"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestWordMemoChangesNothing: a matcher that memoises word candidates and
// similarities (memo.go) returns exactly the matches of one that computes
// everything per query, on first sight of a word and from a warm memo,
// with and without a list filter, with goroutines sharing the memo. The
// queries mix synthetic party names (words that recur in new
// combinations), listed names (many candidates) and the putin_names
// spellings in many scripts (abjad and non-abjad forms of one word).
func TestWordMemoChangesNothing(t *testing.T) {
	ents := append(loadShipped(t), loadEUFixture(t)...)
	memo := NewMatcher(ents, Options{CacheSize: -1})
	plain := NewMatcher(ents, Options{CacheSize: -1, WordMemo: -1})
	if memo.memos == nil || plain.memos != nil {
		t.Fatal("options did not switch the word memo")
	}
	queries := synthNames(1500)
	for i := 0; i < len(ents); i += 40 {
		queries = append(queries, ents[i].Name)
		queries = append(queries, ents[i].Aliases...)
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "putin_names.txt"))
	if err != nil {
		t.Fatal(err)
	}
	queries = append(queries, strings.Split(string(raw), "\n")...)
	want := make(map[[2]string]Match)
	for _, list := range []string{"", "un"} {
		for _, q := range queries {
			want[[2]string{q, list}] = plain.Best(q, list)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	diffs := 0
	for g := range 2 {
		wg.Go(func() {
			for round := range 2 { // first sight, then a warm memo
				for _, list := range []string{"", "un"} {
					for k := range queries {
						q := queries[(k+g*len(queries)/2)%len(queries)]
						if got, w := memo.Best(q, list), want[[2]string{q, list}]; got != w {
							mu.Lock()
							if diffs++; diffs <= 5 {
								t.Errorf("round %d, %q in %q: memo %+v, plain %+v", round, q, list, got, w)
							}
							mu.Unlock()
						}
					}
				}
			}
		})
	}
	wg.Wait()
	hits := 0
	for _, m := range want {
		if m.Score >= DefaultThreshold {
			hits++
		}
	}
	if hits == 0 {
		t.Fatal("no query hit: the comparison would not see a wrong score")
	}
	t.Logf("%d queries × 2 lists, %d hits, %d differences", len(queries), hits, diffs)
}

// TestSelectTop: selectTop keeps the same set as sorting by shared weight
// (ties by index) and cutting, for sizes around the cut and many ties,
// with few distinct shares and with more than kthHit tallies.
func TestSelectTop(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ n, k, distinct int }{{1, 1, 1}, {2, 1, 2}, {10, 3, 2}, {100, 8, 5}, {300, 50, 1000}, {257, 256, 3}, {1000, 100, 1}, {376, 98, 4}, {500, 100, maxDistinctHits}, {500, 100, maxDistinctHits + 1}} {
		cands := make([]cand, tc.n)
		for i := range cands {
			cands[i] = cand{ni: int32(i), hit: float64(rng.IntN(tc.distinct))}
		}
		rng.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
		want := slices.Clone(cands)
		slices.SortFunc(want, func(a, b cand) int {
			if c := cmp.Compare(b.hit, a.hit); c != 0 {
				return c
			}
			return cmp.Compare(a.ni, b.ni)
		})
		want = want[:tc.k]
		ties := make([]uint64, (tc.n+63)/64)
		got := slices.Clone(selectTop(cands, tc.k, ties))
		if slices.ContainsFunc(ties, func(w uint64) bool { return w != 0 }) {
			t.Errorf("n %d k %d distinct %d: ties bit set left non-zero", tc.n, tc.k, tc.distinct)
		}
		byIndex := func(a, b cand) int { return cmp.Compare(a.ni, b.ni) }
		slices.SortFunc(want, byIndex)
		slices.SortFunc(got, byIndex)
		if !slices.Equal(got, want) {
			t.Errorf("n %d k %d distinct %d: got %v, want %v", tc.n, tc.k, tc.distinct, got, want)
		}
	}
}
