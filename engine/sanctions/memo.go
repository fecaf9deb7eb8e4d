package sanctions

import (
	"math/bits"
	"slices"
	"strings"
	"sync"
)

// A cold query (a name not in the result cache) is usually made of words
// seen before: first names, surnames and company words recur across
// counterparties in new combinations. The matcher therefore memoises, per
// query word, what does not depend on the rest of the name: the listed
// names its block keys reach and its similarity to each listed word it has
// been compared with. A new name of known words then costs map look-ups
// instead of index walks and Jaro-Winkler calls.

// maxMemoSims bounds the listed words one query word's memo keeps
// similarities for, maxMemoRows the listed names it keeps rows of them
// for; comparisons beyond them are computed and not kept.
const (
	maxMemoSims = 1024
	maxMemoRows = 1024
)

// blockFactors weigh a query word's share in a listed name by the
// strongest block key that reached the name: the same word, the same
// skeleton, skeletons one consonant apart (either way), both one apart.
var blockFactors = [...]float64{1.2, 1, 0.7, 0.5}

// contrib is one listed name a query word's block keys reach: the name's
// number and the index of its factor in blockFactors, packed in 32 bits
// (ni<<2 | f), as a query scans hundreds of them (~740 per query on the
// synthetic feed). Name numbers stay far below 2^30: each listed name
// costs hundreds of bytes.
type contrib uint32

func makeContrib(ni int32, f uint8) contrib { return contrib(ni)<<2 | contrib(f) }

func (c contrib) ni() int32 { return int32(c >> 2) }
func (c contrib) f() uint8  { return uint8(c & 3) }

// wordMemo is what one query word (by its normalised text) contributes to
// any query it appears in.
type wordMemo struct {
	tok      token     // the word's forms (abjad false, weight its length)
	contribs []contrib // in order of factor index, strongest first
	// from[f] is where contribs of factor index f or weaker begin.
	from [len(blockFactors) + 1]int32
	idf  float64 // idfWeight of the word's listed-name frequency
	mu   sync.Mutex
	// sims[abjad] maps a listed word's vocabulary id to tokenSim(query
	// word, listed word); the query side's abjad flag changes the result.
	sims [2]idTable[float64]
	// rows[abjad] maps a listed name to the offset in arena[abjad] of its
	// row of similarities (one per word of the name).
	rows  [2]idTable[int32]
	arena [2][]float64
}

// memoFor returns the memo of query word w, from the cache when it has
// one, built and cached otherwise (two goroutines may build the same word
// at once; one result wins, both are correct).
func (m *Matcher) memoFor(w string, s *scratch) *wordMemo {
	if m.memos != nil {
		if wm, ok := m.memos.get(w); ok {
			return wm
		}
	}
	// The word may alias the query's normalised name: the memo outlives it.
	wm := &wordMemo{tok: makeToken(strings.Clone(w), false)}
	var df int
	wm.contribs, df = m.blockWord(&wm.tok, s, nil)
	wm.idf = idfWeight(df)
	f := 0
	for k, c := range wm.contribs {
		for ; f <= int(c.f()); f++ {
			wm.from[f] = int32(k)
		}
	}
	for ; f < len(wm.from); f++ {
		wm.from[f] = int32(len(wm.contribs))
	}
	if m.memos != nil {
		m.memos.put(wm.tok.text, wm)
	}
	return wm
}

// blockWord appends to out the listed names a word's block keys reach,
// each once with the factor of the first (strongest) key that reached it
// (so in order of factor index), and returns the number of listed names
// that have the word itself (its names in role roleWord, see idfWeight).
func (m *Matcher) blockWord(t *token, s *scratch, out []contrib) (_ []contrib, df int) {
	// Keys are built in s.keyBuf; the order of the look-ups gives each
	// name the factor of the strongest key that reaches it.
	s.keyBuf = append(s.keyBuf[:0], t.text...)
	word := m.blocks.get(s.keyBuf)
	if word != nil {
		df = len(m.blocks.names(word, roleWord))
	}
	exact := t.exactKey()
	if exact == "" {
		return out, df
	}
	s.epoch++
	if s.epoch == 0 { // wrapped: old marks could collide
		clear(s.mark)
		s.epoch = 1
	}
	reach := func(ni []int32, f uint8) {
		for _, ni := range ni {
			if s.mark[ni] != s.epoch {
				s.mark[ni] = s.epoch
				out = append(out, makeContrib(ni, f))
			}
		}
	}
	if word != nil {
		reach(m.blocks.names(word, roleWord), 0)
	}
	s.keyBuf = append(s.keyBuf[:0], exact...)
	if kl := m.blocks.get(s.keyBuf); kl != nil {
		reach(m.blocks.names(kl, roleExact), 1)
		reach(m.blocks.names(kl, roleNear), 2)
	}
	// The near keys, as token.nearKeys makes them, each looked up once for
	// both of its roles (a key repeated reaches only names marked already):
	// first the names whose exact key they are, then those whose near key.
	if len(t.skel) >= 4 {
		s.nearLists = s.nearLists[:0]
		for i := range len(t.skel) {
			s.keyBuf = append(append(s.keyBuf[:0], t.skel[:i]...), t.skel[i+1:]...)
			if kl := m.blocks.get(s.keyBuf); kl != nil {
				s.nearLists = append(s.nearLists, kl)
			}
		}
		for _, kl := range s.nearLists {
			reach(m.blocks.names(kl, roleExact), 2)
		}
		for _, kl := range s.nearLists {
			reach(m.blocks.names(kl, roleNear), 3)
		}
	}
	return out, df
}

// simLocked returns tokenSim(a, b) for the query word a this memo belongs
// to and word j of listed name ni; the caller holds wm.mu.
func (wm *wordMemo) simLocked(a *token, m *Matcher, ni int32, j int) float64 {
	t := &wm.sims[abjadSide(a)]
	vid := m.refs[int(m.heads[ni].refs)+j].vid
	if v, ok := t.get(vid); ok {
		return v
	}
	v := tokenSim(a, &m.names[ni].toks[j])
	t.put(vid, v, maxMemoSims)
	return v
}

// rowLocked returns the similarities of the query word a to each word of
// listed name ni, kept per name so that a candidate seen before costs
// one look-up instead of one per word; tmp holds a row that is not kept.
// A row with no similarity above simFloor counts as nothing in a score
// and comes back empty: it is kept as a mark (noRow) without a place in
// the arena, and the caller reads nothing. On the synthetic feed that is
// most rows: a candidate reached through one word of a query is rarely
// like its other words. first is the slot firstRowSlots loaded for ni.
// The caller holds wm.mu.
func (wm *wordMemo) rowLocked(a *token, m *Matcher, ni int32, first idSlot[int32], tmp []float64) []float64 {
	side := abjadSide(a)
	nn := m.shapes[ni].words()
	off, ok := first.val, first.key == ni+1
	if !ok {
		off, ok = wm.rows[side].get(ni)
	}
	if ok {
		if off == noRow {
			return nil
		}
		return wm.arena[side][off : int(off)+nn]
	}
	row := tmp[:0]
	counts := false
	for j := range nn {
		sim := wm.simLocked(a, m, ni, j)
		counts = counts || sim > simFloor
		row = append(row, sim)
	}
	if !counts {
		row = nil
	}
	if wm.rows[side].n < maxMemoRows {
		off := noRow
		if counts {
			off = int32(len(wm.arena[side]))
			wm.arena[side] = append(wm.arena[side], row...)
		}
		wm.rows[side].put(ni, off, maxMemoRows)
	}
	return row
}

// firstRowSlots returns the slot of the row table where each candidate's
// row would be found first (the zero slot when the table is empty). The
// loads do not depend on each other, so the CPU overlaps their cache
// misses, where probing one candidate after the other waits for each in
// turn: a query's candidates are spread over the word's table, and the
// tables of the memoised words do not all fit in the CPU caches. Most
// rows are then found in the slot loaded (rowLocked). The caller holds
// wm.mu.
func (wm *wordMemo) firstRowSlots(a *token, cands []cand, out []idSlot[int32]) []idSlot[int32] {
	t := &wm.rows[abjadSide(a)]
	if len(t.slots) == 0 {
		out = slices.Grow(out[:0], len(cands))[:len(cands)]
		clear(out)
		return out
	}
	out = out[:0]
	for _, cd := range cands {
		out = append(out, t.slots[t.slot(cd.ni)])
	}
	return out
}

// noRow marks a kept row with no similarity above simFloor.
const noRow int32 = -1

// abjadSide is the index of a query word's tables: tokenSim depends on
// the query word's abjad flag.
func abjadSide(a *token) int {
	if a.abjad {
		return 1
	}
	return 0
}

// idTable maps small non-negative ids (listed-word or listed-name
// numbers) to values: open addressing with linear probing. A Go map costs
// several times more per look-up, and a query makes hundreds.
type idTable[V any] struct {
	slots []idSlot[V]
	n     int
	shift uint32 // 32 - log2(len(slots))
}

// idSlot keeps key and value together: one cache line per look-up.
type idSlot[V any] struct {
	key int32 // id+1; 0 = empty
	val V
}

// slot is a Fibonacci hash: the high bits of id times 2^32/φ.
func (t *idTable[V]) slot(id int32) uint32 {
	return uint32(id) * 2654435761 >> t.shift
}

func (t *idTable[V]) get(id int32) (V, bool) {
	if len(t.slots) == 0 {
		var zero V
		return zero, false
	}
	for i := t.slot(id); ; i = (i + 1) & uint32(len(t.slots)-1) {
		switch sl := &t.slots[i]; sl.key {
		case id + 1:
			return sl.val, true
		case 0:
			var zero V
			return zero, false
		}
	}
}

// put adds id (not present) unless the table holds limit entries.
func (t *idTable[V]) put(id int32, v V, limit int) {
	if t.n >= limit {
		return
	}
	if 2*(t.n+1) > len(t.slots) { // keep at most half full
		old := t.slots
		size := max(64, 2*len(old))
		*t = idTable[V]{slots: make([]idSlot[V], size), shift: uint32(32 - bits.TrailingZeros(uint(size)))}
		for _, sl := range old {
			if sl.key != 0 {
				t.put(sl.key-1, sl.val, limit)
			}
		}
	}
	i := t.slot(id)
	for t.slots[i].key != 0 {
		i = (i + 1) & uint32(len(t.slots)-1)
	}
	t.slots[i] = idSlot[V]{key: id + 1, val: v}
	t.n++
}
