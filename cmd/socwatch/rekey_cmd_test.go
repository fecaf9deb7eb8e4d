package main

import (
	"fmt"
	"testing"

	"github.com/socwatch/socwatch/connectors/canonical"
	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/fx"
	"github.com/socwatch/socwatch/engine/trace"
	"github.com/socwatch/socwatch/internal/synth"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The re-key stage's value buffer is sized so that the synthetic feed's
// tx/1 values never have to grow (each growth allocates and copies again).
func TestPrepareRecordBinaryFitsItsBuffer(t *testing.T) {
	prepare, err := prepareRecord(fx.Default(), 1<<20, []string{"debtor.account", "creditor.account"}, false)
	if err != nil {
		t.Fatal(err)
	}
	g := synth.New(synth.Config{Seed: 7, Count: 20000})
	var tx engine.Tx
	n := 0
	for {
		if _, ok := g.Next(&tx); !ok {
			break
		}
		v := jsonl.Encode(nil, &tx)
		pr := prepare(&kgo.Record{Value: v})
		if string(pr.Encoding) != canonical.EncodingTx {
			t.Fatalf("record %d not transcoded: %s", n, v)
		}
		if len(pr.Value) > canonical.BinaryCap(len(v)) {
			t.Fatalf("record %d: tx/1 value of %d bytes outgrew its buffer of %d (JSON %d bytes)", n, len(pr.Value), canonical.BinaryCap(len(v)), len(v))
		}
		n++
	}
	if n == 0 {
		t.Fatal("no records generated")
	}
}

// TestTraceReleaseCarriesTheTrace: with traced rules the re-key stage's
// copies of a chain A→B→C→D carry each transfer's trace, which screening
// decodes from the tx/1 value.
func TestTraceReleaseCarriesTheTrace(t *testing.T) {
	prepare, err := prepareRecord(fx.Default(), 1<<20, []string{"debtor.account", "creditor.account"}, true)
	if err != nil {
		t.Fatal(err)
	}
	release := traceRelease(trace.New(trace.Config{}))
	dec := canonical.NewDecoder(0)
	accounts := []string{"PL61109010140000071219812874", "NO9386011117947", "DE89370400440532013000", "SE4550000000058398257466"}
	for i := range 3 {
		v := fmt.Sprintf(`{"tx_id":"c%d","ts":"2026-03-0%dT09:00:00Z","amount":"%d.00","currency":"EUR","debtor":{"account":%q},"creditor":{"account":%q}}`,
			i, i+2, 20000-500*i, accounts[i], accounts[i+1])
		pr := prepare(&kgo.Record{Value: []byte(v)})
		if pr.Tx == nil {
			t.Fatalf("transfer %d: no transaction kept for the tracer", i)
		}
		release(&pr)
		if pr.Tx != nil {
			t.Errorf("transfer %d: the transaction outlives its release", i)
		}
		var tx engine.Tx
		if _, err := dec.DecodeRecord(&engine.Record{Value: pr.Value, Encoding: canonical.EncodingTx}, &tx); err != nil {
			t.Fatalf("transfer %d: %v", i, err)
		}
		if tx.Trace.Hops != i+1 || tx.Trace.Origin != accounts[0] || len(tx.Trace.Path) != i {
			t.Fatalf("transfer %d: trace %+v, want hops %d from %s", i, tx.Trace, i+1, accounts[0])
		}
	}
}
