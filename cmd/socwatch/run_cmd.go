package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/socwatch/socwatch/connectors/canonical"
	"github.com/socwatch/socwatch/connectors/clickhouse"
	"github.com/socwatch/socwatch/connectors/kafka"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/enrich"
	"github.com/socwatch/socwatch/engine/fx"
	"github.com/socwatch/socwatch/engine/screen"
	"github.com/socwatch/socwatch/engine/warmup"
	"github.com/socwatch/socwatch/internal/redact"
	"github.com/socwatch/socwatch/rules"
	"golang.org/x/sync/errgroup"
)

// runShortcuts are the short flags `run` and `demo` accept besides the
// dotted config keys.
var runShortcuts = map[string]string{
	"brokers": "kafka.brokers", "topic": "kafka.topic", "group": "kafka.group",
	"clickhouse": "clickhouse.dsn", "alerts-from": alertsFromKey,
}

func cmdRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", "run [--config FILE] [--brokers ...] [--topic T] [--group G] [--rules PATH] [--clickhouse DSN] [--metrics-addr ADDR]", stderr)
	cfg, err := configFlags(fs, runShortcuts, (*Config).Validate)(args)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	svc, err := startService(ctx, cfg, log, nil)
	if err != nil {
		return err
	}
	return svc.wait()
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// service is a running `socwatch run`: Kafka in, screening, alerts out.
type service struct {
	cfg      Config
	log      *slog.Logger
	reg      *prometheus.Registry
	metrics  *screen.Metrics
	rules    *screen.Rules
	sink     engine.Sink
	dlq      *kafka.DeadLetter
	source   *kafka.Source
	rekey    *kafka.Rekeyer
	http     *httpServer
	pprof    *httpServer // nil unless cfg.PprofAddr
	addr     string
	sinkDesc string
	// admit refuses a rule reload the running topology cannot screen.
	admit func(*engine.RuleSet) error
	// stages is the supervisor: every stage runs in it, and the first to
	// fail or stop on its own cancels the others.
	stages *errgroup.Group
}

// Shutdown budget: SIGTERM to exit within shutdownBound (README "Running
// the service"). The Kafka stages drain in-flight work for up to
// drainTimeout and commit what was acknowledged; the sink and the
// dead-letter producer then get closeTimeout to flush. Work that is not
// acknowledged by then is not committed, so the next start replays it.
const (
	shutdownBound = 10 * time.Second
	drainTimeout  = 3 * time.Second
	closeTimeout  = 3 * time.Second
)

// fallbackSink returns the sink to use when ClickHouse cannot be reached,
// and a sentence saying where alerts go (the demo writes a file).
type fallbackSink func(chErr error) (engine.Sink, string, error)

// startService builds the pipeline and starts its stages under one
// supervisor; wait blocks until they end. Alerts go to ClickHouse; when it
// cannot be reached and fallback is set, to what fallback returns. Every
// resource built before a start-up error is closed before it returns.
//
// The stages: the re-key stage, the Kafka source (screening), the rule
// watcher, the broker/heap health check and the HTTP server. Shutdown
// order, on a signal (ctx ends) or when one stage fails or stops on its
// own:
//
//  1. every stage's context is cancelled together;
//  2. the source stops fetching, waits up to drainTimeout for in-flight
//     batches, commits the acknowledged prefix and leaves its group; the
//     re-key stage flushes its copies, commits and leaves its group; the
//     rule watcher, the health check and the HTTP server stop;
//  3. once all stages have returned, the alert sink and then the
//     dead-letter producer are closed (closeTimeout each).
//
// A stage that stops on its own stops the whole process, so an
// orchestrator restarts it and it replays from the last commit: running on
// with half a pipeline would silently stop re-keying or screening.
func startService(ctx context.Context, cfg Config, log *slog.Logger, fallback fallbackSink) (_ *service, err error) {
	s := &service{cfg: cfg, log: log, reg: newRegistry()}
	defer func() {
		if err != nil {
			s.closeOutputs()
		}
	}()
	bounds, err := cfg.Screen.timeBounds()
	if err != nil {
		return nil, err
	}
	s.metrics = screen.NewMetrics(s.reg)
	s.reg.MustRegister(buildInfo(cfg))
	rates := fx.Default()
	ruleOpts := rules.Options{FX: rates, Limits: cfg.RuleLimits}
	rs, err := rules.Load(cfg.Rules, ruleOpts)
	if err != nil {
		return nil, fmt.Errorf("load rules: %w", err)
	}
	s.rules = screen.NewRules(rs)
	s.metrics.RulesLoaded.Set(float64(len(rs.Rules)))
	log.Info("rules loaded", "path", cfg.Rules, "rules", len(rs.Rules), "aggregates", len(rs.Aggregates),
		"perspectives", rs.Perspectives, "hash", rs.Hash)

	var sinkReady func() (bool, error)
	var txSink engine.TxSink
	if cfg.Kafka.Rekey == "stage" {
		s.sink = discardSink{} // a re-key-only instance raises no alerts
	} else {
		cctx := ctx
		if fallback != nil {
			var cancel context.CancelFunc
			cctx, cancel = context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
		}
		chOpts := cfg.ClickHouse.Options
		chOpts.DSN, chOpts.Registerer, chOpts.Logger = cfg.clickhouseDSN(), s.reg, log
		chSink, err := clickhouse.New(cctx, chOpts)
		switch {
		case err == nil:
			s.sink, sinkReady = chSink, chSink.Ready
			if cfg.ClickHouse.Transactions {
				txSink = chSink
			}
			s.sinkDesc = fmt.Sprintf("ClickHouse %s, table alerts (dedup view alerts_dedup)", redact.DSN(cfg.ClickHouse.DSN))
		case fallback != nil:
			if s.sink, s.sinkDesc, err = fallback(err); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("clickhouse %s: %w", redact.DSN(cfg.ClickHouse.DSN), redact.Error(err, cfg.clickhouseDSN()))
		}
	}

	kcfg := cfg.Kafka.Config
	kcfg.Topics, kcfg.DrainTimeout = []string{cfg.Kafka.Topic}, drainTimeout
	kcfg.Registerer, kcfg.Logger = s.reg, log
	if s.dlq, err = kafka.NewDeadLetter(kcfg); err != nil {
		return nil, fmt.Errorf("dead-letter producer: %w", err)
	}
	p := &screen.Pipeline{
		Rules:          s.rules,
		NewDecoder:     func() engine.Decoder { return canonical.NewDecoder(cfg.MaxRecordBytes) },
		Enricher:       enrich.New(rates),
		Sink:           warmup.Wrap(s.sink, cfg.Screen.AlertsFrom, withheldCounter(s.reg, rs, cfg.Screen.AlertsFrom, log)),
		DeadLetter:     s.dlq,
		Transactions:   txSink,
		Metrics:        s.metrics,
		Log:            log,
		MaxRecordBytes: cfg.MaxRecordBytes,
		TimeBounds:     bounds,
	}

	// Re-key when the rules read state keyed by more than the debtor
	// account, so that each account's money in and out meets in one
	// partition (docs/design.md §4 "Partitioning and perspectives").
	screenCfg := kcfg
	runRekey, screenInternal := rekeyPlan(cfg.Kafka.Rekey, rs)
	s.admit = reloadAdmit(runRekey, screenInternal, rs)
	if rs.Traced && !runRekey && !screenInternal {
		return nil, fmt.Errorf("the rules read trace fields, which the re-key stage sets; kafka.rekey %q screens the input without it (use auto, always, or stage and screen)", cfg.Kafka.Rekey)
	}
	if runRekey {
		if s.rekey, err = newRekeyer(kcfg, cfg, rates, rs, s.dlq, bounds.Ahead); err != nil {
			return nil, fmt.Errorf("re-key stage: %w", err)
		}
		log.Info("re-key stage on", "input", cfg.Kafka.Topic, "internal", cfg.Kafka.Topic+rekeySuffix, "perspectives", rs.Perspectives)
	}
	if screenInternal {
		screenCfg.Topics = []string{cfg.Kafka.Topic + rekeySuffix}
		screenCfg.ClientID = "socwatch-screen"
		// The re-key stage judged every record against the feed's merged
		// event time and dead-lettered the future ones; an internal
		// partition holds a share of the accounts, so its own watermark
		// sees gaps the feed does not have and must not judge again. The
		// wall-clock bound still applies.
		p.TimeBounds.Ahead = -1
	}
	// A newly assigned partition restores its windows (from its newest
	// checkpoint and the records after it, or by replaying history) before
	// its first fetch, so alerts do not depend on restarts or rebalances.
	streams := &partitionStreams{m: map[string]*screen.Stream{}}
	screenCfg.OnAssigned = func(ctx context.Context, topic string, partition int32, committed int64) {
		if st := streams.get(topic, partition); st != nil {
			cur := s.rules.Load()
			s.source.RestoreState(ctx, topic, partition, committed, cur.LongestWindow()+cur.Lateness, st)
		}
	}
	if cfg.Kafka.Rekey != "stage" {
		if s.source, err = kafka.NewSource(screenCfg); err != nil {
			return nil, fmt.Errorf("kafka source: %w", err)
		}
	}
	h := &health{ping: s.dlq.Ping, heapPct: cfg.ReadyHeapPct, log: log}
	ready := func() error {
		var errs []error
		if sinkReady != nil {
			if ok, err := sinkReady(); !ok {
				errs = append(errs, fmt.Errorf("alert sink: %v", err))
			}
		}
		return errors.Join(append(errs, h.ready())...)
	}
	if s.http, err = listenHTTP(cfg.MetricsAddr, s.reg, ready, log); err != nil {
		return nil, err
	}
	s.addr = s.http.addr()
	if cfg.PprofAddr != "" {
		if s.pprof, err = listenPprof(cfg.PprofAddr, log); err != nil {
			s.http.ln.Close()
			return nil, err
		}
		log.Info("profiling enabled", "pprof", "http://"+s.pprof.addr()+"/debug/pprof/")
	}

	// The supervisor. Nothing can fail from here on.
	g, gctx := errgroup.WithContext(ctx)
	s.stages = g
	stage := func(name string, run func(context.Context) error) {
		g.Go(func() error {
			err := wrapErr(name, run(gctx))
			if err == nil && ctx.Err() == nil && gctx.Err() == nil {
				err = fmt.Errorf("%s stopped unexpectedly", name)
			}
			if err != nil {
				log.Error("stage stopped; shutting down", "error", err)
			}
			return err
		})
	}
	stage("http server", s.http.run)
	if s.pprof != nil {
		stage("pprof server", s.pprof.run)
	}
	stage("health check", h.run)
	stage("rule watcher", func(ctx context.Context) error {
		watchRules(ctx, cfg.Rules, cfg.ReloadInterval, ruleOpts, s.rules, s.admit, s.metrics, log)
		return nil
	})
	if s.rekey != nil {
		stage("re-key stage", s.rekey.Run)
	}
	if s.source != nil {
		stage("kafka source", func(ctx context.Context) error {
			return s.source.Run(ctx, func(topic string, partition int32) kafka.Processor {
				return streams.open(p, topic, partition)
			})
		})
	}
	log.Info("socwatch running", "brokers", cfg.Kafka.Brokers, "topic", cfg.Kafka.Topic, "group", cfg.Kafka.Group,
		"sink", s.sinkDesc, "metrics", "http://"+s.addr+"/metrics")
	return s, nil
}

func wrapErr(what string, err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// wait blocks until every stage has returned (after a signal, or after the
// first failure), then closes the sink and the dead-letter producer. It
// returns the first stage failure; a sink that cannot flush on the way out
// is not one: what it did not write was not acknowledged, so its offsets
// were not committed and the next start replays it.
func (s *service) wait() error {
	err := s.stages.Wait()
	s.closeOutputs()
	if err == nil {
		s.log.Info("socwatch stopped cleanly")
	}
	return err
}

// closeOutputs closes what startService opened, in reverse order of use:
// the alert sink (2 s of closeTimeout), then the dead-letter producer (the
// rest; it has its own budget so a sink that burns all of its own during
// an outage does not leave the producer none).
func (s *service) closeOutputs() {
	if s.sink != nil {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout*2/3)
		if err := s.sink.Close(ctx); err != nil {
			s.log.Warn("alert sink not flushed on shutdown; the unacknowledged records were not committed and are screened again on the next start", "error", err)
		}
		cancel()
	}
	if s.dlq != nil {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout/3)
		if err := s.dlq.Close(ctx); err != nil {
			s.log.Warn("dead-letter producer not flushed on shutdown; the unacknowledged records were not committed and are read again on the next start", "error", err)
		}
		cancel()
	}
}

// rekeyPlan decides, from kafka.rekey, whether this instance runs the
// re-key stage and whether it screens the internal topic:
//
//	auto    re-key and screen in one process when the rules use more than
//	        the debtor perspective or read trace fields (the stage traces
//	        flows); screen the input directly otherwise
//	always  re-key and screen in one process
//	never   screen the input directly (it is already keyed for the rules)
//	stage   only re-key (to keep the re-keyer on its own machine; in any
//	        mode one instance at a time re-keys all input partitions)
//	screen  only screen <topic>.by-account (re-keyed by a stage instance)
func rekeyPlan(mode string, rs *engine.RuleSet) (runRekey, screenInternal bool) {
	switch mode {
	case "always":
		return true, true
	case "never":
		return false, false
	case "stage":
		return true, false
	case "screen":
		return false, true
	}
	need := len(rs.Perspectives) > 1 || rs.Traced
	return need, need
}

// withheldCounter registers socwatch_alerts_withheld_total{rule}, with a
// series for every loaded rule, and returns what counts a withheld alert;
// nil without a warm-up cut (no series: nothing is ever withheld).
func withheldCounter(reg prometheus.Registerer, rs *engine.RuleSet, from time.Time, log *slog.Logger) func(*engine.Alert) {
	if from.IsZero() {
		return nil
	}
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "socwatch_alerts_withheld_total",
		Help: "Alerts raised on transactions dated before screen.alerts_from (the warm-up cut), by rule: screened and counted in socwatch_alerts_total, not written."},
		[]string{"rule"})
	for _, r := range rs.Rules {
		c.WithLabelValues(r.ID)
	}
	reg.MustRegister(c)
	log.Info("warm-up: alerts of transactions dated before the cut are withheld", "alerts_from", from.Format(time.RFC3339Nano))
	return func(a *engine.Alert) { c.WithLabelValues(a.RuleID).Inc() }
}

// discardSink acknowledges without storing: the sink of a re-key-only
// instance, which never raises alerts.
type discardSink struct{}

func (discardSink) Write(_ context.Context, _ []engine.Alert, done engine.Done) { done(nil) }
func (discardSink) Close(context.Context) error                                 { return nil }

// partitionStreams finds the Stream of a partition, for the state rebuild
// that runs between assignment and the first fetch.
type partitionStreams struct {
	mu sync.Mutex
	m  map[string]*screen.Stream
}

func (ps *partitionStreams) open(p *screen.Pipeline, topic string, partition int32) kafka.Processor {
	name := fmt.Sprintf("%s/%d", topic, partition)
	st := p.NewStream(name)
	ps.mu.Lock()
	ps.m[name] = st
	ps.mu.Unlock()
	return closingStream{Stream: st, forget: func() {
		ps.mu.Lock()
		if ps.m[name] == st {
			delete(ps.m, name)
		}
		ps.mu.Unlock()
	}}
}

func (ps *partitionStreams) get(topic string, partition int32) *screen.Stream {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.m[fmt.Sprintf("%s/%d", topic, partition)]
}

// closingStream forgets the stream when the source closes it.
type closingStream struct {
	*screen.Stream
	forget func()
}

func (c closingStream) Close() {
	c.forget()
	c.Stream.Close()
}

// buildInfo is socwatch_build_info{version, revision, group, topic} = 1: it
// names the consumer group and topic of each instance for dashboards.
func buildInfo(cfg Config) prometheus.Collector {
	version, revision := "devel", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				revision = s.Value[:12]
			}
		}
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "socwatch_build_info",
		Help:        "Always 1; labels name the build and the consumer group and topic this instance serves.",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision, "group": cfg.Kafka.Group, "topic": cfg.Kafka.Topic}})
	g.Set(1)
	return g
}
