//go:build !race

package rules

// timeScale stretches wall-clock bounds under the race detector (see
// race_on_test.go).
const timeScale = 1
