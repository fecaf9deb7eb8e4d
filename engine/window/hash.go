package window

import "github.com/socwatch/socwatch/internal/fnv1a"

// HashString returns the 64-bit FNV-1a hash of s, the distinct-value hash
// callers pass to Observe for Distinct aggregates. It does not allocate and is
// the same in every process, so replays rebuild identical state.
func HashString(s string) uint64 { return fnv1a.Sum64(s) }
