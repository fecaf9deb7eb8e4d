package kafka

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/intern"
)

// ReplayHistory reads partition records that precede committed, so that a
// worker taking over the partition can rebuild its windows when it has no
// usable checkpoint (docs/design.md §6 "State rebuild"). It starts at the first
// record whose timestamp is at or after (timestamp of the record at
// committed−1) − lookback, found with a timestamp offset lookup, and hands
// records to fn in order, in batches, up to committed−1. It returns how
// many records it replayed. committed <= 0 means there is no history.
//
// The lookup is by record timestamp: for a feed whose record timestamps
// trail event time by at most the rules' lateness, a lookback of the
// longest window plus that lateness covers every event the windows hold.
func ReplayHistory(ctx context.Context, cfg Config, topic string, partition int32, committed int64,
	lookback time.Duration, fn func([]engine.Record)) (int, error) {
	if committed <= 0 {
		return 0, nil
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return 0, err
	}
	// The short-lived replay clients carry no client metrics (see
	// plainClientOpts).
	opts, err := cfg.plainClientOpts("replay")
	if err != nil {
		return 0, err
	}
	// The newest committed record's timestamp anchors the lookback.
	last, err := readRange(ctx, opts, topic, partition, committed-1, committed, nil)
	if err != nil {
		return 0, fmt.Errorf("read record %s: %w", formatPosition(topic, partition, committed-1), err)
	}
	start := int64(0)
	if last != nil {
		cl, err := kgo.NewClient(opts...)
		if err != nil {
			return 0, err
		}
		offs, err := kadm.NewClient(cl).ListOffsetsAfterMilli(ctx, last.Timestamp.Add(-lookback).UnixMilli(), topic)
		cl.Close()
		if err != nil {
			return 0, fmt.Errorf("offset for timestamp on %s/%d: %w", topic, partition, err)
		}
		if o, ok := offs.Lookup(topic, partition); ok && o.Err == nil && o.Offset >= 0 {
			start = o.Offset
		}
	}
	return replay(ctx, opts, topic, partition, start, committed, fn)
}

// ReplayRange hands the records of offsets [from, to) of one partition to
// fn in order, in batches, and returns how many it replayed: how a worker
// restored from a checkpoint covering the records before from catches up
// to the group's committed offset to.
func ReplayRange(ctx context.Context, cfg Config, topic string, partition int32, from, to int64,
	fn func([]engine.Record)) (int, error) {
	if from >= to {
		return 0, nil
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return 0, err
	}
	opts, err := cfg.plainClientOpts("replay")
	if err != nil {
		return 0, err
	}
	return replay(ctx, opts, topic, partition, from, to, fn)
}

func replay(ctx context.Context, opts []kgo.Opt, topic string, partition int32, from, to int64,
	fn func([]engine.Record)) (int, error) {
	n := 0
	var strs intern.Strings
	_, err := readRange(ctx, opts, topic, partition, from, to, func(rs []*kgo.Record) {
		n += len(rs)
		fn(toRecords(rs, &strs))
	})
	return n, err
}

// readRange reads offsets [from, to) of one partition (records deleted by
// retention are skipped), calling each with every fetched batch, and
// returns the last record read.
func readRange(ctx context.Context, opts []kgo.Opt, topic string, partition int32, from, to int64,
	each func([]*kgo.Record)) (*kgo.Record, error) {
	opts = append(opts, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		topic: {partition: kgo.NewOffset().At(from)},
	}), kgo.FetchMaxWait(200*time.Millisecond))
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	var last *kgo.Record
	for {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return last, err
		}
		var ferr error
		fs.EachError(func(_ string, _ int32, err error) { ferr = err })
		if ferr != nil {
			return last, ferr
		}
		var batch []*kgo.Record
		done := false
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset >= to {
				done = true
				return
			}
			batch = append(batch, r)
			last = r
		})
		if len(batch) > 0 && each != nil {
			each(batch)
		}
		if done || (last != nil && last.Offset >= to-1) {
			return last, nil
		}
		// Stop at the high watermark when the range reaches beyond it.
		hwm := int64(-1)
		fs.EachPartition(func(p kgo.FetchTopicPartition) { hwm = p.HighWatermark })
		next := from
		if last != nil {
			next = last.Offset + 1
		}
		if hwm >= 0 && next >= hwm {
			return last, nil
		}
	}
}
