package screen

// recentSlots is the size of recentCopies' hash table: twice the entries
// it holds, so probe runs stay short.
const (
	recentBits  = 17
	recentSlots = 1 << recentBits
)

// recentCopies is a bounded set of copy hashes, oldest evicted first: a
// ring of the hashes in arrival order, and an open-addressing table over
// them (linear probing, deletion by backward shift) at most half full. A
// copy costs a probe of a few adjacent words and, once the ring is full,
// one deletion; nothing allocates after the first copy. (A Go map did the
// same with hashing, bucket metadata and growth: ~5 % of screening.)
type recentCopies struct {
	table []uint64 // 0 = empty slot; the hash 0 is kept in zero
	zero  bool
	ring  []uint64
	pos   int
}

// seen reports whether h was added recently, and adds it.
func (r *recentCopies) seen(h uint64) bool {
	if r.table == nil {
		r.table = make([]uint64, recentSlots)
		r.ring = make([]uint64, 0, recentWindow)
	}
	if r.contains(h) {
		return true
	}
	if len(r.ring) < recentWindow {
		r.ring = append(r.ring, h)
	} else {
		r.remove(r.ring[r.pos])
		r.ring[r.pos] = h
		r.pos = (r.pos + 1) % recentWindow
	}
	r.insert(h)
	return false
}

// home is h's first slot (Fibonacci hashing: the copy hashes' low bits
// alone are not uniform enough).
func home(h uint64) int { return int((h * 0x9E3779B97F4A7C15) >> (64 - recentBits)) }

func (r *recentCopies) contains(h uint64) bool {
	if h == 0 {
		return r.zero
	}
	for i := home(h); ; i = (i + 1) & (recentSlots - 1) {
		switch r.table[i] {
		case 0:
			return false
		case h:
			return true
		}
	}
}

// insert adds h, which is not in the set.
func (r *recentCopies) insert(h uint64) {
	if h == 0 {
		r.zero = true
		return
	}
	i := home(h)
	for r.table[i] != 0 {
		i = (i + 1) & (recentSlots - 1)
	}
	r.table[i] = h
}

// remove deletes h, which is in the set, and shifts the entries after it
// back so that no probe run has a hole.
func (r *recentCopies) remove(h uint64) {
	if h == 0 {
		r.zero = false
		return
	}
	i := home(h)
	for r.table[i] != h {
		i = (i + 1) & (recentSlots - 1)
	}
	for j := i; ; {
		j = (j + 1) & (recentSlots - 1)
		v := r.table[j]
		if v == 0 {
			break
		}
		// v stays when its home lies cyclically in (i, j]: its probe from
		// there does not cross the hole at i.
		k := home(v)
		if i <= j && i < k && k <= j || i > j && (i < k || k <= j) {
			continue
		}
		r.table[i] = v
		i = j
	}
	r.table[i] = 0
}
