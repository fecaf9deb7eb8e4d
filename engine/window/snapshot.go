package window

import (
	"errors"
	"fmt"
	"math"
	"math/bits"

	"github.com/socwatch/socwatch/internal/wire"
)

// Snapshots: a Store's state is written key by key (EncodeKeys) and read
// back into an empty Store of the same Spec (DecodeKey), so a checkpoint
// can be split between keys. Everything a value depends on is kept
// exactly: every stored event (time, input), a NewDistinct key's known
// counterparties, a Hist key's recent events and buckets, an Age key's two
// times, an InflowMatch key's inflows, and whether a Distinct key keeps
// incremental counts (with their lower edge; the counts themselves follow
// from the events). Ring capacities and scratch space are not kept: they
// change memory, never values. Decoding checks every invariant the Store
// relies on (events sorted by time, counts within the caps, buckets
// ascending), so corrupt input is an error, never a panic later.

// errDuplicateKey is decoding a key the Store already holds.
var errDuplicateKey = errors.New("key decoded twice")

// Counters returns the late and overflow counts, for a snapshot.
func (s *Store) Counters() (late, overflow uint64) { return s.Late(), s.Overflow() }

// SetCounters restores the counts Counters returned.
func (s *Store) SetCounters(late, overflow uint64) {
	if s.beh != nil {
		s.beh.late, s.beh.overflow = late, overflow
		return
	}
	s.late, s.overflow = late, overflow
}

// Reserve makes room for n keys in an empty Store (a restore knows how
// many it will decode), so its slot table does not grow in steps.
func (s *Store) Reserve(n int) {
	n = min(max(n, 0), 1<<24)
	switch {
	case s.beh != nil && s.beh.keys.len() == 0:
		s.beh.states.reserve(n)
	case s.beh == nil && len(s.slots) == 0:
		s.slots = make([]keyState, 0, n)
	}
}

// EncodeKeys calls fn with every key and its encoded state, in slot order;
// state is only valid until fn returns. It stops at fn's first error.
func (s *Store) EncodeKeys(fn func(key string, state []byte) error) error {
	var buf []byte
	if s.beh != nil {
		for slot, id := range s.beh.keys.idOf {
			if id == 0 {
				continue // a free slot
			}
			k := s.beh.states.at(uint32(slot))
			key := s.beh.keys.name(uint32(slot))
			var err error
			if buf, err = appendBehaviour(buf[:0], k); err != nil {
				return fmt.Errorf("key %q: %w", key, err)
			}
			if err := fn(key, buf); err != nil {
				return err
			}
		}
		return nil
	}
	for idx := range s.slots {
		if s.slots[idx].n == 0 {
			continue // a free slot
		}
		buf = s.appendRing(buf[:0], uint32(idx))
		if err := fn(s.keys.name(uint32(idx)), buf); err != nil {
			return err
		}
	}
	return nil
}

// DecodeKey adds key with a state EncodeKeys gave for a Store of the same
// Spec. The Store is unchanged when it returns an error.
func (s *Store) DecodeKey(key string, state []byte) error {
	r := wire.NewReader(state)
	k := s.Lookup(key)
	if _, ok := s.slotTable().find(&k); ok {
		return errDuplicateKey
	}
	if s.beh != nil {
		bk := s.beh.states.fresh()
		decodeBehaviour(r, &s.beh.spec, bk)
		if err := r.Done(); err != nil {
			return fmt.Errorf("decode %s key: %w", s.spec.Fn, err)
		}
		s.beh.states.set(s.beh.addKey(&k), bk)
		s.beh.stateBytes += bk.bytes()
		return nil
	}
	return s.decodeRing(&k, r)
}

// appendRing encodes a ring key: the event count, the events oldest first
// (time deltas, then the inputs for stride 2), and the Distinct counts'
// lower edge when the key keeps them.
func (s *Store) appendRing(b []byte, idx uint32) []byte {
	k := &s.slots[idx]
	b = wire.AppendUvarint(b, uint64(k.n))
	prev := int64(0)
	for i := uint32(0); i < k.n; i++ {
		t := s.timeAt(k, i)
		if i == 0 {
			b = wire.AppendVarint(b, t)
		} else {
			b = wire.AppendUvarint(b, uint64(t-prev))
		}
		prev = t
		if s.stride == 2 {
			b = wire.AppendU64(b, s.inputAt(k, i))
		}
	}
	dw := s.large[idx]
	b = wire.AppendBool(b, dw != nil)
	if dw != nil {
		b = wire.AppendVarint(b, dw.lo)
	}
	return b
}

func (s *Store) decodeRing(key *Key, r *wire.Reader) error {
	perEvent := 1 + 8*int(s.stride-1)
	n := r.Count(s.spec.MaxEvents, perEvent)
	if n == 0 && r.Err() == nil {
		r.Failf("key without events")
	}
	capacity := uint32(initialCapacity)
	if n > initialCapacity {
		capacity = 1 << bits.Len32(uint32(n-1))
	}
	capacity = min(capacity, s.maxCap)
	buf := make([]uint64, int(capacity*s.stride))
	var t int64
	for i := 0; i < n && r.Err() == nil; i++ {
		t = readEventTime(r, i, t)
		buf[i*int(s.stride)] = uint64(t)
		if s.stride == 2 {
			buf[i*2+1] = r.U64()
		}
	}
	var dw *distinctWindow
	if r.Bool() {
		if s.spec.Fn != Distinct {
			r.Failf("incremental counts on a %s key", s.spec.Fn)
		}
		dw = &distinctWindow{counts: make(map[uint64]uint32), lo: r.Varint()}
	}
	if err := r.Done(); err != nil {
		return fmt.Errorf("decode %s key: %w", s.spec.Fn, err)
	}
	idx, reused := s.keys.add(key)
	if reused {
		s.bufBytes -= int64(len(s.slots[idx].buf)) * 8
		s.slots[idx] = keyState{buf: buf, n: uint32(n)}
	} else {
		s.slots = append(s.slots, keyState{buf: buf, n: uint32(n)})
	}
	if dw != nil {
		// The counts are the hashes of the events after lo (see
		// distinctWindow): rebuild them from the events.
		k := &s.slots[idx]
		for i := s.upperBound(k, dw.lo); i < k.n; i++ {
			dw.counts[s.inputAt(k, i)]++
		}
		s.large[idx] = dw
	}
	s.bufBytes += int64(len(buf)) * 8
	return nil
}

// appendBehaviour encodes a behaviour key by its type. A key type without
// a case here is an error, so a new behaviour function cannot silently be
// left out of checkpoints.
func appendBehaviour(b []byte, k keyBehaviour) ([]byte, error) {
	switch k := k.(type) {
	case *ageKey:
		b = wire.AppendVarint(b, k.first)
		b = wire.AppendVarint(b, k.last)
	case *noveltyKey:
		b = appendTimes(b, k.ev, evTime, func(b []byte, e tsHash) []byte { return wire.AppendU64(b, e.h) })
		b = wire.AppendUvarint(b, uint64(len(k.known)))
		for _, c := range k.known {
			b = wire.AppendU32(wire.AppendU32(b, c.h), c.t)
		}
	case *histKey:
		b = appendTimes(b, k.recent, numTime, func(b []byte, e tsNum) []byte { return wire.AppendF64(b, e.v) })
		b = wire.AppendUvarint(b, uint64(len(k.buckets)))
		for _, bk := range k.buckets {
			b = wire.AppendU32(wire.AppendU32(b, bk.id), bk.n)
			b = wire.AppendU32(b, math.Float32bits(bk.sum))
			for _, v := range bk.top {
				b = wire.AppendU32(b, math.Float32bits(v))
			}
		}
	case *inflowKey:
		b = wire.AppendUvarint(b, uint64(len(k.in)))
		for _, x := range k.in {
			b = wire.AppendVarint(b, x.t)
			b = wire.AppendF64(b, x.amount)
			b = wire.AppendString(b, x.origin)
			b = wire.AppendString(b, x.txID)
		}
	default:
		return b, fmt.Errorf("no snapshot encoding for behaviour key %T", k)
	}
	return b, nil
}

// appendTimes encodes events sorted by time: their count, the first time,
// then deltas, each followed by its payload.
func appendTimes[T any](b []byte, xs []T, time func(T) int64, payload func([]byte, T) []byte) []byte {
	b = wire.AppendUvarint(b, uint64(len(xs)))
	prev := int64(0)
	for i, x := range xs {
		t := time(x)
		if i == 0 {
			b = wire.AppendVarint(b, t)
		} else {
			b = wire.AppendUvarint(b, uint64(t-prev))
		}
		prev = t
		b = payload(b, x)
	}
	return b
}

// readTimes decodes what appendTimes wrote: at least one and at most max
// events, sorted by time.
func readTimes[T any](r *wire.Reader, max, payloadBytes int, payload func(r *wire.Reader, t int64) T) []T {
	n := r.Count(max, 1+payloadBytes)
	if n == 0 {
		r.Failf("key without events")
		return nil
	}
	xs := make([]T, 0, n)
	var t int64
	for i := 0; i < n && r.Err() == nil; i++ {
		t = readEventTime(r, i, t)
		xs = append(xs, payload(r, t))
	}
	return xs
}

// maxBuckets bounds a decoded Hist key's buckets: a key holds about
// histBuckets+1, more only with a lateness longer than its history.
const maxBuckets = 1 << 12

func decodeBehaviour(r *wire.Reader, spec *Spec, k keyBehaviour) {
	switch k := k.(type) {
	case *ageKey:
		k.first, k.last = r.Varint(), r.Varint()
		if k.first > k.last {
			r.Failf("age: first event after the latest")
		}
	case *noveltyKey:
		k.ev = readTimes(r, spec.MaxEvents, 8, func(r *wire.Reader, t int64) tsHash { return tsHash{t, r.U64()} })
		n := r.Count(maxKnown, 8)
		for i := 0; i < n && r.Err() == nil; i++ {
			c := knownParty{h: r.U32(), t: r.U32()}
			if i > 0 && c.h <= k.known[i-1].h {
				r.Failf("new_distinct: known counterparties not sorted")
			}
			k.known = append(k.known, c)
		}
	case *histKey:
		k.recent = readTimes(r, spec.MaxEvents, 8, func(r *wire.Reader, t int64) tsNum { return tsNum{t, r.F64()} })
		n := r.Count(maxBuckets, 24)
		if r.Err() != nil {
			return
		}
		w := max(int64(spec.Over)/histBuckets, 1)
		ref := floorDiv(k.recent[len(k.recent)-1].t, w)
		for i := 0; i < n && r.Err() == nil; i++ {
			bk := histBucket{id: r.U32(), n: r.U32(), sum: math.Float32frombits(r.U32())}
			for j := range bk.top {
				bk.top[j] = math.Float32frombits(r.U32())
			}
			if i > 0 && fullID(ref, bk.id) <= fullID(ref, k.buckets[i-1].id) {
				r.Failf("hist: buckets not ascending")
			}
			k.buckets = append(k.buckets, bk)
		}
	case *inflowKey:
		n := r.Count(inflowTop, 11)
		for i := 0; i < n && r.Err() == nil; i++ {
			x := inflow{t: r.Varint(), amount: r.F64(), origin: r.String(), txID: r.String()}
			x.hash = HashString(x.origin)
			k.in = append(k.in, x)
		}
	default:
		r.Failf("no snapshot decoding for behaviour key %T", k)
	}
}

// readEventTime decodes the i-th event time of a key: the first as is, the
// others as a delta after prev (events are stored oldest first).
func readEventTime(r *wire.Reader, i int, prev int64) int64 {
	if i == 0 {
		return r.Varint()
	}
	d := r.Uvarint()
	if d > math.MaxInt64 || prev > math.MaxInt64-int64(d) {
		r.Failf("event time overflows")
		return prev
	}
	return prev + int64(d)
}
