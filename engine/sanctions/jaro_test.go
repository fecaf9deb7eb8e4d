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
