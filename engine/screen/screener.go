package screen

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/eventtime"
	"github.com/socwatch/socwatch/engine/window"
)

// evictEvery is how many screened copies pass between idle-key sweeps: a
// sweep scans every key, so it runs rarely; idle keys live at most this many
// copies beyond their window.
const evictEvery = 1 << 16

// Screener holds the windows of one partition and evaluates a rule set
// against enriched transactions. Not safe for concurrent use: one worker
// owns it.
type Screener struct {
	rs *engine.RuleSet
	// keys interns the accounts of every store: a copy looks its account up
	// once (key) and each store finds its state by the key's id.
	keys   *window.KeyTable
	key    window.Key
	stores []*window.Store
	defs   []string      // stores[i] was built for this Def+lateness
	specs  []window.Spec // what aggregate i reads from stores[i]
	// follows[i] is the aggregate that updates the Store aggregate i reads
	// (same key, flow, where and window.Spec.StateKey: hist_count and
	// hist_max of one history), or -1 when i updates its own.
	follows []int
	// whereOf[i] is the first aggregate with aggregate i's where text:
	// a where shared by several aggregates (a count and its history) runs
	// once per copy, its result kept in whereRes (0 not run, 1 true, 2 false).
	whereOf  []int
	whereRes []uint8
	plans    map[string]*plan
	env      engine.Env
	vm       vm.VM
	// txHash is HashString of the record's tx id, for the duplicate filter
	// of each of its copies.
	txHash uint64
	// ev is every aggregate's event of the copy being screened: what is
	// the same for the whole copy (time, counterparty and its hash, tx id)
	// is set once per copy (copyEvent), the aggregate's input by event
	// before each Store reads it.
	ev window.Event

	// pending marks aggregates whose value the copy being screened has not
	// read yet: their `where` was false, or their store was updated without
	// computing it (window.Store.ObserveLazy, and the aggregates that share
	// a store with its owner). The value is only read from the store when a
	// rule that reads it gets past its other guards (most never do).
	// observed marks the updated ones among them.
	pending     []bool
	observed    []bool
	pendingList []int

	sinceEvict int
	touched    int64            // Store.Touch results, kept so the reads are not dropped
	clock      *eventtime.Guard // the watermark, and the future bound (Admit)
	stats      Stats
	rulesRun   []ruleCounter
	recent     recentCopies
}

// recentWindow is how many recent (tx, perspective) copies a Screener
// remembers to drop duplicates: a re-key stage that restarts or rebalances
// re-produces the copies after its last commit (at-least-once), and those
// must not be counted twice in windows. Alerts are idempotent by id anyway.
const recentWindow = 1 << 16

// Stats counts what a Screener did, for metrics.
type Stats struct {
	Copies     uint64 // (record, perspective) pairs screened
	Late       uint64 // events older than the allowed lateness
	RuleErrors uint64 // rule evaluations that failed (recovered)
	Evicted    uint64 // idle keys dropped
	Duplicates uint64 // copies of a transaction seen again recently, skipped
	Jumps      uint64 // watermark moved by a run of future copies (Admit)
}

type ruleCounter struct{ errors uint64 }

// plan is what one perspective does: which aggregates it updates, which it
// only reads, and which rules it evaluates.
type plan struct {
	key    *engine.Field
	update []int
	read   []int
	rules  []int
	// touch is the stores of update and read, each once (Store.Touch).
	touch []*window.Store
	// index selects the rules whose guards can hold (nil: visit all).
	index *engine.RuleIndex
	// dupHash is what the duplicate filter mixes with the tx id's hash.
	dupHash uint64
}

// NewScreener returns a Screener with empty state for rs.
func NewScreener(rs *engine.RuleSet) *Screener {
	s := &Screener{clock: eventtime.NewGuard(eventtime.DefaultAhead, 0, nil), keys: window.NewKeyTable()}
	s.Swap(rs)
	return s
}

// RuleSet is the set the Screener currently evaluates.
func (s *Screener) RuleSet() *engine.RuleSet { return s.rs }

// Swap switches to a new rule set. Windows of aggregates whose declaration
// is unchanged keep their state; new or changed aggregates start empty.
func (s *Screener) Swap(rs *engine.RuleSet) {
	old := map[string]*window.Store{}
	for i, st := range s.stores {
		old[s.defs[i]] = st
	}
	s.rs = rs
	n := len(rs.Aggregates)
	s.stores = make([]*window.Store, n)
	s.defs = make([]string, n)
	s.specs = make([]window.Spec, n)
	s.env.Agg = make([]float64, n)
	s.pending = make([]bool, n)
	s.observed = make([]bool, n)
	s.rulesRun = make([]ruleCounter, len(rs.Rules))
	// Only aggregates some rule reads are kept: an unread window would cost
	// time and memory for nothing.
	used := usedAggregates(rs)
	s.follows = shareStores(rs, used)
	s.whereOf = make([]int, n)
	s.whereRes = make([]uint8, n)
	firstWhere := map[string]int{}
	for i := range rs.Aggregates {
		_, where, _ := strings.Cut(rs.Aggregates[i].Def, " where=")
		if j, ok := firstWhere[where]; ok {
			s.whereOf[i] = j
		} else {
			firstWhere[where] = i
			s.whereOf[i] = i
		}
	}
	for i := range rs.Aggregates {
		a := &rs.Aggregates[i]
		s.defs[i] = fmt.Sprintf("%s|%s|lateness=%s", a.Name, a.Def, rs.Lateness)
		s.specs[i] = a.Spec(rs.Lateness).Normalized() // as the stores read it (ValueKey)
	}
	for i := range rs.Aggregates {
		switch {
		case s.follows[i] >= 0:
		case old[s.defs[i]] != nil:
			s.stores[i] = old[s.defs[i]]
		default:
			s.stores[i] = window.NewSharedStore(s.specs[i], s.keys)
		}
	}
	kept := map[*window.Store]bool{}
	for _, st := range s.stores {
		kept[st] = true
	}
	for _, st := range old {
		if !kept[st] {
			st.Clear() // its keys go back to the table
			kept[st] = true
		}
	}
	for i, o := range s.follows {
		if o >= 0 {
			// A follower keeps no state of its own: a follower whose owner
			// changed on reload starts from the owner's (new) state.
			s.stores[i] = s.stores[o]
		}
	}
	s.plans = map[string]*plan{}
	for _, p := range rs.Perspectives {
		pl := &plan{key: engine.Fields[p], dupHash: window.HashString(p) * 31}
		readByRules := map[int]bool{}
		for ri := range rs.Rules {
			r := &rs.Rules[ri]
			if r.Perspective != p {
				continue
			}
			pl.rules = append(pl.rules, ri)
			for _, rd := range r.Reads {
				if rd.Agg >= 0 {
					readByRules[rd.Agg] = true
				}
			}
		}
		for ai := range rs.Aggregates {
			switch {
			case !used[ai]:
			case rs.Aggregates[ai].UpdatedIn(p):
				pl.update = append(pl.update, ai)
			case readByRules[ai]:
				pl.read = append(pl.read, ai)
			}
		}
		pl.index = engine.NewRuleIndex(rs, pl.rules)
		for _, ai := range slices.Concat(pl.update, pl.read) {
			if st := s.stores[ai]; !slices.Contains(pl.touch, st) {
				pl.touch = append(pl.touch, st)
			}
		}
		// Owners observe before their followers read.
		sort.SliceStable(pl.update, func(i, j int) bool {
			return s.follows[pl.update[i]] < 0 && s.follows[pl.update[j]] >= 0
		})
		s.plans[p] = pl
	}
}

// usedAggregates is the set of aggregates some rule reads: only those are
// updated.
func usedAggregates(rs *engine.RuleSet) map[int]bool {
	used := map[int]bool{}
	for ri := range rs.Rules {
		for _, rd := range rs.Rules[ri].Reads {
			if rd.Agg >= 0 {
				used[rd.Agg] = true
			}
		}
	}
	return used
}

// Env is the environment of the transaction being screened: decoders write
// into Env().Tx directly so a record is never copied.
func (s *Screener) Env() *engine.Env { return &s.env }

// Screen evaluates the transaction in Env().Tx (already enriched) under
// perspective ("" = every perspective of the rule set, as in file mode) and
// appends the alerts to out. With emit false it only updates state, which is
// how a restarted worker rebuilds its windows from history.
func (s *Screener) Screen(perspective string, emit bool, recordTime time.Time, out []engine.Alert) []engine.Alert {
	s.env.Flatten()
	s.txHash = window.HashString(s.env.TxID)
	if perspective == "" {
		for _, p := range s.rs.Perspectives {
			out = s.screenOne(s.plans[p], p, emit, recordTime, out)
		}
		return out
	}
	pl := s.plans[perspective]
	if pl == nil {
		// A copy for a perspective the current rules do not use (the
		// rules changed since the re-key stage wrote it): nothing to do.
		return out
	}
	return s.screenOne(pl, perspective, emit, recordTime, out)
}

func (s *Screener) screenOne(pl *plan, p string, emit bool, recordTime time.Time, out []engine.Alert) []engine.Alert {
	env := &s.env
	if s.recent.seen(s.txHash ^ pl.dupHash) {
		s.stats.Duplicates++
		return out
	}
	env.Perspective = p
	env.Account = pl.key.Str(env)
	s.key = s.keys.Lookup(env.Account)
	ts := eventtime.UnixNano(env.TS)
	s.ev = s.copyEvent(ts)
	env.Counterparty = s.ev.Party
	s.stats.Copies++
	s.clock.Advance(ts)
	rs := s.rs
	if env.Account != "" {
		for _, st := range pl.touch {
			s.touched += st.Touch(&s.key)
		}
	}
	for _, ai := range pl.update {
		a := &rs.Aggregates[ai]
		st := s.stores[ai]
		if env.Account == "" {
			env.Agg[ai] = emptyValue(a.Fn)
			continue
		}
		if a.Where != nil && !s.whereHolds(ai) {
			s.markPending(ai, false)
			continue
		}
		if s.follows[ai] >= 0 {
			// Read from its owner's state when a rule needs it.
			s.markPending(ai, true)
			continue
		}
		v, late, ok := st.ObserveLazy(&s.key, s.event(a))
		if late {
			s.stats.Late++
		}
		if !ok {
			s.markPending(ai, true)
			continue
		}
		env.Agg[ai] = v
	}
	for _, ai := range pl.update {
		s.whereRes[s.whereOf[ai]] = 0
	}
	for _, ai := range pl.read {
		if env.Account == "" {
			env.Agg[ai] = emptyValue(rs.Aggregates[ai].Fn)
			continue
		}
		env.Agg[ai] = s.stores[ai].ValueKey(&s.specs[ai], &s.key, s.event(&rs.Aggregates[ai]))
	}
	if s.sinceEvict++; s.sinceEvict >= evictEvery {
		s.sinceEvict = 0
		s.resolveObserved()
		wm, _ := s.clock.Watermark()
		for i, st := range s.stores {
			if s.follows[i] < 0 {
				s.stats.Evicted += uint64(st.Evict(wm))
			}
		}
		// An evicted id may be given to another key: the copy's key is
		// looked up again.
		s.key = s.keys.Lookup(env.Account)
	}
	defer s.clearPending()
	if !emit {
		return out
	}
	selected := pl.rules
	if pl.index != nil {
		selected = pl.index.Select(env, s.pending)
	}
	for _, ri := range selected {
		r := &rs.Rules[ri]
		if !s.resolveFor(r) {
			continue
		}
		if r.Native != nil {
			// The whole condition, guards included, without the VM.
			if r.Native.Holds(env) {
				out = append(out, s.alert(r, recordTime))
			}
			continue
		}
		if !guardsHold(r.Guards, env) {
			continue
		}
		fired, err := s.eval(r.When)
		if err != nil {
			s.stats.RuleErrors++
			s.rulesRun[ri].errors++
			continue
		}
		if fired {
			out = append(out, s.alert(r, recordTime))
		}
	}
	return out
}

// whereHolds evaluates aggregate ai's where for the current copy, once per
// distinct where text.
func (s *Screener) whereHolds(ai int) bool {
	w := s.whereOf[ai]
	switch s.whereRes[w] {
	case 1:
		return true
	case 2:
		return false
	}
	a := &s.rs.Aggregates[w]
	var ok bool
	if a.WhereNative != nil {
		// The whole of Where, its guards included.
		ok = a.WhereNative.Holds(&s.env)
	} else {
		ok = guardsHold(a.WhereGuards, &s.env) && s.runBool(a.Where)
	}
	s.whereRes[w] = 2
	if ok {
		s.whereRes[w] = 1
	}
	return ok
}

// resolveFor tests r's guards that do not read a pending aggregate; if
// they hold, the guards that do, each after reading its aggregates; if
// those hold too, it reads r's other pending aggregates. Any guard false
// means r cannot fire, so aggregates no later guard needs stay pending
// (another rule may read them).
func (s *Screener) resolveFor(r *engine.Rule) bool {
	if len(s.pendingList) == 0 {
		return true
	}
	env := &s.env
	for i := range r.Guards {
		if g := &r.Guards[i]; !s.readsPending(g) && !g.Holds(env) {
			return false
		}
	}
	for i := range r.Guards {
		g := &r.Guards[i]
		if !s.readsPending(g) {
			continue
		}
		s.resolve(g.Agg)
		if g.Vs != nil {
			s.resolve(g.Vs.Agg)
		}
		if !g.Holds(env) {
			return false
		}
	}
	for _, rd := range r.Reads {
		s.resolve(rd.Agg)
	}
	return true
}

// resolve reads aggregate ai's value if it is pending (ai < 0: a field).
func (s *Screener) resolve(ai int) {
	if ai < 0 || !s.pending[ai] {
		return
	}
	s.pending[ai] = false
	env := &s.env
	env.Agg[ai] = emptyValue(s.rs.Aggregates[ai].Fn)
	if env.Account != "" {
		env.Agg[ai] = s.stores[ai].ValueKey(&s.specs[ai], &s.key, s.event(&s.rs.Aggregates[ai]))
	}
}

// readsPending reports whether g reads an aggregate not read yet.
func (s *Screener) readsPending(g *engine.Guard) bool {
	return (g.Agg >= 0 && s.pending[g.Agg]) || (g.Vs != nil && g.Vs.Agg >= 0 && s.pending[g.Vs.Agg])
}

// markPending defers reading aggregate ai until a rule needs it; observed
// tells that the copy updated ai's store.
func (s *Screener) markPending(ai int, observed bool) {
	s.pending[ai] = true
	s.observed[ai] = observed
	s.pendingList = append(s.pendingList, ai)
}

// resolveObserved reads the values of the updated aggregates still pending:
// an eviction is about to run, and could drop the state they are read from
// (a copy far behind the watermark). Aggregates pending for a false where
// stay pending, read after the eviction as before.
func (s *Screener) resolveObserved() {
	for _, ai := range s.pendingList {
		if s.observed[ai] {
			s.resolve(ai)
		}
	}
}

func (s *Screener) clearPending() {
	for _, ai := range s.pendingList {
		s.pending[ai] = false
		s.observed[ai] = false
	}
	s.pendingList = s.pendingList[:0]
}

// copyEvent is what every aggregate's event of the copy being screened
// shares: ts, and the counterparty of the perspective account (hashed once
// here) with the tx id, which flow tracing (inflow_match) keeps for the
// path.
func (s *Screener) copyEvent(ts int64) window.Event {
	env := &s.env
	ev := window.Event{TS: ts, Party: env.Creditor.Account, TxID: env.TxID}
	if env.Perspective == engine.PerspectiveCreditor {
		ev.Party = env.Debtor.Account
	}
	ev.PartyHash = window.HashString(ev.Party)
	return ev
}

// event is what the copy being screened adds to (or asks of) aggregate a:
// the copy's event (copyEvent) with a's input field's value, in place (the
// Stores read it and keep nothing of it), valid until the next call. A
// string input that is the counterparty (new_distinct(creditor.account) by
// debtor) reuses its hash.
func (s *Screener) event(a *engine.Aggregate) *window.Event {
	ev := &s.ev
	ev.Num, ev.Hash = 0, 0
	if a.Field != nil {
		if a.Field.Kind == engine.KindNumber {
			ev.Num = a.Field.Num(&s.env)
		} else if v := a.Field.Str(&s.env); v == ev.Party {
			ev.Hash = ev.PartyHash
		} else {
			ev.Hash = window.HashString(v)
		}
	}
	return ev
}

// guardsHold tests a program's native guards; false means the program
// would return false, so the VM need not run.
func guardsHold(gs []engine.Guard, env *engine.Env) bool {
	for i := range gs {
		if !gs[i].Holds(env) {
			return false
		}
	}
	return true
}

func emptyValue(fn engine.AggFn) float64 {
	if fn == engine.FnSinceLast {
		return -1
	}
	return 0
}

// eval runs a boolean program. vm.Run recovers panics inside functions into
// errors, so a misbehaving rule is counted and the record still handled.
func (s *Screener) eval(p *vm.Program) (bool, error) {
	out, err := s.vm.Run(p, &s.env)
	if err != nil {
		return false, err
	}
	b, _ := out.(bool)
	return b, nil
}

func (s *Screener) runBool(p *vm.Program) bool {
	b, err := s.eval(p)
	if err != nil {
		s.stats.RuleErrors++
	}
	return b
}

func (s *Screener) alert(r *engine.Rule, recordTime time.Time) engine.Alert {
	env := &s.env
	expl := make(map[string]any, len(r.Reads))
	for _, rd := range r.Reads {
		if rd.Agg >= 0 {
			v := env.Agg[rd.Agg]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				expl[rd.Name] = nil
			} else {
				expl[rd.Name] = v
			}
			ev := *s.event(&s.rs.Aggregates[rd.Agg])
			ev.TS = env.TS.UnixNano()
			if path := s.stores[rd.Agg].Path(s.specs[rd.Agg], env.Account, ev); path != nil {
				expl[rd.Name+engine.AggregatePathSuffix] = path
			}
			continue
		}
		expl[rd.Name] = rd.Field.Value(env)
	}
	for _, x := range r.Extra {
		k, v := x(env)
		expl[k] = v
	}
	return engine.Alert{
		AlertID:         engine.AlertID(r.ID, r.Version, env.TxID),
		RuleID:          r.ID,
		RuleVersion:     r.Version,
		Typology:        r.Typology,
		Severity:        r.Severity,
		Score:           r.Score,
		Mode:            r.Mode,
		TxID:            env.TxID,
		TS:              env.TS.UTC(),
		DebtorAccount:   env.Debtor.Account,
		CreditorAccount: env.Creditor.Account,
		DebtorCountry:   env.Debtor.Country,
		CreditorCountry: env.Creditor.Country,
		AmountEUR:       env.AmountEUR,
		Explanation:     expl,
		RecordTime:      recordTime,
	}
}

// Stats returns the counters so far.
func (s *Screener) Stats() Stats {
	st := s.stats
	st.Jumps = s.clock.Jumps()
	return st
}

// StateKeys returns the keys tracked per aggregate name. A Store shared by
// several aggregates (see shareStores) is counted once, under its owner.
func (s *Screener) StateKeys() map[string]int {
	m := make(map[string]int, len(s.stores))
	for i, st := range s.stores {
		if s.follows[i] < 0 {
			m[s.rs.Aggregates[i].Name] = st.Keys()
		}
	}
	return m
}

// StateBytes is the approximate memory held by all windows.
func (s *Screener) StateBytes() int64 {
	n := s.keys.SizeBytes()
	for i, st := range s.stores {
		if s.follows[i] < 0 {
			n += st.SizeBytes()
		}
	}
	return n
}

// shareStores returns, per aggregate, the used aggregate whose Store it
// reads (-1: its own). Aggregates share when they differ only in what they
// read from one state — same key, flow, where and window.Spec.StateKey, and
// the same input field, or none needed (hist_count). The owner is the
// first of the group with an input field, so the field is observed.
func shareStores(rs *engine.RuleSet, used map[int]bool) []int {
	follows := make([]int, len(rs.Aggregates))
	owner := map[string]int{}
	for pass := 0; pass < 2; pass++ {
		for i := range rs.Aggregates {
			a := &rs.Aggregates[i]
			if !used[i] || (pass == 0) != (a.Field != nil) {
				continue
			}
			follows[i] = -1
			_, where, _ := strings.Cut(a.Def, " where=")
			key := fmt.Sprintf("%s|%d|%s|%s", a.By, a.Flow, where, a.Spec(rs.Lateness).StateKey())
			o, ok := owner[key]
			switch {
			case !ok:
				owner[key] = i
			case a.Field == rs.Aggregates[o].Field || (a.Field == nil && a.Fn == engine.FnHistCount):
				follows[i] = o
			}
		}
	}
	for i := range follows {
		if !used[i] {
			follows[i] = -1
		}
	}
	return follows
}
