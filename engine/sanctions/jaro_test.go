package sanctions

import (
	"math"
	"testing"
)

func TestJaroWinkler(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"martha", "marhta", 0.961},  // textbook values (Winkler 1990)
		{"dwayne", "duane", 0.840},   //
		{"dixon", "dicksonx", 0.767}, // length differs by 3: no prefix bonus
		{"putin", "putin", 1},
		{"", "x", 0},
		{"abc", "xyz", 0},
	}
	for _, tt := range tests {
		got := jaroWinkler(tt.a, tt.b)
		if math.Abs(got-tt.want) > 0.001 {
			t.Errorf("jw(%q,%q) = %.4f, want %.3f", tt.a, tt.b, got, tt.want)
		}
		if rev := jaroWinkler(tt.b, tt.a); math.Abs(rev-got) > 1e-12 {
			t.Errorf("not symmetric: %v vs %v", got, rev)
		}
	}
}

// checkAbove: jaroWinklerAbove is jaroWinkler's value whenever that
// exceeds floor, else that value or 0; it reports whether it cut.
func checkAbove(t *testing.T, a, b string, floor float64) (cut bool) {
	t.Helper()
	full, got := jaroWinkler(a, b), jaroWinklerAbove(a, b, floor)
	switch {
	case full > floor && got != full:
		t.Fatalf("jwAbove(%q, %q, %v) = %v, want %v", a, b, floor, got, full)
	case full <= floor && got != full && got != 0:
		t.Fatalf("jwAbove(%q, %q, %v) = %v, want %v or 0", a, b, floor, got, full)
	}
	return got != full
}

// TestJaroWinklerAbove compares the words of synthetic party names with
// each other at the floors tokenSim uses: every similarity above the
// floor comes out exact, and the letter-set bound does cut.
func TestJaroWinklerAbove(t *testing.T) {
	seen := map[string]bool{}
	var ws []string
	for _, n := range synthNames(300) {
		q := prepare(n)
		for _, tk := range q.toks {
			for _, w := range []string{tk.text, tk.phon, tk.skel} {
				if !seen[w] {
					seen[w] = true
					ws = append(ws, w)
				}
			}
		}
	}
	cuts, pairs := 0, 0
	for _, floor := range []float64{simFloor, simFloor / 0.95, 0.8 / 0.93, 0.95} {
		for i, a := range ws {
			for _, b := range ws[i:] {
				pairs++
				if checkAbove(t, a, b, floor) {
					cuts++
				}
			}
		}
	}
	t.Logf("%d words, %d comparisons, %d cut", len(ws), pairs, cuts)
	if cuts == 0 || cuts == pairs {
		t.Fatalf("%d of %d comparisons cut: the bound does nothing or everything", cuts, pairs)
	}
}

func FuzzJaroWinklerAbove(f *testing.F) {
	f.Add("kowalski", "kovalsky", 0.7)
	f.Add("maria", "marta", 0.9)
	f.Add("", "x", 0.1)
	f.Fuzz(func(t *testing.T, a, b string, floor float64) {
		checkAbove(t, a, b, floor)
	})
}

// adjustSimBound, which bounds use, is adjustSim within a far smaller
// distance than boundMargin over every similarity (a bound may be that
// much below a score and still keep the candidate).
func TestAdjustSimBound(t *testing.T) {
	const steps = 1 << 20
	for i := 0; i <= steps; i++ {
		s := float64(i) / steps
		if d := math.Abs(adjustSimBound(s) - adjustSim(s)); d > boundMargin/1e4 {
			t.Fatalf("adjustSimBound(%v) = %v, adjustSim %v: %v apart", s, adjustSimBound(s), adjustSim(s), d)
		}
	}
}
