package window

import "slices"

// maxKnown caps the counterparties a NewDistinct key remembers from before
// its window. Beyond it the one seen longest ago is forgotten (counted in
// Overflow) and reads as new if it comes back within the lookback: the
// error is an overcount, only for keys dealing with more than maxKnown
// counterparties in Over+Lookback (merchants, payment service providers).
const maxKnown = 64

// noveltyKey is the state of one NewDistinct key: the events of its window
// (time, hash), sorted by time, and the counterparties whose events have
// left that window with the latest time each was seen, sorted by hash.
type noveltyKey struct {
	ev    []tsHash
	known []knownParty
}

// knownParty is a counterparty seen before the window: the low 32 bits of
// its hash and the latest time it was seen in unix seconds, rounded up (8
// bytes instead of 16). Two of a key's known counterparties colliding in 32
// bits (odds about n²/2³³) make one of them read as known; the rounding
// makes a counterparty last seen less than a second before ts-Over-Lookback
// read as known.
type knownParty struct {
	h uint32
	t uint32
}

// ceilSeconds and floorSeconds round ns to whole unix seconds, clamped to
// uint32: a known time t (rounded up) is after lo (rounded down) exactly
// when t > lo for whole-second times.
func ceilSeconds(ns int64) uint32 { return clampU32(-floorDiv(-max(ns, -1<<62), 1e9)) }

func floorSeconds(ns int64) uint32 { return clampU32(floorDiv(ns, 1e9)) }

func clampU32(sec int64) uint32 { return uint32(min(max(sec, 0), 1<<32-1)) }

func (k *noveltyKey) touch() int64 {
	n := k.newest()
	if len(k.known) > 0 {
		n += int64(k.known[0].t)
	}
	return n
}

func (k *noveltyKey) newest() int64 {
	if len(k.ev) > 0 {
		return k.ev[len(k.ev)-1].t
	}
	return -1 << 63 // not reached: observe always leaves an event in the window
}

func (k *noveltyKey) bytes() int64 { return int64(cap(k.ev))*16 + int64(cap(k.known))*8 + 48 }

func (k *noveltyKey) release(p *keyPools) {
	p.ev.put(k.ev)
}

func evTime(e tsHash) int64 { return e.t }

func (k *noveltyKey) insert(b *behaviourStore, ev Event) {
	if len(k.ev) == 0 || ev.TS >= k.ev[len(k.ev)-1].t {
		k.prune(b, ev.TS)
	}
	k.ev = insertSorted(b.pools.ev, k.ev, tsHash{ev.TS, ev.Hash}, evTime)
	if len(k.ev) > b.spec.MaxEvents {
		b.overflow++
		k.remember(b, k.ev[0])
		k.ev = dropFront(b.pools.ev, k.ev, 1)
	}
}

// prune moves events no longer inside any non-late window into known, and
// forgets known counterparties no non-late lookback can reach.
func (k *noveltyKey) prune(b *behaviourStore, newest int64) {
	cutoff := satSub(newest, satAdd(int64(b.spec.Over), int64(b.spec.Lateness)))
	n := 0
	for n < len(k.ev) && k.ev[n].t <= cutoff {
		k.remember(b, k.ev[n])
		n++
	}
	k.ev = dropFront(b.pools.ev, k.ev, n)
	forget := floorSeconds(satSub(cutoff, int64(b.spec.Lookback)))
	k.known = slices.DeleteFunc(k.known, func(c knownParty) bool { return c.t <= forget })
}

// remember records that e's counterparty was seen at e.t.
func (k *noveltyKey) remember(b *behaviourStore, e tsHash) {
	h, t := uint32(e.h), ceilSeconds(e.t)
	i, found := k.find(h)
	if found {
		k.known[i].t = max(k.known[i].t, t)
		return
	}
	if len(k.known) >= maxKnown {
		b.overflow++
		oldest := 0
		for j, c := range k.known {
			if c.t < k.known[oldest].t {
				oldest = j
			}
		}
		k.known = slices.Delete(k.known, oldest, oldest+1)
		if oldest < i {
			i--
		}
	}
	if k.known == nil {
		// Room for four at once: a key's first known counterparties would
		// otherwise grow the slice at one, two and four (an allocation per
		// copy for a 365-day store of mostly new keys).
		k.known = make([]knownParty, 0, 4)
	}
	k.known = slices.Insert(k.known, i, knownParty{h, t})
}

// find returns the index of the known counterparty with hash bits h, or
// where it would be inserted. A search of its own rather than
// slices.BinarySearchFunc, whose comparison closure is a call per step:
// value looks up every counterparty of a busy key's window.
func (k *noveltyKey) find(h uint32) (int, bool) {
	lo, hi := 0, len(k.known)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if k.known[m].h < h {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(k.known) && k.known[lo].h == h
}

// value counts the distinct hashes with an event in (ts-Over, ts] and none
// in (ts-Over-Lookback, ts-Over].
func (k *noveltyKey) value(b *behaviourStore, q Event, self bool) float64 {
	start := satSub(q.TS, int64(b.spec.Over))
	lo := satSub(start, int64(b.spec.Lookback))
	loSec := floorSeconds(lo)
	// The events are sorted by time, so those before the window, (lo,
	// start], come first: a hash of the window is new when it is not yet
	// in seen and not known since lo.
	seen := &b.seen
	seen.reset(len(k.ev) + 1)
	n := 0
	for _, e := range k.ev {
		switch {
		case e.t > q.TS:
		case e.t > start:
			if seen.add(e.h) && !k.knownAfter(e.h, loSec) {
				n++
			}
		case e.t > lo:
			seen.add(e.h)
		}
	}
	if self && seen.add(q.Hash) && !k.knownAfter(q.Hash, loSec) {
		n++
	}
	return float64(n)
}

// knownAfter reports whether h's counterparty was seen after loSec before
// the window.
func (k *noveltyKey) knownAfter(h uint64, loSec uint32) bool {
	j, found := k.find(uint32(h))
	return found && k.known[j].t > loSec
}
