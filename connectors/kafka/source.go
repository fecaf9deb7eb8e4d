package kafka

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/intern"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Processor screens the records of one partition. The engine's per-partition
// stream implements it; it is not safe for concurrent use and sees the
// partition's records in offset order.
type Processor interface {
	// Process screens recs in order and hands their outputs on; done is
	// called exactly once when all of the batch's outputs are durable (nil)
	// or failed (err). Process may block (backpressure) and returns early
	// with ctx.Err() when ctx ends.
	Process(ctx context.Context, recs []engine.Record, done engine.Done) error
	// Close drops the partition's state (partition revoked or lost).
	Close()
}

// ProcessorFactory makes the Processor of a newly assigned partition.
type ProcessorFactory func(topic string, partition int32) Processor

// ErrBatchFailed wraps the error a Processor reported through done. A failed
// batch stops its partition's checkpoint, so Run returns it after committing
// what was acknowledged before: a restart replays from the failed batch.
var ErrBatchFailed = errors.New("kafka source: batch failed")

// Source consumes the configured topics as a consumer group, runs one
// goroutine per assigned partition, and commits each partition's contiguous
// acknowledged prefix every CommitInterval and when the partition is revoked.
type Source struct {
	cfg Config
	log *slog.Logger
	m   *metrics
	// opts are kept until Run: the client joins the group as soon as it
	// exists, and assignments need the factory Run is given.
	opts []kgo.Opt
	cl   *kgo.Client

	factory ProcessorFactory
	runCtx  context.Context
	fail    context.CancelCauseFunc

	mu      sync.Mutex // guards workers
	workers map[topicPartition]*worker
	// nWorkers is len(workers), read without mu by the in-flight bound.
	nWorkers atomic.Int32

	// state writes and loads checkpoints; nil when they are off.
	state *stateStore

	// commitMu serialises commits so that a periodic commit of an older
	// checkpoint can never land after a revoke's final commit.
	commitMu sync.Mutex
}

type topicPartition struct {
	topic     string
	partition int32
}

// NewSource validates cfg and prepares the franz-go client options; the
// client is created, and the brokers contacted, by Run.
func NewSource(cfg Config) (*Source, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	s := &Source{cfg: cfg, log: cfg.Logger.With("component", "kafka-source", "group", cfg.Group), m: m,
		workers: make(map[topicPartition]*worker)}
	opts, err := cfg.clientOpts("source")
	if err != nil {
		return nil, err
	}
	opts = append(opts, cfg.groupConsumerOpts(s.onAssigned, s.onRevoked, s.onLost)...)
	opts = append(opts,
		// A paused partition is resumed as soon as it drains; do not
		// wait the default 5 s for an idle fetch to return.
		kgo.FetchMaxWait(500*time.Millisecond),
	)
	if cfg.FetchMaxBytes > 0 {
		opts = append(opts, kgo.FetchMaxBytes(cfg.FetchMaxBytes))
	}
	if cfg.OnAssigned != nil {
		opts = append(opts, kgo.AdjustFetchOffsetsFn(s.adjustOffsets))
	}
	s.opts = opts
	if cfg.CheckpointInterval > 0 {
		if s.state, err = newStateStore(cfg, m); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// recordShare is each partition's share of MaxInFlightRecords. The bound
// is for the whole source because that is what memory depends on: a
// per-partition bound lets in partitions × bound records, and an outage
// of the sink takes in the whole backlog when each partition's remainder
// is below it.
func (s *Source) recordShare() int {
	return s.cfg.MaxInFlightRecords / max(int(s.nWorkers.Load()), 1)
}

// Assigned returns the partitions this source currently owns, by topic.
func (s *Source) Assigned() map[string][]int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]int32)
	for tp := range s.workers {
		out[tp.topic] = append(out[tp.topic], tp.partition)
	}
	return out
}

// Run consumes until ctx ends or a batch fails. On ctx end it stops
// fetching, waits (up to DrainTimeout) for in-flight batches, commits,
// leaves the group and returns nil. A Source runs once.
func (s *Source) Run(ctx context.Context, factory ProcessorFactory) error {
	if factory == nil {
		return errors.New("kafka source: nil processor factory")
	}
	runCtx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	s.mu.Lock()
	if s.cl != nil {
		s.mu.Unlock()
		return errors.New("kafka source: Run called twice")
	}
	s.factory, s.runCtx, s.fail = factory, runCtx, fail
	s.mu.Unlock()
	cl, err := kgo.NewClient(s.opts...)
	if err != nil {
		return fmt.Errorf("create kafka source client: %w", err)
	}
	s.mu.Lock()
	s.cl = cl
	s.mu.Unlock()

	commitDone := make(chan struct{})
	go commitEvery(runCtx, s.cfg.CommitInterval, s.commitAll, commitDone)

	for {
		fetches := s.cl.PollRecords(runCtx, 10000)
		if runCtx.Err() != nil || fetches.IsClientClosed() {
			s.cl.AllowRebalance()
			break
		}
		fetches.EachError(func(topic string, partition int32, err error) {
			if !errors.Is(err, context.Canceled) {
				s.log.Warn("fetch error", "topic", topic, "partition", partition, "err", err)
			}
		})
		fetches.EachPartition(s.dispatch)
		s.cl.AllowRebalance()
	}
	<-commitDone
	return s.shutdown(context.Cause(runCtx))
}

// shutdown drains every worker, commits, and leaves the group.
func (s *Source) shutdown(cause error) error {
	s.cl.PauseFetchTopics(s.cfg.Topics...)
	s.drainAndCommit(s.removeWorkers(s.Assigned()))
	s.cl.Close() // leaves the group; onRevoked finds no workers left
	if s.state != nil {
		s.state.close()
	}
	if cause != nil && !errors.Is(cause, context.Canceled) && !errors.Is(cause, context.DeadlineExceeded) {
		return cause
	}
	return nil
}

// dispatch hands one partition's polled records to its worker as one batch.
func (s *Source) dispatch(p kgo.FetchTopicPartition) {
	if len(p.Records) == 0 {
		return
	}
	s.mu.Lock()
	w := s.workers[topicPartition{p.Topic, p.Partition}]
	s.mu.Unlock()
	last := p.Records[len(p.Records)-1]
	if p.HighWatermark >= 0 {
		s.m.lag.WithLabelValues(p.Topic, partitionLabel(p.Partition)).Set(float64(max(p.HighWatermark-last.Offset-1, 0)))
	}
	if w == nil {
		return // revoked between fetch and poll: the next owner reads them
	}
	w.enqueue(toRecords(p.Records, &w.strs), last.Offset+1)
}

// toRecords converts fetched records for the engine. A re-keyed copy's
// Position is that of the input record it was made from (its source
// header, or the three source headers of copies older builds wrote), so a
// dead letter names the record as the feed had it, and the same record
// dead-lettered again after a replay carries the same position: the
// dead-letter topic's consumers can deduplicate by it.
//
// Perspectives and encodings take a few values, which strs (one per
// partition reader) keeps, so they are not allocated per record.
func toRecords(rs []*kgo.Record, strs *intern.Strings) []engine.Record {
	recs := make([]engine.Record, len(rs))
	var buf []byte
	for i, r := range rs {
		var src, srcTopic, srcPartition, srcOffset []byte
		for _, h := range r.Headers {
			switch h.Key {
			case HeaderPerspective:
				recs[i].Perspective = strs.Kept(slotPerspective, h.Value, true)
			case HeaderEncoding:
				recs[i].Encoding = strs.Kept(slotEncoding, h.Value, true)
			case HeaderSource:
				src = h.Value
			case HeaderSourceTopic:
				srcTopic = h.Value
			case HeaderSourcePartition:
				srcPartition = h.Value
			case HeaderSourceOffset:
				srcOffset = h.Value
			}
		}
		topic, partition, offset := r.Topic, r.Partition, r.Offset
		if t, p, o, ok := copySource(src, srcTopic, srcPartition, srcOffset); ok {
			topic, partition, offset = string(t), p, o
		}
		buf = appendPosition(buf[:0], topic, partition, offset)
		recs[i].Key, recs[i].Value, recs[i].Time, recs[i].Position = r.Key, r.Value, r.Timestamp, string(buf)
	}
	return recs
}

// Slots of toRecords' strings.
const (
	slotPerspective = iota
	slotEncoding
)

// copySource returns the input position a copy names: its HeaderSource
// value src or, on a copy an older build wrote, the three source headers;
// ok is false when neither is present and valid.
func copySource(src, topic, partition, offset []byte) ([]byte, int32, int64, bool) {
	if at := bytes.LastIndexByte(src, '@'); at >= 0 {
		// Kafka topic names contain neither '/' nor '@' (parsePosition).
		if slash := bytes.LastIndexByte(src[:at], '/'); slash >= 0 {
			if p, o, ok := sourcePosition(src[:slash], src[slash+1:at], src[at+1:]); ok {
				return src[:slash], p, o, true
			}
		}
	}
	p, o, ok := sourcePosition(topic, partition, offset)
	return topic, p, o, ok
}

// sourcePosition parses the three source headers of a copy an older build
// wrote; ok is false unless all three are present and valid.
func sourcePosition(topic, partition, offset []byte) (int32, int64, bool) {
	if len(topic) == 0 {
		return 0, 0, false
	}
	p, err := strconv.ParseInt(string(partition), 10, 32)
	if err != nil || p < 0 {
		return 0, 0, false
	}
	o, err := strconv.ParseInt(string(offset), 10, 64)
	if err != nil || o < 0 {
		return 0, 0, false
	}
	return int32(p), o, true
}

// commitAll commits the acknowledged offsets of every current worker.
func (s *Source) commitAll(ctx context.Context) {
	s.mu.Lock()
	ws := make([]*worker, 0, len(s.workers))
	for _, w := range s.workers {
		ws = append(ws, w)
	}
	s.mu.Unlock()
	s.commit(ctx, ws)
}

// commit synchronously commits the committable offsets of ws.
func (s *Source) commit(ctx context.Context, ws []*worker) {
	cps := make([]partCheckpoint, len(ws))
	for i, w := range ws {
		cps[i] = partCheckpoint{w.topic, w.partition, w.cp}
	}
	commitCheckpoints(ctx, s.cl, &s.commitMu, s.m, s.log, s.cfg.DrainTimeout, cps)
}

// onAssigned starts a worker per newly assigned partition.
func (s *Source) onAssigned(_ context.Context, _ *kgo.Client, assigned map[string][]int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for topic, parts := range assigned {
		for _, p := range parts {
			tp := topicPartition{topic, p}
			if _, ok := s.workers[tp]; ok {
				continue
			}
			w := newWorker(s, topic, p, s.factory(topic, p))
			s.workers[tp] = w
			s.nWorkers.Store(int32(len(s.workers)))
			s.m.assigned.WithLabelValues(topic).Inc()
			go w.run()
		}
	}
	s.log.Info("partitions assigned", "partitions", assigned)
}

// adjustOffsets reports each new partition's starting offset to OnAssigned
// before its first fetch; it leaves the offsets unchanged.
func (s *Source) adjustOffsets(ctx context.Context, offsets map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	for topic, parts := range offsets {
		for p, o := range parts {
			committed := o.EpochOffset().Offset
			if committed < 0 {
				committed = -1 // no commit: starts at the reset offset
			}
			s.cfg.OnAssigned(ctx, topic, p, committed)
		}
	}
	return offsets, nil
}

// onRevoked drains the revoked partitions' workers and commits their
// checkpoints before the partitions move, replacing kgo's default commit.
func (s *Source) onRevoked(_ context.Context, _ *kgo.Client, revoked map[string][]int32) {
	ws := s.removeWorkers(revoked)
	s.drainAndCommit(ws)
	s.log.Info("partitions revoked", "partitions", revoked)
}

// onLost stops the lost partitions' workers without committing: the group
// has already given them to someone else.
func (s *Source) onLost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	ws := s.removeWorkers(lost)
	for _, w := range ws {
		w.stop()
		w.abort()
	}
	for _, w := range ws {
		w.waitExit(s.cfg.DrainTimeout)
	}
	s.log.Warn("partitions lost", "partitions", lost)
}

func (s *Source) removeWorkers(parts map[string][]int32) []*worker {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ws []*worker
	for topic, ps := range parts {
		for _, p := range ps {
			tp := topicPartition{topic, p}
			if w, ok := s.workers[tp]; ok {
				delete(s.workers, tp)
				s.nWorkers.Store(int32(len(s.workers)))
				ws = append(ws, w)
				s.m.assigned.WithLabelValues(topic).Dec()
				s.m.lag.DeleteLabelValues(topic, partitionLabel(p))
			}
		}
	}
	return ws
}

// drainAndCommit stops ws taking new batches, waits up to DrainTimeout for
// their in-flight batches to be acknowledged, commits, and lets them exit.
func (s *Source) drainAndCommit(ws []*worker) {
	if len(ws) == 0 {
		return
	}
	for _, w := range ws {
		w.stop()
	}
	deadline := time.Now().Add(s.cfg.DrainTimeout)
	for _, w := range ws {
		if !w.waitDrained(time.Until(deadline)) {
			s.log.Warn("drain timed out; committing the acknowledged prefix",
				"topic", w.topic, "partition", w.partition)
		}
	}
	s.commit(context.Background(), ws)
	for _, w := range ws {
		w.abort()
		w.waitExit(time.Second)
	}
}

// batchFailed records the first failed batch and ends Run.
func (s *Source) batchFailed(w *worker, err error) {
	s.log.Error("batch failed; stopping so a restart replays from the last commit",
		"topic", w.topic, "partition", w.partition, "err", err)
	s.mu.Lock()
	fail := s.fail
	s.mu.Unlock()
	if fail != nil {
		fail(fmt.Errorf("%w: %s/%d: %w", ErrBatchFailed, w.topic, w.partition, err))
	}
}
