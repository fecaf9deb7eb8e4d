package screen_test

import (
	"context"
	"testing"

	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/cputime"
	"github.com/socwatch/socwatch/internal/synth"
	"github.com/socwatch/socwatch/rules"
)

// feed returns n generated records as canonical JSON.
func feed(b *testing.B, n int) []engine.Record {
	b.Helper()
	g := synth.New(synth.Config{Seed: 7, Count: n})
	var tx engine.Tx
	recs := make([]engine.Record, 0, n)
	for {
		if _, ok := g.Next(&tx); !ok {
			break
		}
		recs = append(recs, engine.Record{Value: jsonl.Encode(nil, &tx)})
	}
	return recs
}

type discard struct{}

func (discard) Write(_ context.Context, _ []engine.Alert, done engine.Done) { done(nil) }
func (discard) Close(context.Context) error                                 { return nil }
func (discard) Reject(_ context.Context, _ []engine.Rejected, done engine.Done) {
	done(nil)
}

// BenchmarkStreamDefaultPack is the engine alone on one core: bytes in
// memory → decode → enrich → windows → every rule of the default pack →
// alerts, per record, in batches of 512 as the Kafka source delivers them.
func BenchmarkStreamDefaultPack(b *testing.B) {
	rs, err := rules.Load("../../rules/packs/aml-core", rules.Options{})
	if err != nil {
		b.Fatal(err)
	}
	recs := feed(b, 200000)
	p, _, _ := newPipeline(rs)
	p.Sink, p.DeadLetter = discard{}, discard{}
	st := p.NewStream("bench")
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.StartThread(b)
	for i := 0; i < b.N; {
		off := i % len(recs)
		end := min(off+512, len(recs), off+b.N-i)
		st.Process(ctx, recs[off:end], func(error) {})
		i += end - off
	}
	if per := cpu.Report(b); per > 0 {
		b.ReportMetric(1e9/per, "records/cpu-s")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkScreenerRules isolates windows and rule evaluation: the
// transaction is already decoded and enriched.
func BenchmarkScreenerRules(b *testing.B) {
	rs, err := rules.Load("../../rules/packs/aml-core", rules.Options{})
	if err != nil {
		b.Fatal(err)
	}
	recs := feed(b, 50000)
	p, _, _ := newPipeline(rs)
	txs := make([]engine.Tx, len(recs))
	var dec jsonl.Decoder
	for i := range recs {
		if err := dec.Decode(recs[i].Value, &txs[i]); err != nil {
			b.Fatal(err)
		}
		if err := p.Enricher.Enrich(&txs[i]); err != nil {
			b.Fatal(err)
		}
	}
	st := p.NewStream("bench")
	scr := st.Screener()
	var out []engine.Alert
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.StartThread(b)
	for i := 0; i < b.N; i++ {
		scr.Env().Tx = txs[i%len(txs)]
		out = scr.Screen("", true, txs[0].TS, out[:0])
	}
	if per := cpu.Report(b); per > 0 {
		b.ReportMetric(1e9/per, "records/cpu-s")
	}
}
