package main

import (
	"github.com/socwatch/socwatch/connectors/kafka"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/fx"
)

// newRekeyer builds the re-key stage from the input topic to internal.
func newRekeyer(kcfg kafka.Config, cfg Config, rates *fx.Table, rs *engine.RuleSet) (*kafka.Rekeyer, error) {
	kcfg.ClientID = "socwatch"
	return kafka.NewRekeyer(kafka.RekeyConfig{
		Config:           kcfg,
		Perspectives:     rs.Perspectives,
		KeyOf:            keyOf(rates),
		OutputSuffix:     rekeySuffix,
		OutputPartitions: int32(cfg.Kafka.Partitions),
	})
}

// rekeySuffix names the internal topic: <topic>.by-account.
const rekeySuffix = ".by-account"
