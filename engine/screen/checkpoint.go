package screen

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/eventtime"
	"github.com/socwatch/socwatch/internal/wire"
)

// A checkpoint of a Screener is a list of chunks, each at most a given
// size (one key's state larger than that gets a chunk of its own), each
// framed and checksummed on its own:
//
//	chunk   = "SWCP" version:u8 index:uvarint payload crc32c:u32
//	payload = [head, in chunk 0 only] entry*
//	head    = guard-state sinceEvict:uvarint recent:uvarint
//	          stores:uvarint (def:string used:bool late:uvarint overflow:uvarint keys:uvarint)*
//	entry   = 1 store:uvarint key:string state:bytes   (window.Store.EncodeKeys)
//	        | 2 n:uvarint hash:u64*n                     (duplicate filter, oldest first)
//
// Everything values and alerts depend on is in it: every window key, the
// stores' late and overflow counts, the event-time guard (watermark and a
// run of future events), the recent-copies duplicate filter and the
// eviction countdown. The per-process counters (Stats, per-rule errors)
// are not: they feed metrics as deltas of this process.

const (
	checkpointMagic   = "SWCP"
	checkpointVersion = 1
	entryKey          = 1
	entryRecent       = 2
	// recentPerEntry bounds one duplicate-filter entry (256 KiB).
	recentPerEntry = 1 << 15
	// chunkFrame is the bytes around a chunk's payload: magic, version, a
	// (short) index, and the checksum.
	chunkFrame = len(checkpointMagic) + 1 + 5 + 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCheckpointRules is a checkpoint that does not hold the state of every
// aggregate the current rules update (the rules changed since it was
// taken): the state must be rebuilt by replaying instead.
var ErrCheckpointRules = engine.ErrStateRules

// chunker cuts entries into chunks of at most max bytes.
type chunker struct {
	max    int
	chunks [][]byte
	cur    []byte
}

func (c *chunker) start() {
	// A chunk is filled up to max: allocate it once, not by doubling.
	c.cur = wire.AppendUvarint(append(append(make([]byte, 0, c.max), checkpointMagic...), checkpointVersion), uint64(len(c.chunks)))
}

// add appends one entry, starting a new chunk when it would not fit.
func (c *chunker) add(entry []byte) {
	if c.cur == nil {
		c.start()
	} else if len(c.cur)+len(entry)+4 > c.max && len(c.cur) > chunkFrame {
		c.flush()
		c.start()
	}
	c.cur = append(c.cur, entry...)
}

func (c *chunker) flush() {
	c.cur = wire.AppendU32(c.cur, crc32.Checksum(c.cur, castagnoli))
	c.chunks = append(c.chunks, c.cur)
	c.cur = nil
}

// Snapshot encodes the Screener's state in chunks of at most maxChunk
// bytes. Call it between records, from the goroutine that screens.
func (s *Screener) Snapshot(maxChunk int) ([][]byte, error) {
	c := &chunker{max: maxChunk}
	used := usedAggregates(s.rs)
	g := s.clock.State()
	head := wire.AppendVarint(nil, g.Watermark)
	head = wire.AppendBool(head, g.Started)
	head = wire.AppendUvarint(head, uint64(g.RunN))
	head = wire.AppendVarint(head, g.RunMin)
	head = wire.AppendVarint(head, g.RunMax)
	head = wire.AppendUvarint(head, g.Jumps)
	head = wire.AppendUvarint(head, uint64(s.sinceEvict))
	recent := s.recent.ordered()
	head = wire.AppendUvarint(head, uint64(len(recent)))
	head = wire.AppendUvarint(head, uint64(len(s.stores)))
	for i, st := range s.stores {
		late, overflow := st.Counters()
		head = wire.AppendString(head, s.defs[i])
		// A follower reads its owner's Store: the owner's entry holds it.
		head = wire.AppendBool(head, used[i] && s.follows[i] < 0)
		head = wire.AppendUvarint(head, late)
		head = wire.AppendUvarint(head, overflow)
		keys := 0
		if s.follows[i] < 0 {
			keys = st.Keys()
		}
		head = wire.AppendUvarint(head, uint64(keys))
	}
	c.add(head)
	var entry []byte
	perEntry := max(min(recentPerEntry, (maxChunk-chunkFrame-16)/8), 1)
	for len(recent) > 0 {
		n := min(len(recent), perEntry)
		entry = wire.AppendUvarint(append(entry[:0], entryRecent), uint64(n))
		for _, h := range recent[:n] {
			entry = wire.AppendU64(entry, h)
		}
		c.add(entry)
		recent = recent[n:]
	}
	for i, st := range s.stores {
		if s.follows[i] >= 0 {
			continue
		}
		err := st.EncodeKeys(func(key string, state []byte) error {
			entry = wire.AppendUvarint(append(entry[:0], entryKey), uint64(i))
			entry = wire.AppendString(entry, key)
			entry = append(wire.AppendUvarint(entry, uint64(len(state))), state...)
			c.add(entry)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("snapshot aggregate %s: %w", s.rs.Aggregates[i].Name, err)
		}
	}
	c.flush()
	return c.chunks, nil
}

// snapshotStore is one store as a checkpoint's head describes it.
type snapshotStore struct {
	def            string
	used           bool
	late, overflow uint64
	keys           uint64
	target         int // the current store it restores, or -1
	decoded        uint64
}

// Restore loads a checkpoint Snapshot wrote into a Screener that has not
// screened anything yet. Every chunk is checked (frame, index, checksum)
// and decoded; the checkpoint must describe every aggregate the current
// rules update (ErrCheckpointRules otherwise), and hold exactly the keys
// and duplicate-filter entries its head announces. Aggregates the rules no
// longer use are skipped. On error the Screener is unusable: restore into
// a new one.
func (s *Screener) Restore(chunks [][]byte) error {
	if len(chunks) == 0 {
		return errors.New("checkpoint has no chunks")
	}
	var stores []snapshotStore
	var recent []uint64
	var wantRecent int
	for i, chunk := range chunks {
		r, err := openChunk(chunk, i)
		if err != nil {
			return err
		}
		if i == 0 {
			if stores, wantRecent, err = s.restoreHead(r, totalBytes(chunks)); err != nil {
				return err
			}
		}
		for r.Len() > 0 && r.Err() == nil {
			switch r.U8() {
			case entryRecent:
				n := r.Count(recentPerEntry, 8)
				if len(recent)+n > wantRecent {
					r.Failf("more duplicate-filter entries than the %d announced", wantRecent)
				}
				for j := 0; j < n && r.Err() == nil; j++ {
					recent = append(recent, r.U64())
				}
			case entryKey:
				si := r.Uvarint()
				key := r.Bytes()
				state := r.Bytes()
				if r.Err() == nil && si >= uint64(len(stores)) {
					r.Failf("entry of aggregate %d of %d", si, len(stores))
				}
				if r.Err() != nil {
					break
				}
				st := &stores[si]
				st.decoded++
				if st.target >= 0 {
					if err := s.stores[st.target].DecodeKey(string(key), state); err != nil {
						r.Failf("aggregate %s key %q: %w", st.def, key, err)
					}
				}
			default:
				r.Failf("unknown entry kind")
			}
		}
		if err := r.Err(); err != nil {
			return fmt.Errorf("checkpoint chunk %d: %w", i, err)
		}
	}
	for _, st := range stores {
		if st.decoded != st.keys {
			return fmt.Errorf("checkpoint incomplete: aggregate %s has %d keys of %d", st.def, st.decoded, st.keys)
		}
	}
	if len(recent) != wantRecent {
		return fmt.Errorf("checkpoint incomplete: %d duplicate-filter entries of %d", len(recent), wantRecent)
	}
	return s.recent.restore(recent)
}

func totalBytes(chunks [][]byte) int {
	n := 0
	for _, c := range chunks {
		n += len(c)
	}
	return n
}

// openChunk checks a chunk's frame and checksum and returns a reader of
// its payload.
func openChunk(chunk []byte, index int) (*wire.Reader, error) {
	if len(chunk) < chunkFrame-4 || !bytes.HasPrefix(chunk, []byte(checkpointMagic)) {
		return nil, fmt.Errorf("checkpoint chunk %d: not a checkpoint chunk", index)
	}
	body, sum := chunk[:len(chunk)-4], chunk[len(chunk)-4:]
	if crc32.Checksum(body, castagnoli) != wire.NewReader(sum).U32() {
		return nil, fmt.Errorf("checkpoint chunk %d: checksum mismatch", index)
	}
	r := wire.NewReader(body[len(checkpointMagic):])
	if v := r.U8(); v != checkpointVersion {
		return nil, fmt.Errorf("checkpoint chunk %d: version %d, this build reads %d", index, v, checkpointVersion)
	}
	if got := r.Uvarint(); r.Err() != nil || got != uint64(index) {
		return nil, fmt.Errorf("checkpoint chunk %d: holds chunk %d", index, got)
	}
	return r, nil
}

// restoreHead reads chunk 0's head: the guard, the eviction countdown, and
// the stores, each matched to the current store of the same declaration
// and given room for its keys (no more than the checkpoint's size allows:
// a key takes at least 4 bytes).
func (s *Screener) restoreHead(r *wire.Reader, size int) ([]snapshotStore, int, error) {
	var g eventtime.State
	g.Watermark = r.Varint()
	g.Started = r.Bool()
	g.RunN = r.Count(eventtime.RecoverAfter, 0)
	g.RunMin, g.RunMax = r.Varint(), r.Varint()
	g.Jumps = r.Uvarint()
	sinceEvict := r.Count(evictEvery, 0)
	wantRecent := r.Count(recentWindow, 0)
	n := r.Count(1<<16, 5)
	current := make(map[string]int, len(s.defs))
	for i, def := range s.defs {
		current[def] = i
	}
	stores := make([]snapshotStore, 0, n)
	restored := map[int]bool{}
	for i := 0; i < n && r.Err() == nil; i++ {
		st := snapshotStore{def: r.String(), used: r.Bool(), late: r.Uvarint(), overflow: r.Uvarint(), keys: r.Uvarint(), target: -1}
		if ti, ok := current[st.def]; ok && st.used && s.follows[ti] < 0 && !restored[ti] {
			st.target = ti
			restored[ti] = true
			s.stores[ti].SetCounters(st.late, st.overflow)
			s.stores[ti].Reserve(int(min(st.keys, uint64(size/4))))
		}
		stores = append(stores, st)
	}
	if err := r.Err(); err != nil {
		return nil, 0, fmt.Errorf("checkpoint head: %w", err)
	}
	for i := range usedAggregates(s.rs) {
		if o := s.follows[i]; o >= 0 {
			i = o // a follower reads its owner's Store
		}
		if !restored[i] {
			return nil, 0, fmt.Errorf("%w: aggregate %s", ErrCheckpointRules, s.rs.Aggregates[i].Name)
		}
	}
	s.clock.Restore(g)
	s.sinceEvict = sinceEvict
	return stores, wantRecent, nil
}

// ordered returns the filter's hashes oldest first.
func (r *recentCopies) ordered() []uint64 {
	if len(r.ring) < recentWindow {
		return r.ring
	}
	return append(append(make([]uint64, 0, len(r.ring)), r.ring[r.pos:]...), r.ring[:r.pos]...)
}

// restore fills an empty filter with hashes, oldest first.
func (r *recentCopies) restore(hashes []uint64) error {
	*r = recentCopies{}
	for _, h := range hashes {
		if r.seen(h) {
			return fmt.Errorf("checkpoint duplicate filter holds %x twice", h)
		}
	}
	return nil
}
