package handover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/socwatch/socwatch/bench/enginebench"
	"github.com/socwatch/socwatch/bench/report"
	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/connectors/kafka"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/screen"
)

// tail is how many copies arrive after the checkpoint the handover
// restores: the records a restore replays on top of it.
const tail = 1000

// interval is the checkpoint interval of the instance that builds the
// state: long enough that it does not checkpoint while bulk-loading.
const interval = 15 * time.Second

// Options say what to measure.
type Options struct {
	Brokers  []string
	Rules    *engine.RuleSet
	Accounts int // accounts of state in the partition
	Seed     int64
	ID       string // makes topic and group names unique
	Keep     bool   // keep the topics
	Log      *slog.Logger
}

// Run measures one handover. The partition holds Accounts/2 generated
// transactions with distinct accounts, one copy per perspective, as the
// re-key stage writes them: every copy adds an account.
func Run(ctx context.Context, o Options) (report.Handover, error) {
	h := report.Handover{Accounts: o.Accounts}
	topic := "socbench-handover-" + o.ID + ".by-account"
	group := "socbench-handover-" + o.ID
	cl, err := kgo.NewClient(kgo.SeedBrokers(o.Brokers...), kgo.DefaultProduceTopic(topic),
		kgo.ProducerLinger(5*time.Millisecond), kgo.ProducerBatchMaxBytes(1<<20))
	if err != nil {
		return h, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if _, err := adm.CreateTopic(ctx, 1, -1, nil, topic); err != nil {
		return h, fmt.Errorf("create %s: %w", topic, err)
	}
	if !o.Keep {
		defer adm.DeleteTopics(context.Background(), topic, topic+".state")
	}
	copies := perspectiveCopies(o.Rules, enginebench.DistinctAccounts(o.Seed, o.Accounts/2))
	h.Records = int64(len(copies))
	bulk := len(copies) - tail
	start := time.Now()
	if err := cl.ProduceSync(ctx, copies[:bulk]...).FirstErr(); err != nil {
		return h, fmt.Errorf("produce: %w", err)
	}
	o.Log.Info("handover: partition written", "copies", bulk, "took", time.Since(start).Round(time.Millisecond))

	// Build the state and a checkpoint covering all but the tail.
	start = time.Now()
	reg := prometheus.NewRegistry()
	p := enginebench.DiscardPipeline(o.Rules)
	cfg := kafka.Config{Brokers: o.Brokers, Topics: []string{topic}, Group: group, CheckpointInterval: interval,
		CommitInterval: 200 * time.Millisecond, Registerer: reg, Logger: o.Log}
	built, err := build(ctx, cfg, p, o.Rules, func(committed int64) (bool, error) {
		return committed >= int64(bulk), nil
	}, func(ctx context.Context) error {
		return trickle(ctx, cl, reg, copies[bulk:], int64(bulk))
	}, adm, topic, int64(len(copies)))
	if err != nil {
		return h, err
	}
	o.Log.Info("handover: state built and checkpointed", "accounts", o.Accounts, "took", time.Since(start).Round(time.Millisecond))

	// The state's size.
	start = time.Now()
	chunks, err := built.SnapshotState(1 << 20)
	if err != nil {
		return h, err
	}
	h.SnapshotSeconds = time.Since(start).Seconds()
	for _, c := range chunks {
		h.CheckpointBytes += int64(len(c))
	}
	h.CheckpointChunks = len(chunks)
	h.BytesPerAccount = float64(h.CheckpointBytes) / float64(o.Accounts)
	h.MemoryBytesPerAccount = float64(built.Screener().StateBytes()) / float64(o.Accounts)
	built = nil

	end := int64(len(copies))
	lookback := o.Rules.LongestWindow() + o.Rules.Lateness
	probe := engine.Record{Value: copies[0].Value, Perspective: o.Rules.Perspectives[0]}
	for _, m := range []struct {
		interval time.Duration
		seconds  *float64
		records  *int64
	}{{interval, &h.CheckpointSeconds, &h.TailRecords}, {0, &h.ReplaySeconds, &h.ReplayedRecords}} {
		c := cfg
		c.CheckpointInterval, c.Registerer = m.interval, prometheus.NewRegistry()
		src, err := kafka.NewSource(c)
		if err != nil {
			return h, err
		}
		st := &countingStream{Stream: p.NewStream(topic + "/0")}
		start := time.Now()
		src.RestoreState(ctx, topic, 0, end, lookback, st)
		if err := st.Process(ctx, []engine.Record{probe}, func(error) {}); err != nil {
			return h, err
		}
		*m.seconds, *m.records = time.Since(start).Seconds(), st.replayed
		st.Close()
		o.Log.Info("handover measured", "checkpoints", m.interval > 0, "seconds", *m.seconds, "replayed", st.replayed)
	}
	if h.TailRecords >= end {
		return h, errors.New("the checkpoint handover replayed the whole partition: no checkpoint was restored")
	}
	return h, nil
}

// countingStream counts the records a restore replays.
type countingStream struct {
	*screen.Stream
	replayed int64
}

func (c *countingStream) Replay(recs []engine.Record) {
	c.replayed += int64(len(recs))
	c.Stream.Replay(recs)
}

// perspectiveCopies writes each transaction once per perspective of rs,
// keyed by that perspective's account, as the re-key stage does.
func perspectiveCopies(rs *engine.RuleSet, values [][]byte) []*kgo.Record {
	var dec jsonl.Decoder
	var env engine.Env
	out := make([]*kgo.Record, 0, 2*len(values))
	for _, v := range values {
		if dec.Decode(v, &env.Tx) != nil {
			continue
		}
		for _, p := range rs.Perspectives {
			key := engine.Fields[p].Str(&env)
			out = append(out, &kgo.Record{Key: []byte(key), Value: v,
				Headers: []kgo.RecordHeader{{Key: kafka.HeaderPerspective, Value: []byte(p)}}})
		}
	}
	return out
}

// build consumes the partition with a Source that checkpoints (as `socwatch
// run` does) until bulkDone says the bulk is committed, then runs more
// (which must end with a checkpoint written), waits until end is
// committed, stops the Source and returns its stream, whose state covers
// the whole partition.
func build(ctx context.Context, cfg kafka.Config, p *screen.Pipeline, rs *engine.RuleSet, bulkDone func(int64) (bool, error),
	more func(context.Context) error, adm *kadm.Client, topic string, end int64) (*screen.Stream, error) {
	var st *screen.Stream
	var src *kafka.Source
	cfg.OnAssigned = func(ctx context.Context, topic string, partition int32, committed int64) {
		src.RestoreState(ctx, topic, partition, committed, rs.LongestWindow()+rs.Lateness, st)
	}
	var err error
	if src, err = kafka.NewSource(cfg); err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() {
		done <- src.Run(runCtx, func(topic string, partition int32) kafka.Processor {
			st = p.NewStream(topic + "/" + strconv.Itoa(int(partition)))
			return st
		})
	}()
	committed := func() int64 {
		offs, err := adm.FetchOffsets(ctx, cfg.Group)
		if err != nil {
			return -1
		}
		o, ok := offs.Lookup(topic, 0)
		if !ok {
			return -1
		}
		return o.At
	}
	wait := func(ok func(int64) (bool, error)) error {
		for {
			if yes, err := ok(committed()); yes || err != nil {
				return err
			}
			select {
			case err := <-done:
				return fmt.Errorf("source stopped: %v", err)
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	if err := wait(bulkDone); err != nil {
		return nil, err
	}
	if err := more(ctx); err != nil {
		return nil, err
	}
	if err := wait(func(c int64) (bool, error) { return c >= end, nil }); err != nil {
		return nil, err
	}
	stop()
	if err := <-done; err != nil {
		return nil, err
	}
	return st, nil
}

// trickle produces the tail one copy every 1.5 s until the Source has
// written a checkpoint covering one of them (the first batch after the
// checkpoint interval triggers it), then the rest of the tail at once.
func trickle(ctx context.Context, cl *kgo.Client, reg *prometheus.Registry, recs []*kgo.Record, from int64) error {
	for i := range recs {
		if err := cl.ProduceSync(ctx, recs[i]).FirstErr(); err != nil {
			return err
		}
		deadline := time.Now().Add(1500 * time.Millisecond)
		for time.Now().Before(deadline) {
			if checkpointOffset(reg) > from {
				return cl.ProduceSync(ctx, recs[i+1:]...).FirstErr()
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return errors.New("no checkpoint written while trickling the tail")
}

// checkpointOffset reads socwatch_state_checkpoint_offset of partition 0.
func checkpointOffset(reg *prometheus.Registry) int64 {
	mfs, err := reg.Gather()
	if err != nil {
		return -1
	}
	for _, mf := range mfs {
		if mf.GetName() == "socwatch_state_checkpoint_offset" {
			for _, m := range mf.GetMetric() {
				return int64(m.GetGauge().GetValue())
			}
		}
	}
	return -1
}
