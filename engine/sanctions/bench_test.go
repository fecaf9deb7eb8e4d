package sanctions

import (
	"fmt"
	"testing"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/cputime"
	"github.com/socwatch/socwatch/internal/synth"
)

// synthNames returns the party names of n synthetic transactions in feed
// order: the counterparty repetition of a real stream.
func synthNames(n int) []string {
	g := synth.New(synth.Config{Seed: 1, Count: n})
	var tx engine.Tx
	names := make([]string, 0, 2*n)
	for {
		if _, ok := g.Next(&tx); !ok {
			break
		}
		names = append(names, tx.Debtor.Name, tx.Creditor.Name)
	}
	return names
}

// BenchmarkScreenWarm screens synthetic party names in feed order against
// OFAC 2019 + consolidated + UN with the cache on, after one warm-up pass.
func BenchmarkScreenWarm(b *testing.B) {
	m := NewMatcher(loadShipped(b), Options{})
	names := synthNames(20000)
	for _, n := range names {
		m.Score(n, "")
	}
	b.ReportAllocs()
	cpu := cputime.StartProcess(b)
	b.ResetTimer()
	i := 0
	for b.Loop() {
		m.Score(names[i%len(names)], "")
		i++
	}
	cpu.Report(b)
}

// BenchmarkScreenCold screens with the cache disabled: every query
// normalises, looks up candidates and scores them.
func BenchmarkScreenCold(b *testing.B) {
	m := NewMatcher(loadShipped(b), Options{CacheSize: -1})
	names := synthNames(20000)
	b.ReportAllocs()
	cpu := cputime.StartProcess(b)
	b.ResetTimer()
	i := 0
	for b.Loop() {
		m.Score(names[i%len(names)], "")
		i++
	}
	cpu.Report(b)
}

// BenchmarkScreenFirstSight screens with the cache and the word memo
// off: every word of every name costs what it costs on first sight (index
// walk and Jaro-Winkler comparisons), the bound of a cold query's cost
// when its words have not been seen before either.
func BenchmarkScreenFirstSight(b *testing.B) {
	m := NewMatcher(loadShipped(b), Options{CacheSize: -1, WordMemo: -1})
	names := synthNames(20000)
	b.ReportAllocs()
	cpu := cputime.StartProcess(b)
	b.ResetTimer()
	i := 0
	for b.Loop() {
		m.Score(names[i%len(names)], "")
		i++
	}
	cpu.Report(b)
}

// BenchmarkScreenColdListed screens listed names and their aliases (the
// expensive case: many candidates share their words), cache off.
func BenchmarkScreenColdListed(b *testing.B) {
	ents := loadShipped(b)
	m := NewMatcher(ents, Options{CacheSize: -1})
	var names []string
	for _, e := range ents {
		names = append(names, e.Name)
	}
	b.ReportAllocs()
	cpu := cputime.StartProcess(b)
	b.ResetTimer()
	i := 0
	for b.Loop() {
		m.Score(names[i%len(names)], "")
		i++
	}
	cpu.Report(b)
}

func BenchmarkNewMatcher(b *testing.B) {
	ents := loadShipped(b)
	b.ReportAllocs()
	for b.Loop() {
		NewMatcher(ents, Options{})
	}
}

func ExampleMatcher_Best() {
	m := NewMatcher([]Entity{{ID: "7", List: "ofac-sdn", Name: "PUTIN, Vladimir Vladimirovich"}}, Options{})
	r := m.Best("Владимир Путин", "")
	fmt.Println(r.EntityID, r.Alias, r.Score >= DefaultThreshold)
	// Output: 7 PUTIN, Vladimir Vladimirovich true
}
