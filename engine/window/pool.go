package window

import "unsafe"

// maxChunk is the most elements one chunk of a slicePool holds: new keys'
// first slices are carved from it, one allocation per chunk instead of one
// per key.
const maxChunk = 512

// slicePool hands out the first slice of a new key's state (its ring, event
// list, history buckets, known counterparties or inflows), all of one
// capacity, carved from shared chunks, and takes back the ones keys no
// longer use (evicted, or grown out of) for the next new key. Most keys of
// a partition are seen once or twice per window, so a Store's allocations
// were mostly these first slices, one per new key (about 3 per screened copy
// on the default pack). Slices of other capacities (growth, shrinking) come
// from make and go to the GC as before, so memory per key is what it was
// with make: a chunk is at most an eighth of what was carved before it (the
// uncarved rest is spare), and a first slice a key grew out of waits for
// the next new key instead of the GC — in a stream new keys keep coming, so
// the wait is short. A slice handed back must no longer be referenced: its
// elements are reused.
//
// A nil *slicePool is valid: it makes every slice and keeps none.
type slicePool[T any] struct {
	first  int   // the capacity pooled
	chunk  []T   // uncarved rest of the current chunk
	carved int64 // elements carved so far, to size the next chunk
	// free holds the slices of capacity first handed back, by their first
	// element (8 bytes each, not a 24-byte slice header), reused last in
	// first out.
	free []*T
}

func newSlicePool[T any](first int) *slicePool[T] { return &slicePool[T]{first: first} }

// get returns an empty slice of capacity n.
func (p *slicePool[T]) get(n int) []T {
	if p == nil || n != p.first {
		return make([]T, 0, n)
	}
	if f := p.free; len(f) > 0 {
		s := unsafe.Slice(f[len(f)-1], n)
		f[len(f)-1] = nil
		p.free = f[:len(f)-1]
		return s[:0]
	}
	if len(p.chunk) < n {
		// The rest of the old chunk (fewer than n elements) stays with the
		// slices carved from it.
		size := min(maxChunk, max(8, int(p.carved/8)))
		p.chunk = make([]T, max(size, n))
	}
	s := p.chunk[:0:n]
	p.chunk = p.chunk[n:]
	p.carved += int64(n)
	return s
}

// put takes back s, which no key references any more; only slices of the
// pooled capacity are kept.
func (p *slicePool[T]) put(s []T) {
	if p == nil || cap(s) != p.first {
		return
	}
	s = s[:cap(s)]
	clear(s) // inflows hold strings: a pooled slice must not keep them alive
	p.free = append(p.free, &s[0])
}

// grow returns s with room for one more element: s itself when it has
// room, otherwise a slice of capacity capacity (> len(s)) holding s's
// elements, s going back to the pool.
func (p *slicePool[T]) grow(s []T, capacity int) []T {
	if len(s) < cap(s) {
		return s
	}
	g := append(p.get(capacity), s...)
	p.put(s)
	return g
}

// spareBytes is the memory the pool holds that no key uses: the slices
// handed back, their headers, and the uncarved rest of the chunk.
func (p *slicePool[T]) spareBytes() int64 {
	if p == nil {
		return 0
	}
	var zero T
	return int64(len(p.free)*p.first+cap(p.chunk))*int64(unsafe.Sizeof(zero)) + int64(cap(p.free))*8
}
