package console

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/console/users"
	"github.com/socwatch/socwatch/rules"
)

// clearRequest clears an alert's sanctions match for the customer: the
// party (debtor or creditor) whose match it is — and the list and listed
// entity, when the party matched more than one — the analyst's reason,
// and an optional review date (YYYY-MM-DD) from which it no longer
// applies.
type clearRequest struct {
	Party    string `json:"party"`
	List     string `json:"list,omitempty"`
	EntityID string `json:"entity_id,omitempty"`
	Reason   string `json:"reason"`
	ReviewBy string `json:"review_by"`
}

// clearResult is a recorded clearing and, when the alert cleared from
// stays open, why.
type clearResult struct {
	Clearing  *store.Clearing `json:"clearing"`
	AlertOpen string          `json:"alert_open,omitempty"`
}

// clearMatch records that the customer of req.Party on alert id is not
// the entity the alert matched, closes the alert when the clearings now
// close it (closingClearings), and then closes the other new alerts the
// clearing covers (sweep). Only a role that may close alerts may clear.
func (s *Server) clearMatch(ctx context.Context, p *principal, id string, req clearRequest) (*clearResult, error) {
	if err := requireRole(p, users.Analyst, "clear a sanctions match"); err != nil {
		return nil, err
	}
	reason, err := cleanText(req.Reason)
	if err != nil {
		return nil, err
	}
	if reason == "" {
		return nil, errorf(http.StatusBadRequest, "clear: a reason is required (how the customer differs from the listed entity)")
	}
	var review time.Time
	if req.ReviewBy != "" {
		review, err = time.Parse("2006-01-02", req.ReviewBy)
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "clear: review date %q: want YYYY-MM-DD", req.ReviewBy)
		}
		if !review.After(time.Now()) {
			return nil, errorf(http.StatusBadRequest, "clear: the review date must be in the future")
		}
	}
	res, err := s.clearOnAlert(ctx, p, id, req, reason, review)
	if err != nil {
		return nil, err
	}
	// The alert's lock is released: the sweep locks the alerts it closes.
	if _, err := s.sweep.run(ctx); err != nil {
		s.deps.Log.Error("close alerts of a cleared match", "clearing", res.Clearing.ID, "error", err)
	}
	return res, nil
}

// clearOnAlert records the clearing under the alert's lock, then, in the
// alert's trail, the clearing and — once the clearings close it — the
// alert's closing.
func (s *Server) clearOnAlert(ctx context.Context, p *principal, id string, req clearRequest, reason string, review time.Time) (*clearResult, error) {
	if !store.ValidAlertID(id) {
		return nil, store.ErrNotFound
	}
	defer lockAlert(id)()
	a, err := s.deps.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	active, err := s.activeClearings(ctx)
	if err != nil {
		return nil, err
	}
	hits := s.pack().hits(a, active)
	var hit *sanctionsHit
	for i := range hits {
		if hits[i].Party == req.Party && (req.List == "" || hits[i].List == req.List) && (req.EntityID == "" || hits[i].EntityID == req.EntityID) {
			if hit != nil {
				return nil, errorf(http.StatusBadRequest, "clear: the %s matched more than one listed entity; name one (list, entity_id)", req.Party)
			}
			hit = &hits[i]
		}
	}
	if hit == nil {
		return nil, errorf(http.StatusBadRequest, "clear: the alert has no fired sanctions match on party %q", req.Party)
	}
	if prev, ok := active[hit.key()]; ok {
		return nil, errorf(http.StatusConflict, "clear: already cleared (%s by %s)", prev.ID, prev.User)
	}
	c := &store.Clearing{Account: hit.Account, List: hit.List, EntityID: hit.EntityID, EntityName: hit.Name,
		AlertID: a.ID, User: p.user.Name, Reason: reason, ReviewBy: review}
	// Two inserts (two tables; 18.16 has no transactions): the clearing,
	// then its trail event. Should the second fail or the console stop in
	// between, the sweep appends the event (reconcileTrail) before it
	// closes any alert citing the clearing; the event's id is derived
	// from the clearing's, so appending it twice records it once.
	if err := s.deps.Store.AddClearing(ctx, c); err != nil {
		return nil, err
	}
	active[clearingKey(c)] = c
	res := &clearResult{Clearing: c}
	evs := []store.Event{onAlert(clearingEvent(c), a)}
	if a.Status != "closed" {
		cited, why := s.closingClearings(a, active)
		if cited != nil {
			evs = append(evs, closeEvent(a, p.user.Name, cited))
		}
		res.AlertOpen = why
	}
	if err := s.deps.Store.Append(ctx, evs); err != nil {
		return nil, fmt.Errorf("record the clearing in the alert's trail (the clearing %s is recorded; the sweep records it in the trail): %w", c.ID, err)
	}
	return res, nil
}

// closingClearings returns the active clearings that close alert a: they
// clear every match that fires it (runningPack.hits), and its rule could
// not have fired with them taken as not matching
// (ruleConditions.unclosable). Otherwise nil and, for an alert whose
// every fired match is cleared, why it stays open.
func (s *Server) closingClearings(a *store.Alert, active map[matchKey]*store.Clearing) ([]*store.Clearing, string) {
	p := s.pack()
	hits := p.hits(a, active)
	cited, ok := coveredBy(hits, active)
	if !ok {
		return nil, nextUncleared(hits, active)
	}
	if why := p.unclosable(a, active); why != "" {
		return nil, why
	}
	return cited, ""
}

// nextUncleared says why a match found by scoring a name again without
// its cleared entities (sanctionsHit.Next) keeps an alert open: it still
// fires the rule and is not cleared. "" when there is none: an alert
// with another match not cleared is not the clearings' to close, and
// not worth a word.
func nextUncleared(hits []sanctionsHit, active map[matchKey]*store.Clearing) string {
	for _, h := range hits {
		if h.Next && active[h.key()] == nil {
			return "the " + h.Party + "'s match is not cleared: " + listedMatch{Score: h.Score, EntityID: h.EntityID, List: h.List, Name: h.Name}.stillScores()
		}
	}
	return ""
}

// clearingEvent is the trail event of clearing c on the alert it was
// cleared from; built from c alone, so the sweep's reconciliation writes
// what the request would have.
func clearingEvent(c *store.Clearing) store.Event {
	note := "Cleared match " + c.ID + ": " + matchSummary(c)
	if !c.ReviewBy.IsZero() {
		note += ", review by " + c.ReviewBy.Format("2006-01-02")
	}
	return store.Event{ID: store.ClearingEventID(c.ID), AlertID: c.AlertID, User: c.User, Action: "match_clear", To: c.ID,
		Note: note + ": " + c.Reason}
}

// revocationEvent is the trail event of revoked clearing c, on the alert
// it was cleared from.
func revocationEvent(c *store.Clearing) store.Event {
	return store.Event{ID: store.RevocationEventID(c.ID), AlertID: c.AlertID, User: c.RevokedBy, Action: "match_revoke", From: c.ID,
		Note: "Revoked cleared match " + c.ID + " (" + matchSummary(c) + "): " + c.RevokeReason}
}

// onAlert is ev with the case, time and score of alert a, which the
// trail's queues sort by.
func onAlert(ev store.Event, a *store.Alert) store.Event {
	ev.CaseID, ev.AlertTS, ev.Score = a.CaseID, a.TS, a.Score
	return ev
}

// onStoredAlert is ev on its alert as stored; an alert no longer stored
// still gets the event, without its time.
func (s *Server) onStoredAlert(ctx context.Context, ev store.Event) store.Event {
	if a, err := s.deps.Store.Get(ctx, ev.AlertID); err == nil {
		return onAlert(ev, a)
	}
	return ev
}

// reconcileTrail appends the trail events missing for clearings and
// revocations of all (every one stored): the console stopped, or
// ClickHouse refused the event, between a clearing's two inserts. It asks
// the trail only about events it has not yet seen recorded (w.recorded),
// so a run costs nothing once every clearing's events are known, and
// returns how many it appended.
func (w *sweeper) reconcileTrail(ctx context.Context, all []store.Clearing) (int, error) {
	s := w.s
	var pending []store.Event
	for i := range all {
		c := &all[i]
		if !w.recorded[store.ClearingEventID(c.ID)] {
			pending = append(pending, clearingEvent(c))
		}
		if c.Revoked && !w.recorded[store.RevocationEventID(c.ID)] {
			pending = append(pending, revocationEvent(c))
		}
	}
	if len(pending) == 0 {
		return 0, nil
	}
	alertIDs, eventIDs := make([]string, 0, len(pending)), make([]string, 0, len(pending))
	seen := map[string]bool{}
	for _, ev := range pending {
		eventIDs = append(eventIDs, ev.ID)
		if !seen[ev.AlertID] {
			seen[ev.AlertID] = true
			alertIDs = append(alertIDs, ev.AlertID)
		}
	}
	found, err := s.deps.Store.RecordedEvents(ctx, alertIDs, eventIDs)
	if err != nil {
		return 0, err
	}
	var evs []store.Event
	for _, ev := range pending {
		if found[ev.ID] {
			w.recorded[ev.ID] = true
		} else {
			evs = append(evs, s.onStoredAlert(ctx, ev))
		}
	}
	if err := s.deps.Store.Append(ctx, evs); err != nil {
		return 0, fmt.Errorf("append the missing trail events of %d clearings: %w", len(evs), err)
	}
	for _, ev := range evs {
		w.recorded[ev.ID] = true
		s.deps.Log.Warn("recorded a clearing's trail event late: the console stopped or ClickHouse failed between its two inserts",
			"action", ev.Action, "alert", ev.AlertID, "event", ev.ID)
	}
	return len(evs), nil
}

// matchSummary says what a clearing decided, for the audit trail: the
// entity with its list and id, or, for a names list's entry, which has no
// id, with its list alone.
func matchSummary(c *store.Clearing) string {
	return fmt.Sprintf("%s is not %s (%s)", c.Account, c.EntityName, strings.TrimSpace(c.List+" "+c.EntityID))
}

// activeClearings returns the clearings in force now, by key.
func (s *Server) activeClearings(ctx context.Context) (map[matchKey]*store.Clearing, error) {
	all, err := s.deps.Store.Clearings(ctx)
	if err != nil {
		return nil, err
	}
	return activeAt(all, time.Now()), nil
}

// activeAt returns those of all in force at now, by key.
func activeAt(all []store.Clearing, now time.Time) map[matchKey]*store.Clearing {
	out := map[matchKey]*store.Clearing{}
	for i := range all {
		if c := &all[i]; c.Active(now) {
			out[clearingKey(c)] = c
		}
	}
	return out
}

// coveredBy returns the clearings that cover every hit, or false when a
// hit is not cleared (or there is none).
func coveredBy(hits []sanctionsHit, active map[matchKey]*store.Clearing) ([]*store.Clearing, bool) {
	if len(hits) == 0 {
		return nil, false
	}
	var cited []*store.Clearing
	seen := map[string]bool{}
	for _, h := range hits {
		c, ok := active[h.key()]
		if !ok {
			return nil, false
		}
		if !seen[c.ID] {
			seen[c.ID] = true
			cited = append(cited, c)
		}
	}
	return cited, true
}

// closeEvent is the disposal of alert a, by user, because cited clear its
// every match: the trail says which clearing, who made it, when and why.
func closeEvent(a *store.Alert, user string, cited []*store.Clearing) store.Event {
	var notes []string
	for _, c := range cited {
		notes = append(notes, fmt.Sprintf("Cleared match %s: %s, cleared by %s on %s: %s",
			c.ID, matchSummary(c), c.User, c.At.Format("2006-01-02"), c.Reason))
	}
	return store.Event{AlertID: a.ID, CaseID: a.CaseID, User: user, Action: "dispose", From: a.Status, To: store.ClearedMatch,
		Note: strings.Join(notes, "\n"), AlertTS: a.TS, Score: a.Score}
}

// revokeClearing ends a clearing: later alerts of the pair stay open
// again. Alerts it closed stay closed (they were, under the decision then
// in force); a supervisor reopens one with a reason.
func (s *Server) revokeClearing(ctx context.Context, p *principal, id, reason string) error {
	if err := requireRole(p, users.Supervisor, "revoke a cleared match"); err != nil {
		return err
	}
	reason, err := cleanText(reason)
	if err != nil {
		return err
	}
	if reason == "" {
		return errorf(http.StatusBadRequest, "revoke: a reason is required")
	}
	c, err := s.deps.Store.ClearingByID(ctx, id)
	if err != nil {
		return err
	}
	if c.Revoked {
		return errorf(http.StatusConflict, "revoke: already revoked by %s", c.RevokedBy)
	}
	if err := s.deps.Store.RevokeClearing(ctx, c, p.user.Name, reason); err != nil {
		return err
	}
	// The alert it was cleared from tells the story to whoever opens it;
	// as for a clearing, the sweep appends the event should this fail.
	c.Revoked, c.RevokedBy, c.RevokeReason = true, p.user.Name, reason
	if err := s.deps.Store.Append(ctx, []store.Event{s.onStoredAlert(ctx, revocationEvent(c))}); err != nil {
		return fmt.Errorf("record the revocation in the alert's trail (the revocation of %s is recorded; the sweep records it in the trail): %w", c.ID, err)
	}
	return nil
}

// sweeper closes the new alerts that active clearings cover. Once
// started (Start does), it runs every interval, and right after a
// clearing; runs never overlap.
type sweeper struct {
	s        *Server
	mu       sync.Mutex
	stop     chan struct{}
	stopped  sync.WaitGroup
	interval time.Duration
	// recorded are the ids of clearings' trail events known to be
	// stored (reconcileTrail): the trail is append-only, so once seen
	// they are not asked about again.
	recorded map[string]bool
	// keptOpen are the alerts whose fired matches are all cleared but
	// whose rule could have fired without them, as of the last run:
	// logged once, not every run.
	keptOpen map[string]bool
}

// defaultSweep is how often the console looks for new alerts of cleared
// matches when Config.ClearedMatchSweep is zero.
const defaultSweep = 30 * time.Second

func newSweeper(s *Server, interval time.Duration) *sweeper {
	if interval <= 0 {
		interval = defaultSweep
	}
	return &sweeper{s: s, stop: make(chan struct{}), interval: interval, recorded: map[string]bool{}}
}

func (w *sweeper) start() {
	w.stopped.Add(1)
	go func() {
		defer w.stopped.Done()
		t := time.NewTicker(w.interval)
		defer t.Stop()
		for {
			ctx, cancel := context.WithTimeout(context.Background(), w.s.queryLimit)
			if n, err := w.run(ctx); err != nil {
				w.s.deps.Log.Error("close alerts of cleared matches", "error", err)
			} else if n > 0 {
				w.s.deps.Log.Info("closed alerts of cleared matches", "alerts", n)
			}
			// After the closures, which leave the queue.
			if err := w.s.ageing.measure(ctx, w.s.deps.Store, time.Now()); err != nil {
				w.s.deps.Log.Error("measure the untriaged queue's age", "error", err)
			}
			cancel()
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
		}
	}()
}

func (w *sweeper) close() {
	close(w.stop)
	w.stopped.Wait()
}

// run first re-reads the pack when its files changed (packReloader),
// then appends the trail events missing for clearings and
// revocations (reconcileTrail), so that no alert is closed citing a
// clearing its trail does not record, then closes every new alert the
// active clearings close (closingClearings: every fired match cleared,
// and the rule could not have fired without them), one disposal event
// each by store.AutoUser citing the clearings, and returns how many it
// closed. An alert whose matches are all cleared but whose rule could
// have fired otherwise is logged, once, with the reason.
// Each closed alert is locked and its state read again first, so an
// analyst's action in between wins.
func (w *sweeper) run(ctx context.Context) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.s
	s.packs.check(rules.Options{FX: s.deps.FX}, s.deps.Log)
	all, err := s.deps.Store.Clearings(ctx)
	if err != nil || len(all) == 0 {
		return 0, err
	}
	if _, err := w.reconcileTrail(ctx, all); err != nil {
		return 0, err
	}
	active := activeAt(all, time.Now())
	if len(active) == 0 {
		return 0, nil
	}
	var accounts []string
	seen := map[string]bool{}
	for k := range active {
		if !seen[k.Account] {
			seen[k.Account] = true
			accounts = append(accounts, k.Account)
		}
	}
	sort.Strings(accounts)
	alerts, err := s.deps.Store.UntriagedWith(ctx, accounts, matchPrefixes)
	if err != nil {
		return 0, err
	}
	var evs []store.Event
	var ids []string
	open := map[string]bool{}
	for i := range alerts {
		a := &alerts[i]
		cited, why := s.closingClearings(a, active)
		if cited != nil {
			evs = append(evs, closeEvent(a, store.AutoUser, cited))
			ids = append(ids, a.ID)
		} else if why != "" {
			open[a.ID] = true
			if !w.keptOpen[a.ID] {
				s.deps.Log.Info("alert of cleared matches left open", "alert", a.ID, "rule", a.RuleID, "version", a.RuleVersion, "reason", why)
			}
		}
	}
	// Said once per alert while it stays so: the sweep runs every few seconds.
	w.keptOpen = open
	if len(evs) == 0 {
		return 0, nil
	}
	defer lockAlerts(ids)()
	states, err := s.deps.Store.States(ctx, ids)
	if err != nil {
		return 0, err
	}
	keep := evs[:0]
	for _, ev := range evs {
		if st, ok := states[ev.AlertID]; !ok || st.Status == "" || st.Status == "new" {
			ev.CaseID = states[ev.AlertID].CaseID
			keep = append(keep, ev)
		}
	}
	if err := s.deps.Store.Append(ctx, keep); err != nil {
		return 0, err
	}
	return len(keep), nil
}

// alertMatch is a sanctions match on the alert page: the hit and the
// clearing in force for it, if any.
type alertMatch struct {
	sanctionsHit
	Clearing *store.Clearing
}

// alertMatches returns the alert's sanctions matches with their clearings.
func (s *Server) alertMatches(ctx context.Context, a *store.Alert) ([]alertMatch, error) {
	p := s.pack()
	if len(p.thresholds.sanctionsHits(a)) == 0 {
		return nil, nil
	}
	active, err := s.activeClearings(ctx)
	if err != nil {
		return nil, err
	}
	hits := p.hits(a, active)
	out := make([]alertMatch, len(hits))
	for i, h := range hits {
		out[i] = alertMatch{sanctionsHit: h, Clearing: active[h.key()]}
	}
	return out, nil
}

// allCleared is the clearings in force for the matches, and one for
// each match not yet cleared: what the rule would read were they all.
func allCleared(matches []alertMatch) map[matchKey]*store.Clearing {
	out := map[matchKey]*store.Clearing{}
	for _, m := range matches {
		c := m.Clearing
		if c == nil {
			c = &store.Clearing{}
		}
		out[m.key()] = c
	}
	return out
}

// clearingsView is the cleared matches page's data.
type clearingsView struct {
	Clearings  []store.Clearing
	Now        time.Time
	Supervisor bool
}

func (v *clearingsView) title() string { return "Cleared matches" }

func (s *Server) clearingsPage(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	cs, err := s.deps.Store.Clearings(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "clearings", &clearingsView{Clearings: cs, Now: time.Now(),
		Supervisor: principalOf(r).user.AtLeast(users.Supervisor)})
}

func (s *Server) revokeForm(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	if err := s.revokeClearing(ctx, principalOf(r), r.PathValue("id"), r.PostFormValue("reason")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/clearings?flash=clearing+revoked", http.StatusSeeOther)
}

func (s *Server) apiClearings(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	cs, err := s.deps.Store.Clearings(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"clearings": cs})
}

func (s *Server) apiClear(w http.ResponseWriter, r *http.Request) {
	serveCreated(s, w, r, func(ctx context.Context, req clearRequest) (any, error) {
		return s.clearMatch(ctx, principalOf(r), r.PathValue("id"), req)
	})
}

// revokeRequest is the body of POST /api/clearings/{id}/revoke.
type revokeRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) apiRevoke(w http.ResponseWriter, r *http.Request) {
	serveCreated(s, w, r, func(ctx context.Context, req revokeRequest) (any, error) {
		return map[string]string{}, s.revokeClearing(ctx, principalOf(r), r.PathValue("id"), req.Reason)
	})
}

// clearForm is the alert page's "Clear this match for this customer…".
func (s *Server) clearForm(ctx context.Context, r *http.Request, id string) (string, error) {
	res, err := s.clearMatch(ctx, principalOf(r), id, clearRequest{Party: r.PostFormValue("party"), List: r.PostFormValue("list"), EntityID: r.PostFormValue("entity_id"),
		Reason: r.PostFormValue("reason"), ReviewBy: r.PostFormValue("review_by")})
	if err != nil {
		return "", err
	}
	if res.AlertOpen != "" {
		return "match cleared for this customer; the alert stays open: " + res.AlertOpen, nil
	}
	return "match cleared for this customer", nil
}
