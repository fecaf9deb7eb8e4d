//go:build race

package kafka

// raceEnabled: the race detector drops a quarter of what sync.Pool is
// given, so allocation counts of pooled paths do not hold under it.
const raceEnabled = true
