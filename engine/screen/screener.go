package screen

import (
	"fmt"
	"math"
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
	rs     *engine.RuleSet
	stores []*window.Store
	defs   []string // stores[i] was built for this Def+lateness
	plans  map[string]*plan
	env    engine.Env
	vm     vm.VM

	sinceEvict int
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

// recentCopies is a bounded set of copy hashes, oldest evicted first.
type recentCopies struct {
	set  map[uint64]struct{}
	ring []uint64
	pos  int
}

// seen reports whether h was added recently, and adds it.
func (r *recentCopies) seen(h uint64) bool {
	if r.set == nil {
		r.set = make(map[uint64]struct{}, recentWindow)
		r.ring = make([]uint64, 0, recentWindow)
	}
	if _, ok := r.set[h]; ok {
		return true
	}
	if len(r.ring) < recentWindow {
		r.ring = append(r.ring, h)
	} else {
		delete(r.set, r.ring[r.pos])
		r.ring[r.pos] = h
		r.pos = (r.pos + 1) % recentWindow
	}
	r.set[h] = struct{}{}
	return false
}

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
}

// NewScreener returns a Screener with empty state for rs.
func NewScreener(rs *engine.RuleSet) *Screener {
	s := &Screener{clock: eventtime.NewGuard(eventtime.DefaultAhead, 0, nil)}
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
	s.stores = make([]*window.Store, len(rs.Aggregates))
	s.defs = make([]string, len(rs.Aggregates))
	for i := range rs.Aggregates {
		a := &rs.Aggregates[i]
		def := fmt.Sprintf("%s|%s|lateness=%s", a.Name, a.Def, rs.Lateness)
		s.defs[i] = def
		if st := old[def]; st != nil {
			s.stores[i] = st
			continue
		}
		s.stores[i] = window.NewStore(a.Spec(rs.Lateness))
	}
	s.env.Agg = make([]float64, len(rs.Aggregates))
	s.rulesRun = make([]ruleCounter, len(rs.Rules))
	// Only aggregates some rule reads are kept: an unread window would cost
	// time and memory for nothing.
	used := usedAggregates(rs)
	s.plans = map[string]*plan{}
	for _, p := range rs.Perspectives {
		pl := &plan{key: engine.Fields[p]}
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
	if s.recent.seen(window.HashString(env.TxID) ^ window.HashString(p)*31) {
		s.stats.Duplicates++
		return out
	}
	env.Perspective = p
	env.Account = pl.key.Str(env)
	ts := eventtime.UnixNano(env.TS)
	s.stats.Copies++
	s.clock.Advance(ts)
	rs := s.rs
	for _, ai := range pl.update {
		a := &rs.Aggregates[ai]
		st := s.stores[ai]
		if env.Account == "" {
			env.Agg[ai] = emptyValue(a.Fn)
			continue
		}
		ev := s.event(a, ts)
		if a.Where != nil && (!guardsHold(a.WhereGuards, env) || !s.runBool(a.Where)) {
			env.Agg[ai] = st.ValueFor(env.Account, ev)
			continue
		}
		v, late := st.ObserveEvent(env.Account, ev)
		if late {
			s.stats.Late++
		}
		env.Agg[ai] = v
	}
	for _, ai := range pl.read {
		if env.Account == "" {
			env.Agg[ai] = emptyValue(rs.Aggregates[ai].Fn)
			continue
		}
		env.Agg[ai] = s.stores[ai].ValueFor(env.Account, s.event(&rs.Aggregates[ai], ts))
	}
	if s.sinceEvict++; s.sinceEvict >= evictEvery {
		s.sinceEvict = 0
		wm, _ := s.clock.Watermark()
		for _, st := range s.stores {
			s.stats.Evicted += uint64(st.Evict(wm))
		}
	}
	if !emit {
		return out
	}
	for _, ri := range pl.rules {
		r := &rs.Rules[ri]
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

// event is what the copy being screened adds to (or asks of) aggregate a:
// the input field's value, and the counterparty of the perspective account
// with the tx id, which flow tracing (inflow_match) keeps for the path.
func (s *Screener) event(a *engine.Aggregate, ts int64) window.Event {
	env := &s.env
	ev := window.Event{TS: ts, Party: env.Creditor.Account, TxID: env.TxID}
	if env.Perspective == engine.PerspectiveCreditor {
		ev.Party = env.Debtor.Account
	}
	if a.Field != nil {
		if a.Field.Kind == engine.KindNumber {
			ev.Num = a.Field.Num(env)
		} else {
			ev.Hash = window.HashString(a.Field.Str(env))
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
			if path := s.stores[rd.Agg].Path(env.Account, s.event(&s.rs.Aggregates[rd.Agg], env.TS.UnixNano())); path != nil {
				expl[rd.Name+"_path"] = path
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

// StateKeys returns the keys tracked per aggregate name.
func (s *Screener) StateKeys() map[string]int {
	m := make(map[string]int, len(s.stores))
	for i, st := range s.stores {
		m[s.rs.Aggregates[i].Name] = st.Keys()
	}
	return m
}

// StateBytes is the approximate memory held by all windows.
func (s *Screener) StateBytes() int64 {
	var n int64
	for _, st := range s.stores {
		n += st.SizeBytes()
	}
	return n
}
