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
	// rows holds, by id, one row of width slots: column c is the slot+1
	// of the key in the Store using column c (keySlots), 0 when that Store
	// does not hold the key. A row is as wide as the columns handed out, no
	// padding: up to 16 columns span at most two 64-byte cache lines, and
	// the rows cost what one slice by id per Store did.
	rows     []uint32
	width    int   // columns handed out, freeCols included
	freeCols []int // columns of cleared Stores, all their slots 0
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
		int64(cap(t.names))*int64(unsafe.Sizeof("")) + int64(cap(t.holds)+cap(t.free)+cap(t.rows))*4
}

// addColumn returns a column for a Store's slots: a freed one, or a new
// one, widening every row (a rule reload that adds aggregates).
func (t *KeyTable) addColumn() int {
	if n := len(t.freeCols); n > 0 {
		c := t.freeCols[n-1]
		t.freeCols = t.freeCols[:n-1]
		return c
	}
	width := t.width + 1
	if t.width > 0 {
		ids := len(t.rows) / t.width
		rows := make([]uint32, ids*width)
		for id := range ids {
			copy(rows[id*width:], t.rows[id*t.width:(id+1)*t.width])
		}
		t.rows = rows
	}
	t.width = width
	return width - 1
}

// row returns id's row, growing the rows to hold it.
func (t *KeyTable) row(id uint32) []uint32 {
	at := int(id) * t.width
	if at+t.width > len(t.rows) {
		t.rows = append(t.rows, make([]uint32, at+t.width-len(t.rows))...)
		t.rows = t.rows[:cap(t.rows)/t.width*t.width]
	}
	return t.rows[at : at+t.width : at+t.width]
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

// keySlots gives one Store's slots (its state records, kept dense so
// eviction walks only the keys the Store holds) to a table's key ids. The
// slot of a key is in the key's row of the table (KeyTable.rows), in the
// Store's column: a copy's slots in all of its Stores sit side by side, so
// finding them costs one cache miss, not one per Store.
type keySlots struct {
	keys *KeyTable
	col  int      // the Store's column in keys' rows, -1 until its first key
	idOf []uint32 // by slot: key id, 0 for a free slot
	free []uint32 // free slots, reused before idOf grows
}

func newKeySlots(keys *KeyTable) keySlots {
	if keys == nil {
		keys = NewKeyTable()
	}
	return keySlots{keys: keys, col: -1}
}

// find returns k's slot in this Store.
func (x *keySlots) find(k *Key) (slot uint32, ok bool) {
	t := x.keys
	i := int(k.id)*t.width + x.col
	if k.id == 0 || x.col < 0 || i >= len(t.rows) || t.rows[i] == 0 {
		// Not interned when looked up (no Store held it) nor since, or held
		// by other Stores only.
		return 0, false
	}
	return t.rows[i] - 1, true
}

// add gives k a slot (a free one when there is one; reused reports that)
// and holds k in the table.
func (x *keySlots) add(k *Key) (slot uint32, reused bool) {
	if x.col < 0 {
		x.col = x.keys.addColumn()
	}
	id := x.keys.hold(k)
	if n := len(x.free); n > 0 {
		slot, reused = x.free[n-1], true
		x.free = x.free[:n-1]
		x.idOf[slot] = id
	} else {
		slot = uint32(len(x.idOf))
		x.idOf = append(x.idOf, id)
	}
	x.keys.row(id)[x.col] = slot + 1
	return slot, reused
}

// remove frees slot and releases its key.
func (x *keySlots) remove(slot uint32) {
	id := x.idOf[slot]
	x.keys.row(id)[x.col] = 0
	x.idOf[slot] = 0
	x.free = append(x.free, slot)
	x.keys.release(id)
}

// clear gives the Store's column back to the table once the Store holds no
// key (Store.Clear): a rule reload replaces Stores, and their columns are
// reused instead of widening every row. A later add takes a column again.
func (x *keySlots) clear() {
	if x.col >= 0 && x.len() == 0 {
		x.keys.freeCols = append(x.keys.freeCols, x.col)
		x.col = -1
	}
}

// len returns the number of keys held.
func (x *keySlots) len() int { return len(x.idOf) - len(x.free) }

// name returns the key of a held slot.
func (x *keySlots) name(slot uint32) string { return x.keys.name(x.idOf[slot]) }

// sizeBytes is the slot tables' exact capacity (the rows are the table's).
func (x *keySlots) sizeBytes() int64 { return int64(cap(x.idOf)+cap(x.free)) * 4 }
