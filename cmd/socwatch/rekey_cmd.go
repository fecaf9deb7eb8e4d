package main

import (
	"context"
	"errors"

	"github.com/socwatch/socwatch/connectors/kafka"
	"github.com/socwatch/socwatch/engine"
)

// rekeyStage is the running re-key stage.
type rekeyStage interface {
	Run(ctx context.Context) error
}

func newRekeyer(kcfg kafka.Config, cfg Config, internal string, rs *engine.RuleSet) (rekeyStage, error) {
	return nil, errors.New("TODO: re-key stage not wired yet")
}
