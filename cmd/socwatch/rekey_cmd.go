package main

import (
	"time"

	"github.com/socwatch/socwatch/connectors/canonical"
	"github.com/socwatch/socwatch/connectors/kafka"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/fx"
	"github.com/socwatch/socwatch/engine/trace"
	"github.com/twmb/franz-go/pkg/kgo"
)

// newRekeyer builds the re-key stage from the input topic to internal;
// records it cannot forward go to dlq.
func newRekeyer(kcfg kafka.Config, cfg Config, rates *fx.Table, rs *engine.RuleSet, dlq *kafka.DeadLetter, futureBound time.Duration) (*kafka.Rekeyer, error) {
	kcfg.ClientID = "socwatch"
	prepare, err := prepareRecord(rates, cfg.MaxRecordBytes, rs.Perspectives, rs.Traced)
	if err != nil {
		return nil, err
	}
	var release func(*kafka.Prepared)
	var history time.Duration
	if rs.Traced {
		release = traceRelease(trace.New(trace.Config{}))
		// A restarted stage traces again what it traced in the window
		// before its committed position (kafka.RekeyConfig.ReleaseHistory).
		history = trace.DefaultWindow + rs.Lateness
	}
	return kafka.NewRekeyer(kafka.RekeyConfig{
		Config:           kcfg,
		Perspectives:     rs.Perspectives,
		Prepare:          prepare,
		Release:          release,
		ReleaseHistory:   history,
		OutputSuffix:     rekeySuffix,
		OutputPartitions: int32(cfg.Kafka.Partitions),
		MaxRecordBytes:   cfg.MaxRecordBytes,
		DeadLetter:       dlq,
		FutureBound:      futureBound,
	})
}

// rekeySuffix names the internal topic: <topic>.by-account.
const rekeySuffix = ".by-account"

// prepareRecord decodes and enriches each input record once for the
// re-key stage (connectors/canonical): its ts orders the merge, and its
// copies carry the enriched transaction in the binary encoding tx/1, which
// screening reads without JSON. A copy that would be larger than maxBytes
// (screening's limit) carries the input value instead, which screening
// decodes as JSON: the binary form is smaller for any real transaction,
// but the limit must hold for every one.
//
// With traced set, the decoded transaction travels with the record to the
// flow tracer (traceRelease).
func prepareRecord(rates *fx.Table, maxBytes int, perspectives []string, traced bool) (func(*kgo.Record) kafka.Prepared, error) {
	tc, err := canonical.NewTranscoder(rates, maxBytes, perspectives)
	if err != nil {
		return nil, err
	}
	return func(rec *kgo.Record) kafka.Prepared {
		var pr kafka.Prepared
		tc.Decode(rec.Value) // its failure is the absence of keys (and of a time)
		pr.EventTime, pr.HasTime = tc.EventTime()
		keys, ok := tc.AppendKeys(make([][]byte, 0, len(perspectives)))
		if !ok {
			return pr
		}
		pr.Keys = keys
		if bin := tc.AppendBinary(make([]byte, 0, canonical.BinaryCap(len(rec.Value)))); len(bin) <= maxBytes {
			pr.Value, pr.Encoding = bin, encodingTx
			if traced {
				pr.Tx = tc.Tx()
			}
		}
		return pr
	}, nil
}

// traceRelease traces each released transfer, in the merge's event-time
// order, and appends its trace to the copies' tx/1 value: a screening
// partition holds only its own accounts, so where the money came from is
// known only here, where the whole feed passes in order.
func traceRelease(tr *trace.Tracer) func(*kafka.Prepared) {
	return func(pr *kafka.Prepared) {
		tr.Observe(pr.Tx)
		pr.Value = canonical.AppendTrace(pr.Value, &pr.Tx.Trace)
		pr.Tx = nil
	}
}

// encodingTx is the socwatch-encoding header value of every tx/1 copy,
// shared by all of them (not modified).
var encodingTx = []byte(canonical.EncodingTx)
