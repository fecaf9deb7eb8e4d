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
const maxMemoSims = 4096

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
	add := func(idx map[string][]int32, k string, f uint8) {
		for _, ni := range idx[k] {
			if s.mark[ni] != s.epoch {
				s.mark[ni] = s.epoch
				out = append(out, contrib{ni: ni, list: m.names[ni].list, f: f})
			}
		}
	}
	add(m.words, t.text, 0)
	add(m.index, exact, 1)
	add(m.near, exact, 2)
	s.keys = t.nearKeys(s.keys[:0])
	for _, k := range s.keys {
		add(m.index, k, 2)
	}
	for _, k := range s.keys {
		add(m.near, k, 3)
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
	if v, ok := t.get(n.vids[j]); ok {
		return v
	}
	v := tokenSim(a, &n.toks[j])
	t.put(n.vids[j], v)
	return v
}

// simTable maps listed-word ids to similarities: open addressing with
// linear probing, grown to at most maxMemoSims entries. A Go map costs
// several times more per look-up, and a query makes hundreds.
type simTable struct {
	keys  []int32 // vid+1; 0 = empty slot
	vals  []float64
	n     int
	shift uint32 // 32 - log2(len(keys))
}

// slot is a Fibonacci hash: the high bits of vid times 2^32/φ.
func (t *simTable) slot(vid int32) uint32 {
	return uint32(vid) * 2654435761 >> t.shift
}

func (t *simTable) get(vid int32) (float64, bool) {
	if len(t.keys) == 0 {
		return 0, false
	}
	for i := t.slot(vid); ; i = (i + 1) & uint32(len(t.keys)-1) {
		switch t.keys[i] {
		case vid + 1:
			return t.vals[i], true
		case 0:
			return 0, false
		}
	}
}

func (t *simTable) put(vid int32, v float64) {
	if t.n >= maxMemoSims {
		return
	}
	if 2*(t.n+1) > len(t.keys) { // keep at most half full
		old := *t
		size := max(64, 2*len(old.keys))
		*t = simTable{keys: make([]int32, size), vals: make([]float64, size), shift: uint32(32 - bits.TrailingZeros(uint(size)))}
		for i, k := range old.keys {
			if k != 0 {
				t.put(k-1, old.vals[i])
			}
		}
	}
	i := t.slot(vid)
	for t.keys[i] != 0 {
		i = (i + 1) & uint32(len(t.keys)-1)
	}
	t.keys[i], t.vals[i] = vid+1, v
	t.n++
}
