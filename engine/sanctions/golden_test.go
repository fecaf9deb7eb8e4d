package sanctions

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/synth"
)

var bestGolden = flag.String("best.golden", "", "TestBestGolden: file of Best results to write (when absent) or to compare with")

// TestBestGolden is the harness for changes meant to be exact: run it
// once on the commit before the change with -best.golden FILE (the file
// does not exist: the results are written) and once after it (the file
// exists: every result must be byte-for-byte the same). The queries are
// the distinct party names of 100,000 synthetic transactions (seed 7),
// the names and aliases of every third listed entity, putin_names and both
// sides of cross_script_pairs, each under the list filters "" and "un",
// against the shipped lists and the EU fixture, with the result cache off.
// Without the flag there is nothing to compare with, and it is skipped.
func TestBestGolden(t *testing.T) {
	if *bestGolden == "" {
		t.Skip("a harness for exact changes: run with -best.golden FILE before and after the change")
	}
	ents := append(loadShipped(t), loadEUFixture(t)...)
	m := NewMatcher(ents, Options{CacheSize: -1})
	var out bytes.Buffer
	for _, list := range []string{"", "un"} {
		for _, q := range goldenQueries(t, ents) {
			r := m.Best(q, list)
			fmt.Fprintf(&out, "%q\t%q\t%s\t%q\t%q\t%q\t%q\n", list, q, strconv.FormatFloat(r.Score, 'g', -1, 64), r.EntityID, r.List, r.Alias, r.Name)
		}
	}
	want, err := os.ReadFile(*bestGolden)
	if os.IsNotExist(err) {
		if err := os.WriteFile(*bestGolden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d results to %s", bytes.Count(out.Bytes(), []byte("\n")), *bestGolden)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	got := out.Bytes()
	if bytes.Equal(got, want) {
		t.Logf("%d results identical", bytes.Count(got, []byte("\n")))
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	diffs := 0
	for i := range max(len(gl), len(wl)) {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			if diffs++; diffs <= 10 {
				t.Errorf("line %d:\n got  %s\n want %s", i+1, g, w)
			}
		}
	}
	t.Fatalf("%d of %d results differ from %s", diffs, len(wl)-1, *bestGolden)
}

// goldenQueries returns TestBestGolden's queries, each once, in a fixed
// order.
func goldenQueries(t *testing.T, ents []Entity) []string {
	t.Helper()
	var qs []string
	seen := map[string]bool{}
	add := func(q string) {
		if q = strings.TrimSpace(q); q != "" && !seen[q] {
			seen[q] = true
			qs = append(qs, q)
		}
	}
	g := synth.New(synth.Config{Seed: 7, Count: 100000})
	var tx engine.Tx
	for {
		if _, ok := g.Next(&tx); !ok {
			break
		}
		add(tx.Debtor.Name)
		add(tx.Creditor.Name)
	}
	for i := 0; i < len(ents); i += 3 {
		add(ents[i].Name)
		for _, a := range ents[i].Aliases {
			add(a)
		}
	}
	for _, q := range testdataLines(t, "putin_names.txt") {
		add(q)
	}
	for _, r := range crossScriptPairs(t) {
		for _, q := range r[:min(len(r), 2)] {
			add(q)
		}
	}
	return qs
}
