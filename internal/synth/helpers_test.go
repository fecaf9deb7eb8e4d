package synth

import (
	"sort"

	"github.com/socwatch/socwatch/engine/names"
)

func slicesSort(s []float64) { sort.Float64s(s) }

// normName is the engine's matching form of a name.
func normName(s string) string { return names.Normalize(s) }
