package synth

import (
	_ "embed"
	"strings"
)

// watchlistText is a sample of 50 primary names (25 individuals, 25
// entities) of the OFAC SDN list, January 2019 snapshot; the aml-core rule
// pack ships the same file as its sanctions list.
//
//go:embed watchlist.txt
var watchlistText string

// Watchlist returns the names sanctions scenarios use, one per entry, as
// written in watchlist.txt.
func Watchlist() []string {
	var out []string
	for _, line := range strings.Split(watchlistText, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

// isEntity tells entity names from individuals: OFAC writes individuals
// as "LAST, First" and entities in capitals without the comma.
func isEntity(name string) bool { return !strings.Contains(name, ", ") }
