package synth

import (
	"sort"
	"strings"
)

func slicesSort(s []float64) { sort.Float64s(s) }

// normName is the test's stand-in for the engine's name normalisation
// (case folded, whitespace collapsed); the watchlist names are ASCII, so
// diacritic stripping cannot create or hide a match against them.
func normName(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}
