package kafka

// EXPERIMENTAL (bench/README.md, "Re-key stage, sixth push", lever b):
// several copies bound for one internal partition in one Kafka record, to
// measure what the per-record Kafka work costs. Not a supported format.

import (
	"encoding/binary"
	"sync"
	"time"
)

// HeaderBatch marks a record whose value holds several copies.
const HeaderBatch = "socwatch-batch"

// batchFlushBytes flushes a partition's pending copies at this size.
const batchFlushBytes = 256 << 10

// appendBatchCopy appends one copy to a batch value.
func appendBatchCopy(b, persp, src, key, value []byte) []byte {
	for _, f := range [4][]byte{persp, src, key, value} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// splitBatch calls fn for each copy of a batch value; false when v is
// malformed (fn may have been called for the copies before the fault).
func splitBatch(v []byte, fn func(persp, src, key, value []byte)) bool {
	var f [4][]byte
	for len(v) > 0 {
		for i := range f {
			n, k := binary.Uvarint(v)
			if k <= 0 || uint64(len(v)-k) < n {
				return false
			}
			f[i] = v[k : k+int(n) : k+int(n)]
			v = v[k+int(n):]
		}
		fn(f[0], f[1], f[2], f[3])
	}
	return true
}

// copyBatch is one internal partition's copies not yet produced.
type copyBatch struct {
	buf []byte
	enc []byte
	ts  time.Time // the first copy's
	ins []*inputCopies
}

// inputCopies is the acknowledgement state of one input record's copies.
type inputCopies struct {
	mu       sync.Mutex
	pending  int
	firstErr error
	done     func(error) // called once, with the first error
}

func (c *inputCopies) ack(err error) {
	c.mu.Lock()
	if err != nil && c.firstErr == nil {
		c.firstErr = err
	}
	c.pending--
	last, ferr := c.pending == 0, c.firstErr
	c.mu.Unlock()
	if last {
		c.done(ferr)
	}
}
