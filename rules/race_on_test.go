//go:build race

package rules

// timeScale stretches wall-clock bounds under the race detector, which
// slows yaml.v3's scanner about twentyfold.
const timeScale = 20
