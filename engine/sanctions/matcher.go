package sanctions

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// DefaultThreshold is the score at or above which a name counts as a hit.
// It was chosen on the quality sets of this package's tests: at 0.88 all but
// three of the 80 putin_names spellings (Chinese, Khmer and Burmese script)
// match, while the false-hit rate on 100,000 synthetic legitimate party
// names stays below 0.1 % (see quality_test.go and the README figures).
const DefaultThreshold = 0.88

// Match is the best listed name for a query.
type Match struct {
	// Score in [0,1]; 0 when nothing is similar.
	Score    float64
	EntityID string
	List     string
	// Alias is the listed spelling that matched (the primary name or one of
	// the aliases); Name is the entity's primary name.
	Alias string
	Name  string
}

// Options tune a Matcher.
type Options struct {
	// CacheSize bounds the number of cached query results per list filter
	// (0 = 65536; negative disables the cache).
	CacheSize int
	// MaxComparisons bounds the word-to-word comparisons one query may
	// spend on scoring candidates (0 = 600): a one-word query scores up to
	// about 200 candidates, a three-word one about 66. Candidates sharing
	// the most of the query are kept.
	MaxComparisons int
	// WordMemo bounds the query words whose block candidates and word
	// similarities are memoised (memo.go; 0 = 2048, negative disables).
	// A memoised word keeps at most 1,024 word similarities and 1,024 name
	// rows (memo.go) besides its candidate list.
	WordMemo int
}

// listedName is one spelling of an entity, prepared for comparison.
type listedName struct {
	ent    int32
	list   int32
	alias  string
	toks   []token
	concat string // phon forms of all tokens, joined: "xi jinping" ~ "xijinping"
	form   uint8  // formID of the legal-form code
}

// nameHead is what scoring reads of a listed name besides its words'
// similarities, packed apart from listedName (24 bytes a name, ~0.5 MB
// for the shipped lists) so that the heads of a query's candidates are
// found in the CPU caches: a query scores dozens of names spread over
// the whole list.
type nameHead struct {
	weight float64
	refs   int32 // the name's words are Matcher.refs[refs : refs+ntoks]
	ntoks  int32
	short  bool  // hasShortWord(toks)
	form   uint8 // formID of the legal-form code
}

// nameShape is what a query reads of every candidate before it knows
// whether the candidate can score at all: the number of words compared
// (min(words, maxWords), low bits) and whether the name has a short word
// (shapeShort). One byte a name (~22 kB for the shipped lists) stays in
// the CPU caches where the heads do not.
type nameShape uint8

const shapeShort nameShape = 1 << 7

func (sh nameShape) words() int { return int(sh &^ shapeShort) }

// shapeOf is the shape of a name of words toks.
func shapeOf(toks []token) nameShape {
	sh := nameShape(min(len(toks), maxWords))
	if hasShortWord(toks) {
		sh |= shapeShort
	}
	return sh
}

// concatMayScore reports whether scoreFrom tries the run-together
// comparison of q with a listed name of shape sh (see concatOK there).
func (q *query) concatMayScore(sh nameShape) bool {
	if len(q.toks) == 1 {
		return sh.words() != 1 && sh&shapeShort != 0
	}
	return sh.words() == 1 && q.short
}

// wordRef is a listed word as scoring reads it: its vocabulary number
// (the key of wordMemo.sims: the word's entry in the block index) and its
// weight.
type wordRef struct {
	vid int32
	w   float64
}

// Matcher screens names against a fixed set of entities. It is immutable
// after NewMatcher except for its result cache, which is sharded and
// locked, so one Matcher serves any number of goroutines.
type Matcher struct {
	ents    []Entity
	names   []listedName
	heads   []nameHead // per name, see nameHead
	shapes  []nameShape
	listOf  []int32   // per name, its list's number (a list filter's test)
	refs    []wordRef // every name's words, back to back
	lists   []string
	listIDs map[string]int32
	// blocks maps a word, as spelled after normalisation, to the listed
	// names that contain it (an exact word ranks a candidate first), a
	// token's exact block key (skeleton) to the names that carry it, and
	// the one-consonant-deleted variants to the names they come from.
	blocks  blockIndex
	maxCand int // word comparisons per query, see Options.MaxComparisons
	// caches[0] serves list "" (all lists), caches[i+1] serves lists[i].
	caches  []*genCache[Match]
	memos   *genCache[*wordMemo] // nil when Options.WordMemo < 0
	scratch sync.Pool
}

// NewMatcher indexes the names and aliases of ents.
func NewMatcher(ents []Entity, opts Options) *Matcher {
	m := &Matcher{ents: ents, listIDs: map[string]int32{}, maxCand: opts.MaxComparisons}
	var blocks blockIndexBuilder
	if m.maxCand <= 0 {
		m.maxCand = 600
	}
	for ei := range ents {
		e := &ents[ei]
		lid, ok := m.listIDs[e.List]
		if !ok {
			lid = int32(len(m.lists))
			m.listIDs[e.List] = lid
			m.lists = append(m.lists, e.List)
		}
		seen := map[string]bool{}
		for _, alias := range append([]string{e.Name}, e.Aliases...) {
			q := prepare(alias)
			if len(q.toks) == 0 {
				continue
			}
			key := strings.Join(tokenTexts(q.toks), " ") + "|" + strconv.Itoa(int(q.form))
			if seen[key] {
				continue // the same spelling twice (case or accents only)
			}
			seen[key] = true
			ni := int32(len(m.names))
			m.names = append(m.names, listedName{ent: int32(ei), list: lid, alias: alias, toks: q.toks, concat: q.concat, form: q.form})
			exact, near := q.keys()
			for _, k := range exact {
				blocks.add(k, roleExact, ni)
			}
			for _, k := range near {
				if !slices.Contains(exact, k) {
					blocks.add(k, roleNear, ni)
				}
			}
			for j, t := range q.toks {
				if !slices.ContainsFunc(q.toks[:j], func(u token) bool { return u.text == t.text }) {
					blocks.add(t.text, roleWord, ni)
				}
			}
		}
	}
	m.blocks = blocks.build()
	entityForms(m.names)
	// A listed word's vocabulary number is its block key's entry number
	// (every listed word is a key, in role roleWord), and the names filed
	// under it in that role, once each, are the listed names that share
	// it: the words are weighed by their number.
	m.heads = make([]nameHead, len(m.names))
	m.shapes = make([]nameShape, len(m.names))
	m.listOf = make([]int32, len(m.names))
	for ni := range m.names {
		n := &m.names[ni]
		h := &m.heads[ni]
		*h = nameHead{refs: int32(len(m.refs)), ntoks: int32(len(n.toks)), short: hasShortWord(n.toks), form: n.form}
		m.shapes[ni] = shapeOf(n.toks)
		m.listOf[ni] = n.list
		for j := range n.toks {
			id := blocks.ids[n.toks[j].text]
			w := float64(len(n.toks[j].text)) * idfWeight(int(m.blocks.lists[id][roleWord].n))
			m.refs = append(m.refs, wordRef{vid: id, w: w})
			h.weight += w
		}
	}
	size := opts.CacheSize
	if size == 0 {
		size = 1 << 16
	}
	if size > 0 {
		m.caches = make([]*genCache[Match], len(m.lists)+1)
		for i := range m.caches {
			m.caches[i] = newGenCache[Match](size)
		}
	}
	if opts.WordMemo >= 0 {
		m.memos = newGenCache[*wordMemo](cmp.Or(opts.WordMemo, 2048))
	}
	m.scratch.New = func() any {
		words := (len(m.names) + 63) / 64
		return &scratch{hit: make([]float64, len(m.names)), mark: make([]uint32, len(m.names)), strong: make([]uint64, words), reached: make([]uint64, words)}
	}
	return m
}

// Entities returns the entities the matcher was built from (not a copy).
func (m *Matcher) Entities() []Entity { return m.ents }

// Lists returns the list names present, in order of first appearance.
func (m *Matcher) Lists() []string { return slices.Clone(m.lists) }

// Names returns the number of indexed spellings (names plus aliases).
func (m *Matcher) Names() int { return len(m.names) }

// Score returns the best score of name against list ("" = every list): the
// cheap form for a rule function such as sanctions_score(name, "ofac-sdn").
func (m *Matcher) Score(name, list string) float64 { return m.Best(name, list).Score }

// Best returns the best-matching listed spelling of name within list (""
// = every list). An unknown list or an empty name gives the zero Match.
// Results are cached per (list, name): a repeated counterparty costs one
// map look-up and no allocation.
func (m *Matcher) Best(name, list string) Match {
	lid, ok := m.listID(list)
	if !ok {
		return Match{}
	}
	var c *genCache[Match]
	if m.caches != nil {
		c = m.caches[lid+1]
		if r, ok := c.get(name); ok {
			return r
		}
	}
	r := m.compute(name, lid, nil)
	if c != nil {
		c.put(name, r)
	}
	return r
}

// listID is the number of list, -1 for "" (every list); not ok for a list
// the matcher does not hold.
func (m *Matcher) listID(list string) (int32, bool) {
	if list == "" {
		return -1, true
	}
	id, ok := m.listIDs[list]
	return id, ok
}

// BestExcept is Best with the entities skip reports (by their list and
// id) left out, as if they were not listed: what a rule would have scored
// had they not been, for a console that must know whether a name still
// hits once an analyst has cleared its best match. It scores as Best does
// (the same candidates, minus the skipped entities' names, the same
// scoring) but is not cached and marks the skipped names first, a pass
// over every listed name: a cold path, not for screening a stream.
func (m *Matcher) BestExcept(name, list string, skip func(list, entityID string) bool) Match {
	lid, ok := m.listID(list)
	if !ok {
		return Match{}
	}
	skipped := make([]uint64, (len(m.names)+63)/64)
	for ni := range m.names {
		if e := &m.ents[m.names[ni].ent]; skip(e.List, e.ID) {
			skipped[ni>>6] |= 1 << (ni & 63)
		}
	}
	return m.compute(name, lid, skipped)
}

// query is a name prepared for comparison.
type query struct {
	toks []token
	// concat is the phonetic forms of all words run together ("xi
	// jinping" ~ "xijinping"), set only where scoreFrom may read it: for a
	// name of one word, or with a short word (see concatOK there).
	concat string
	weight float64
	// invWeight is 1/weight, for scoreBound.
	invWeight float64
	form      uint8 // formID of the legal-form code (legalform.go)
	short     bool  // hasShortWord(toks)
}

func prepare(name string) query {
	ws, form := words(name)
	abjad := hasAbjad(name)
	q := query{toks: make([]token, len(ws))}
	for i, w := range ws {
		q.toks[i] = makeToken(w, abjad)
	}
	q.finish(form)
	return q
}

// finish sets what a query derives from its tokens and legal form.
func (q *query) finish(form string) {
	q.form = formID(form)
	q.weight = 0
	for i := range q.toks {
		q.weight += q.toks[i].w
	}
	q.invWeight = 1 / q.weight
	q.short = hasShortWord(q.toks)
	switch {
	case len(q.toks) == 1:
		q.concat = q.toks[0].phon
	case q.short:
		var cb strings.Builder
		for i := range q.toks {
			cb.WriteString(q.toks[i].phon)
		}
		q.concat = cb.String()
	}
}

func tokenTexts(ts []token) []string {
	out := make([]string, len(ts))
	for i := range ts {
		out[i] = ts[i].text
	}
	return out
}

// wholeToken is the token of the whole name run together ("xi jinping" →
// "xijinping").
func (q *query) wholeToken() token {
	n := 0
	for i := range q.toks {
		n += len(q.toks[i].text)
	}
	var b strings.Builder
	b.Grow(n)
	for i := range q.toks {
		b.WriteString(q.toks[i].text)
	}
	return makeToken(b.String(), false)
}

// keys returns the distinct exact and near block keys of a prepared name:
// those of each word plus those of the whole name run together, so that
// "xi jinping" and "xijinping" meet.
func (q *query) keys() (exact, near []string) {
	add := func(t *token) {
		if k := t.exactKey(); k != "" {
			exact = appendKey(exact, k)
		}
		near = t.nearKeys(near)
	}
	for i := range q.toks {
		add(&q.toks[i])
	}
	if len(q.toks) > 1 {
		whole := q.wholeToken()
		add(&whole)
	}
	return exact, near
}

type scratch struct {
	// hit is, per listed name in touched, the query weight its keys
	// share; other names' entries are stale (the first reach sets, not
	// adds: reached says which).
	hit     []float64
	touched []int32
	// strong has a bit per listed name a strong key reached (weakFrom);
	// weak[i] is where query word i's weak contribs begin. reached has a
	// bit per name in touched. Both are all zero between queries.
	strong  []uint64
	reached []uint64
	weak    []int32
	byCount []int // query words, most contribs first
	cands   []cand
	// blockWord's per-name marks: mark[ni] == epoch when reached already.
	mark      []uint32
	epoch     uint32
	keyBuf    []byte      // blockWord's keys
	nearLists []*keyLists // blockWord's near keys' postings
	memos     []*wordMemo // per query word
	toks      []token     // the query's
	words     []string    // the query's words (appendWords)
	whole     []contrib   // the run-together name's block candidates
	// Per candidate, maxWords slots each: the best similarity of each
	// query word in the candidate and of each candidate word in the query.
	simQ, simN []float64
	row        [maxWords]float64 // a similarity row the memo does not keep
	first      []idSlot[int32]   // firstRowSlots
	live       []liveCand
}

// minShare is the part of a query's weight a listed name must share through
// block keys to be scored at all; a name sharing less cannot reach the
// threshold unless its other words are near-misses of the query's.
const minShare = 0.4

// compute finds the best listed name for name within list lid (-1: every
// list); skipped, when not nil, has a bit per listed name left out
// (BestExcept).
func (m *Matcher) compute(name string, lid int32, skipped []uint64) Match {
	s := m.scratch.Get().(*scratch)
	defer m.scratch.Put(s)
	ws, form := appendWords(s.words, name)
	s.words = ws[:0]
	if len(ws) == 0 {
		return Match{}
	}
	// A query word's forms come with its memo: a word seen before costs
	// no makeToken.
	abjad := hasAbjad(name)
	q := query{toks: s.toks[:0]}
	s.memos = s.memos[:0]
	for _, w := range ws {
		wm := m.memoFor(w, s)
		s.memos = append(s.memos, wm)
		t := wm.tok
		t.abjad = abjad
		t.w *= wm.idf
		q.toks = append(q.toks, t)
	}
	s.toks = q.toks
	q.finish(form)
	// Accumulate, per listed name, the query weight whose keys it shares:
	// each query word (and the whole run-together name) counts once per
	// listed name: more than fully for the same word, fully when the
	// skeletons are equal, less when they are one consonant apart.
	// Most names a query reaches share too little to be kept, and most of
	// those are reached only through weak keys; so the strong keys first
	// mark the names that may be kept (see weakFrom), and only marked
	// names accumulate, every key in the same order as before, so that
	// each sum is the same float64.
	if len(q.toks) > 1 && q.short {
		// The run-together form finds the one-word listed names that the
		// run-together comparison is tried against (scoreFrom), which it
		// is only for a query with a short word: without one, the names it
		// reaches would be scored word by word, and those that share no
		// block key with any query word crowd out the ones that do.
		// It is new with each name: not memoised. It shares at least half
		// the query's weight: all its keys are strong.
		whole := q.wholeToken()
		s.whole, _ = m.blockWord(&whole, s, s.whole[:0])
	} else {
		s.whole = s.whole[:0]
	}
	s.weakFrom(&q)
	for i := range q.toks {
		s.markStrong(s.memos[i].contribs[:s.weak[i]], lid, m.listOf)
	}
	s.markStrong(s.whole, lid, m.listOf)
	for i := range q.toks {
		s.addMarked(s.memos[i].contribs, q.toks[i].w)
	}
	s.addMarked(s.whole, q.weight)
	// Keep the names that share enough. The bit sets are cleared whole
	// (2.8 kB each for the shipped lists): cheaper than a bit per name.
	s.cands = s.cands[:0]
	for _, ni := range s.touched {
		if h := s.hit[ni]; h >= minShare*q.weight {
			s.cands = append(s.cands, cand{ni: ni, hit: h})
		}
	}
	s.touched = s.touched[:0]
	clear(s.strong)
	clear(s.reached)
	if skipped != nil {
		// Before the cap below, so that other names take the places of
		// the skipped ones, as they would were those not listed.
		s.cands = slices.DeleteFunc(s.cands, func(c cand) bool { return skipped[c.ni>>6]&(1<<(c.ni&63)) != 0 })
	}
	// Listed names have three words on average.
	if maxCand := max(8, m.maxCand/(3*len(q.toks))); len(s.cands) > maxCand {
		s.cands = selectTop(s.cands, maxCand, s.reached)
	}

	// Word similarities, query word by query word, so that each word's
	// memo is locked once per query.
	// Only the slots scoreFrom reads are set: the first nq of simQ (below)
	// and the first nn of simN (all cleared here, in one call).
	nc := len(s.cands) * maxWords
	s.simQ, s.simN = slices.Grow(s.simQ[:0], nc)[:nc], slices.Grow(s.simN[:0], nc)[:nc]
	clear(s.simN)
	for i := 0; i < min(len(q.toks), maxWords); i++ {
		wm, qt := s.memos[i], &q.toks[i]
		wm.mu.Lock()
		s.first = wm.firstRowSlots(qt, s.cands, s.first)
		for c, cd := range s.cands {
			bestN := s.simN[c*maxWords:]
			best := 0.0
			for j, sim := range wm.rowLocked(qt, m, cd.ni, s.first[c], s.row[:0]) {
				best = max(best, sim)
				bestN[j] = max(bestN[j], sim)
			}
			s.simQ[c*maxWords+i] = best
		}
		wm.mu.Unlock()
	}
	// Each candidate's score has an upper bound that its query side and
	// shape give (scoreBound), before its head and word weights are read
	// (cache misses: they are spread over the lists). The candidate with
	// the highest bound is scored first, usually the best one; then the
	// others whose bound can still reach the best score found. On the
	// synthetic feed most candidates' bounds are far below it, and a
	// candidate none of whose words is like a query word above simFloor
	// has the bound 0 unless the run-together comparison is tried. A
	// candidate that could tie the best is scored: the lower name number
	// wins a tie.
	nq := min(len(q.toks), maxWords)
	s.live = s.live[:0]
	first := 0
	for c, cd := range s.cands {
		if b := q.scoreBound(s.simQ[c*maxWords:c*maxWords+nq], m.shapes[cd.ni]); b > 0 {
			if len(s.live) > 0 && b > s.live[first].bound {
				first = len(s.live)
			}
			s.live = append(s.live, liveCand{c: int32(c), ni: cd.ni, bound: b})
		}
	}
	best, bestNI := 0.0, int32(-1)
	if len(s.live) > 0 {
		s.live[0], s.live[first] = s.live[first], s.live[0]
	}
	for _, l := range s.live {
		if l.bound < best-boundMargin {
			continue
		}
		h, c := &m.heads[l.ni], int(l.c)
		sc := scoreFrom(&q, h, m.refs[h.refs:h.refs+h.ntoks], &m.names[l.ni].concat, s.simQ[c*maxWords:], s.simN[c*maxWords:])
		if ni := l.ni; sc > best || sc == best && bestNI >= 0 && ni < bestNI {
			best, bestNI = sc, ni
		}
	}
	if bestNI < 0 {
		return Match{}
	}
	n := &m.names[bestNI]
	e := &m.ents[n.ent]
	return Match{Score: best, EntityID: e.ID, List: e.List, Alias: n.alias, Name: e.Name}
}

// weakFrom sets s.weak: for each query word, where the contribs begin
// that are weak, that is, that cannot make a listed name share minShare of
// the query's weight even when the name is reached by the weak contribs of
// every query word. A name must then be reached by a strong one to be
// kept. The words with the most contribs (usually near keys of a long
// word) get their weak contribs first, as far as the budget goes; the
// contribs of each word are in order of factor, strongest first.
func (s *scratch) weakFrom(q *query) {
	// The margin keeps the weak sum under the threshold whatever the
	// rounding of the float64 sums.
	budget := minShare * q.weight * (1 - 1e-9)
	s.weak, s.byCount = s.weak[:0], s.byCount[:0]
	for i := range q.toks {
		s.weak = append(s.weak, int32(len(s.memos[i].contribs)))
		// Insertion sort by contribs, most first: a query has few words.
		j := len(s.byCount)
		s.byCount = append(s.byCount, i)
		for ; j > 0 && len(s.memos[s.byCount[j-1]].contribs) < len(s.memos[i].contribs); j-- {
			s.byCount[j] = s.byCount[j-1]
		}
		s.byCount[j] = i
	}
	for _, i := range s.byCount {
		wm := s.memos[i]
		for _, from := range wm.from[:len(blockFactors)] {
			if int(from) == len(wm.contribs) {
				break
			}
			// The strongest weak contrib is the first.
			if top := blockFactors[wm.contribs[from].f()] * q.toks[i].w; top <= budget {
				s.weak[i] = from
				budget -= top
				break
			}
		}
	}
}

// markStrong marks the names of cs (strong contribs) in s.strong; with a
// list filter (lid >= 0), only those of listOf[ni] == lid.
func (s *scratch) markStrong(cs []contrib, lid int32, listOf []int32) {
	for _, c := range cs {
		if ni := c.ni(); lid < 0 || listOf[ni] == lid {
			s.strong[ni>>6] |= 1 << (ni & 63)
		}
	}
}

// addMarked adds a query word's share of weight w to the names of cs that
// are marked strong. A name's first share is stored, not added to a zero
// read back: 0 + x is x, so every sum is the same float64, and the first
// reach (most reaches) does not wait for a load from hit, 8 bytes per
// listed name and mostly out of the CPU caches; the reached bits are.
func (s *scratch) addMarked(cs []contrib, w float64) {
	for _, c := range cs {
		ni := c.ni()
		word, bit := ni>>6, uint64(1)<<(ni&63)
		if s.strong[word]&bit == 0 {
			continue
		}
		share := blockFactors[c.f()] * w
		if s.reached[word]&bit == 0 {
			s.reached[word] |= bit
			s.touched = append(s.touched, ni)
			s.hit[ni] = share
			continue
		}
		s.hit[ni] += share
	}
}

// liveCand is a candidate that may score above 0: its place in
// scratch.cands and its scoreBound.
type liveCand struct {
	c, ni int32
	bound float64
}

// cand is a listed name that shares enough of a query's weight (hit)
// through block keys to be scored.
type cand struct {
	ni  int32
	hit float64
}

// selectTop returns the k candidates that share the most query weight,
// the lower name index first among equals, in no particular order, as
// the scoring that follows does not depend on the order (0 < k <
// len(cands)). ties is a bit set with a bit per listed name, all zero,
// and left so.
//
// The shares are sums of a few word weights times blockFactors, so a
// query's candidates have few distinct shares (4.2 on average on the
// synthetic feed when more than k share enough, at most 18) and the k-th
// place falls inside a run of equal shares: the names sharing more are
// kept, and of those sharing exactly as much, the ones with the lowest
// numbers, in a pass over their bits. More distinct shares than
// maxDistinctHits: quickselect.
func selectTop(cands []cand, k int, ties []uint64) []cand {
	v, ok := kthHit(cands, k)
	if !ok {
		return quickselectTop(cands, k)
	}
	p := 0
	for _, c := range cands {
		switch {
		case c.hit > v:
			cands[p] = c
			p++
		case c.hit == v:
			ties[c.ni>>6] |= 1 << (c.ni & 63)
		}
	}
	for w := 0; p < k; w++ {
		for b := ties[w]; b != 0 && p < k; b &= b - 1 {
			cands[p] = cand{ni: int32(w<<6 + bits.TrailingZeros64(b)), hit: v}
			p++
		}
	}
	clear(ties)
	return cands[:k]
}

// maxDistinctHits is the most distinct shares kthHit tallies.
const maxDistinctHits = 32

// kthHit returns the share at place k (from 1) of cands ordered by share,
// largest first; ok is false when they have more than maxDistinctHits
// distinct shares.
func kthHit(cands []cand, k int) (v float64, ok bool) {
	var vals [maxDistinctHits]float64
	var counts [maxDistinctHits]int
	n, last := 0, 0
next:
	for _, c := range cands {
		// Names reached by one key come in a run with one share.
		if n > 0 && vals[last] == c.hit {
			counts[last]++
			continue
		}
		for j := range n {
			if vals[j] == c.hit {
				counts[j]++
				last = j
				continue next
			}
		}
		if n == len(vals) {
			return 0, false
		}
		vals[n], counts[n], last = c.hit, 1, n
		n++
	}
	// Largest first (insertion sort: few values).
	for i := 1; i < n; i++ {
		for j := i; j > 0 && vals[j] > vals[j-1]; j-- {
			vals[j], vals[j-1] = vals[j-1], vals[j]
			counts[j], counts[j-1] = counts[j-1], counts[j]
		}
	}
	seen := 0
	for j := range n {
		if seen += counts[j]; seen >= k {
			return vals[j], true
		}
	}
	return vals[n-1], true // not reached for k <= len(cands)
}

// quickselectTop is selectTop by quickselect, for any number of distinct
// shares.
func quickselectTop(cands []cand, k int) []cand {
	before := func(a, b cand) bool { return a.hit > b.hit || a.hit == b.hit && a.ni < b.ni }
	lo, hi := 0, len(cands) // the k-th place lies in cands[lo:hi]
	for hi-lo > 1 {
		// Median of three as the pivot, moved to the end.
		mid := lo + (hi-lo)/2
		if before(cands[mid], cands[lo]) {
			cands[mid], cands[lo] = cands[lo], cands[mid]
		}
		if before(cands[hi-1], cands[lo]) {
			cands[hi-1], cands[lo] = cands[lo], cands[hi-1]
		}
		if before(cands[mid], cands[hi-1]) {
			cands[mid], cands[hi-1] = cands[hi-1], cands[mid]
		}
		pivot, p := cands[hi-1], lo
		for i := lo; i < hi-1; i++ {
			if before(cands[i], pivot) {
				cands[i], cands[p] = cands[p], cands[i]
				p++
			}
		}
		cands[p], cands[hi-1] = cands[hi-1], cands[p]
		// cands[lo:p] rank before the pivot, cands[p+1:hi] after it.
		switch {
		case p == k || p+1 == k:
			return cands[:k]
		case p > k:
			hi = p
		default:
			lo = p + 1
		}
	}
	return cands[:k]
}

// Compare scores two names against each other with the matcher's
// normalisation and similarity, without any list.
func Compare(a, b string) float64 {
	qa, qb := prepare(a), prepare(b)
	if len(qa.toks) == 0 || len(qb.toks) == 0 {
		return 0
	}
	score, _ := comparePrepared(&qa, &qb)
	return score
}

// comparePrepared scores qa against qb as a listed name, and returns the
// best similarity of each of qa's first maxWords words in qb too.
func comparePrepared(qa, qb *query) (float64, [maxWords]float64) {
	h := nameHead{weight: qb.weight, ntoks: int32(len(qb.toks)), short: qb.short, form: qb.form}
	refs := make([]wordRef, len(qb.toks))
	for j, t := range qb.toks {
		refs[j].w = t.w
	}
	var bestQ, bestN [maxWords]float64
	for i := 0; i < min(len(qa.toks), maxWords); i++ {
		for j := 0; j < min(len(qb.toks), maxWords); j++ {
			s := tokenSim(&qa.toks[i], &qb.toks[j])
			bestQ[i] = max(bestQ[i], s)
			bestN[j] = max(bestN[j], s)
		}
	}
	return scoreFrom(qa, &h, refs, &qb.concat, bestQ[:], bestN[:]), bestQ
}

// maxWords bounds the words of a name compared word by word; longer names
// (rare: long company names) are compared on their first maxWords words.
const maxWords = 16

// scoreFrom compares a query with a listed name given their word
// similarities: the weighted share of the query's words found in the name
// (each word weighted by its length, each scored by its best counterpart),
// with a small part for the name's words found in the query, so that a
// fuller match ranks first; or the similarity of both names run together,
// if higher. bestQ[i] is the best tokenSim of query word i against the
// name's words, bestN[j] that of the name's word j against the query's;
// h, refs and concat are the name's (refs[j] is word j).
func scoreFrom(q *query, h *nameHead, refs []wordRef, concat *string, bestQ, bestN []float64) float64 {
	ntoks := int(h.ntoks)
	nq, nn := min(len(q.toks), maxWords), min(ntoks, maxWords)
	sq := q.side(bestQ[:nq])
	wq := q.share(ntoks)
	var sn float64
	for j := 0; j < nn; j++ {
		sn += adjustSim(bestN[j]) * refs[j].w
	}
	s := wq*sq + (1-wq)*sn/h.weight
	// Names written run together ("xijinping", "abdullah") against their
	// spaced form ("xi jinping", "abd allah"), see hasShortWord.
	concatOK := len(q.toks) != ntoks && (len(q.toks) == 1 && h.short || ntoks == 1 && q.short)
	if concatOK {
		if c := 0.93 * adjustSim(jaroWinkler(q.concat, *concat)); c > s {
			s = c
		}
	}
	return s * formFactor(q.form, h.form)
}

// side is the weighted share of the query's words found in a listed
// name, bestQ[i] being the best tokenSim of query word i in it.
func (q *query) side(bestQ []float64) float64 {
	var sq float64
	for i, b := range bestQ {
		sq += adjustSim(b) * q.toks[i].w
	}
	return sq / q.weight
}

// share is the weight of the query side in a score against a listed name
// of ntoks words, the rest being the name side's.
func (q *query) share(ntoks int) float64 {
	switch {
	case len(q.toks) == 1:
		// A one-word query is a surname or a bare company word: how well
		// that word is found decides ("Putin" must reach a reviewer).
		return 0.9
	case ntoks >= len(q.toks)+2:
		// Two common words found inside a listed name twice as long
		// ("Elena García" in "GAXIOLA GARCIA, Maria Elena") are weak
		// evidence: the name's missing words weigh more.
		return 0.5
	}
	// Longer queries also need the listed name's words to be found in
	// them, so that two common words do not hit every long name that
	// contains look-alikes.
	return 0.75
}

// scoreBound bounds scoreFrom for a listed name of shape sh given the
// query side (bestQ as there): the name side counted as if each of the
// name's words were as similar as the most similar pair (the name's words
// are compared with the same query words, so no word of the name does
// better), the legal forms as equal, the run-together comparison as
// exact. It is 0 exactly when no query word has a similarity above
// simFloor and the run-together comparison is not tried: the score is
// then 0 as well.
func (q *query) scoreBound(bestQ []float64, sh nameShape) float64 {
	var b float64
	if mx := slices.Max(bestQ); mx > simFloor {
		// The query side as side computes it, with multiplications for its
		// divisions (a few ulps apart; a bound is compared with a margin,
		// boundMargin): a query bounds ~40 candidates, scores ~10.
		var sq float64
		for i, sim := range bestQ {
			sq += adjustSimBound(sim) * q.toks[i].w
		}
		sq *= q.invWeight
		// sh knows the name's words only up to maxWords: beyond, the
		// lowest share of the query side is the safe one.
		wq := q.share(sh.words())
		if sh.words() == maxWords {
			wq = min(wq, q.share(math.MaxInt))
		}
		b = wq*sq + (1-wq)*adjustSimBound(mx)
	}
	if q.concatMayScore(sh) {
		b = max(b, 0.93)
	}
	return b
}

// hasShortWord reports whether a name has a word of at most three letters,
// as split romanisations have ("xi jinping", "li ming", "abd allah"): only
// then is the run-together comparison tried, since two long words that run
// together look like many unrelated single words.
func hasShortWord(ts []token) bool {
	for i := range ts {
		if len(ts[i].text) <= 3 {
			return true
		}
	}
	return false
}

// tokenSim compares two words: exact, initial against word, Jaro-Winkler on
// the spelling, on the phonetic form (slightly discounted) and, for words
// from scripts without vowels, on the consonant skeleton (more discounted).
func tokenSim(a, b *token) float64 {
	if a.text == b.text {
		return 1
	}
	switch {
	case len(a.text) == 1 && len(b.text) == 1:
		return 0 // different initials
	case len(a.text) == 1:
		// The query abbreviates a word of the listed name ("V. Putin").
		if a.text[0] == b.text[0] {
			return 0.9
		}
		return 0
	case len(b.text) == 1:
		// The listed name abbreviates: weak evidence, as any word with
		// that initial would do.
		if a.text[0] == b.text[0] {
			return 0.5
		}
		return 0
	}
	// A similarity at or below adjustSim's floor counts as nothing, so
	// each comparison is asked only for what could raise the result above
	// it (jaroWinklerAbove): a result at or below the floor may come out
	// lower than computed in full, never one above it.
	s := jaroWinklerAbove(a.text, b.text, simFloor)
	if s < 0.95 && (a.phon != a.text || b.phon != b.text) {
		if p := 0.95 * jaroWinklerAbove(a.phon, b.phon, max(s, simFloor)/0.95); p > s {
			s = p
		}
	}
	if a.abjad { // only the query's script matters: see token.abjad
		if k := 0.93 * jaroWinklerAbove(a.skel, b.skel, max(s, simFloor)/0.93); k > s {
			s = k
		}
	}
	// Words with a surname ending are compared by their stems
	// (surname.go): the shared ending of Kravchenko and Kurchenko, or the
	// ending Melnychuk adds to Melnyk, is not a likeness of names.
	if s > simFloor && a.sfx|b.sfx != 0 {
		s = min(s, surnameSim(a, b))
	}
	return s
}
