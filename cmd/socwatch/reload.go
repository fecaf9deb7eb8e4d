package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/screen"
	"github.com/socwatch/socwatch/rules"
)

// reloadTimeout bounds one reload. Loading is bounded file by file (see
// rules.Limits); this bounds the whole, so no pack can hold the watcher.
const reloadTimeout = 30 * time.Second

// watchRules reloads the pack at path when its files change (polled every
// interval) or on SIGHUP. A pack that fails to load, or does not load
// within reloadTimeout, is refused: the error, with file:line, is logged
// and counted, the running set stays, and the next change is tried again.
//
// admit, when set, refuses a rule set the running topology cannot screen
// (reloadAdmit).
func watchRules(ctx context.Context, path string, interval time.Duration, opts rules.Options, holder *screen.Rules, admit func(*engine.RuleSet) error, m *screen.Metrics, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	last := rules.Fingerprint(path)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			log.Info("SIGHUP: reloading rules", "path", path)
		case <-t.C:
			fp := rules.Fingerprint(path)
			if fp == last {
				continue
			}
			log.Info("rule files changed: reloading", "path", path)
		}
		last = rules.Fingerprint(path)
		rs, err := loadWithin(path, opts, reloadTimeout)
		if err == nil && admit != nil {
			err = admit(rs)
		}
		if err != nil {
			m.Reloads.WithLabelValues("failure").Inc()
			log.Error("rule reload refused; the previous rule set keeps running", "path", path, "error", err)
			continue
		}
		if cur := holder.Load(); cur != nil && cur.Hash == rs.Hash {
			continue
		}
		holder.Store(rs)
		m.Reloads.WithLabelValues("success").Inc()
		log.Info("rules reloaded", "hash", rs.Hash, "rules", len(rs.Rules))
	}
}

// loadWithin loads the pack at path on its own goroutine and waits at most
// timeout. A load that overruns is abandoned (it is bounded itself and
// ends on its own; its result is dropped), and a panic in the loader is
// an error: neither may stop the watcher or the running rules.
func loadWithin(path string, opts rules.Options, timeout time.Duration) (*engine.RuleSet, error) {
	type result struct {
		rs  *engine.RuleSet
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("loading %s panicked: %v", path, p)}
			}
		}()
		rs, err := rules.Load(path, opts)
		done <- result{rs, err}
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r := <-done:
		return r.rs, r.err
	case <-t.C:
		return nil, fmt.Errorf("loading %s did not finish within %s", path, timeout)
	}
}

// reloadAdmit refuses, for an instance started with rule set started, a
// reload the running topology cannot screen: its copies come from a
// re-key stage that produces started's perspectives (and traces flows
// only if started's rules read trace fields), or, without one, straight
// from the input keyed by debtor. Rules under a perspective nobody
// produces, or reading a trace nobody sets, would never fire. A
// screen-only instance cannot know its stage's and admits all.
func reloadAdmit(runRekey, screenInternal bool, started *engine.RuleSet) func(*engine.RuleSet) error {
	if screenInternal && !runRekey {
		return nil
	}
	produced, traced := []string{engine.PerspectiveDebtor}, false
	if runRekey {
		produced, traced = started.Perspectives, started.Traced
	}
	return func(rs *engine.RuleSet) error {
		for _, p := range rs.Perspectives {
			if !slices.Contains(produced, p) {
				return fmt.Errorf("the rules need copies by %s, which this instance's re-key topology (started with %v) does not produce: restart to change it", p, produced)
			}
		}
		if rs.Traced && !traced {
			return errors.New("the rules read trace fields, and this instance started without flow tracing: restart to trace")
		}
		return nil
	}
}
