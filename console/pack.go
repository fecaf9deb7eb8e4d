package console

import (
	"encoding/json"
	"log/slog"
	"sync/atomic"

	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/rules"
)

// runningPack is what the console reads of the running pack: the rule set
// (nil without one), its rules' conditions and sanctions_score
// thresholds, and its sanctions lists. Immutable; a reload replaces it
// whole (packReloader).
type runningPack struct {
	rules *engine.RuleSet
	// conditions tell whether a rule could have fired without its
	// cleared matches.
	conditions ruleConditions
	// thresholds tell an alert's matches that fired from the ones merely
	// explained.
	thresholds matchThresholds
	lists      sanctionsLists
}

func newRunningPack(c *rules.Compiled) *runningPack {
	p := &runningPack{rules: c.Rules, conditions: newRuleConditions(c.Rules), lists: c.Sanctions}
	p.thresholds = p.conditions.thresholds()
	return p
}

// unclosable says why the active clearings cannot close alert a (see
// ruleConditions.unclosable), "" when they close it.
func (p *runningPack) unclosable(a *store.Alert, active map[matchKey]*store.Clearing) string {
	return p.conditions.unclosable(a, active, p.lists)
}

// hits are the parties' matches that fire alert a's rule with the active
// clearings in force: those of its explanation (sanctionsHits) and, for
// each fuzzy one whose entity is cleared, the entities its name matches
// next (nextHits). The analyst clears those too before the clearings
// close the alert, and its closing cites every one.
func (p *runningPack) hits(a *store.Alert, active map[matchKey]*store.Clearing) []sanctionsHit {
	hits := p.thresholds.sanctionsHits(a)
	var expl map[string]json.RawMessage
	if json.Unmarshal(a.Explanation, &expl) != nil {
		return hits
	}
	for _, h := range hits {
		thr, known := p.thresholds[thresholdKey{a.RuleID, int(a.RuleVersion), h.field, h.screened}]
		if !h.Exact && known && active[h.key()] != nil {
			hits = append(hits, p.nextHits(h, partyName(expl, h.field), thr, active)...)
		}
	}
	sortHits(hits)
	return hits
}

// nextHits are the entities that name, the party's name of fuzzy hit h
// (cleared), matches at or above thr once h's entity is left out, best
// first, up to the first one active does not clear: the cleared ones
// passed over, and the one that still fires the rule. None when the
// console cannot score the name (sanctionsLists.rescore); the proof then
// keeps the alert open.
func (p *runningPack) nextHits(h sanctionsHit, name string, thr float64, active map[matchKey]*store.Clearing) []sanctionsHit {
	passed := map[matchKey]*store.Clearing{h.key(): active[h.key()]}
	var out []sanctionsHit
	for {
		next, why := p.lists.rescore(h.screened, name, h.Account, passed)
		if why != "" || next.EntityID == "" || next.Score < thr {
			return out
		}
		hit := sanctionsHit{Party: h.Party, Account: h.Account, List: next.List, EntityID: next.EntityID,
			Name: next.Name, Alias: next.Alias, Score: next.Score, Next: true, field: h.field, screened: h.screened}
		out = append(out, hit)
		c := active[hit.key()]
		if c == nil {
			return out
		}
		passed[hit.key()] = c
	}
}

// packReloader re-reads the running pack's directory when its files
// change (rules.Fingerprint: names, sizes, modification times, as
// `socwatch run` polls them), so that alerts of a rule version a hot
// reload of `socwatch run` loaded are known without a console restart.
// The new pack replaces the running one when its content hash differs; a
// pack that does not load is logged and the running one kept, until the
// files change again.
type packReloader struct {
	path        string
	fingerprint string
	current     atomic.Pointer[runningPack]
}

func newPackReloader(path string, c *rules.Compiled) *packReloader {
	r := &packReloader{path: path}
	if path != "" {
		r.fingerprint = rules.Fingerprint(path)
	}
	r.current.Store(newRunningPack(c))
	return r
}

// pack is the running pack.
func (r *packReloader) pack() *runningPack { return r.current.Load() }

// check re-reads the pack when its files changed since the last check.
// Not safe for concurrent use: the sweep calls it, one run at a time.
func (r *packReloader) check(opts rules.Options, log *slog.Logger) {
	if r.path == "" {
		return
	}
	fp := rules.Fingerprint(r.path)
	if fp == r.fingerprint {
		return
	}
	r.fingerprint = fp
	c, err := rules.LoadCompiled(r.path, opts)
	if err != nil {
		log.Error("console: the rule pack changed and does not load; the console keeps the rules it read before", "path", r.path, "error", err)
		return
	}
	if cur := r.pack().rules; cur != nil && cur.Hash == c.Rules.Hash {
		return
	}
	r.current.Store(newRunningPack(c))
	log.Info("console: rule pack re-read", "path", r.path, "hash", c.Rules.Hash, "rules", len(c.Rules.Rules))
}
