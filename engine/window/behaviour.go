package window

import (
	"slices"
	"unsafe"
)

// Event is one observation of a behaviour aggregate: its time (unix ns),
// numeric input, hash of its string input, and the counterparty and
// transaction it came from (InflowMatch keeps them for the alert's path and
// matches on the counterparty; the other functions ignore them).
type Event struct {
	TS    int64
	Num   float64
	Hash  uint64
	Party string
	TxID  string
	// PartyHash is HashString(Party) when the caller has it (a screener
	// hashes a copy's counterparty once for all its aggregates); 0 means
	// not given, and the Store hashes Party itself.
	PartyHash uint64
}

// partyHash is HashString(ev.Party). A Party whose hash is 0 is hashed
// again, to 0: the shortcut never changes the value.
func (ev *Event) partyHash() uint64 {
	if ev.PartyHash != 0 {
		return ev.PartyHash
	}
	return HashString(ev.Party)
}

// Hop is one transfer of a traced path, for alert explanations.
type Hop struct {
	From   string  `json:"from"`
	To     string  `json:"to"`
	TxID   string  `json:"tx_id"`
	Amount float64 `json:"amount"`
	TS     string  `json:"ts"`
}

// keyBehaviour is the state of one key of a behaviour aggregate. Methods get
// the store for its spec and scratch space.
type keyBehaviour interface {
	// newest is the latest event time stored (the eviction clock).
	newest() int64
	// touch reads the first word of each of the key's allocations (see
	// Store.Touch) and returns their sum.
	touch() int64
	// insert stores ev (not late); value(b, ev, false) then reads the value
	// at ev.TS with ev in (InflowMatch's value is read before insert).
	insert(b *behaviourStore, ev Event)
	// value returns the value at q.TS without storing q; self counts q as an
	// event of the key (late events), as observe would have.
	value(b *behaviourStore, q Event, self bool) float64
	// bytes is the key's approximate heap size, key string excluded.
	bytes() int64
	// release hands the key's slices back to the pools before the key is
	// dropped.
	release(p *keyPools)
}

// keyPools are the slice pools of one behaviour Store (pool.go), shared
// with its views (as) so that a slice is never handed out twice.
type keyPools struct {
	ev     *slicePool[tsHash] // NewDistinct window events
	recent *slicePool[tsNum]  // Hist recent events
	in     *slicePool[inflow] // InflowMatch inflows
	// Hist buckets and NewDistinct's known counterparties are not pooled:
	// they grow over the key's life (buckets one at a time), and a first
	// slice kept for the next key cost retail keys up to 10 % more memory
	// (TestBehaviourBytesPerKey) for about 0.2 allocations per copy.
}

// newKeyPools pools the first slice of each list: capacity 1, as a nil
// slice's first append makes it.
func newKeyPools() *keyPools {
	return &keyPools{
		ev:     newSlicePool[tsHash](1),
		recent: newSlicePool[tsNum](1),
		in:     newSlicePool[inflow](1),
	}
}

func (p *keyPools) spareBytes() int64 {
	return p.ev.spareBytes() + p.recent.spareBytes() + p.in.spareBytes()
}

// behaviourStore holds one behaviour aggregate for every key of a
// partition, behind Store's methods.
type behaviourStore struct {
	spec     Spec
	keys     keySlots
	states   slab // by slot; a free slot holds a zero state
	pools    *keyPools
	late     uint64
	overflow uint64 // events dropped for MaxEvents, counterparties forgotten for maxKnown
	// stateBytes is the sum of the keys' bytes(), kept as they change so
	// that SizeBytes does not walk every key.
	stateBytes int64
	view       *behaviourStore // see as
	seen       hashSet         // NewDistinct's counterparties of one value
	vals       []weighted
}

// as returns a view of b that reads its keys as spec (same StateKey). The
// view is reused: it is valid until the next call.
func (b *behaviourStore) as(spec Spec) *behaviourStore {
	if b.view == nil {
		b.view = new(behaviourStore)
	}
	v := b.view
	*v = *b
	v.view, v.spec = nil, spec
	return v
}

// keepScratch takes back the scratch space a view grew.
func (b *behaviourStore) keepScratch(v *behaviourStore) {
	b.seen, b.vals = v.seen, v.vals
}

func newBehaviourStore(spec Spec, keys *KeyTable) *behaviourStore {
	return &behaviourStore{spec: spec, keys: newKeySlots(keys), states: newSlab(spec.Fn), pools: newKeyPools()}
}

// slab holds a behaviour store's key states by value, indexed by slot: a
// key's state is found by address arithmetic from its slot, not through a
// pointer of its own, and a new key allocates nothing once the slab has
// room.
type slab interface {
	// at returns slot's state; valid until the next add.
	at(slot uint32) keyBehaviour
	// add appends a zero state for a new slot.
	add()
	// reset zeroes a freed slot's state.
	reset(slot uint32)
	// set copies k (a state of the slab's type) into slot.
	set(slot uint32, k keyBehaviour)
	// fresh returns a zero state outside the slab.
	fresh() keyBehaviour
	reserve(n int)
	// spareBytes is the capacity not holding a slot.
	spareBytes() int64
}

type slabOf[T any, P interface {
	*T
	keyBehaviour
}] struct{ s []T }

func (x *slabOf[T, P]) at(slot uint32) keyBehaviour { return P(&x.s[slot]) }
func (x *slabOf[T, P]) add()                        { x.s = append(x.s, *new(T)) }
func (x *slabOf[T, P]) reset(slot uint32)           { x.s[slot] = *new(T) }
func (x *slabOf[T, P]) set(slot uint32, k keyBehaviour) {
	x.s[slot] = *k.(P)
}
func (x *slabOf[T, P]) fresh() keyBehaviour { return P(new(T)) }
func (x *slabOf[T, P]) reserve(n int)       { x.s = slices.Grow(x.s, n) }
func (x *slabOf[T, P]) spareBytes() int64 {
	return int64(cap(x.s)-len(x.s)) * int64(unsafe.Sizeof(*new(T)))
}

func newSlab(fn Fn) slab {
	switch fn {
	case NewDistinct:
		return &slabOf[noveltyKey, *noveltyKey]{}
	case HistMean, HistP95, HistMax, HistCount:
		return &slabOf[histKey, *histKey]{}
	case Age:
		return &slabOf[ageKey, *ageKey]{}
	}
	return &slabOf[inflowKey, *inflowKey]{}
}

// horizon is how long after its newest event a key can still change a
// non-late value: Over plus lateness, plus the lookback for NewDistinct and
// one history bucket for the Hist functions.
func (b *behaviourStore) horizon() int64 {
	h := satAdd(int64(b.spec.Over), int64(b.spec.Lateness))
	switch {
	case b.spec.Fn == NewDistinct:
		h = satAdd(h, int64(b.spec.Lookback))
	case b.spec.Fn.hist():
		h = satAdd(h, b.bucketWidth())
	}
	return h
}

// addKey gives key a slot with a zero state.
func (b *behaviourStore) addKey(key *Key) uint32 {
	slot, reused := b.keys.add(key)
	if !reused {
		b.states.add()
	}
	return slot
}

// get returns key's state, or nil.
func (b *behaviourStore) get(key *Key) keyBehaviour {
	slot, ok := b.keys.find(key)
	if !ok {
		return nil
	}
	return b.states.at(slot)
}

// observe stores ev for key and returns the value at ev.TS with ev in. With
// lazy set it leaves the value uncomputed (computed false) when value(key,
// ev) read later gives the same: for an event that is not late, of any
// function but InflowMatch, which values ev against the inflows before it.
func (b *behaviourStore) observe(key *Key, ev *Event, lazy bool) (v float64, late, computed bool) {
	k := b.get(key)
	var before int64
	if k == nil {
		k = b.states.at(b.addKey(key))
	} else {
		if ev.TS < satSub(k.newest(), int64(b.spec.Lateness)) {
			b.late++
			return k.value(b, *ev, true), true, true
		}
		before = k.bytes()
	}
	valueFirst := b.spec.Fn == InflowMatch
	if valueFirst {
		v, computed = k.value(b, *ev, false), true
	}
	k.insert(b, *ev)
	b.stateBytes += k.bytes() - before
	if !valueFirst && !lazy {
		v, computed = k.value(b, *ev, false), true
	}
	return v, false, computed
}

func (b *behaviourStore) value(key *Key, q *Event) float64 {
	k := b.get(key)
	if k == nil {
		return 0 // every behaviour function reads 0 for an unknown key
	}
	return k.value(b, *q, false)
}

func (b *behaviourStore) evict(watermark int64) int {
	cutoff := satSub(watermark, b.horizon())
	n := 0
	for slot, id := range b.keys.idOf {
		if id != 0 && b.states.at(uint32(slot)).newest() <= cutoff {
			b.drop(uint32(slot))
			n++
		}
	}
	return n
}

// drop frees slot and releases its key.
func (b *behaviourStore) drop(slot uint32) {
	k := b.states.at(slot)
	b.stateBytes -= k.bytes()
	k.release(b.pools)
	b.states.reset(slot)
	b.keys.remove(slot)
}

func (b *behaviourStore) clear() {
	for slot, id := range b.keys.idOf {
		if id != 0 {
			b.drop(uint32(slot))
		}
	}
}

// sizeBytes counts each key's state (bytes(), which includes the state's
// own fields) and the slab's spare capacity.
func (b *behaviourStore) sizeBytes() int64 {
	n := b.stateBytes + b.keys.sizeBytes() + b.states.spareBytes() + b.pools.spareBytes()
	return n + b.seen.sizeBytes() + int64(cap(b.vals))*int64(unsafe.Sizeof(weighted{}))
}

// tsHash is an event time with a hash, or (for known counterparties) the
// latest time a hash was seen.
type tsHash struct {
	t int64
	h uint64
}

// insertSorted inserts e into xs sorted by time, after events at the same
// time, and returns the slice; a full xs doubles through p.
func insertSorted[T any](p *slicePool[T], xs []T, e T, time func(T) int64) []T {
	t := time(e)
	i := len(xs)
	for i > 0 && time(xs[i-1]) > t {
		i--
	}
	xs = append(p.grow(xs, max(2*cap(xs), 1)), e)
	copy(xs[i+1:], xs[i:])
	xs[i] = e
	return xs
}

// dropFront removes xs[:n] keeping the backing array, and shrinks a
// mostly empty one so a burst's memory goes back (to p).
func dropFront[T any](p *slicePool[T], xs []T, n int) []T {
	if n == 0 {
		return xs
	}
	m := copy(xs, xs[n:])
	xs = xs[:m]
	if cap(xs) > 2 && m <= cap(xs)/4 {
		shrunk := append(p.get(max(cap(xs)/2, 2)), xs...)
		p.put(xs)
		xs = shrunk
	}
	return xs
}
