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
// lateness) exactly, older ones folded into time buckets.
type histKey struct {
	recent  []tsNum
	buckets []histBucket // by id, ascending
}

func (k *histKey) touch() int64 {
	n := k.newest()
	if len(k.buckets) > 0 {
		n += int64(k.buckets[0].n)
	}
	return n
}

func (k *histKey) newest() int64 {
	if len(k.recent) > 0 {
		return k.recent[len(k.recent)-1].t
	}
	return math.MinInt64 // not reached: observe always leaves a recent event
}

func (k *histKey) bytes() int64 {
	return int64(cap(k.recent))*16 + int64(cap(k.buckets))*int64(unsafe.Sizeof(histBucket{})) + 48
}

// bucketWidth is W = Over/histBuckets, at least 1ns.
func (k *histKey) release(p *keyPools) {
	p.recent.put(k.recent)
}

func (b *behaviourStore) bucketWidth() int64 { return max(int64(b.spec.Over)/histBuckets, 1) }

func numTime(e tsNum) int64 { return e.t }

func (k *histKey) insert(b *behaviourStore, ev Event) {
	if len(k.recent) == 0 || ev.TS >= k.recent[len(k.recent)-1].t {
		k.fold(b, ev.TS)
	}
	k.recent = insertSorted(b.pools.recent, k.recent, tsNum{ev.TS, ev.Num}, numTime)
	if len(k.recent) > b.spec.MaxEvents {
		// Folding early only moves the oldest recent event into the history
		// sooner; nothing is lost.
		b.overflow++
		k.add(b, k.recent[0])
		k.recent = dropFront(b.pools.recent, k.recent, 1)
	}
}

// fold moves events that no non-late query sees as recent into buckets, and
// drops buckets no non-late history reaches.
func (k *histKey) fold(b *behaviourStore, newest int64) {
	cutoff := satSub(newest, satAdd(int64(b.spec.Recent), int64(b.spec.Lateness)))
	n := 0
	for n < len(k.recent) && k.recent[n].t <= cutoff {
		k.add(b, k.recent[n])
		n++
	}
	k.recent = dropFront(b.pools.recent, k.recent, n)
	w := b.bucketWidth()
	oldest := satSub(newest, satAdd(int64(b.spec.Over), int64(b.spec.Lateness)))
	ref := floorDiv(newest, w)
	drop := 0
	for drop < len(k.buckets) && satAdd(fullID(ref, k.buckets[drop].id)*w, w) <= oldest {
		drop++
	}
	k.buckets = dropFront(nil, k.buckets, drop)
}

// add folds one event into its bucket.
func (k *histKey) add(b *behaviourStore, e tsNum) {
	w := b.bucketWidth()
	id := floorDiv(e.t, w)
	ref := floorDiv(k.recent[len(k.recent)-1].t, w) // the newest event's bucket, at or after id
	// Events fold oldest first, so id is nearly always the newest bucket's
	// or a new one after it: test that before searching.
	i, found := len(k.buckets), false
	if i > 0 {
		switch last := fullID(ref, k.buckets[i-1].id); {
		case last == id:
			i, found = i-1, true
		case last > id:
			i, found = slices.BinarySearchFunc(k.buckets, id, func(x histBucket, id int64) int {
				return cmp.Compare(fullID(ref, x.id), id)
			})
		}
	}
	if !found {
		// A new bucket comes once per W: grow by one, no slack. Room left
		// by a bucket fold dropped (dropFront keeps the array) is reused, so
		// a key in its steady state (one bucket out, one in) allocates
		// nothing.
		if len(k.buckets) < cap(k.buckets) {
			k.buckets = k.buckets[:len(k.buckets)+1]
			copy(k.buckets[i+1:], k.buckets[i:])
		} else {
			grown := make([]histBucket, len(k.buckets)+1)
			copy(grown, k.buckets[:i])
			copy(grown[i+1:], k.buckets[i:])
			k.buckets = grown
		}
		k.buckets[i] = histBucket{id: uint32(id), top: [histTop]float32{nan32, nan32, nan32}}
	}
	bk := &k.buckets[i]
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
	ref := floorDiv(k.recent[len(k.recent)-1].t, w)
	var n uint32
	var sum float64
	vals := b.vals[:0]
	needVals := b.spec.Fn == HistP95 || b.spec.Fn == HistMax
	for i := range k.buckets {
		bk := &k.buckets[i]
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
	for _, e := range k.recent {
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
