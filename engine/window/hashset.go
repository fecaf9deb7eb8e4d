package window

import "math/bits"

// hashSet is a set of 64-bit hashes built for one value computation and
// reused by the next (a behaviour Store's scratch space). Up to
// smallScanLimit members it is a list scanned on each add; beyond, an
// open-addressing table, so that a key with hundreds of events in its
// window (a merchant's new_distinct) costs linear time, not the sort it
// took before.
type hashSet struct {
	list  []uint64 // the members, when reset for few
	table []uint64 // the members, when reset for many; 0 is a free slot
	shift uint8    // 64 - log2(len(table))
	zero  bool     // whether the hash 0, which the table cannot hold, is in
	many  bool     // table, not list
}

// reset empties the set for at most n adds.
func (s *hashSet) reset(n int) {
	s.list, s.zero = s.list[:0], false
	s.many = n > smallScanLimit
	if !s.many {
		return
	}
	// At most half full, so a probe ends after a few slots.
	size := 1 << bits.Len(uint(2*n-1))
	if cap(s.table) < size {
		s.table = make([]uint64, size)
	}
	s.table = s.table[:size]
	clear(s.table)
	s.shift = uint8(64 - bits.TrailingZeros(uint(size)))
}

// add puts h in the set and reports whether it was not in before.
func (s *hashSet) add(h uint64) bool {
	if !s.many {
		for _, g := range s.list {
			if g == h {
				return false
			}
		}
		s.list = append(s.list, h)
		return true
	}
	if h == 0 {
		was := s.zero
		s.zero = true
		return !was
	}
	// Fibonacci hashing: the top bits of the product spread any input.
	mask := uint64(len(s.table) - 1)
	for i := (h * 0x9E3779B97F4A7C15) >> s.shift; ; i = (i + 1) & mask {
		switch s.table[i] {
		case h:
			return false
		case 0:
			s.table[i] = h
			return true
		}
	}
}

// sizeBytes is the set's capacity in bytes.
func (s *hashSet) sizeBytes() int64 { return int64(cap(s.list)+cap(s.table)) * 8 }
