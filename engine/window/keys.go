package window

import (
	"strings"
	"unsafe"
)

// KeyTable interns the keys of one partition's Stores: each key string is
// hashed and stored once, and every Store sharing the table finds a key's
// state by its small integer id in a slice instead of looking the string up
// in a map of its own. A screener looks the account up once per copy
// (Lookup) and hands the Key to all of its Stores. A key's id lives as long
// as some Store holds state for it; after the last one evicts it, the id is
// reused. Not safe for concurrent use: the worker that owns the Stores owns
// their table.
type KeyTable struct {
	// short indexes keys of up to shortKeyLen bytes (IBANs, most account
	// ids) by their bytes held in the map entry itself: a lookup compares
	// the key where the map's probe already is, instead of following the
	// interned string to a cache line of its own (about 5 % of screening).
	// Longer keys are in long.
	short map[shortKey]uint32
	long  map[string]uint32
	names []string // by id; names[0] is unused, id 0 means "not interned"
	holds []uint32 // by id: how many Stores hold state for the key
	free  []uint32
	bytes int64 // key string bytes of live ids
}

// shortKeyLen is the longest key kept in a short entry: an IBAN has at
// most 34 characters.
const shortKeyLen = 35

// shortKey is a key of up to shortKeyLen bytes: its length and bytes, the
// rest zero.
type shortKey struct {
	n uint8
	b [shortKeyLen]byte
}

func toShort(name string) (k shortKey, ok bool) {
	if len(name) > shortKeyLen {
		return k, false
	}
	k.n = uint8(len(name))
	copy(k.b[:], name)
	return k, true
}

// NewKeyTable returns an empty table.
func NewKeyTable() *KeyTable {
	return &KeyTable{short: make(map[shortKey]uint32), long: make(map[string]uint32), names: []string{""}, holds: []uint32{0}}
}

// Key is a key as its table knows it (only Lookup makes one): the string
// and, once some Store holds the key, its id. Pass the same *Key to every Store of the table
// while screening one copy, so that the id a first Store assigns is seen by
// the others. A Key is valid until the next Evict or Clear of a Store of
// its table (an evicted id is reused for another key): look it up again
// after those.
type Key struct {
	name string
	id   uint32
}

// Lookup returns name's Key: one hash lookup, whatever the number of
// Stores the caller then reads.
func (t *KeyTable) Lookup(name string) Key {
	if sk, ok := toShort(name); ok {
		return Key{name: name, id: t.short[sk]}
	}
	return Key{name: name, id: t.long[name]}
}

// Len returns the number of keys some Store holds.
func (t *KeyTable) Len() int { return len(t.short) + len(t.long) }

// SizeBytes is the table's approximate heap size: key bytes (exact), the
// id slices (exact capacity) and the maps estimated at shortEntryBytes and
// mapEntryBytes a key.
func (t *KeyTable) SizeBytes() int64 {
	return t.bytes + int64(len(t.short))*shortEntryBytes + int64(len(t.long))*mapEntryBytes +
		int64(cap(t.names))*int64(unsafe.Sizeof("")) + int64(cap(t.holds)+cap(t.free))*4
}

// hold records that a Store now keeps state for k, interning k first if no
// Store did, and returns k's id.
func (t *KeyTable) hold(k *Key) uint32 {
	if k.id == 0 {
		// The caller's string may alias a reused buffer: the table keeps
		// its own copy.
		owned := strings.Clone(k.name)
		if n := len(t.free); n > 0 {
			k.id = t.free[n-1]
			t.free = t.free[:n-1]
			t.names[k.id] = owned
		} else {
			k.id = uint32(len(t.names))
			t.names = append(t.names, owned)
			t.holds = append(t.holds, 0)
		}
		if sk, ok := toShort(owned); ok {
			t.short[sk] = k.id
		} else {
			t.long[owned] = k.id
		}
		t.bytes += int64(len(owned))
	}
	t.holds[k.id]++
	return k.id
}

// release records that a Store dropped its state for id; the last release
// forgets the key.
func (t *KeyTable) release(id uint32) {
	if t.holds[id]--; t.holds[id] > 0 {
		return
	}
	name := t.names[id]
	if sk, ok := toShort(name); ok {
		delete(t.short, sk)
	} else {
		delete(t.long, name)
	}
	t.bytes -= int64(len(name))
	t.names[id] = ""
	t.free = append(t.free, id)
}

// name returns the key string of a held id.
func (t *KeyTable) name(id uint32) string { return t.names[id] }

// keySlots maps a table's key ids to one Store's slots (the Store's state
// records, kept dense so eviction walks only the keys the Store holds).
type keySlots struct {
	keys   *KeyTable
	slotOf []uint32 // by key id: slot+1, 0 when the Store holds no state for the key
	idOf   []uint32 // by slot: key id, 0 for a free slot
	free   []uint32 // free slots, reused before idOf grows
}

func newKeySlots(keys *KeyTable) keySlots {
	if keys == nil {
		keys = NewKeyTable()
	}
	return keySlots{keys: keys}
}

// find returns k's slot in this Store.
func (x *keySlots) find(k *Key) (slot uint32, ok bool) {
	if k.id == 0 || int(k.id) >= len(x.slotOf) || x.slotOf[k.id] == 0 {
		// Not interned when looked up (no Store held it) nor since, or held
		// by other Stores only.
		return 0, false
	}
	return x.slotOf[k.id] - 1, true
}

// add gives k a slot (a free one when there is one; reused reports that)
// and holds k in the table.
func (x *keySlots) add(k *Key) (slot uint32, reused bool) {
	id := x.keys.hold(k)
	if n := len(x.free); n > 0 {
		slot, reused = x.free[n-1], true
		x.free = x.free[:n-1]
		x.idOf[slot] = id
	} else {
		slot = uint32(len(x.idOf))
		x.idOf = append(x.idOf, id)
	}
	if int(id) >= len(x.slotOf) {
		x.slotOf = append(x.slotOf, make([]uint32, int(id)+1-len(x.slotOf))...)
		x.slotOf = x.slotOf[:cap(x.slotOf)]
	}
	x.slotOf[id] = slot + 1
	return slot, reused
}

// remove frees slot and releases its key.
func (x *keySlots) remove(slot uint32) {
	id := x.idOf[slot]
	x.slotOf[id] = 0
	x.idOf[slot] = 0
	x.free = append(x.free, slot)
	x.keys.release(id)
}

// len returns the number of keys held.
func (x *keySlots) len() int { return len(x.idOf) - len(x.free) }

// name returns the key of a held slot.
func (x *keySlots) name(slot uint32) string { return x.keys.name(x.idOf[slot]) }

// sizeBytes is the slot tables' exact capacity.
func (x *keySlots) sizeBytes() int64 { return int64(cap(x.slotOf)+cap(x.idOf)+cap(x.free)) * 4 }
