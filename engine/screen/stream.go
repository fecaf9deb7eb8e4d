package screen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/enrich"
	"github.com/socwatch/socwatch/engine/trace"
)

// Rules holds the running rule set; a reload swaps it whole, and each Stream
// picks the new set up at its next batch boundary.
type Rules struct {
	cur atomic.Pointer[engine.RuleSet]
}

// NewRules returns a holder with rs as the running set.
func NewRules(rs *engine.RuleSet) *Rules {
	r := &Rules{}
	r.cur.Store(rs)
	return r
}

// Load returns the running set.
func (r *Rules) Load() *engine.RuleSet { return r.cur.Load() }

// Store makes rs the running set.
func (r *Rules) Store(rs *engine.RuleSet) { r.cur.Store(rs) }

// Pipeline is what every Stream of a process shares: rules, decoder
// factory, enrichment, outputs and metrics.
type Pipeline struct {
	Rules *Rules
	// NewDecoder returns a decoder for one stream (decoders may keep
	// per-stream caches, so each stream has its own).
	NewDecoder func() engine.Decoder
	Enricher   *enrich.Enricher
	Sink       engine.Sink
	DeadLetter engine.DeadLetter
	// Transactions, when set, receives every screened transaction once
	// (from the first perspective's copy).
	Transactions engine.TxSink
	Metrics      *Metrics
	Log          *slog.Logger
	// MaxRecordBytes rejects larger records before decoding (0 = 1 MiB).
	MaxRecordBytes int
	// TimeBounds refuse records dated too far ahead (reason ts_future);
	// the zero value is the default bound against the watermark and no
	// wall-clock check.
	TimeBounds TimeBounds
}

// Stream screens the records of one partition or file, in order.
type Stream struct {
	p       *Pipeline
	name    string
	dec     engine.RecordDecoder // chosen once: by encoding, or the feed's format
	scr     *Screener
	metrics *Metrics
	log     *slog.Logger

	alertCounters map[string]prometheus.Counter
	lastStats     Stats
	snapshot      atomic.Pointer[stateSnapshot]
	batches       uint64
	// tracer follows money across the accounts of whole records (a file,
	// a fixture) when the rules read trace fields; copies from the re-key
	// stage arrive traced, since one partition sees only its own accounts.
	tracer *trace.Tracer
}

type stateSnapshot struct {
	keys  map[string]int
	bytes int64
}

// NewStream starts a stream with empty state.
func (p *Pipeline) NewStream(name string) *Stream {
	m := p.Metrics
	if m == nil {
		m = NewMetrics(nil)
		p.Metrics = m
	}
	log := p.Log
	if log == nil {
		log = slog.Default()
	}
	s := &Stream{
		p: p, name: name, dec: engine.AsRecordDecoder(p.NewDecoder()), metrics: m,
		log:           log.With("stream", name),
		scr:           NewScreener(p.Rules.Load()),
		alertCounters: map[string]prometheus.Counter{},
	}
	s.scr.SetTimeBounds(p.TimeBounds)
	m.RulesLoaded.Set(float64(len(s.scr.rs.Rules)))
	m.add(s)
	return s
}

// Close drops the stream's state (partition revoked or lost).
func (s *Stream) Close() { s.metrics.remove(s) }

// Screener exposes the stream's state, for tests and benchmarks.
func (s *Stream) Screener() *Screener { return s.scr }

// SnapshotState encodes the stream's state (see Screener.Snapshot) in
// chunks of at most maxChunk bytes. Call it between two Process calls,
// from the goroutine that calls Process: the state then covers exactly the
// records processed so far.
func (s *Stream) SnapshotState(maxChunk int) ([][]byte, error) { return s.scr.Snapshot(maxChunk) }

// RestoreState replaces the stream's state by a checkpoint's, restored
// under the current rules. On error the state is unchanged.
func (s *Stream) RestoreState(chunks [][]byte) error {
	scr := NewScreener(s.p.Rules.Load())
	scr.SetTimeBounds(s.p.TimeBounds)
	if err := scr.Restore(chunks); err != nil {
		return err
	}
	s.scr = scr
	s.lastStats = scr.Stats()
	s.snapshot.Store(&stateSnapshot{keys: s.scr.StateKeys(), bytes: s.scr.StateBytes()})
	return nil
}

// ErrStreamClosed is returned when the pipeline's outputs refuse work.
var ErrStreamClosed = errors.New("stream closed")

// Process screens recs in order and hands their alerts to the Sink and their
// rejects to the DeadLetter. done is called exactly once, when both are
// durable (nil) or one failed (the error): the source commits the batch's
// positions only after done(nil). A rule reload takes effect at the start of
// a batch, so every record of a batch sees one rule set version.
func (s *Stream) Process(ctx context.Context, recs []engine.Record, done engine.Done) error {
	if err := ctx.Err(); err != nil {
		done(err)
		return err
	}
	if rs := s.p.Rules.Load(); rs != s.scr.rs {
		s.scr.Swap(rs)
		s.alertCounters = map[string]prometheus.Counter{}
		s.metrics.RulesLoaded.Set(float64(len(rs.Rules)))
		pos := ""
		if len(recs) > 0 {
			pos = recs[0].Position
		}
		s.log.Info("rule set swapped", "hash", rs.Hash, "rules", len(rs.Rules), "from_position", pos)
	}
	var alerts []engine.Alert
	var rejects []engine.Rejected
	var txs []engine.Tx
	first := s.scr.rs.Perspectives[0]
	for i := range recs {
		var err error
		alerts, err = s.screenRecord(&recs[i], true, alerts)
		if err != nil {
			rejects = append(rejects, engine.Rejected{Record: recs[i], Err: err})
			s.metrics.Rejected.WithLabelValues(engine.RejectReason(err)).Inc()
			continue
		}
		s.metrics.Screened.Inc()
		if p := recs[i].Perspective; s.p.Transactions != nil && (p == "" || p == first) {
			txs = append(txs, s.scr.Env().Tx)
		}
	}
	s.afterBatch(alerts)

	// The batch is done when its alerts, its rejects and (if stored) its
	// transactions are all durable.
	outputs := int32(1)
	if len(rejects) > 0 {
		outputs++
	}
	if len(txs) > 0 {
		outputs++
	}
	var once sync.Once
	var mu sync.Mutex
	var firstErr error
	ack := func(err error) {
		mu.Lock()
		if err != nil && firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		if atomic.AddInt32(&outputs, -1) == 0 {
			once.Do(func() { done(firstErr) })
		}
	}
	if len(rejects) > 0 {
		if s.p.DeadLetter == nil {
			ack(fmt.Errorf("%d rejected records and no dead-letter output", len(rejects)))
		} else {
			s.p.DeadLetter.Reject(ctx, rejects, ack)
		}
	}
	if len(txs) > 0 {
		s.p.Transactions.WriteTransactions(ctx, txs, ack)
	}
	s.p.Sink.Write(ctx, alerts, ack)
	return nil
}

// Replay screens recs without emitting alerts, to rebuild windows from
// history after an assignment. Records that fail to decode are skipped: they
// were dead-lettered when first consumed.
func (s *Stream) Replay(recs []engine.Record) {
	for i := range recs {
		if _, err := s.screenRecord(&recs[i], false, nil); err == nil {
			s.metrics.Replayed.Inc()
		}
	}
	s.afterBatch(nil)
}

func (s *Stream) screenRecord(rec *engine.Record, emit bool, alerts []engine.Alert) ([]engine.Alert, error) {
	max := s.p.MaxRecordBytes
	if max <= 0 {
		max = 1 << 20
	}
	if len(rec.Value) > max {
		return alerts, engine.Reject(engine.ReasonTooLarge, "record of %d bytes exceeds the limit of %d", len(rec.Value), max)
	}
	env := s.scr.Env()
	enriched, err := s.dec.DecodeRecord(rec, &env.Tx)
	if err != nil {
		return alerts, err
	}
	// The date first: a record dated far ahead is refused for that even
	// when the FX table has no rate for its date yet.
	if err := s.scr.Admit(env.TS); err != nil {
		return alerts, err
	}
	if !enriched {
		if err := s.p.Enricher.Enrich(&env.Tx); err != nil {
			return alerts, err
		}
	}
	if rec.Perspective == "" && s.scr.rs.Traced {
		if s.tracer == nil {
			s.tracer = trace.New(trace.Config{})
		}
		s.tracer.Observe(&env.Tx)
	}
	sample := emit && s.scr.stats.Copies&63 == 0
	var start time.Time
	if sample {
		start = time.Now()
	}
	alerts = s.scr.Screen(rec.Perspective, emit, rec.Time, alerts)
	if sample {
		s.metrics.EvalTime.Observe(time.Since(start).Seconds())
	}
	return alerts, nil
}

// afterBatch publishes counters and, every few batches, a state snapshot
// for the scrape-time collector.
func (s *Stream) afterBatch(alerts []engine.Alert) {
	for i := range alerts {
		a := &alerts[i]
		c := s.alertCounters[a.RuleID]
		if c == nil {
			c = s.metrics.Alerts.WithLabelValues(a.RuleID, a.Typology, a.Severity, a.Mode)
			s.alertCounters[a.RuleID] = c
		}
		c.Inc()
	}
	st := s.scr.Stats()
	s.metrics.Late.Add(float64(st.Late - s.lastStats.Late))
	s.metrics.RuleErrors.Add(float64(st.RuleErrors - s.lastStats.RuleErrors))
	s.metrics.Evicted.Add(float64(st.Evicted - s.lastStats.Evicted))
	s.metrics.Duplicates.Add(float64(st.Duplicates - s.lastStats.Duplicates))
	s.metrics.Jumps.Add(float64(st.Jumps - s.lastStats.Jumps))
	s.lastStats = st
	if s.batches++; s.batches%16 == 1 {
		s.snapshot.Store(&stateSnapshot{keys: s.scr.StateKeys(), bytes: s.scr.StateBytes()})
	}
}
