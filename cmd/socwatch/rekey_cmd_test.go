package main

import (
	"testing"

	"github.com/socwatch/socwatch/connectors/canonical"
	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/fx"
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
