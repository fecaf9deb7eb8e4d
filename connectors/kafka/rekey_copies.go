package kafka

import (
	"context"
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"
)

// copySet is one input record on its way to the internal topic: what the
// merge prepared of it, its copies (records and headers) and what their
// promises need to acknowledge the input once every copy is written.
//
// A set is reused (Rekeyer.sets) once its record is acknowledged: built
// afresh per record, the copies, their headers, the promise's state and
// closures were about 1 KB in seven allocations, after screening the
// largest share of what the pipeline allocated (bench/README.md, "Re-key
// stage, fifth push").
type copySet struct {
	r    *Rekeyer
	ctx  context.Context
	in   *kgo.Record
	prep Prepared
	cp   *checkpoint
	sp   *span

	recs    []kgo.Record
	headers []kgo.RecordHeader
	source  []byte // the source headers' values

	mu       sync.Mutex // guards pending and firstErr: promises run on franz-go's goroutines
	pending  int
	firstErr error
	// written is copyWritten bound once, so that producing a copy does
	// not allocate a closure.
	written func(*kgo.Record, error)
}

// newCopySet returns a set, reused when one is free, for input record in
// and its span sp of cp.
func (r *Rekeyer) newCopySet(ctx context.Context, in *kgo.Record, prep Prepared, cp *checkpoint, sp *span) *copySet {
	cs, _ := r.sets.Get().(*copySet)
	if cs == nil {
		cs = &copySet{r: r}
		cs.written = cs.copyWritten
	}
	cs.ctx, cs.in, cs.prep, cs.cp, cs.sp = ctx, in, prep, cp, sp
	return cs
}

// build makes one record per perspective, or a single copy of the input
// record with its original key and no perspective when prep has no keys
// (bad input: screening rejects it with its reason). The copies share
// cs's header slice, each capped to its own headers (franz-go may append
// to a record's headers; one copy's must not reach into the next's).
func (cs *copySet) build() {
	r, in := cs.r, cs.in
	keys, persp, value, enc := cs.prep.Keys, r.perspValue, in.Value, cs.prep.Encoding
	if cs.prep.Value != nil {
		value = cs.prep.Value
	}
	if len(keys) != len(r.cfg.Perspectives) {
		var inKey [1][]byte
		inKey[0] = in.Key
		keys, persp, value, enc = inKey[:], noPerspective[:], in.Value, nil
	}
	hs := append(cs.headers[:0], kgo.RecordHeader{Key: HeaderPerspective, Value: persp[0]})
	hs, cs.source = appendSourceHeadersTo(hs, cs.source[:0], in.Topic, in.Partition, in.Offset)
	if len(enc) != 0 {
		hs = append(hs, kgo.RecordHeader{Key: HeaderEncoding, Value: enc})
	}
	per := len(hs)
	for i := 1; i < len(keys); i++ {
		hs = append(hs, hs[:per]...)
		hs[i*per].Value = persp[i]
	}
	cs.headers = hs
	out := r.outputTopic[in.Topic]
	recs := cs.recs[:0]
	for i, key := range keys {
		recs = append(recs, kgo.Record{Topic: out, Key: key, Value: value, Timestamp: in.Timestamp,
			Headers: hs[i*per : (i+1)*per : (i+1)*per]})
	}
	cs.recs = recs
}

// noPerspective is the perspective of a bad input's single copy: an
// empty socwatch-perspective header.
var noPerspective = [1][]byte{nil}

// copyWritten is the promise of each copy: the last one acknowledges the
// input, or dead-letters it when the internal topic refused a copy for
// the record's own sake (producing it again would fail again: a poison
// pill, not a reason to stop the stage).
func (cs *copySet) copyWritten(_ *kgo.Record, err error) {
	cs.mu.Lock()
	if err != nil && cs.firstErr == nil {
		cs.firstErr = err
	}
	cs.pending--
	last, ferr := cs.pending == 0, cs.firstErr
	cs.mu.Unlock()
	if !last {
		return
	}
	if isRecordError(ferr) {
		cs.r.deadLetter(cs.ctx, cs.in, produceRejectReason(ferr), ferr.Error(), cs.ack)
		return
	}
	cs.ack(ferr)
}

// ack acknowledges the input record's span, or fails the stage when it
// could not be written (a restart replays it), and frees the set: nothing
// refers to it afterwards.
func (cs *copySet) ack(err error) {
	r, in := cs.r, cs.in
	cs.cp.ack(cs.sp, err)
	if err != nil && cs.ctx.Err() == nil {
		r.failOnce.Do(func() {
			r.log.Error("re-keyed copy not written; stopping so a restart replays", "topic", in.Topic, "partition", in.Partition, "offset", in.Offset, "err", err)
			r.fail(fmt.Errorf("produce re-keyed copy of %s: %w", formatPosition(in.Topic, in.Partition, in.Offset), err))
		})
	}
	clear(cs.recs) // the keys and values are the input's: let them go
	cs.recs = cs.recs[:0]
	cs.ctx, cs.in, cs.prep, cs.cp, cs.sp, cs.pending, cs.firstErr = nil, nil, Prepared{}, nil, nil, 0, nil
	r.sets.Put(cs)
}
