package kafka

import "sync"

// checkpoint tracks, for one partition, the spans of offsets handed on for
// processing and which of them are acknowledged. Spans are acknowledged in
// any order; the committable offset is the end of the longest prefix of
// acknowledged spans, so a commit never skips an unacknowledged record.
// A span acknowledged with an error stops the prefix for good: nothing at or
// after it is committed by this process, and a restart replays from there.
type checkpoint struct {
	mu          sync.Mutex
	spans       []*span // in offset order; spans[head:] are pending
	head        int
	committable int64 // next offset to commit; -1 before any ack
	committed   int64 // last committed offset; -1 if none by us
	failed      error
}

// span is a contiguous range of a partition's offsets ending before end.
type span struct {
	end   int64
	acked bool
}

func newCheckpoint() *checkpoint { return &checkpoint{committable: -1, committed: -1} }

// add registers the next span, ending before end (last offset + 1).
func (c *checkpoint) add(end int64) *span {
	s := &span{end: end}
	c.mu.Lock()
	c.spans = append(c.spans, s)
	c.mu.Unlock()
	return s
}

// ack marks s acknowledged (err == nil) or failed and advances the prefix.
func (c *checkpoint) ack(s *span, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		if c.failed == nil {
			c.failed = err
		}
		return
	}
	// A failed span stays unacknowledged, so the prefix stops before it.
	s.acked = true
	for c.head < len(c.spans) && c.spans[c.head].acked {
		c.committable = c.spans[c.head].end
		c.spans[c.head] = nil
		c.head++
	}
	// Compact so the slice does not grow with the partition's lifetime.
	if c.head > 64 && c.head*2 > len(c.spans) {
		n := copy(c.spans, c.spans[c.head:])
		clear(c.spans[n:])
		c.spans = c.spans[:n]
		c.head = 0
	}
}

// toCommit returns the committable offset if it is ahead of the last commit.
func (c *checkpoint) toCommit() (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.committable, c.committable > c.committed
}

// committedAt records that offset was committed.
func (c *checkpoint) committedAt(offset int64) {
	c.mu.Lock()
	if offset > c.committed {
		c.committed = offset
	}
	c.mu.Unlock()
}

// committedOffset is the last offset committed by this process, -1 if none.
func (c *checkpoint) committedOffset() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.committed
}

// err returns the error of the first failed span, if any.
func (c *checkpoint) err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failed
}
