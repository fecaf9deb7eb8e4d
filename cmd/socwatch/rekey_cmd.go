package main

import (
	"sync"
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
	var txs *sync.Pool
	if rs.Traced {
		txs = newTxPool()
	}
	prepare, err := prepareRecord(rates, cfg.MaxRecordBytes, rs.Perspectives, txs)
	if err != nil {
		return nil, err
	}
	var release func(*kafka.Prepared)
	var history time.Duration
	if rs.Traced {
		release = traceRelease(trace.New(trace.Config{}), txs)
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
// With txs set (traced rules), a copy of the decoded transaction, taken
// from txs, travels with the record to the flow tracer (traceRelease).
func prepareRecord(rates *fx.Table, maxBytes int, perspectives []string, txs *sync.Pool) (func(*kgo.Record) kafka.Prepared, error) {
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
			if txs != nil {
				pr.Tx = txs.Get().(*engine.Tx)
				tc.CopyTx(pr.Tx)
			}
		}
		return pr
	}, nil
}

// traceRelease traces each released transfer, in the merge's event-time
// order, and appends its trace to the copies' tx/1 value: a screening
// partition holds only its own accounts, so where the money came from is
// known only here, where the whole feed passes in order. The traced
// transaction goes back to txs: the tracer keeps none of it.
func traceRelease(tr *trace.Tracer, txs *sync.Pool) func(*kafka.Prepared) {
	return func(pr *kafka.Prepared) {
		tr.Observe(pr.Tx)
		pr.Value = canonical.AppendTrace(pr.Value, &pr.Tx.Trace)
		txs.Put(pr.Tx)
		pr.Tx = nil
	}
}

// newTxPool holds the transactions the re-key stage keeps between prepare
// and the tracer: one per buffered record, allocated afresh they were 7 %
// of what the pipeline allocated (bench/README.md, "Re-key stage, fifth
// push").
func newTxPool() *sync.Pool {
	return &sync.Pool{New: func() any { return new(engine.Tx) }}
}

// encodingTx is the socwatch-encoding header value of every tx/1 copy,
// shared by all of them (not modified).
var encodingTx = []byte(canonical.EncodingTx)
