package intern

import (
	"hash/maphash"
	"unsafe"
)

const (
	// maxLen is the longest value the table keeps; longer ones are
	// allocated every time, so a hostile record cannot pin large strings.
	maxLen = 64
	// maxEntries bounds the table: it holds at most maxEntries values of
	// at most maxLen bytes, about 400 KiB with its headers, whatever the
	// feed. It is meant for codes (currencies, countries, BICs, channels,
	// reporting entities), of which a feed has a few hundred.
	maxEntries = 1 << 12
	// minEntries is the table's first size; it doubles whenever a new
	// value finds its set full, up to maxEntries, so a Strings that only
	// ever sees a few header values stays small.
	minEntries = 64
	// chunkSize is the size of the chunks Flush copies records' new values
	// into: one allocation per chunk (about eight records of a feed)
	// instead of one per record. A kept value keeps its chunk alive; the
	// engine keeps a record's values for as long as its windows keep the
	// record (inflows keep a transaction id and counterparty account), so
	// in a stream most chunks are kept whole anyway.
	chunkSize = 1024
	// maxCarved is the largest record block carved from a chunk; a larger
	// one is allocated alone, so that it neither wastes most of a chunk nor
	// keeps one alive.
	maxCarved = chunkSize / 4
)

// seed keys the table's hash. It is random per process, so a feed cannot
// be crafted to make its values collide.
var seed = maphash.MakeSeed()

// Strings remembers the last value of each field slot, a bounded table of
// codes, and the values of the record being decoded that are new. The
// zero value is ready to use; it is not safe for concurrent use (one per
// decoder). The strings it returns are ordinary immutable Go strings,
// safe to keep and to share between goroutines.
type Strings struct {
	last []string
	// table is a two-way set-associative cache of len(table) sets; its
	// length is a power of two.
	table []set

	// The record's new values wait in block for Flush: pending[slot]
	// says where, and where to put the string.
	block   []byte
	pending []pendingValue
	slots   []int // slots with a pending value, in Set order
	// chunk holds the flushed blocks carved so far from the current chunk:
	// its bytes up to len are shared by strings and never written again;
	// Flush appends within its capacity or starts a new chunk.
	chunk []byte
}

// set holds two values, the more recently used first, each with the high
// half of its hash: a lookup reads a value's bytes only when the hash
// matches, which saves a cache miss on most of the ways that do not.
type set struct {
	tag [2]uint32
	val [2]string
}

type pendingValue struct {
	dst        *string
	start, end int
	ok         bool
}

// Set sets *dst to b as a string for field slot (a small index the caller
// assigns to each field). A value equal to the slot's previous one is
// reused at once; shared marks codes, values that repeat across records
// in no particular order, which come from the table (and are allocated
// alone on a miss). Any other value is new — an account, a name, a
// transaction id — and is set by the next Flush, which allocates all of a
// record's new values at once. A later Set or Drop of the slot before the
// Flush replaces it. b may be reused after Set returns.
func (s *Strings) Set(slot int, dst *string, b []byte, shared bool) {
	if v, ok := s.reuse(slot, b, shared); ok {
		*dst = v
		return
	}
	start := len(s.block)
	s.block = append(s.block, b...)
	s.pending[slot] = pendingValue{dst: dst, start: start, end: len(s.block), ok: true}
	s.slots = append(s.slots, slot)
}

// Kept returns b as a string for field slot as Set does, but at once: a
// value that is neither the slot's previous one nor (shared) in the table
// is allocated alone. For values read one at a time, such as headers.
func (s *Strings) Kept(slot int, b []byte, shared bool) string {
	if v, ok := s.reuse(slot, b, shared); ok {
		return v
	}
	v := string(b)
	s.last[slot] = v
	return v
}

// reuse returns b as the slot's previous value or, when shared, from the
// table; ok is false when b is new. It cancels the slot's pending value.
func (s *Strings) reuse(slot int, b []byte, shared bool) (v string, ok bool) {
	if slot >= len(s.last) {
		s.last = append(s.last, make([]string, slot+1-len(s.last))...)
		s.pending = append(s.pending, make([]pendingValue, slot+1-len(s.pending))...)
	}
	s.pending[slot].ok = false
	if v := s.last[slot]; v == string(b) { // compares without allocating
		return v, true
	}
	if !shared {
		return "", false
	}
	v = s.Intern(b)
	s.last[slot] = v
	return v, true
}

// Drop forgets the pending values of slots [from, to): their fields were
// cleared (a JSON object given twice: the last one wins entirely).
func (s *Strings) Drop(from, to int) {
	for i := from; i < to && i < len(s.pending); i++ {
		s.pending[i].ok = false
	}
}

// Flush sets the fields of the values pending since the last Flush, all
// substrings of one string carved from a shared chunk: about one
// allocation per chunkSize bytes of new values instead of one per new
// value. A field kept beyond the record keeps that chunk alive (at most
// chunkSize bytes, the new values of a few records), as the engine clones
// what it keeps for long (window keys).
func (s *Strings) Flush() {
	if len(s.slots) == 0 {
		return
	}
	all := s.carve(s.block)
	for _, slot := range s.slots {
		p := &s.pending[slot]
		if p.ok {
			v := all[p.start:p.end]
			*p.dst, s.last[slot] = v, v
		}
		*p = pendingValue{} // also a replaced one: keep no pointer into the caller's fields
	}
	s.block, s.slots = s.block[:0], s.slots[:0]
}

// carve returns b as a string: a copy in the current chunk, or in a new
// one when the rest is too short (the rest is left unused), or alone when b
// is longer than maxCarved. The chunk's bytes before its length are never
// written again, which is what makes the unsafe.String immutable.
func (s *Strings) carve(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > maxCarved {
		return string(b)
	}
	if cap(s.chunk)-len(s.chunk) < len(b) {
		s.chunk = make([]byte, 0, chunkSize)
	}
	start := len(s.chunk)
	s.chunk = append(s.chunk, b...)
	return unsafe.String(&s.chunk[start], len(b))
}

// Intern returns b as a string from the bounded table, so codes that
// alternate between records (PL/NO, EUR/PLN) are not allocated again.
func (s *Strings) Intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > maxLen {
		return string(b)
	}
	if s.table == nil {
		s.table = make([]set, minEntries/2)
	}
	h := maphash.Bytes(seed, b)
	tag := uint32(h >> 32)
	e := s.at(h)
	if e.tag[0] == tag && e.val[0] == string(b) { // compares without allocating
		return e.val[0]
	}
	if e.tag[1] == tag && e.val[1] == string(b) {
		e.tag[0], e.tag[1], e.val[0], e.val[1] = e.tag[1], e.tag[0], e.val[1], e.val[0]
		return e.val[0]
	}
	for e.val[1] != "" && 2*len(s.table) < maxEntries {
		// The set is full: grow rather than evict while the bound allows
		// (again if the values still share a set after doubling).
		s.grow()
		e = s.at(h)
	}
	v := string(b)
	s.put(e, tag, v)
	return v
}

// at returns the set hash h falls in.
func (s *Strings) at(h uint64) *set { return &s.table[h&uint64(len(s.table)-1)] }

// put makes v the most recent value of e, evicting its least recent.
func (s *Strings) put(e *set, tag uint32, v string) {
	e.tag[0], e.tag[1], e.val[0], e.val[1] = tag, e.tag[0], v, e.val[0]
}

// grow doubles the table, keeping every value and each set's order as far
// as the new sets allow.
func (s *Strings) grow() {
	old := s.table
	s.table = make([]set, 2*len(old))
	for i := range old {
		// Least recent first, so a set's most recent value ends first.
		for _, v := range [2]string{old[i].val[1], old[i].val[0]} {
			if v != "" {
				h := maphash.String(seed, v)
				s.put(s.at(h), uint32(h>>32), v)
			}
		}
	}
}
