package sanctions

import (
	"fmt"
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
