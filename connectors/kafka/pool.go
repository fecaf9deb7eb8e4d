package kafka

import "github.com/twmb/franz-go/pkg/kgo"

// fetchPool lends franz-go the buffers a fetch is decoded into: the
// decompressed record batches and the Record slices. Without it each fetch
// allocates both afresh (a quarter of what `socwatch run` allocated, by
// the socbench allocation profile), and the collector pays for it. A
// buffer comes back when every record decoded into it has been recycled
// (kgo.Record.Recycle). The Source recycles a batch's records once the
// batch is acknowledged without error: its alerts, dead letters and
// transactions are durable, and nothing holds the records' bytes any more
// (decoders copy the strings they keep). The Rekeyer recycles an input
// record once its copies or its dead letter are acknowledged. A record
// that is never recycled (a batch that failed or was dropped on revoke)
// leaves its buffer to the garbage collector.
//
// Free lists are bounded channels: at most freeBuffers idle buffers of each
// kind are kept, and a Get on an empty list allocates.
type fetchPool struct {
	bytes chan []byte
	recs  chan []kgo.Record
}

// freeBuffers bounds each free list. Buffers in use are bounded by the
// in-flight limits (kafka.max_in_flight*), not by this.
const freeBuffers = 64

// decompressGuess is the first capacity tried for a batch: tx/1 and JSON
// batches inflate 3–4× (bench/README.md, "Binary internal topic"). A
// buffer too small is grown by the codec, and the grown one comes back.
const decompressGuess = 4

func newFetchPool() *fetchPool {
	return &fetchPool{bytes: make(chan []byte, freeBuffers), recs: make(chan []kgo.Record, freeBuffers)}
}

func (p *fetchPool) GetDecompressBytes(compressed []byte, _ kgo.CompressionCodecType) []byte {
	want := decompressGuess * len(compressed)
	select {
	case b := <-p.bytes:
		if cap(b) >= want {
			return b[:0]
		}
	default:
	}
	return make([]byte, 0, want)
}

func (p *fetchPool) PutDecompressBytes(b []byte) {
	select {
	case p.bytes <- b:
	default:
	}
}

func (p *fetchPool) GetRecords(n int) []kgo.Record {
	select {
	case rs := <-p.recs:
		if cap(rs) >= n {
			return rs[:0]
		}
	default:
	}
	return make([]kgo.Record, 0, n)
}

func (p *fetchPool) PutRecords(rs []kgo.Record) {
	select {
	case p.recs <- rs:
	default:
	}
}
