package kafka

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// commitEvery calls commit every interval until ctx ends, then closes
// done: the periodic commit of the source and of the re-key stage.
func commitEvery(ctx context.Context, interval time.Duration, commit func(context.Context), done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			commit(ctx)
		}
	}
}

// partCheckpoint is the checkpoint of one partition.
type partCheckpoint struct {
	topic     string
	partition int32
	cp        *checkpoint
}

// commitCheckpoints synchronously commits every checkpoint that moved since
// its last commit. mu serialises commits so that a periodic commit of an
// older checkpoint can never land after a revoke's final one.
func commitCheckpoints(ctx context.Context, cl *kgo.Client, mu *sync.Mutex, m *metrics, log *slog.Logger,
	timeout time.Duration, cps []partCheckpoint) {
	mu.Lock()
	defer mu.Unlock()
	offsets := make(map[string]map[int32]kgo.EpochOffset)
	type pending struct {
		cp     *checkpoint
		offset int64
	}
	var todo []pending
	for _, c := range cps {
		off, ok := c.cp.toCommit()
		if !ok {
			continue
		}
		if offsets[c.topic] == nil {
			offsets[c.topic] = make(map[int32]kgo.EpochOffset)
		}
		offsets[c.topic][c.partition] = kgo.EpochOffset{Epoch: -1, Offset: off}
		todo = append(todo, pending{c.cp, off})
	}
	if len(todo) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	var cerr error
	cl.CommitOffsetsSync(ctx, offsets, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		cerr = commitError(resp, err)
	})
	if cerr != nil {
		m.commitErrs.Inc()
		log.Warn("commit offsets", "offsets", offsets, "err", cerr)
		return
	}
	m.commits.Inc()
	for _, p := range todo {
		p.cp.committedAt(p.offset)
	}
}

// commitError returns the request error or the first partition error of an
// offset commit.
func commitError(resp *kmsg.OffsetCommitResponse, err error) error {
	if err != nil {
		return err
	}
	if resp == nil {
		return nil
	}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if perr := kerr.ErrorForCode(p.ErrorCode); perr != nil {
				return fmt.Errorf("commit %s/%d: %w", t.Topic, p.Partition, perr)
			}
		}
	}
	return nil
}
