package screen

import (
	"math/rand/v2"
	"testing"
)

// TestRecentCopiesMatchesMap runs the duplicate filter against a map and a
// ring (its previous implementation) over hashes drawn from a small range,
// so that duplicates, evictions, probe collisions and the hash 0 all occur.
func TestRecentCopiesMatchesMap(t *testing.T) {
	var r recentCopies
	ref := map[uint64]bool{}
	var ring []uint64
	rnd := rand.New(rand.NewPCG(3, 4))
	dups := 0
	for i := 0; i < 4*recentWindow; i++ {
		h := rnd.Uint64N(3 * recentWindow)
		if i%1000 == 0 {
			h = 0
		}
		want := ref[h]
		if !want {
			if len(ring) == recentWindow {
				delete(ref, ring[0])
				ring = ring[1:]
			}
			ring = append(ring, h)
			ref[h] = true
		}
		if got := r.seen(h); got != want {
			t.Fatalf("op %d: seen(%d) = %v, want %v", i, h, got, want)
		}
		if want {
			dups++
		}
	}
	stored := 0
	for _, v := range r.table {
		if v != 0 {
			stored++
		}
	}
	if r.zero {
		stored++
	}
	if stored != len(ref) || dups == 0 {
		t.Fatalf("table holds %d hashes, reference %d (%d duplicates seen)", stored, len(ref), dups)
	}
	for h := range ref {
		if !r.contains(h) {
			t.Fatalf("hash %d missing from the table", h)
		}
	}
}
