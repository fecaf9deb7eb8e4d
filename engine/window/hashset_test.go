package window

import (
	"math/rand/v2"
	"testing"
)

// TestHashSetAdd compares hashSet with a map over sequences below and
// above the list's limit, with repeats and the hash 0, and reuses one set
// across them as a Store does.
func TestHashSetAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name   string
		n      int    // adds
		values uint64 // drawn from [0, values)
	}{
		{"empty", 0, 1},
		{"one", 1, 1},
		{"list with repeats", smallScanLimit, 5},
		{"list all distinct", smallScanLimit, 1 << 62},
		{"table with repeats and 0", 200, 50},
		{"table all distinct", 1000, 1 << 62},
		{"table after a larger one", 40, 30},
	}
	var s hashSet
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.reset(tt.n)
			want := map[uint64]bool{}
			for i := range tt.n {
				h := rng.Uint64N(tt.values)
				if i%7 == 0 {
					h = 0
				}
				if got := s.add(h); got != !want[h] {
					t.Fatalf("add %d (#%d): got new=%v, a map says %v", h, i, got, !want[h])
				}
				want[h] = true
			}
		})
	}
}
