package main

import (
	"time"

	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/connectors/kafka"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/fx"
)

// newRekeyer builds the re-key stage from the input topic to internal;
// records it cannot forward go to dlq.
func newRekeyer(kcfg kafka.Config, cfg Config, rates *fx.Table, rs *engine.RuleSet, dlq *kafka.DeadLetter, futureBound time.Duration) (*kafka.Rekeyer, error) {
	kcfg.ClientID = "socwatch"
	return kafka.NewRekeyer(kafka.RekeyConfig{
		Config:           kcfg,
		Perspectives:     rs.Perspectives,
		KeyOf:            keyOf(rates, cfg.MaxRecordBytes),
		EventTime:        eventTime(),
		OutputSuffix:     rekeySuffix,
		OutputPartitions: int32(cfg.Kafka.Partitions),
		MaxRecordBytes:   cfg.MaxRecordBytes,
		DeadLetter:       dlq,
		FutureBound:      futureBound,
	})
}

// rekeySuffix names the internal topic: <topic>.by-account.
const rekeySuffix = ".by-account"

// eventTime reads a canonical record's ts for the re-key merge, so the
// internal topic is in event-time order as a file replay is.
func eventTime() func(value []byte) (time.Time, bool) {
	var dec jsonl.Decoder
	var tx engine.Tx
	return func(value []byte) (time.Time, bool) {
		if err := dec.Decode(value, &tx); err != nil {
			return time.Time{}, false
		}
		return tx.TS, true
	}
}
