package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// healthInterval is how often the broker and the heap are checked for
// /readyz; the handler answers from the last check and never blocks.
const healthInterval = 2 * time.Second

// health is what /readyz reports besides the sink: whether a broker
// answers and whether the heap is near the process's memory limit.
type health struct {
	ping    func(context.Context) error // a round trip to any broker
	heapPct int                         // of GOMEMLIMIT; 0 turns the check off
	log     *slog.Logger

	mu  sync.Mutex
	err error
}

// run checks every healthInterval until ctx ends.
func (h *health) run(ctx context.Context) error {
	t := time.NewTicker(healthInterval)
	defer t.Stop()
	for {
		h.check(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (h *health) check(ctx context.Context) {
	pctx, cancel := context.WithTimeout(ctx, healthInterval)
	err := h.ping(pctx)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		err = fmt.Errorf("kafka: no broker answers: %w", err)
	}
	err = errors.Join(err, heapPressure(h.heapPct))
	h.mu.Lock()
	changed := (err == nil) != (h.err == nil)
	h.err = err
	h.mu.Unlock()
	if changed && err != nil {
		h.log.Warn("not ready", "reason", err)
	} else if changed {
		h.log.Info("ready again")
	}
}

// ready returns the last check's finding (nil before the first check).
func (h *health) ready() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// heapSample is the runtime metric of live and not yet swept heap bytes:
// what the garbage collector counts against GOMEMLIMIT, readable without
// stopping the world.
const heapSample = "/memory/classes/heap/objects:bytes"

// heapPressure returns an error while the heap is above pct percent of the
// memory limit (GOMEMLIMIT or debug.SetMemoryLimit); without a limit, or
// with pct 0, there is nothing to compare with.
func heapPressure(pct int) error {
	limit := debug.SetMemoryLimit(-1)
	if pct <= 0 || limit == math.MaxInt64 {
		return nil
	}
	s := []metrics.Sample{{Name: heapSample}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return nil
	}
	heap := s[0].Value.Uint64()
	if heap*100 > uint64(limit)*uint64(pct) {
		return fmt.Errorf("memory: heap %d MiB is above %d%% of the %d MiB limit (GOMEMLIMIT)", heap>>20, pct, limit>>20)
	}
	return nil
}
