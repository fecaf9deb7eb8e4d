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
// days, to one of parties counterparties — and returns the state bytes per
// key (SizeBytes includes the key strings and map entries).
func bytesPerKey(spec Spec, keys, parties int, gap time.Duration) float64 {
	st := NewStore(spec)
	for t := time.Duration(0); t < 365*day; t += gap {
		for k := 0; k < keys; k++ {
			party := "PL" + strconv.Itoa(1000000+(int(t/gap)+k)%parties)
			st.ObserveEvent("NO93860111179"+strconv.Itoa(k), Event{TS: at(t + time.Duration(k)), Num: 100 + float64(k%50),
				Hash: HashString(party), Party: party, TxID: "tx-" + strconv.Itoa(int(t/gap)) + "-" + strconv.Itoa(k)})
		}
	}
	return float64(st.SizeBytes()) / float64(st.Keys())
}

// TestBehaviourBytesPerKey holds the budget of 256 bytes per key per
// aggregate for a retail account (two payments a week to six
// counterparties); a payroll account (18 employees, monthly, and 4 other
// payments a week) is logged, not bounded: its history is its counterparties.
func TestBehaviourBytesPerKey(t *testing.T) {
	for _, spec := range behaviourSpecs {
		retail := bytesPerKey(spec, 200, 6, 84*time.Hour)
		busy := bytesPerKey(spec, 50, 18, 36*time.Hour)
		t.Logf("%-12s retail %4.0f B/key, busy %4.0f B/key", spec.Fn, retail, busy)
		if retail > 256 {
			t.Errorf("%s: %.0f bytes per retail key, budget 256", spec.Fn, retail)
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
			b.ReportMetric(float64(st.SizeBytes())/float64(st.Keys()), "B/key")
		})
	}
}
