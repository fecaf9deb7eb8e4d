package window

import (
	"strconv"
	"testing"
	"time"
)

const day = 24 * time.Hour

// behaviourSpecs are the behaviour aggregates as the default pack declares
// them.
var behaviourSpecs = []Spec{
	{Fn: NewDistinct, Over: 96 * time.Hour, Lookback: 90 * day, Lateness: time.Hour},
	{Fn: HistP95, Over: 180 * day, Recent: 24 * time.Hour, Lateness: time.Hour},
	{Fn: HistCount, Over: 365 * day, Recent: 24 * time.Hour, Lateness: time.Hour},
	{Fn: Age, Over: 400 * day, Lateness: time.Hour},
	{Fn: InflowMatch, Over: 72 * time.Hour, Tolerance: 0.1, Lateness: time.Hour},
}

// bytesPerKey feeds keys accounts a year of payments each — every gap
// days, to one of parties counterparties — into one Store per spec, all
// sharing one KeyTable as a screener's Stores do, and returns each spec's
// state bytes per key: its Store's own, plus an equal share of the table
// (the key strings and their map entry).
func bytesPerKey(specs []Spec, keys, parties int, gap time.Duration) []float64 {
	table := NewKeyTable()
	stores := make([]*Store, len(specs))
	for i, spec := range specs {
		stores[i] = NewSharedStore(spec, table)
	}
	for t := time.Duration(0); t < 365*day; t += gap {
		for k := 0; k < keys; k++ {
			party := "PL" + strconv.Itoa(1000000+(int(t/gap)+k)%parties)
			key := table.Lookup("NO93860111179" + strconv.Itoa(k))
			for _, st := range stores {
				st.ObserveKey(&key, &Event{TS: at(t + time.Duration(k)), Num: 100 + float64(k%50),
					Hash: HashString(party), Party: party, TxID: "tx-" + strconv.Itoa(int(t/gap)) + "-" + strconv.Itoa(k)})
			}
		}
	}
	out := make([]float64, len(stores))
	for i, st := range stores {
		shared := float64(table.SizeBytes()) / float64(len(stores))
		out[i] = (float64(st.SizeBytes()) + shared) / float64(st.Keys())
	}
	return out
}

// TestBehaviourBytesPerKey holds the budget of 256 bytes per key per
// aggregate for a retail account (two payments a week to six
// counterparties); a payroll account (18 employees, monthly, and 4 other
// payments a week) is logged, not bounded: its history is its counterparties.
func TestBehaviourBytesPerKey(t *testing.T) {
	retail := bytesPerKey(behaviourSpecs, 200, 6, 84*time.Hour)
	busy := bytesPerKey(behaviourSpecs, 50, 18, 36*time.Hour)
	for i, spec := range behaviourSpecs {
		t.Logf("%-12s retail %4.0f B/key, busy %4.0f B/key", spec.Fn, retail[i], busy[i])
		if retail[i] > 256 {
			t.Errorf("%s: %.0f bytes per retail key, budget 256", spec.Fn, retail[i])
		}
	}
}

// BenchmarkBehaviourObserve is the cost of one behaviour observation on a
// retail-sized key; it reports bytes per key too.
func BenchmarkBehaviourObserve(b *testing.B) {
	for _, spec := range behaviourSpecs {
		b.Run(spec.Fn.String(), func(b *testing.B) {
			st := NewStore(spec)
			keys := benchAccounts(10000)
			parties := benchAccounts(7)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p := parties[i%len(parties)]
				st.ObserveEvent(keys[i%len(keys)], Event{TS: at(time.Duration(i) * 10 * time.Second), Num: float64(i % 977), Hash: HashString(p), Party: p, TxID: "t"})
			}
			b.ReportMetric(float64(sizeWithKeys(st))/float64(st.Keys()), "B/key")
		})
	}
}
