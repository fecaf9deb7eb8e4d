package sanctions

import (
	"math/bits"
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
// similarities for; comparisons beyond it are computed and not kept.
const maxMemoSims = 1024

// blockFactors weigh a query word's share in a listed name by the
// strongest block key that reached the name: the same word, the same
// skeleton, skeletons one consonant apart (either way), both one apart.
var blockFactors = [...]float64{1.2, 1, 0.7, 0.5}

// contrib is one listed name a query word's block keys reach.
type contrib struct {
	ni   int32
	list int32 // the name's list, so that filtering needs no name look-up
	f    uint8 // index into blockFactors
}

// wordMemo is what one query word (by its normalised text) contributes to
// any query it appears in.
type wordMemo struct {
	contribs []contrib
	idf      float64 // idfWeight of the word's listed-name frequency
	mu       sync.Mutex
	// sims[abjad] maps a listed word's vocabulary id to tokenSim(query
	// word, listed word); the query side's abjad flag changes the result.
	sims [2]simTable
}

// memoFor returns the memo of query word t, from the cache when it has
// one, built and cached otherwise (two goroutines may build the same word
// at once; one result wins, both are correct).
func (m *Matcher) memoFor(t *token, s *scratch) *wordMemo {
	if m.memos != nil {
		if wm, ok := m.memos.get(t.text); ok {
			return wm
		}
	}
	wm := &wordMemo{contribs: m.blockWord(t, s, nil), idf: idfWeight(m.df[t.text])}
	if m.memos != nil {
		m.memos.put(t.text, wm)
	}
	return wm
}

// blockWord appends to out the listed names a word's block keys reach,
// each once with the factor of the first (strongest) key that reached it.
func (m *Matcher) blockWord(t *token, s *scratch, out []contrib) []contrib {
	exact := t.exactKey()
	if exact == "" {
		return out
	}
	s.epoch++
	if s.epoch == 0 { // wrapped: old marks could collide
		clear(s.mark)
		s.epoch = 1
	}
	// Keys are built in s.keyBuf: a map look-up by string(bytes) does not
	// allocate.
	look := func(idx map[string][]int32, k []byte, f uint8) {
		s.keyBuf = k
		for _, ni := range idx[string(k)] {
			if s.mark[ni] != s.epoch {
				s.mark[ni] = s.epoch
				out = append(out, contrib{ni: ni, list: m.names[ni].list, f: f})
			}
		}
	}
	look(m.words, append(s.keyBuf[:0], t.text...), 0)
	look(m.index, append(s.keyBuf[:0], exact...), 1)
	look(m.near, append(s.keyBuf[:0], exact...), 2)
	// The near keys, as token.nearKeys makes them; a key repeated reaches
	// only names marked already.
	if len(t.skel) >= 4 {
		for _, near := range [...]struct {
			idx map[string][]int32
			f   uint8
		}{{m.index, 2}, {m.near, 3}} {
			for i := range len(t.skel) {
				look(near.idx, append(append(s.keyBuf[:0], t.skel[:i]...), t.skel[i+1:]...), near.f)
			}
		}
	}
	return out
}

// simLocked returns tokenSim(a, b) for the query word a this memo belongs
// to and word j of listed name n; the caller holds wm.mu.
func (wm *wordMemo) simLocked(a *token, n *listedName, j int) float64 {
	t := &wm.sims[0]
	if a.abjad {
		t = &wm.sims[1]
	}
	vid := n.refs[j].vid
	if v, ok := t.get(vid); ok {
		return v
	}
	v := tokenSim(a, &n.toks[j])
	t.put(vid, v)
	return v
}

// simTable maps listed-word ids to similarities: open addressing with
// linear probing, grown to at most maxMemoSims entries. A Go map costs
// several times more per look-up, and a query makes hundreds.
type simTable struct {
	slots []simSlot
	n     int
	shift uint32 // 32 - log2(len(slots))
}

// simSlot keeps key and value together: one cache line per look-up.
type simSlot struct {
	key int32 // vid+1; 0 = empty
	val float64
}

// slot is a Fibonacci hash: the high bits of vid times 2^32/φ.
func (t *simTable) slot(vid int32) uint32 {
	return uint32(vid) * 2654435761 >> t.shift
}

func (t *simTable) get(vid int32) (float64, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	for i := t.slot(vid); ; i = (i + 1) & uint32(len(t.slots)-1) {
		switch sl := &t.slots[i]; sl.key {
		case vid + 1:
			return sl.val, true
		case 0:
			return 0, false
		}
	}
}

func (t *simTable) put(vid int32, v float64) {
	if t.n >= maxMemoSims {
		return
	}
	if 2*(t.n+1) > len(t.slots) { // keep at most half full
		old := t.slots
		size := max(64, 2*len(old))
		*t = simTable{slots: make([]simSlot, size), shift: uint32(32 - bits.TrailingZeros(uint(size)))}
		for _, sl := range old {
			if sl.key != 0 {
				t.put(sl.key-1, sl.val)
			}
		}
	}
	i := t.slot(vid)
	for t.slots[i].key != 0 {
		i = (i + 1) & uint32(len(t.slots)-1)
	}
	t.slots[i] = simSlot{key: vid + 1, val: v}
	t.n++
}
