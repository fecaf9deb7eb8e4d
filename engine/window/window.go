package window

import (
	"math"
	"slices"
	"unsafe"
)

// initialCapacity is the ring size, in events, of a new key: most accounts
// see one or two transactions per window, and the ring doubles on demand.
const initialCapacity = 2

// smallScanLimit is the window size up to which Distinct counts by pairwise
// comparison instead of sorting; below it the quadratic scan is faster.
const smallScanLimit = 16

// keyState is the events of one key: a ring buffer of events sorted by
// time, oldest at head. An event is one uint64 (its time) for Count and
// SinceLast, or two (time, then input bits) for the other functions. The
// ring's capacity is a power of two so positions wrap with a mask.
type keyState struct {
	buf  []uint64
	head uint32 // physical index of the oldest event
	n    uint32 // events stored
}

// Store holds the windows of one aggregate for every key of one partition.
// It is not safe for concurrent use: the worker that owns the partition owns
// the Store.
type Store struct {
	spec    Spec
	horizon int64 // Over+Lateness in ns, saturated
	stride  uint32
	maxCap  uint32 // ring capacity limit, power of two >= MaxEvents
	// keys finds a key's slot by its id in the KeyTable the Store shares
	// with the partition's other Stores; evicted slots are reused.
	keys    keySlots
	slots   []keyState                 // by slot
	rings   *slicePool[uint64]         // ring buffers (pool.go)
	scratch []uint64                   // Distinct's window copy, reused
	large   map[uint32]*distinctWindow // Distinct counts of large keys, by slot
	// countsFrom is distinctCountsFrom; tests lower it to reach the
	// incremental path with few events.
	countsFrom uint32
	late       uint64
	overflow   uint64
	bufBytes   int64 // sum of ring bytes, live and free slots
	// beh keeps the behaviour functions (NewDistinct … InflowMatch); when
	// set, the fields above are unused.
	beh *behaviourStore
}

// NewStore returns an empty Store for spec with a KeyTable of its own.
// Invalid fields are corrected (see Spec.Validate): Over <= 0 becomes 1ns,
// negative Lateness 0, an unknown Fn Count.
func NewStore(spec Spec) *Store { return NewSharedStore(spec, nil) }

// NewSharedStore returns an empty Store for spec whose keys are interned in
// keys (nil: a table of its own). Stores of one partition share a table so
// that one Lookup per copy finds the key's state in all of them.
func NewSharedStore(spec Spec, keys *KeyTable) *Store {
	spec = spec.Normalized()
	if spec.Fn.behaviour() {
		return &Store{spec: spec, beh: newBehaviourStore(spec, keys)}
	}
	s := &Store{
		spec:    spec,
		horizon: satAdd(int64(spec.Over), int64(spec.Lateness)),
		stride:  2,
		maxCap:  initialCapacity,
		keys:    newKeySlots(keys),
		large:   make(map[uint32]*distinctWindow),

		countsFrom: distinctCountsFrom,
	}
	if spec.Fn == Count || spec.Fn == SinceLast {
		s.stride = 1 // only times matter
	}
	s.rings = newSlicePool[uint64](initialCapacity * int(s.stride))
	for s.maxCap < uint32(spec.MaxEvents) {
		s.maxCap *= 2
	}
	return s
}

// Spec returns the (normalized) spec the Store runs.
func (s *Store) Spec() Spec { return s.spec }

// Lookup returns key as the Store's KeyTable knows it.
func (s *Store) Lookup(key string) Key { return s.slotTable().keys.Lookup(key) }

// slotTable is the key-to-slot table of the ring or behaviour store.
func (s *Store) slotTable() *keySlots {
	if s.beh != nil {
		return &s.beh.keys
	}
	return &s.keys
}

// Observe adds one event for key at event time ts (unix nanoseconds) with
// numeric input num (Sum, Avg, Min, Max; callers pass finite numbers, Min and
// Max skip NaN) and distinct-value hash h (Distinct). It returns the aggregate over (ts-Over, ts] including this
// event; events already stored with a time after ts do not count. For
// SinceLast it returns the seconds since the key's latest event with a time
// before ts and after ts-Over, or -1 if there is none.
//
// An event more than Lateness behind the key's newest event is late: it is
// counted in Late and not stored, and the returned value is computed from
// the stored events as if it had been inserted (events pruned before it
// arrived are missing, so late values may undercount).
func (s *Store) Observe(key string, ts int64, num float64, h uint64) (value float64, late bool) {
	k := s.Lookup(key)
	return s.ObserveKey(&k, &Event{TS: ts, Num: num, Hash: h})
}

// ObserveKey is Observe for a Key of the Store's table, with the
// counterparty and transaction id that InflowMatch keeps; the other
// functions read only ev.TS, ev.Num, ev.Hash. The event is passed by
// pointer, and not kept: a screener hands the same one, its input changed,
// to each of a copy's Stores instead of copying its 64 bytes several times
// per Store.
func (s *Store) ObserveKey(key *Key, ev *Event) (value float64, late bool) {
	if s.beh != nil {
		v, late, _ := s.beh.observe(key, ev, false)
		return v, late
	}
	ts, num := ev.TS, ev.Num
	in := s.input(num, ev.Hash)
	idx, ok := s.keys.find(key)
	if !ok {
		s.addKey(key, ts, in)
		return s.single(num), false
	}
	k := &s.slots[idx]
	newest := s.timeAt(k, k.n-1)
	if ts < satSub(newest, int64(s.spec.Lateness)) {
		s.late++
		return s.query(k, ts, s.upperBound(k, ts), true, in), true
	}
	distinct := s.spec.Fn == Distinct
	if ts >= newest {
		if distinct {
			s.distinctBefore(idx, k, ts)
		}
		s.prune(k, ts)
		if distinct {
			s.distinctAfterPrune(idx, k)
		}
	}
	p := s.upperBound(k, ts)
	if k.n >= uint32(s.spec.MaxEvents) {
		s.overflow++
		if p == 0 {
			// The new event is the oldest of MaxEvents+1: it is the one dropped.
			return s.query(k, ts, 0, true, in), false
		}
		if distinct {
			s.distinctDropOldest(idx, k)
		}
		k.head = (k.head + 1) & s.mask(k)
		k.n--
		p--
	}
	s.insert(k, p, ts, in)
	if distinct {
		if v, ok := s.distinctAfterInsert(idx, k, ts, in); ok {
			return v, false
		}
	}
	return s.query(k, ts, p+1, false, 0), false
}

// ObserveLazy is ObserveKey that may leave the value uncomputed (ok
// false): then ValueKey(s.Spec(), key, ev), called before the Store
// changes again, returns what ObserveKey would have. Behaviour functions
// other than InflowMatch leave it for events that are not late: computing
// it walks the key's history, and a screener needs most of these values
// only when a rule gets past its other guards.
func (s *Store) ObserveLazy(key *Key, ev *Event) (value float64, late, ok bool) {
	if s.beh != nil {
		return s.beh.observe(key, ev, true)
	}
	value, late = s.ObserveKey(key, ev)
	return value, late, true
}

// Value returns the aggregate over (ts-Over, ts] without adding an event.
// An unknown key reads 0, or -1 for SinceLast. For ts more than Lateness
// behind the key's newest event the value is computed from what is still
// stored and may undercount, as for late events.
func (s *Store) Value(key string, ts int64) float64 {
	k := s.Lookup(key)
	return s.ValueKey(&s.spec, &k, &Event{TS: ts})
}

// Touch reads the first word of each of key's allocations in the Store
// and returns their sum (0 for a key the Store does not hold), changing
// nothing; keep the result somewhere so the reads are not dropped. A key's
// state is a few cache lines that a copy's first read usually misses; a
// screener touches all of a copy's Stores before observing any, so that
// those misses overlap instead of each Store's waiting for the one before.
func (s *Store) Touch(key *Key) int64 {
	if s.beh != nil {
		if k := s.beh.get(key); k != nil {
			return k.touch()
		}
		return 0
	}
	idx, ok := s.keys.find(key)
	if !ok {
		return 0
	}
	return s.timeAt(&s.slots[idx], s.slots[idx].n-1)
}

// Evict drops keys whose newest event is at or before
// watermark-Over-Lateness and returns how many it dropped. No event that is
// not late can see such a key's events again (its window starts after them),
// so eviction never changes a value; it only bounds memory by active keys.
// The one exception is an event for an evicted key more than Lateness behind
// the key's forgotten newest event: it would have been late, and is instead
// stored as the key's first event. Evict scans every key (about 100 ns a
// key on a loaded 2-core machine, see BenchmarkEvictScan), so call it every
// many thousand records, not per record.
func (s *Store) Evict(watermark int64) int {
	if s.beh != nil {
		return s.beh.evict(watermark)
	}
	cutoff := satSub(watermark, s.horizon)
	dropped := 0
	for idx := range s.slots {
		k := &s.slots[idx]
		if k.n == 0 || s.timeAt(k, k.n-1) > cutoff {
			continue // a free slot, or a key still active
		}
		s.dropKey(uint32(idx))
		dropped++
	}
	return dropped
}

// dropKey frees slot idx and releases its key.
func (s *Store) dropKey(idx uint32) {
	k := &s.slots[idx]
	delete(s.large, idx)
	if uint32(len(k.buf))/s.stride > initialCapacity {
		// Keep only small rings (in the slot) for reuse; larger ones go
		// back to the GC.
		s.bufBytes -= int64(len(k.buf)) * 8
		k.buf = nil
	}
	k.head, k.n = 0, 0
	s.keys.remove(idx)
}

// Clear drops every key, releasing them in the Store's KeyTable: call it
// for a Store that is no longer used while its table lives on.
func (s *Store) Clear() {
	if s.beh != nil {
		s.beh.clear()
		return
	}
	for idx := range s.slots {
		if s.slots[idx].n > 0 {
			s.dropKey(uint32(idx))
		}
	}
}

// Keys returns the number of keys tracked.
func (s *Store) Keys() int { return s.slotTable().len() }

// Late returns the number of late events observed so far.
func (s *Store) Late() uint64 {
	if s.beh != nil {
		return s.beh.late
	}
	return s.late
}

// Overflow returns the number of events dropped because a key held
// MaxEvents events (for behaviour functions also the counterparties and
// inflows forgotten for their caps, see doc.go).
func (s *Store) Overflow() uint64 {
	if s.beh != nil {
		return s.beh.overflow
	}
	return s.overflow
}

// ObserveEvent is ObserveKey for a key string.
func (s *Store) ObserveEvent(key string, ev Event) (value float64, late bool) {
	k := s.Lookup(key)
	return s.ObserveKey(&k, &ev)
}

// ValueFor is Value for a query that depends on the reading transaction:
// InflowMatch matches q.Num against q.Party's other inflows. For every
// other function it equals Value(key, q.TS).
func (s *Store) ValueFor(key string, q Event) float64 {
	k := s.Lookup(key)
	return s.ValueKey(&s.spec, &k, &q)
}

// ValueWith is ValueFor read as spec would read it; spec must have the
// Store's StateKey (it differs in the function or a query parameter).
func (s *Store) ValueWith(spec Spec, key string, q Event) float64 {
	k := s.Lookup(key)
	spec = spec.Normalized()
	return s.ValueKey(&spec, &k, &q)
}

// ValueKey is ValueWith for a Key of the Store's table and a spec already
// normalized (Spec.Normalized): it runs on every copy, so the caller
// normalizes once. Spec and event are passed by pointer, as for
// ObserveKey, and not kept.
func (s *Store) ValueKey(spec *Spec, key *Key, q *Event) float64 {
	if s.beh == nil {
		idx, ok := s.keys.find(key)
		if !ok {
			return s.empty()
		}
		k := &s.slots[idx]
		return s.query(k, q.TS, s.upperBound(k, q.TS), false, 0)
	}
	if *spec == s.spec {
		return s.beh.value(key, q)
	}
	b := s.beh.as(*spec)
	v := b.value(key, q)
	s.beh.keepScratch(b)
	return v
}

// Path returns the transfers behind the InflowMatch value spec reads (spec
// as for ValueWith) — the matched inflow into key and q out of it — or nil
// (other functions, no match).
func (s *Store) Path(spec Spec, key string, q Event) []Hop {
	spec = spec.Normalized()
	if s.beh == nil || spec.Fn != InflowMatch {
		return nil
	}
	k := s.Lookup(key)
	in, ok := s.beh.get(&k).(*inflowKey)
	if !ok {
		return nil
	}
	return in.path(s.beh.as(spec), key, q)
}

// Approximate per-entry costs for SizeBytes. A KeyTable map entry is a
// string header and a uint32 id (24 bytes with padding) plus a control
// byte, at a typical Swiss-table load of about 3/4; a short entry holds a
// shortKey (36 bytes) and the id instead.
const (
	mapEntryBytes   = 34
	shortEntryBytes = 55
	slotBytes       = int64(unsafe.Sizeof(keyState{}))
)

// SizeBytes returns the approximate heap bytes of the Store's state: ring
// buffers (exact capacity, including rings kept in free slots), and the
// slot tables (exact capacity). The keys themselves are the KeyTable's
// (KeyTable.SizeBytes), shared by the partition's Stores. It omits
// allocator size-class rounding, so it reads a little below a heap
// measurement. Distinct keys past distinctCountsFrom events add their count
// maps, estimated per entry.
func (s *Store) SizeBytes() int64 {
	if s.beh != nil {
		return s.beh.sizeBytes()
	}
	var large int64
	for _, dw := range s.large { // only keys past distinctCountsFrom events
		large += dw.sizeBytes()
	}
	return large + s.bufBytes + s.rings.spareBytes() + int64(cap(s.slots))*slotBytes + s.keys.sizeBytes() + int64(cap(s.scratch))*8
}

// input is the second word stored with an event: the numeric input's bits,
// or the distinct hash.
func (s *Store) input(num float64, h uint64) uint64 {
	if s.spec.Fn == Distinct {
		return h
	}
	return math.Float64bits(num)
}

// single is the value of a window holding only the observed event.
func (s *Store) single(num float64) float64 {
	switch s.spec.Fn {
	case Sum, Avg, Min, Max:
		return num
	case SinceLast:
		return -1
	}
	return 1 // Count, Distinct
}

// empty is the value of an empty window.
func (s *Store) empty() float64 {
	if s.spec.Fn == SinceLast {
		return -1
	}
	return 0
}

// addKey starts tracking key with one event, reusing an evicted slot and its
// ring when there is one.
func (s *Store) addKey(key *Key, ts int64, in uint64) {
	idx, reused := s.keys.add(key)
	if !reused {
		s.slots = append(s.slots, keyState{})
	}
	k := &s.slots[idx]
	if len(k.buf) == 0 {
		k.buf = s.rings.get(int(initialCapacity * s.stride))[:initialCapacity*s.stride]
		s.bufBytes += int64(len(k.buf)) * 8
	}
	k.head, k.n = 0, 0
	s.insert(k, 0, ts, in)
}

// mask wraps physical ring positions of k.
func (s *Store) mask(k *keyState) uint32 { return uint32(len(k.buf))/s.stride - 1 }

// timeAt returns the time of k's i-th oldest event.
func (s *Store) timeAt(k *keyState, i uint32) int64 {
	return int64(k.buf[((k.head+i)&s.mask(k))*s.stride])
}

// inputAt returns the stored input of k's i-th oldest event (stride 2 only).
func (s *Store) inputAt(k *keyState, i uint32) uint64 {
	return k.buf[((k.head+i)&s.mask(k))*s.stride+1]
}

// upperBound returns the number of k's events with time <= ts.
func (s *Store) upperBound(k *keyState, ts int64) uint32 {
	// Most events arrive in order: check the newest first.
	if k.n == 0 || s.timeAt(k, k.n-1) <= ts {
		return k.n
	}
	lo, hi := uint32(0), k.n-1 // answer in [lo, hi]
	for lo < hi {
		mid := (lo + hi) / 2
		if s.timeAt(k, mid) <= ts {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// prune drops k's events that no event at or after newest-Lateness can see,
// given that newest is about to become k's newest time.
func (s *Store) prune(k *keyState, newest int64) {
	cutoff := satSub(newest, s.horizon)
	m := s.mask(k)
	for k.n > 0 && s.timeAt(k, 0) <= cutoff {
		k.head = (k.head + 1) & m
		k.n--
	}
	if s.spec.Fn == SinceLast {
		// SinceLast reads only the latest event before a time >= newest-Lateness:
		// of the events before that bound, only the last is needed.
		bound := satSub(newest, int64(s.spec.Lateness))
		for k.n > 1 && s.timeAt(k, 1) < bound {
			k.head = (k.head + 1) & m
			k.n--
		}
	}
	if capacity := m + 1; capacity > initialCapacity && k.n <= capacity/4 {
		s.resize(k, capacity/2)
	}
}

// insert places an event at logical position p (0 = oldest) of k, growing
// the ring when full.
func (s *Store) insert(k *keyState, p uint32, ts int64, in uint64) {
	if k.n == uint32(len(k.buf))/s.stride {
		s.resize(k, min(2*k.n, s.maxCap))
	}
	m := s.mask(k)
	for i := k.n; i > p; i-- { // shift later events one position up
		dst := ((k.head + i) & m) * s.stride
		src := ((k.head + i - 1) & m) * s.stride
		k.buf[dst] = k.buf[src]
		if s.stride == 2 {
			k.buf[dst+1] = k.buf[src+1]
		}
	}
	at := ((k.head + p) & m) * s.stride
	k.buf[at] = uint64(ts)
	if s.stride == 2 {
		k.buf[at+1] = in
	}
	k.n++
}

// resize moves k's events into a new ring of capacity events, oldest first.
func (s *Store) resize(k *keyState, capacity uint32) {
	buf := s.rings.get(int(capacity * s.stride))[:capacity*s.stride]
	m := s.mask(k)
	for i := uint32(0); i < k.n; i++ {
		src := ((k.head + i) & m) * s.stride
		copy(buf[i*s.stride:(i+1)*s.stride], k.buf[src:src+s.stride])
	}
	s.bufBytes += int64(len(buf)-len(k.buf)) * 8
	s.rings.put(k.buf)
	k.buf, k.head = buf, 0
}

// query computes the aggregate at time ts over k's events [0, hi) (those
// with time <= ts) that lie in (ts-Over, ts], plus one extra event with
// input in when extra is set.
func (s *Store) query(k *keyState, ts int64, hi uint32, extra bool, in uint64) float64 {
	start := satSub(ts, int64(s.spec.Over)) // events at or before start are out
	switch s.spec.Fn {
	case Count:
		n := float64(hi - s.firstAfter(k, start, hi))
		if extra {
			n++
		}
		return n
	case SinceLast:
		for i := hi; i > 0; i-- {
			t := s.timeAt(k, i-1)
			if t >= ts {
				continue
			}
			if t <= start {
				break
			}
			return float64(ts-t) / 1e9
		}
		return -1
	case Distinct:
		return s.distinct(k, start, hi, extra, in)
	}
	// Sum, Avg, Min, Max: walk the window's (at most two) contiguous runs of
	// the ring, oldest first, without per-event index arithmetic.
	lo := s.firstAfter(k, start, hi)
	n := int(hi - lo)
	var sum float64
	lowest, highest := math.Inf(1), math.Inf(-1)
	older, newer := s.runs(k, lo, hi)
	// One loop per function: a shared loop would carry three dependency
	// chains per event.
	for _, run := range [2][]uint64{older, newer} {
		switch s.spec.Fn {
		case Min:
			for j := 1; j < len(run); j += 2 {
				if v := math.Float64frombits(run[j]); v < lowest {
					lowest = v
				}
			}
		case Max:
			for j := 1; j < len(run); j += 2 {
				if v := math.Float64frombits(run[j]); v > highest {
					highest = v
				}
			}
		default:
			for j := 1; j < len(run); j += 2 {
				sum += math.Float64frombits(run[j])
			}
		}
	}
	if extra {
		v := math.Float64frombits(in)
		n++
		sum += v
		if v < lowest {
			lowest = v
		}
		if v > highest {
			highest = v
		}
	}
	if n == 0 {
		return 0
	}
	switch s.spec.Fn {
	case Avg:
		return sum / float64(n)
	case Min:
		return lowest
	case Max:
		return highest
	}
	return sum
}

// firstAfter returns the logical index of k's first event with time after
// start among [0, hi).
func (s *Store) firstAfter(k *keyState, start int64, hi uint32) uint32 {
	lo := uint32(0)
	for lo < hi {
		mid := (lo + hi) / 2
		if s.timeAt(k, mid) <= start {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// runs returns k's logical events [lo, hi) as the (at most two) contiguous
// stretches of the ring buffer they occupy, oldest first.
func (s *Store) runs(k *keyState, lo, hi uint32) (older, newer []uint64) {
	if lo >= hi {
		return nil, nil
	}
	capacity := uint32(len(k.buf)) / s.stride
	from := (k.head + lo) & (capacity - 1)
	n := hi - lo
	if from+n <= capacity {
		return k.buf[from*s.stride : (from+n)*s.stride], nil
	}
	wrapped := from + n - capacity
	return k.buf[from*s.stride:], k.buf[:wrapped*s.stride]
}

// distinct counts the distinct hashes of k's events [0, hi) after start,
// plus in when extra is set.
func (s *Store) distinct(k *keyState, start int64, hi uint32, extra bool, in uint64) float64 {
	hs := s.scratch[:0]
	for i := hi; i > 0 && s.timeAt(k, i-1) > start; i-- {
		hs = append(hs, s.inputAt(k, i-1))
	}
	if extra {
		hs = append(hs, in)
	}
	s.scratch = hs
	n := 0
	if len(hs) <= smallScanLimit {
	next:
		for i, h := range hs {
			for _, g := range hs[:i] {
				if g == h {
					continue next
				}
			}
			n++
		}
		return float64(n)
	}
	slices.Sort(hs)
	for i, h := range hs {
		if i == 0 || h != hs[i-1] {
			n++
		}
	}
	return float64(n)
}

// satSub returns a-d for d >= 0, saturating at math.MinInt64.
func satSub(a, d int64) int64 {
	if a < math.MinInt64+d {
		return math.MinInt64
	}
	return a - d
}

// satAdd returns a+b for a, b >= 0, saturating at math.MaxInt64.
func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
