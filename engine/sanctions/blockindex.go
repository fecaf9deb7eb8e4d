package sanctions

import "hash/maphash"

// keyRole is what a block key is to the listed names filed under it.
type keyRole uint8

const (
	roleWord  keyRole = iota // a word of the name, as spelled
	roleExact                // a word's exact key (skeleton, see token.exactKey)
	roleNear                 // a word's skeleton with one consonant deleted
	numRoles
)

// blockIndex maps block keys to the listed names that carry them, in all
// three roles at once: a query word looks its skeleton up once for the
// names with that exact key and those with it as a near key, instead of
// once per role. It is an open-addressing table of 8-byte slots (a hash
// tag and an entry number) rather than a Go map: there are ~180,000 keys,
// far beyond the CPU caches, and most look-ups (the near keys of a
// query's run-together form, up to two dozen per query) find nothing. A
// miss then costs one cache line of slots; a Go map of that size costs
// several (directory, table, control word, slot, key).
type blockIndex struct {
	seed  maphash.Seed
	slots []uint64 // tag<<32 | entry+1; 0 = empty; at most half full
	mask  uint64
	// Per entry, in the order added: its postings and its key (verified
	// on a tag match, so a look-up is exact).
	lists []keyLists
	keys  []string
	post  []int32 // every list's listed-name numbers, back to back
}

// keyLists are the postings of one key, by role.
type keyLists [numRoles]struct{ off, n int32 }

// blockIndexBuilder collects postings while the names are indexed: every
// add in one list, sorted into the keys' lists by build. (A slice per key
// and role grew ~500,000 small slices one append at a time: a quarter of
// NewMatcher, paid at every start of a socwatch process.)
type blockIndexBuilder struct {
	ids  map[string]int32
	keys []string
	adds []posting
}

// posting is one add: listed name ni carries key number id in role r.
type posting struct {
	id int32
	r  keyRole
	ni int32
}

func (b *blockIndexBuilder) add(key string, r keyRole, ni int32) {
	id, ok := b.ids[key]
	if !ok {
		if b.ids == nil {
			b.ids = map[string]int32{}
		}
		id = int32(len(b.keys))
		b.ids[key] = id
		b.keys = append(b.keys, key)
	}
	b.adds = append(b.adds, posting{id, r, ni})
}

// build packs the postings into one slice, by key in the order the keys
// came and then by role, each list in the order of its adds, and hashes
// the keys.
func (b *blockIndexBuilder) build() blockIndex {
	size := 64
	for size < 2*len(b.keys) {
		size *= 2
	}
	ix := blockIndex{seed: maphash.MakeSeed(), slots: make([]uint64, size), mask: uint64(size - 1), lists: make([]keyLists, len(b.keys)), keys: b.keys}
	for _, p := range b.adds {
		ix.lists[p.id][p.r].n++
	}
	off := int32(0)
	for id := range ix.lists {
		for r := range ix.lists[id] {
			l := &ix.lists[id][r]
			l.off, off = off, off+l.n
			l.n = 0 // counts again as the list is filled
		}
	}
	ix.post = make([]int32, off)
	for _, p := range b.adds {
		l := &ix.lists[p.id][p.r]
		ix.post[l.off+l.n] = p.ni
		l.n++
	}
	for id, key := range b.keys {
		h := maphash.String(ix.seed, key)
		i := h & ix.mask
		for ix.slots[i] != 0 {
			i = (i + 1) & ix.mask
		}
		ix.slots[i] = h>>32<<32 | uint64(id+1)
	}
	return ix
}

// get returns the postings of key, nil when no listed name carries it.
func (ix *blockIndex) get(key []byte) *keyLists {
	if len(ix.slots) == 0 {
		return nil
	}
	h := maphash.Bytes(ix.seed, key)
	for i := h & ix.mask; ix.slots[i] != 0; i = (i + 1) & ix.mask {
		sl := ix.slots[i]
		if sl>>32 == h>>32 {
			if id := uint32(sl) - 1; ix.keys[id] == string(key) {
				return &ix.lists[id]
			}
		}
	}
	return nil
}

// names returns the listed names filed under role r of kl.
func (ix *blockIndex) names(kl *keyLists, r keyRole) []int32 {
	return ix.post[kl[r].off : kl[r].off+kl[r].n]
}
