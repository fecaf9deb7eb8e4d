package kafka

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/socwatch/socwatch/engine"
)

// StateSnapshotter is a Processor whose state can be checkpointed. The
// worker calls SnapshotState between two Process calls, on its own
// goroutine, so the state covers exactly the records processed so far.
type StateSnapshotter interface {
	SnapshotState(maxChunk int) ([][]byte, error)
}

// StateRestorer is what RestoreState brings up to date: a checkpoint's
// chunks replace its state, and Replay screens records without emitting
// alerts.
type StateRestorer interface {
	RestoreState(chunks [][]byte) error
	Replay(recs []engine.Record)
}

const (
	// stateChunkBytes is the target size of a checkpoint chunk.
	stateChunkBytes = 1 << 20
	// stateMaxMessageBytes is the state topic's max.message.bytes: room
	// for a chunk holding one key larger than stateChunkBytes.
	stateMaxMessageBytes = 8 << 20
	// stateSegmentBytes and stateSegmentMs roll the state topic's
	// segments often, so that compaction (which never cleans the active
	// segment) keeps it near two checkpoints per partition.
	stateSegmentBytes = 64 << 20
	stateSegmentMs    = 10 * 60 * 1000
)

// stateStore writes each partition's checkpoints to the state topic and
// reads the newest complete one back on assignment.
type stateStore struct {
	cfg      Config
	topic    string // the state topic
	source   string // the topic whose partitions' state it keeps
	interval time.Duration
	log      *slog.Logger
	m        *metrics
	opts     []kgo.Opt

	mu    sync.Mutex
	cl    *kgo.Client // producer and admin, see client
	parts map[int32]*partState
	ready bool // the state topic exists with enough partitions
}

// partState is what the store knows of one partition's checkpoints.
type partState struct {
	slot    int // slot of the newest complete checkpoint, -1 if none
	seq     uint64
	chunks  [2]int // chunk keys written in each slot (for tombstones)
	last    time.Time
	lastEnd int64 // offset the newest snapshot covers up to (0: none yet)
	pending bool  // a checkpoint is being written
}

func newStateStore(cfg Config, m *metrics) (*stateStore, error) {
	opts, err := cfg.plainClientOpts("state")
	if err != nil {
		return nil, err
	}
	return &stateStore{cfg: cfg, topic: cfg.StateTopic, source: cfg.Topics[0], interval: cfg.CheckpointInterval,
		log: cfg.Logger.With("component", "state-checkpoints", "state_topic", cfg.StateTopic), m: m,
		opts: append(opts,
			kgo.RecordPartitioner(kgo.ManualPartitioner()),
			kgo.ProducerBatchMaxBytes(stateMaxMessageBytes),
			kgo.DefaultProduceTopic(cfg.StateTopic),
		),
		parts: map[int32]*partState{}}, nil
}

// client returns the store's producer and admin client, created on first
// use so that a Source that never runs holds no connection.
func (st *stateStore) client() (*kgo.Client, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.cl == nil {
		cl, err := kgo.NewClient(st.opts...)
		if err != nil {
			return nil, fmt.Errorf("create kafka state client: %w", err)
		}
		st.cl = cl
	}
	return st.cl, nil
}

func (st *stateStore) close() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.cl != nil {
		st.cl.Close()
	}
}

// ensureTopic creates the state topic, compacted and with as many
// partitions as the screened topic, or grows an existing one to that.
func (st *stateStore) ensureTopic(ctx context.Context) error {
	st.mu.Lock()
	ready := st.ready
	st.mu.Unlock()
	if ready {
		return nil
	}
	cl, err := st.client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	adm := kadm.NewClient(cl)
	details, err := adm.ListTopics(ctx, st.source, st.topic)
	if err != nil {
		return fmt.Errorf("list topics %s, %s: %w", st.source, st.topic, err)
	}
	src, ok := details[st.source]
	if !ok || src.Err != nil {
		return fmt.Errorf("describe %s: %v", st.source, src.Err)
	}
	parts := len(src.Partitions)
	if d, ok := details[st.topic]; !ok || d.Err != nil {
		configs := map[string]*string{
			"cleanup.policy":    kadm.StringPtr("compact"),
			"max.message.bytes": kadm.StringPtr(strconv.Itoa(stateMaxMessageBytes)),
			"segment.bytes":     kadm.StringPtr(strconv.Itoa(stateSegmentBytes)),
			"segment.ms":        kadm.StringPtr(strconv.Itoa(stateSegmentMs)),
		}
		resp, err := adm.CreateTopic(ctx, int32(parts), -1, configs, st.topic)
		if err == nil {
			err = resp.Err
		}
		switch {
		case errors.Is(err, kerr.TopicAlreadyExists):
		case err != nil:
			return fmt.Errorf("create state topic %s: %w", st.topic, err)
		default:
			st.log.Info("created state topic", "partitions", parts, "cleanup_policy", "compact", "max_message_bytes", stateMaxMessageBytes)
		}
	} else if len(d.Partitions) < parts {
		resps, err := adm.UpdatePartitions(ctx, parts, st.topic)
		if err == nil {
			err = resps.Error()
		}
		if err != nil {
			return fmt.Errorf("grow state topic %s to %d partitions: %w", st.topic, parts, err)
		}
		st.log.Info("grew state topic", "partitions", parts)
	}
	st.mu.Lock()
	st.ready = true
	st.mu.Unlock()
	return nil
}

// loaded is the newest complete checkpoint of a partition.
type loaded struct {
	manifest *manifest
	chunks   [][]byte
}

// load returns the newest complete checkpoint of partition p, nil if
// there is none, or an error naming what failed its checks (a chunk
// missing or not matching its manifest's checksum). It reads backwards
// from the end of the state topic's partition p to the newest manifest,
// then only the chunks that manifest names (at their recorded offsets),
// so a restore reads about one checkpoint however many older ones
// compaction has not removed yet. It also learns which slot the next
// checkpoint must use.
func (st *stateStore) load(ctx context.Context, p int32) (*loaded, error) {
	if err := st.ensureTopic(ctx); err != nil {
		return nil, err
	}
	ps := &partState{slot: -1, last: time.Now()}
	st.mu.Lock()
	st.parts[p] = ps
	adm := kadm.NewClient(st.cl) // created by ensureTopic
	st.mu.Unlock()
	starts, err := adm.ListStartOffsets(ctx, st.topic)
	if err != nil {
		return nil, fmt.Errorf("state topic start offsets: %w", err)
	}
	ends, err := adm.ListEndOffsets(ctx, st.topic)
	if err != nil {
		return nil, fmt.Errorf("state topic end offsets: %w", err)
	}
	first, _ := starts.Lookup(st.topic, p)
	end, _ := ends.Lookup(st.topic, p)
	if first.Err != nil || end.Err != nil {
		return nil, fmt.Errorf("state topic partition %d offsets: %w", p, errors.Join(first.Err, end.Err))
	}
	opts, err := st.cfg.plainClientOpts("state-load")
	if err != nil {
		return nil, err
	}
	// The manifest is the last record of a complete checkpoint; after it
	// come at most tombstones and a newer checkpoint's chunks.
	mkey := string(manifestKey(p))
	var mval []byte
	for w, hi := int64(64), end.Offset; hi > first.Offset && mval == nil; w *= 4 {
		lo := max(first.Offset, hi-w)
		if _, err := readRange(ctx, opts, st.topic, p, lo, hi, func(rs []*kgo.Record) {
			for _, r := range rs {
				if string(r.Key) == mkey {
					mval = r.Value
				}
			}
		}); err != nil {
			return nil, fmt.Errorf("read state topic partition %d: %w", p, err)
		}
		hi = lo
	}
	if mval == nil {
		return nil, nil
	}
	m, err := decodeManifest(mval)
	if err != nil {
		return nil, err
	}
	if m.partition != p {
		return nil, fmt.Errorf("%w: of partition %d under partition %d's key", errManifest, m.partition, p)
	}
	ps.slot, ps.seq = int(m.slot), m.seq
	ps.chunks[m.slot] = len(m.sums)
	l := &loaded{manifest: m, chunks: make([][]byte, len(m.sums))}
	index := make(map[int64]int, len(m.at))
	for i, at := range m.at {
		index[at] = i
	}
	if _, err := readRange(ctx, opts, st.topic, p, m.at[0], m.at[len(m.at)-1]+1, func(rs []*kgo.Record) {
		for _, r := range rs {
			if i, ok := index[r.Offset]; ok && string(r.Key) == string(chunkKey(p, m.slot, i)) {
				l.chunks[i] = r.Value
			}
		}
	}); err != nil {
		return nil, fmt.Errorf("read state topic partition %d: %w", p, err)
	}
	for i, sum := range m.sums {
		switch c := l.chunks[i]; {
		case c == nil:
			return nil, fmt.Errorf("checkpoint %d chunk %d of %d missing", m.seq, i, len(m.sums))
		case crc32.Checksum(c, castagnoli) != sum:
			return nil, fmt.Errorf("checkpoint %d chunk %d of %d does not match its manifest's checksum", m.seq, i, len(m.sums))
		}
	}
	return l, nil
}

// maybeCheckpoint is called by w's goroutine after each batch it handed
// to its Processor; end is the offset after the batch. When the interval
// has passed and no checkpoint of the partition is being written, it
// snapshots the state (here, at the batch boundary) and writes it in the
// background.
func (st *stateStore) maybeCheckpoint(w *worker, end int64) {
	snap, ok := w.proc.(StateSnapshotter)
	if !ok {
		return
	}
	st.mu.Lock()
	ps := st.parts[w.partition]
	if ps == nil {
		// Assigned without a restore (no OnAssigned): which slot is free
		// is unknown, so this partition writes no checkpoint.
		st.mu.Unlock()
		return
	}
	if ps.pending || time.Since(ps.last) < st.interval || end <= ps.lastEnd {
		st.mu.Unlock()
		return
	}
	ps.pending, ps.last, ps.lastEnd = true, time.Now(), end
	st.mu.Unlock()
	chunks, err := snap.SnapshotState(stateChunkBytes)
	if err != nil {
		st.finish(ps, checkpointFailed, err, w.partition)
		return
	}
	go st.write(w, ps, end, chunks)
}

// write stores one checkpoint: the chunks into the free slot, then, once
// the group has committed end (every record before it has its alerts
// durable, and a restart starts at or after it), the manifest, then
// tombstones for the slot's chunks beyond this checkpoint's.
func (st *stateStore) write(w *worker, ps *partState, end int64, chunks [][]byte) {
	ctx := w.ctx
	p := w.partition
	st.mu.Lock()
	slot := uint8(0)
	if ps.slot == 0 {
		slot = 1
	}
	seq, stale := ps.seq+1, ps.chunks[slot]
	cl := st.cl // created by the load that made ps
	st.mu.Unlock()
	m := &manifest{partition: p, offset: end, slot: slot, seq: seq, sums: make([]uint32, len(chunks)),
		at: make([]int64, len(chunks)), createdMs: time.Now().UnixMilli()}
	recs := make([]*kgo.Record, len(chunks))
	var bytes int
	for i, c := range chunks {
		m.sums[i] = crc32.Checksum(c, castagnoli)
		recs[i] = &kgo.Record{Partition: p, Key: chunkKey(p, slot, i), Value: c}
		bytes += len(c)
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		st.finish(ps, checkpointFailed, fmt.Errorf("write %d chunks: %w", len(chunks), err), p)
		return
	}
	for i, r := range recs {
		m.at[i] = r.Offset
		if i > 0 && m.at[i] <= m.at[i-1] {
			st.finish(ps, checkpointFailed, fmt.Errorf("chunks stored out of order (offsets %d, %d)", m.at[i-1], m.at[i]), p)
			return
		}
	}
	st.m.checkpointBytes.Add(float64(bytes))
	for w.cp.committedOffset() < end {
		select {
		case <-ctx.Done():
			st.finish(ps, checkpointAbandoned, nil, p)
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Partition: p, Key: manifestKey(p), Value: m.encode()}).FirstErr(); err != nil {
		st.finish(ps, checkpointFailed, fmt.Errorf("write manifest: %w", err), p)
		return
	}
	var tombs []*kgo.Record
	for i := len(chunks); i < stale; i++ {
		tombs = append(tombs, &kgo.Record{Partition: p, Key: chunkKey(p, slot, i)})
	}
	if err := cl.ProduceSync(ctx, tombs...).FirstErr(); err != nil {
		st.log.Warn("stale chunks not deleted", "partition", p, "slot", slot, "err", err)
	}
	st.mu.Lock()
	ps.slot, ps.seq, ps.chunks[slot] = int(slot), seq, len(chunks)
	st.mu.Unlock()
	st.m.checkpointAt.WithLabelValues(w.topic, partitionLabel(p)).Set(float64(end))
	st.log.Debug("checkpoint written", "partition", p, "offset", end, "seq", seq, "chunks", len(chunks), "bytes", bytes)
	st.finish(ps, checkpointWritten, nil, p)
}

func (st *stateStore) finish(ps *partState, result string, err error, p int32) {
	if err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, kgo.ErrClientClosed)) {
		// Revoked or shutting down while writing: not a failure.
		result, err = checkpointAbandoned, nil
	}
	if err != nil {
		st.log.Warn("state checkpoint failed; the previous one stays in use", "partition", p, "err", err)
	}
	st.m.checkpoints.WithLabelValues(result).Inc()
	st.mu.Lock()
	ps.pending = false
	st.mu.Unlock()
}

// RestoreState brings a newly assigned partition's state up to committed
// (the group's next offset) before its first fetch. With checkpoints on,
// it loads the partition's newest complete checkpoint, restores it and
// replays only the records after it, without alerts (theirs are durable:
// a checkpoint is complete only once its offset is committed). Without a
// usable checkpoint — none, written under other rules, ahead of the
// committed offset, or failing its checks — it replays the history from
// committed's record timestamp minus lookback instead, and says why in the
// log and in socwatch_state_restore_total{result}.
func (s *Source) RestoreState(ctx context.Context, topic string, partition int32, committed int64,
	lookback time.Duration, r StateRestorer) {
	// The rebuild runs under the source's context, not the group
	// session's: a rebalance that begins meanwhile ends the session's
	// context, yet the partition may stay assigned (cooperative
	// balancing), and a partition screened with half-rebuilt windows
	// raises wrong alerts. If it is revoked after all, its stream is
	// closed and the work is dropped.
	if s.runCtx != nil {
		ctx = s.runCtx
	}
	start := time.Now()
	log := s.log.With("topic", topic, "partition", partition)
	from, result := int64(-1), restoreReplay
	if s.state != nil {
		cp, err := s.state.load(ctx, partition)
		switch {
		case err != nil:
			result = restoreCorrupt
			log.Warn("state checkpoint unusable; rebuilding the state by replaying history", "err", err)
		case committed <= 0:
		case cp == nil:
			log.Info("no state checkpoint; rebuilding the state by replaying history")
		case cp.manifest.offset > committed:
			log.Warn("state checkpoint is ahead of the committed offset (offsets reset?); rebuilding by replaying history",
				"checkpoint_offset", cp.manifest.offset, "committed", committed)
		default:
			if err := r.RestoreState(cp.chunks); err != nil {
				if !errors.Is(err, engine.ErrStateRules) {
					result = restoreCorrupt
				}
				log.Warn("state checkpoint not restored; rebuilding the state by replaying history", "err", err)
				break
			}
			from, result = cp.manifest.offset, restoreCheckpoint
		}
	}
	if committed <= 0 {
		return // nothing screened yet: nothing to restore
	}
	var n int
	var err error
	if from >= 0 {
		s.state.warnIfDeleted(ctx, log, topic, partition, from)
		n, err = ReplayRange(ctx, s.cfg, topic, partition, from, committed, r.Replay)
	} else {
		n, err = ReplayHistory(ctx, s.cfg, topic, partition, committed, lookback, r.Replay)
	}
	s.m.restores.WithLabelValues(result).Inc()
	if err != nil {
		log.Error("state rebuild failed; screening continues with partial windows", "restored_from", result, "err", err)
		return
	}
	log.Info("state restored", "from", result, "checkpoint_offset", from, "replayed_records", n,
		"up_to_offset", committed, "took", time.Since(start).Round(time.Millisecond))
}

// warnIfDeleted says when retention has deleted records after the
// checkpoint a restore starts from: the restored state then misses them
// (the internal topic's retention is shorter than the checkpoint interval
// plus the time the partition went unscreened; README "State checkpoints").
func (st *stateStore) warnIfDeleted(ctx context.Context, log *slog.Logger, topic string, partition int32, from int64) {
	cl, err := st.client()
	if err != nil {
		return
	}
	starts, err := kadm.NewClient(cl).ListStartOffsets(ctx, topic)
	if err != nil {
		return
	}
	if o, ok := starts.Lookup(topic, partition); ok && o.Err == nil && o.Offset > from {
		log.Warn("records after the state checkpoint were deleted by retention; the restored state misses them",
			"checkpoint_offset", from, "log_start_offset", o.Offset, "missing_records", o.Offset-from)
	}
}
