package kafka

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/socwatch/socwatch/engine"
)

// warmRecord is one history record handed to Release again on assignment.
type warmRecord struct {
	prep      Prepared
	topic     string
	partition int32
	seq       int // order within its partition
}

// warm hands the records of the newly assigned partitions from
// ReleaseHistory before their committed position up to it to Release, in
// event-time order across partitions (ties: topic, partition, offset),
// as the merge released them before: what Release keeps (the flow
// tracer) then knows what it knew before the restart or the takeover, so
// the copies it writes next carry the same traces. The values Release
// makes are dropped; those copies were written already. It runs inside
// the assignment callback, before the partitions are fetched. A partition
// whose history cannot be read is logged and left out: traces that
// started before the restart may then be shorter. adm is made from the
// callback's client: the first assignment can come before Run has set
// r.adm, since the client joins the group as soon as it is created.
func (r *Rekeyer) warm(ctx context.Context, adm *kadm.Client, assigned map[string][]int32) {
	if r.cfg.Release == nil || r.cfg.ReleaseHistory <= 0 {
		return
	}
	start := time.Now()
	commits, err := adm.FetchOffsets(ctx, r.cfg.Group)
	if err != nil {
		r.log.Warn("flow history not replayed: committed offsets unknown", "err", err)
		return
	}
	var recs []warmRecord
	for topic, ps := range assigned {
		for _, p := range ps {
			c, ok := commits.Lookup(topic, p)
			if !ok || c.Err != nil || c.At <= 0 {
				continue
			}
			part := r.readHistory(ctx, topic, p, c.At)
			recs = append(recs, part...)
		}
	}
	sort.Slice(recs, func(i, j int) bool {
		a, b := &recs[i], &recs[j]
		switch {
		case a.prep.EventTime != b.prep.EventTime:
			return a.prep.EventTime < b.prep.EventTime
		case a.topic != b.topic:
			return a.topic < b.topic
		case a.partition != b.partition:
			return a.partition < b.partition
		}
		return a.seq < b.seq
	})
	for i := range recs {
		r.cfg.Release(&recs[i].prep)
	}
	r.log.Info("flow history replayed", "records", len(recs), "partitions", assigned, "took", time.Since(start).Round(time.Millisecond))
}

// readHistory reads one partition's records of ReleaseHistory before
// committed, prepared. The offset lookup is by record timestamp, which a
// producer may set to when it wrote rather than to the transaction's
// time; the records are therefore also cut by event time, ReleaseHistory
// before the newest one read, while reading (every historyPrune records),
// so that what is kept is the window, not the whole partition. Their
// copies' values are dropped, except the version byte Release rewrites.
func (r *Rekeyer) readHistory(ctx context.Context, topic string, p int32, committed int64) []warmRecord {
	var (
		recs   []warmRecord
		newest int64
		seq    int
	)
	prune := func() {
		cut := newest - int64(r.cfg.ReleaseHistory)
		recs = slices.DeleteFunc(recs, func(w warmRecord) bool { return w.prep.EventTime < cut })
	}
	_, err := ReplayHistory(ctx, r.cfg.Config, topic, p, committed, r.cfg.ReleaseHistory, func(batch []engine.Record) {
		for i := range batch {
			seq++
			prep := r.cfg.Prepare(&kgo.Record{Topic: topic, Partition: p, Value: batch[i].Value, Timestamp: batch[i].Time})
			if len(prep.Keys) != len(r.cfg.Perspectives) || len(prep.Value) == 0 || !prep.HasTime {
				continue
			}
			prep.Keys, prep.Value = nil, []byte{prep.Value[0]}
			newest = max(newest, prep.EventTime)
			recs = append(recs, warmRecord{prep: prep, topic: topic, partition: p, seq: seq})
			if len(recs)%historyPrune == 0 {
				prune()
			}
		}
	})
	if err != nil {
		r.log.Warn("flow history not replayed for a partition", "topic", topic, "partition", p, "err", err)
	}
	prune()
	return recs
}

// historyPrune is how many history records readHistory keeps between two
// cuts by event time.
const historyPrune = 1 << 14
