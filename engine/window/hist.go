package window

import (
	"cmp"
	"math"
	"slices"
	"unsafe"
)

// histBuckets is how many buckets span a Hist aggregate's Over: the
// history's old edge is exact to Over/histBuckets, and a key holds at most
// histBuckets+1 buckets.
const histBuckets = 4

// histTop is how many of a bucket's largest inputs it keeps for HistP95.
const histTop = 3

// histBucket summarises the events of one bucket [id*W, (id+1)*W): their
// number, sum, and largest inputs in descending order, in 24 bytes. Sums
// and inputs are float32 (relative rounding 6e-8 per input, immaterial for
// a baseline); id keeps the low 32 bits of the bucket number, the rest
// comes from the neighbouring buckets (a key's buckets span at most
// histBuckets+1 numbers).
type histBucket struct {
	id  uint32
	n   uint32
	sum float32
	top [histTop]float32
}

// tsNum is an event time with its numeric input.
type tsNum struct {
	t int64
	v float64
}

// histKey is the state of one Hist key: events newer than Recent (plus
// lateness) exactly, older ones folded into time buckets, both in one
// slice, buckets first. One allocation instead of one per list: a copy's
// first read of the key (touch) waits for one or two cache lines of it,
// not for two allocations, and the key's record in the slab is 32 bytes,
// not 48.
type histKey struct {
	buf []uint64 // nb buckets (by id, ascending), then the recent events (by time)
	nb  uint32
}

// Words of buf per bucket and per recent event. buf is []uint64 so that
// both views are aligned; neither type holds a pointer.
const (
	bucketWords = int(unsafe.Sizeof(histBucket{}) / 8)
	eventWords  = int(unsafe.Sizeof(tsNum{}) / 8)
)

// buckets is a view of the key's buckets, valid until the key changes.
func (k *histKey) buckets() []histBucket {
	if k.nb == 0 {
		return nil
	}
	return unsafe.Slice((*histBucket)(unsafe.Pointer(&k.buf[0])), k.nb)
}

// recent is a view of the key's recent events, valid until the key
// changes.
func (k *histKey) recent() []tsNum {
	r := k.buf[k.recentAt():]
	if len(r) == 0 {
		return nil
	}
	return unsafe.Slice((*tsNum)(unsafe.Pointer(&r[0])), len(r)/eventWords)
}

// recentAt is the word of buf where the recent events start.
func (k *histKey) recentAt() int { return int(k.nb) * bucketWords }

// assign sets the key to buckets bs and recent events rec (snapshots).
func (k *histKey) assign(bs []histBucket, rec []tsNum) {
	k.buf, k.nb = make([]uint64, len(bs)*bucketWords+len(rec)*eventWords), uint32(len(bs))
	copy(k.buckets(), bs)
	copy(k.recent(), rec)
}

// open makes room for words words at word at, moving the words from there
// up; a full buf is replaced by one with spare more words of room.
func (k *histKey) open(p *slicePool[uint64], at, words, spare int) {
	n := len(k.buf)
	if n+words > cap(k.buf) {
		grown := append(p.get(n+words+spare), k.buf...)
		p.put(k.buf)
		k.buf = grown
	}
	k.buf = k.buf[:n+words]
	copy(k.buf[at+words:], k.buf[at:n])
}

// cut removes words words at word at, and shrinks a mostly empty buf so
// that a burst's memory goes back.
func (k *histKey) cut(p *slicePool[uint64], at, words int) {
	if words == 0 {
		return
	}
	m := at + copy(k.buf[at:], k.buf[at+words:])
	k.buf = k.buf[:m]
	if c := cap(k.buf); c > 2*bucketWords && m <= c/4 {
		shrunk := append(p.get(c/2), k.buf...)
		p.put(k.buf)
		k.buf = shrunk
	}
}

// touch reads the first and the last word of the key: its oldest bucket
// (or event) and its newest event, the two ends of its one allocation.
func (k *histKey) touch() int64 {
	if len(k.buf) == 0 {
		return 0
	}
	return int64(k.buf[0] + k.buf[len(k.buf)-1])
}

func (k *histKey) newest() int64 {
	if len(k.buf) > k.recentAt() {
		return int64(k.buf[len(k.buf)-eventWords])
	}
	return math.MinInt64 // not reached: observe always leaves a recent event
}

func (k *histKey) bytes() int64 {
	return int64(cap(k.buf))*8 + int64(unsafe.Sizeof(histKey{}))
}

func (k *histKey) release(p *keyPools) {
	p.hist.put(k.buf)
}

// bucketWidth is W = Over/histBuckets, at least 1ns.
func (b *behaviourStore) bucketWidth() int64 { return max(int64(b.spec.Over)/histBuckets, 1) }

func numTime(e tsNum) int64 { return e.t }

func (k *histKey) insert(b *behaviourStore, ev Event) {
	if len(k.buf) == 0 || ev.TS >= k.newest() {
		k.fold(b, ev.TS)
	}
	rec := k.recent()
	i := len(rec) // after the events at the same time
	for i > 0 && rec[i-1].t > ev.TS {
		i--
	}
	// A full buf grows by as many recent events as it holds, as a list of
	// its own doubles.
	k.open(b.pools.hist, k.recentAt()+i*eventWords, eventWords, len(rec)*eventWords)
	rec = k.recent()
	rec[i] = tsNum{ev.TS, ev.Num}
	if len(rec) > b.spec.MaxEvents {
		// Folding early only moves the oldest recent event into the history
		// sooner; nothing is lost.
		b.overflow++
		k.add(b, rec[0], floorDiv(rec[len(rec)-1].t, b.bucketWidth()))
		k.cut(b.pools.hist, k.recentAt(), eventWords)
	}
}

// fold moves events that no non-late query sees as recent into buckets, and
// drops buckets no non-late history reaches.
func (k *histKey) fold(b *behaviourStore, newest int64) {
	cutoff := satSub(newest, satAdd(int64(b.spec.Recent), int64(b.spec.Lateness)))
	w := b.bucketWidth()
	rec := k.recent()
	n := 0
	for n < len(rec) && rec[n].t <= cutoff {
		n++
	}
	if n > 0 {
		ref := floorDiv(rec[len(rec)-1].t, w) // the newest event's bucket, at or after every folded one
		for i := range n {
			k.add(b, k.recent()[i], ref) // add may move the recent events
		}
		k.cut(b.pools.hist, k.recentAt(), n*eventWords)
	}
	oldest := satSub(newest, satAdd(int64(b.spec.Over), int64(b.spec.Lateness)))
	ref := floorDiv(newest, w)
	bs := k.buckets()
	drop := 0
	for drop < len(bs) && satAdd(fullID(ref, bs[drop].id)*w, w) <= oldest {
		drop++
	}
	if drop > 0 {
		k.cut(b.pools.hist, 0, drop*bucketWords)
		k.nb -= uint32(drop)
	}
}

// add folds one event into its bucket; ref is the bucket of the key's
// newest event, at or after e's.
func (k *histKey) add(b *behaviourStore, e tsNum, ref int64) {
	w := b.bucketWidth()
	id := floorDiv(e.t, w)
	// Events fold oldest first, so id is nearly always the newest bucket's
	// or a new one after it: test that before searching.
	bs := k.buckets()
	i, found := len(bs), false
	if i > 0 {
		switch last := fullID(ref, bs[i-1].id); {
		case last == id:
			i, found = i-1, true
		case last > id:
			i, found = slices.BinarySearchFunc(bs, id, func(x histBucket, id int64) int {
				return cmp.Compare(fullID(ref, x.id), id)
			})
		}
	}
	if !found {
		// A new bucket comes once per W: grow by one, no slack. Room left
		// by events or buckets cut is reused, so a key in its steady state
		// (one bucket out, one in) allocates nothing.
		k.open(b.pools.hist, i*bucketWords, bucketWords, 0)
		k.nb++
		bs = k.buckets()
		bs[i] = histBucket{id: uint32(id), top: [histTop]float32{nan32, nan32, nan32}}
	}
	bk := &bs[i]
	bk.n++
	bk.sum += float32(e.v)
	v := float32(e.v)
	for j := 0; j < histTop; j++ {
		if isNaN32(bk.top[j]) || v > bk.top[j] {
			v, bk.top[j] = bk.top[j], v
			if isNaN32(v) {
				break
			}
		}
	}
}

var nan32 = float32(math.NaN())

func isNaN32(f float32) bool { return f != f }

// weighted is a value standing for count inputs in the P95 estimate.
type weighted struct {
	v float64
	n uint32
}

// value computes the history at q.TS: events in (ts-Over, ts-Recent] from
// the exact recent events, plus every bucket whose span ends after ts-Over.
func (k *histKey) value(b *behaviourStore, q Event, _ bool) float64 {
	start := satSub(q.TS, int64(b.spec.Over))
	end := satSub(q.TS, int64(b.spec.Recent))
	w := b.bucketWidth()
	bs, rec := k.buckets(), k.recent()
	ref := floorDiv(rec[len(rec)-1].t, w)
	var n uint32
	var sum float64
	vals := b.vals[:0]
	needVals := b.spec.Fn == HistP95 || b.spec.Fn == HistMax
	for i := range bs {
		bk := &bs[i]
		from := fullID(ref, bk.id) * w
		if satAdd(from, w) <= start || from > end {
			continue
		}
		n += bk.n
		sum += float64(bk.sum)
		if !needVals {
			continue
		}
		kept := min(bk.n, histTop)
		for j := uint32(0); j < kept; j++ {
			vals = append(vals, weighted{float64(bk.top[j]), 1})
		}
		// The bucket's inputs below its top are at most its smallest kept
		// one: counting them at that value keeps the P95 an upper bound.
		if bk.n > kept {
			vals[len(vals)-1].n += bk.n - kept
		}
	}
	for _, e := range rec {
		if e.t > start && e.t <= end {
			n++
			sum += e.v
			if needVals {
				vals = append(vals, weighted{e.v, 1})
			}
		}
	}
	b.vals = vals
	if n == 0 {
		return 0
	}
	switch b.spec.Fn {
	case HistCount:
		return float64(n)
	case HistMean:
		return sum / float64(n)
	case HistMax:
		// The largest value: a scan, not the sort the P95 rank needs.
		highest := vals[0].v
		for _, x := range vals[1:] {
			if x.v > highest {
				highest = x.v
			}
		}
		return highest
	}
	slices.SortFunc(vals, func(x, y weighted) int {
		switch {
		case x.v > y.v:
			return -1
		case x.v < y.v:
			return 1
		}
		return 0
	})
	// Nearest rank: the ceil(0.95 n)-th smallest is the r-th largest.
	r := n - uint32(math.Ceil(0.95*float64(n))) + 1
	var seen uint32
	for _, x := range vals {
		if seen += x.n; seen >= r {
			return x.v
		}
	}
	return vals[len(vals)-1].v
}

// fullID is the bucket number whose low 32 bits are id, at or before ref.
func fullID(ref int64, id uint32) int64 { return ref - int64(uint32(ref)-id) }

// floorDiv is a/b rounded towards minus infinity, for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
