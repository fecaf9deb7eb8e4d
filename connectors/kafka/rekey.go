package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/eventtime"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// RekeyConfig configures the re-key stage.
type RekeyConfig struct {
	// Config names the input topics and the cluster. Its Group gets the
	// suffix "-rekey" so the stage never shares offsets with screening.
	Config
	// Perspectives are the aggregate key paths in use, e.g.
	// ["debtor.account", "creditor.account"]: one copy per perspective.
	Perspectives []string
	// Prepare decodes an input record once, when it is fetched: its event
	// time orders the merge, and its keys and value make the copies (see
	// Prepared). The integrator passes the canonical decoder
	// (connectors/canonical.Transcoder).
	Prepare func(*kgo.Record) Prepared
	// Release, when set, is called in merge order (the feed's event-time
	// order) for each record about to be copied under its perspectives,
	// and may replace its Value: the flow tracer (engine/trace) runs here
	// and appends each transfer's trace. Records dead-lettered or
	// forwarded as they came are not released.
	Release func(*Prepared)
	// ReleaseHistory is how far before a newly assigned partition's
	// committed position Release sees its records again, in event-time
	// order, before the partition is fetched (the flow tracer's window
	// and the lateness): a restarted or new owner then writes the traces
	// the old one would have. 0: none.
	ReleaseHistory time.Duration
	// OutputSuffix names the internal topic of each input topic:
	// "<topic><OutputSuffix>"; default ".by-account".
	OutputSuffix string
	// OutputPartitions is the partition count the internal topic is
	// created with when missing; default the input topic's.
	OutputPartitions int32
	// MaxBufferedRecords pauses an input partition whose merge buffer holds
	// this many records; default 10,000.
	MaxBufferedRecords int
	// ProbeInterval is how often offsets are listed for partitions that
	// stall the merge; default 500 ms.
	ProbeInterval time.Duration
	// MaxRecordBytes is the largest value screening accepts (its
	// max_record_bytes); a larger record is dead-lettered here with reason
	// too_large instead of being forwarded. Default 1 MiB.
	MaxRecordBytes int
	// DeadLetter receives records the stage cannot forward: over-size ones
	// and those a produce refuses for the record's own sake (too large for
	// the internal topic, invalid). Default a writer of the stage's own,
	// closed when Run returns.
	DeadLetter *DeadLetter
	// FutureBound: a record dated more than this ahead of its partition's
	// newest is merged at its partition's previous position (see merger);
	// 0 means eventtime.DefaultAhead, negative no bound. Screening uses
	// the same bound to reject it.
	FutureBound time.Duration
}

// Prepared is what the re-key stage needs of one input record, computed
// once when it is fetched and carried through the merge to the produce.
type Prepared struct {
	// EventTime orders the merge (unix nanoseconds, the transaction's ts),
	// so the internal topic is in event-time order whatever timestamps the
	// producer set. Without one (HasTime false: the value did not decode)
	// the record keeps its place behind its partition's previous record.
	EventTime int64
	HasTime   bool
	// Keys holds the copies' keys, one per RekeyConfig.Perspectives entry
	// in that order. Nil: the record cannot be screened (it did not decode
	// or enrich, or a key is empty), and is forwarded once, unchanged, with
	// an empty perspective so that screening rejects it with its reason.
	Keys [][]byte
	// Value is the copies' value (nil: the input's), and Encoding names it
	// in the socwatch-encoding header (empty: no header). Every copy's
	// header shares Encoding, so it may be one package-level value for all
	// records; it is not modified.
	Value    []byte
	Encoding []byte
	// Tx is the decoded transaction, kept only when Release needs it.
	Tx *engine.Tx
}

// Rekeyer is the re-key stage: it merges the assigned input partitions in
// event-time order (see merger and Prepared.EventTime) and writes each record once per
// perspective to the internal topic, keyed by that perspective's account and
// tagged with the socwatch-perspective header (and socwatch-encoding when
// the value is re-encoded). A record whose keys cannot be extracted is
// forwarded once, with its original key and an empty
// perspective, so that screening rejects it into the dead-letter topic.
// Input offsets are committed only after every copy is acknowledged.
//
// The internal topic has one event-time order however many instances run:
// the group's balancer (singleOwnerBalancer) gives every input partition to
// the longest-lived member, the others stand by and take over when it
// leaves or dies. Re-keying therefore runs at the speed of one instance;
// screening, downstream, scales over all of them.
type Rekeyer struct {
	cfg RekeyConfig
	log *slog.Logger
	m   *metrics
	cl  *kgo.Client
	adm *kadm.Client

	mu          sync.Mutex // guards cps and paused between callbacks and the loop
	merge       *merger
	cps         map[topicPartition]*checkpoint
	paused      map[topicPartition]bool
	commitMu    sync.Mutex
	lastProbe   time.Time
	failOnce    sync.Once
	fail        context.CancelCauseFunc
	outputTopic map[string]string
	// minAge is, per internal topic with time-based retention by record
	// time, half its retention: a copy is stamped no older than that
	// (copyTime), so retention cannot delete it before it is screened.
	minAge     map[string]time.Duration
	stampedOld atomic.Bool // logged once: copies of old records are restamped
	// perspValue holds the socwatch-perspective header value of each
	// perspective, so a copy does not allocate them again.
	perspValue [][]byte
	opts       []kgo.Opt
	ownDLQ     bool // DeadLetter was created here and is closed by Run
}

// NewRekeyer validates cfg and creates the client (consumer and producer).
func NewRekeyer(cfg RekeyConfig) (*Rekeyer, error) {
	if len(cfg.Perspectives) == 0 {
		return nil, errors.New("kafka rekey config: no perspectives")
	}
	if cfg.Prepare == nil {
		return nil, errors.New("kafka rekey config: no Prepare function")
	}
	base, err := cfg.Config.withDefaults()
	if err != nil {
		return nil, err
	}
	cfg.Config = base
	cfg.Group += "-rekey"
	if cfg.OutputSuffix == "" {
		cfg.OutputSuffix = ".by-account"
	}
	if cfg.MaxBufferedRecords <= 0 {
		cfg.MaxBufferedRecords = 10000
	}
	if cfg.ProbeInterval <= 0 {
		cfg.ProbeInterval = 500 * time.Millisecond
	}
	if cfg.MaxRecordBytes <= 0 {
		cfg.MaxRecordBytes = 1 << 20
	}
	ownDLQ := cfg.DeadLetter == nil
	if ownDLQ {
		if cfg.DeadLetter, err = NewDeadLetter(base); err != nil {
			return nil, err
		}
	}
	if cfg.FutureBound == 0 {
		cfg.FutureBound = eventtime.DefaultAhead
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	r := &Rekeyer{cfg: cfg, m: m, log: cfg.Logger.With("component", "kafka-rekey", "group", cfg.Group),
		merge: newMerger(cfg.Prepare, cfg.FutureBound, cfg.MergeIdle), cps: make(map[topicPartition]*checkpoint), paused: make(map[topicPartition]bool),
		outputTopic: make(map[string]string), ownDLQ: ownDLQ}
	for _, t := range cfg.Topics {
		r.outputTopic[t] = t + cfg.OutputSuffix
	}
	for _, p := range cfg.Perspectives {
		r.perspValue = append(r.perspValue, []byte(p))
	}
	opts, err := cfg.clientOpts("rekey")
	if err != nil {
		r.closeDLQ()
		return nil, err
	}
	opts = append(opts, cfg.groupConsumerOpts(r.onAssigned, r.onRevoked, r.onLost)...)
	opts = append(opts,
		// One member of the group owns every input partition, so one
		// merge orders the whole internal topic (see singleOwnerBalancer).
		kgo.Balancers(&singleOwnerBalancer{started: time.Now()}),
		kgo.FetchMaxWait(250*time.Millisecond),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(5*time.Millisecond),
		// lz4: on the internal topic's batches (BenchmarkInternalTopicCompression,
		// bench/README.md "Binary internal topic") it keeps 136 of 409
		// bytes per copy for about 1.1 µs of compress+decompress CPU per
		// copy; zstd keeps 104 bytes but costs 2–3.5 µs, which on a
		// CPU-bound instance that also screens is the scarcer resource.
		kgo.ProducerBatchCompression(kgo.Lz4Compression()),
		// Produce blocks when this many copies are unacknowledged:
		// backpressure from the internal topic to the merge.
		kgo.MaxBufferedRecords(cfg.MaxBufferedRecords*len(cfg.Perspectives)),
	)
	if cfg.FetchMaxBytes > 0 {
		opts = append(opts, kgo.FetchMaxBytes(cfg.FetchMaxBytes))
	}
	r.opts = opts
	return r, nil
}

// OutputTopic returns the internal topic input topic is re-keyed to.
func (r *Rekeyer) OutputTopic(input string) string { return r.outputTopic[input] }

// Run re-keys until ctx ends (then it flushes, commits, leaves the group
// and returns nil) or a produce fails for good (then it returns the error).
func (r *Rekeyer) Run(ctx context.Context) error {
	if r.cl != nil {
		return errors.New("kafka rekey: Run called twice")
	}
	runCtx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	r.fail = fail
	defer r.closeDLQ()
	maxBytes, err := r.ensureOutputTopics(runCtx)
	if err != nil {
		return err
	}
	// A produce batch may be as large as the internal topic accepts, so
	// that every record the input topic accepted can be forwarded.
	cl, err := kgo.NewClient(append(r.opts, kgo.ProducerBatchMaxBytes(int32(maxBytes)))...)
	if err != nil {
		return fmt.Errorf("create kafka rekey client: %w", err)
	}
	r.mu.Lock()
	r.cl = cl
	r.mu.Unlock()
	r.adm = kadm.NewClient(cl)

	commitDone := make(chan struct{})
	go commitEvery(runCtx, r.cfg.CommitInterval, func(ctx context.Context) { r.commit(ctx, r.allAssigned()) }, commitDone)
	// waiting is decided before AllowRebalance: once it is called, the
	// partition callbacks may change the merge until the next poll.
	waiting := false
	for runCtx.Err() == nil {
		pollCtx := runCtx
		cancel := context.CancelFunc(func() {})
		if waiting {
			// Records wait on a stalled partition: come back to probe,
			// or when a caught-up partition's idle grace ends.
			wait := r.cfg.ProbeInterval
			if w := r.merge.idleWake(); w > 0 {
				wait = min(wait, w)
			}
			pollCtx, cancel = context.WithTimeout(runCtx, wait)
		}
		fetches := cl.PollRecords(pollCtx, 10000)
		cancel()
		if fetches.IsClientClosed() {
			break
		}
		fetches.EachError(func(topic string, partition int32, err error) {
			if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				r.log.Warn("fetch error", "topic", topic, "partition", partition, "err", err)
			}
		})
		fetches.EachPartition(func(p kgo.FetchTopicPartition) {
			if n := len(p.Records); n > 0 {
				r.m.consumed.WithLabelValues(p.Topic).Add(float64(n))
				if p.HighWatermark >= 0 {
					r.m.lag.WithLabelValues(p.Topic, partitionLabel(p.Partition)).Set(float64(max(p.HighWatermark-p.Records[n-1].Offset-1, 0)))
				}
			}
			r.merge.add(p)
		})
		r.emitAll(runCtx)
		if r.merge.buffered > 0 && len(r.merge.blocking()) > 0 && time.Since(r.lastProbe) >= r.cfg.ProbeInterval {
			r.probe(runCtx)
			r.emitAll(runCtx)
		}
		r.backpressure()
		waiting = r.merge.buffered > 0
		cl.AllowRebalance()
	}
	cl.AllowRebalance()
	<-commitDone
	r.drainAndCommit(r.allAssigned())
	cl.Close()
	if cause := context.Cause(runCtx); cause != nil && !errors.Is(cause, context.Canceled) && !errors.Is(cause, context.DeadlineExceeded) {
		return cause
	}
	return nil
}

// emitAll produces every record the merge releases.
func (r *Rekeyer) emitAll(ctx context.Context) {
	for ctx.Err() == nil {
		rec, prep, future := r.merge.pop()
		if rec == nil {
			return
		}
		r.emit(ctx, rec, &prep, future)
	}
}

// emit produces the copies of one input record and acknowledges its span
// when all of them are acknowledged. A record the merge judged future goes
// to the dead-letter topic instead (ts_future).
func (r *Rekeyer) emit(ctx context.Context, in *kgo.Record, prep *Prepared, future bool) {
	tp := topicPartition{in.Topic, in.Partition}
	r.mu.Lock()
	cp := r.cps[tp]
	r.mu.Unlock()
	if cp == nil {
		return
	}
	sp := cp.add(in.Offset + 1)
	ack := func(err error) {
		cp.ack(sp, err)
		if err != nil && ctx.Err() == nil {
			r.failOnce.Do(func() {
				r.log.Error("re-keyed copy not written; stopping so a restart replays", "topic", in.Topic, "partition", in.Partition, "offset", in.Offset, "err", err)
				r.fail(fmt.Errorf("produce re-keyed copy of %s: %w", formatPosition(in.Topic, in.Partition, in.Offset), err))
			})
		}
	}
	if len(in.Value) > r.cfg.MaxRecordBytes {
		r.deadLetter(ctx, in, engine.ReasonTooLarge,
			fmt.Sprintf("record of %d bytes exceeds the limit of %d", len(in.Value), r.cfg.MaxRecordBytes), ack)
		return
	}
	if future {
		r.deadLetter(ctx, in, engine.ReasonTSFuture,
			fmt.Sprintf("dated more than %s ahead of the feed's event time", r.cfg.FutureBound), ack)
		return
	}
	if r.cfg.Release != nil && len(prep.Keys) == len(r.cfg.Perspectives) && prep.Value != nil {
		r.cfg.Release(prep)
	}
	copies := r.copies(in, prep)
	var (
		mu       sync.Mutex
		pending  = len(copies)
		firstErr error
	)
	for i := range copies {
		r.cl.Produce(ctx, &copies[i], func(_ *kgo.Record, err error) {
			mu.Lock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			pending--
			last, ferr := pending == 0, firstErr
			mu.Unlock()
			if !last {
				return
			}
			if isRecordError(ferr) {
				// Producing it again would fail again: a poison pill,
				// not a reason to stop the stage.
				r.deadLetter(ctx, in, produceRejectReason(ferr), ferr.Error(), ack)
				return
			}
			if ferr == nil {
				r.m.forwarded.Observe(time.Since(in.Timestamp).Seconds())
			}
			ack(ferr)
		})
	}
}

// ReasonProduceRejected is the dead-letter reason of a record the internal
// topic refused for a reason of its own other than its size (e.g. an
// invalid record or timestamp).
const ReasonProduceRejected = "produce_rejected"

func produceRejectReason(err error) string {
	if errors.Is(err, kerr.MessageTooLarge) || errors.Is(err, kerr.RecordListTooLarge) {
		return engine.ReasonTooLarge
	}
	return ReasonProduceRejected
}

// deadLetter sends an input record the stage cannot forward to the
// dead-letter topic, with its key, its headers and where it came from;
// done gets the outcome.
func (r *Rekeyer) deadLetter(ctx context.Context, in *kgo.Record, reason, msg string, done func(error)) {
	r.log.Warn("record dead-lettered by the re-key stage", "topic", in.Topic, "partition", in.Partition,
		"offset", in.Offset, "bytes", len(in.Value), "reason", reason, "err", msg)
	headers := append(appendSourceHeaders(make([]kgo.RecordHeader, 0, 3+len(in.Headers)), in.Topic, in.Partition, in.Offset), in.Headers...)
	r.cfg.DeadLetter.send(ctx, letter{key: in.Key, value: in.Value, ts: in.Timestamp, reason: reason, msg: msg, headers: headers}, done)
}

// closeDLQ closes the dead-letter writer if the stage owns it.
func (r *Rekeyer) closeDLQ() {
	if !r.ownDLQ {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.DrainTimeout)
	defer cancel()
	if err := r.cfg.DeadLetter.Close(ctx); err != nil {
		r.log.Warn("close re-key dead-letter writer", "err", err)
	}
}

// copies builds one output record per perspective, or a single copy of
// the input record with its original key and no perspective when prep has
// no keys.
//
// Each copy carries three headers: its perspective, HeaderSource (the
// input record's position, one header where older builds wrote three) and
// the encoding. The copies' records share one allocation, and so do their
// headers: after screening, the re-key stage is what the pipeline
// allocates most, and every byte allocated brings the next collection
// closer (bench/README.md, "Where the rest goes").
func (r *Rekeyer) copies(in *kgo.Record, prep *Prepared) []kgo.Record {
	keys, persp, value, enc := prep.Keys, r.perspValue, in.Value, prep.Encoding
	if prep.Value != nil {
		value = prep.Value
	}
	if len(keys) != len(r.cfg.Perspectives) {
		// Bad input: forward it once, as it came, so screening rejects it.
		var inKey [1][]byte
		inKey[0] = in.Key
		keys, persp, value, enc = inKey[:], noPerspective[:], in.Value, nil
	}
	const perCopy = 3 // perspective, source, encoding
	n := len(keys)
	hs := make([]kgo.RecordHeader, 2, n*perCopy)
	hs[0] = kgo.RecordHeader{Key: HeaderPerspective, Value: persp[0]}
	hs[1] = kgo.RecordHeader{Key: HeaderSource, Value: appendPosition(make([]byte, 0, len(in.Topic)+2*20), in.Topic, in.Partition, in.Offset)}
	if len(enc) != 0 {
		hs = append(hs, kgo.RecordHeader{Key: HeaderEncoding, Value: enc})
	}
	per := len(hs)
	out := r.outputTopic[in.Topic]
	ts := r.copyTime(out, in.Timestamp)
	copies := make([]kgo.Record, n)
	for i := range copies {
		if i > 0 {
			hs = append(hs, hs[:per]...)
			hs[i*per].Value = persp[i]
		}
		copies[i] = kgo.Record{Topic: out, Key: keys[i], Value: value, Timestamp: ts,
			Headers: hs[i*per : (i+1)*per : (i+1)*per]}
	}
	return copies
}

// copyTime is the timestamp of a copy for internal topic out of a record
// stamped ts: ts, or half the topic's retention ago when ts is older.
// Copies keep their input's time (the record → alert latency is timed
// from it, and state rebuilds look history up by it), but time-based
// retention deletes a rolled segment by its newest record time: a
// backfill of months-old records would have its copies deleted before
// screening, which runs about half as fast, had read them. A later or
// live record keeps its time; a restamped copy gains, and a history
// lookup by time reaches at least as far back as before.
func (r *Rekeyer) copyTime(out string, ts time.Time) time.Time {
	minAge := r.minAge[out]
	if minAge <= 0 {
		return ts
	}
	if floor := time.Now().Add(-minAge); ts.Before(floor) {
		if !r.stampedOld.Swap(true) {
			r.log.Info("copies of records older than half the internal topic's retention are stamped with that age, so retention cannot delete them before they are screened",
				"topic", out, "max_age", minAge, "record_time", ts)
		}
		return floor
	}
	return ts
}

// retentionMinAge is half a topic's time-based retention when retention
// goes by record creation time (the default), else 0: no floor needed
// (retention.ms -1, or the broker stamps append time).
func retentionMinAge(cfg map[string]string) time.Duration {
	if t, ok := cfg["message.timestamp.type"]; ok && t != "CreateTime" {
		return 0
	}
	ms, err := strconv.ParseInt(cfg["retention.ms"], 10, 64)
	if err != nil || ms <= 0 {
		return 0
	}
	return time.Duration(ms) * time.Millisecond / 2
}

// noPerspective is the perspective of a bad input's single copy: an
// empty socwatch-perspective header.
var noPerspective = [1][]byte{nil}

// probe lists committed, start and end offsets of the partitions that stall
// the merge, so an idle partition at its end stops blocking the others.
func (r *Rekeyer) probe(ctx context.Context) {
	r.lastProbe = time.Now()
	blocking := r.merge.blocking()
	topics := make([]string, 0, len(blocking))
	for _, tp := range blocking {
		topics = append(topics, tp.topic)
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.DrainTimeout)
	defer cancel()
	ends, err := r.adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		r.log.Warn("probe end offsets", "err", err)
		return
	}
	var starts kadm.ListedOffsets
	if r.cfg.StartOffset == StartEarliest {
		starts, _ = r.adm.ListStartOffsets(ctx, topics...)
	}
	commits, _ := r.adm.FetchOffsets(ctx, r.cfg.Group)
	for _, tp := range blocking {
		end, ok := ends.Lookup(tp.topic, tp.partition)
		if !ok || end.Err != nil {
			continue
		}
		next := int64(-1)
		if c, ok := commits.Lookup(tp.topic, tp.partition); ok && c.Err == nil && c.At >= 0 {
			next = c.At
		} else if r.cfg.StartOffset == StartLatest {
			next = end.Offset
		} else if s, ok := starts.Lookup(tp.topic, tp.partition); ok && s.Err == nil {
			next = s.Offset
		}
		r.merge.probed(tp, next, end.Offset)
	}
}

// backpressure pauses partitions with too much buffered and resumes those
// that drained below half of it.
func (r *Rekeyer) backpressure() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for tp := range r.cps {
		n := r.merge.bufferedIn(tp)
		switch {
		case !r.paused[tp] && n >= r.cfg.MaxBufferedRecords:
			r.paused[tp] = true
			r.cl.PauseFetchPartitions(map[string][]int32{tp.topic: {tp.partition}})
			r.m.paused.Inc()
		case r.paused[tp] && n <= r.cfg.MaxBufferedRecords/2:
			r.unpauseLocked(tp)
		}
	}
}

func (r *Rekeyer) unpauseLocked(tp topicPartition) {
	if r.paused[tp] {
		delete(r.paused, tp)
		r.cl.ResumeFetchPartitions(map[string][]int32{tp.topic: {tp.partition}})
		r.m.paused.Dec()
	}
}

func (r *Rekeyer) allAssigned() map[string][]int32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string][]int32)
	for tp := range r.cps {
		out[tp.topic] = append(out[tp.topic], tp.partition)
	}
	return out
}

func (r *Rekeyer) commit(ctx context.Context, parts map[string][]int32) {
	r.mu.Lock()
	var cps []partCheckpoint
	for topic, ps := range parts {
		for _, p := range ps {
			if cp := r.cps[topicPartition{topic, p}]; cp != nil {
				cps = append(cps, partCheckpoint{topic, p, cp})
			}
		}
	}
	r.mu.Unlock()
	commitCheckpoints(ctx, r.cl, &r.commitMu, r.m, r.log, r.cfg.DrainTimeout, cps)
}

// drainAndCommit waits (up to DrainTimeout) for every produced copy to be
// acknowledged and commits parts' checkpoints.
func (r *Rekeyer) drainAndCommit(parts map[string][]int32) {
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.DrainTimeout)
	defer cancel()
	if err := r.cl.Flush(ctx); err != nil {
		r.log.Warn("flush before commit timed out; committing the acknowledged prefix", "err", err)
	}
	r.commit(context.Background(), parts)
}

func (r *Rekeyer) onAssigned(ctx context.Context, cl *kgo.Client, assigned map[string][]int32) {
	// Rebalances run only while the loop allows them (AllowRebalance), so
	// this does not race with emit.
	r.warm(ctx, kadm.NewClient(cl), assigned)
	r.mu.Lock()
	defer r.mu.Unlock()
	for topic, ps := range assigned {
		for _, p := range ps {
			tp := topicPartition{topic, p}
			if _, ok := r.cps[tp]; !ok {
				r.cps[tp] = newCheckpoint()
				r.merge.assign(tp)
				r.m.assigned.WithLabelValues(topic).Inc()
			}
		}
	}
	r.log.Info("partitions assigned", "partitions", assigned)
}

func (r *Rekeyer) onRevoked(_ context.Context, _ *kgo.Client, revoked map[string][]int32) {
	r.drainAndCommit(revoked)
	r.drop(revoked)
	r.log.Info("partitions revoked", "partitions", revoked)
}

func (r *Rekeyer) onLost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	r.drop(lost)
	r.log.Warn("partitions lost", "partitions", lost)
}

// drop forgets partitions: their buffered records were never produced, so
// the next owner reads them again.
func (r *Rekeyer) drop(parts map[string][]int32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for topic, ps := range parts {
		for _, p := range ps {
			tp := topicPartition{topic, p}
			if _, ok := r.cps[tp]; !ok {
				continue
			}
			r.unpauseLocked(tp)
			delete(r.cps, tp)
			r.merge.remove(tp)
			r.m.assigned.WithLabelValues(topic).Dec()
			r.m.lag.DeleteLabelValues(topic, partitionLabel(p))
		}
	}
}

// ensureOutputTopics creates each missing internal topic with
// OutputPartitions (default: as many as its input topic) and a
// max.message.bytes no smaller than its input topic's, raises the limit of
// an existing one that is smaller, and returns the smallest internal-topic
// limit: the producer's batch bound. It uses a short-lived client because
// the stage's own is created with that bound.
func (r *Rekeyer) ensureOutputTopics(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	opts, err := r.cfg.plainClientOpts("rekey-admin")
	if err != nil {
		return 0, err
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return 0, fmt.Errorf("create kafka rekey admin client: %w", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	limit := math.MaxInt32
	r.minAge = make(map[string]time.Duration, len(r.outputTopic))
	for in, out := range r.outputTopic {
		n, err := r.ensureOutputTopic(ctx, adm, in, out)
		if err != nil {
			return 0, err
		}
		limit = min(limit, n)
		cfg, err := awaitTopicConfigs(ctx, adm, out)
		if err != nil {
			return 0, fmt.Errorf("internal topic: %w", err)
		}
		r.minAge[out] = retentionMinAge(cfg)
	}
	return limit, nil
}

func (r *Rekeyer) ensureOutputTopic(ctx context.Context, adm *kadm.Client, in, out string) (int, error) {
	inLimit, err := maxMessageBytes(ctx, adm, in)
	if err != nil {
		return 0, fmt.Errorf("input topic: %w", err)
	}
	want := strconv.Itoa(inLimit)
	details, err := adm.ListTopics(ctx, in, out)
	if err != nil {
		return 0, fmt.Errorf("list topics %s, %s: %w", in, out, err)
	}
	if d, ok := details[out]; !ok || d.Err != nil {
		parts := r.cfg.OutputPartitions
		if parts <= 0 {
			d, ok := details[in]
			if !ok || d.Err != nil {
				return 0, fmt.Errorf("describe input topic %s: %v", in, d.Err)
			}
			parts = int32(len(d.Partitions))
		}
		// Several instances start at once: whoever creates the topic
		// first wins, the others find it there.
		resp, err := adm.CreateTopic(ctx, parts, -1, map[string]*string{"max.message.bytes": &want}, out)
		if err == nil {
			err = resp.Err
		}
		switch {
		case errors.Is(err, kerr.TopicAlreadyExists):
		case err != nil:
			return 0, fmt.Errorf("create internal topic %s (%d partitions): %w", out, parts, err)
		default:
			r.log.Info("created internal topic", "topic", out, "partitions", parts, "max_message_bytes", inLimit)
			return inLimit, nil
		}
	}
	// Another instance may have created it a moment ago.
	cfg, err := awaitTopicConfigs(ctx, adm, out)
	var outLimit int
	if err == nil {
		outLimit, err = messageBytesIn(cfg, out)
	}
	if err != nil {
		return 0, fmt.Errorf("internal topic: %w", err)
	}
	if outLimit >= inLimit {
		return outLimit, nil
	}
	// A record the input topic accepted must fit in the internal one.
	resps, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "max.message.bytes", Value: &want}}, out)
	if err == nil {
		for _, resp := range resps {
			err = errors.Join(err, resp.Err)
		}
	}
	if err != nil {
		return 0, fmt.Errorf("raise max.message.bytes of internal topic %s from %d to the input topic's %d: %w", out, outLimit, inLimit, err)
	}
	r.log.Info("raised internal topic's max.message.bytes to the input topic's", "topic", out, "from", outLimit, "to", inLimit)
	return inLimit, nil
}
