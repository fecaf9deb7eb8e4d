package console

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/console/users"
)

// parseTime accepts RFC 3339, a datetime-local value or a date.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errorf(http.StatusBadRequest, "time %q: want RFC 3339 or YYYY-MM-DD", s)
}

// parseFilter reads the queue filter from a query string.
func parseFilter(q url.Values) (store.Filter, error) {
	f := store.Filter{
		Status: q.Get("status"), Typology: q.Get("typology"), Severity: q.Get("severity"),
		Rule: q.Get("rule"), Account: strings.TrimSpace(q.Get("account")), Assignee: q.Get("assignee"),
		Sort: q.Get("sort"), Cursor: q.Get("cursor"),
	}
	var err error
	if f.From, err = parseTime(q.Get("from")); err != nil {
		return f, err
	}
	if f.To, err = parseTime(q.Get("to")); err != nil {
		return f, err
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			return f, errorf(http.StatusBadRequest, "limit must be a number")
		}
		f.Limit = n
	}
	return f, f.Validate()
}

func (s *Server) apiAlerts(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	page, err := s.deps.Store.List(ctx, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// detail is everything the alert page shows.
type detail struct {
	Alert       *store.Alert  `json:"alert"`
	Explanation any           `json:"explanation"`
	Transaction *store.Tx     `json:"transaction"`
	Around      []store.Tx    `json:"around"`
	Related     []store.Alert `json:"related"`
	Events      []store.Event `json:"events"`
	Path        *tracePath    `json:"-"` // the explanation's trace.path, nil without one
	Graph       *graph        `json:"-"`
}

// aroundWindow is how far either side of an alert its accounts'
// transactions are shown.
const aroundWindow = 72 * time.Hour

// relatedWindow is how far either side of an alert other alerts on its
// accounts are listed.
const relatedWindow = 90 * 24 * time.Hour

func (s *Server) alertDetail(ctx context.Context, id string) (*detail, error) {
	a, err := s.deps.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &detail{Alert: a, Explanation: a.Explanation}
	accounts := nonEmpty(a.DebtorAccount, a.CreditorAccount)
	var wg sync.WaitGroup
	var errs [4]error
	wg.Add(4)
	go func() { defer wg.Done(); d.Transaction, errs[0] = s.deps.Store.Transaction(ctx, a.TxID) }()
	go func() {
		defer wg.Done()
		d.Around, errs[1] = s.deps.Store.Around(ctx, accounts, a.TS, aroundWindow, 300)
	}()
	go func() {
		defer wg.Done()
		d.Related, errs[2] = s.deps.Store.Related(ctx, accounts, a.ID, a.TS, relatedWindow, 50)
	}()
	go func() { defer wg.Done(); d.Events, errs[3] = s.deps.Store.AlertEvents(ctx, a.ID) }()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	d.Path = parseTracePath(a.Explanation)
	d.Graph = buildGraph(a, d.Around, d.Path)
	return d, nil
}

func nonEmpty(xs ...string) []string {
	var out []string
	for _, x := range xs {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

func (s *Server) apiAlert(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	d, err := s.alertDetail(ctx, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// alertLocks serialises actions on one alert within this process, so two
// analysts clicking at once cannot both move it from the same state.
var alertLocks sync.Map

func lockAlert(id string) func() {
	mu, _ := alertLocks.LoadOrStore(id, &sync.Mutex{})
	m := mu.(*sync.Mutex)
	m.Lock()
	return m.Unlock
}

// lockAlerts locks several alerts, in id order: every caller that holds
// more than one (bulk actions, the cleared-match sweep) takes them in the
// same order, so none waits for another that waits for it.
func lockAlerts(ids []string) func() {
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	unlocks := make([]func(), 0, len(sorted))
	for _, id := range sorted {
		unlocks = append(unlocks, lockAlert(id))
	}
	return func() {
		for i := len(unlocks) - 1; i >= 0; i-- {
			unlocks[i]()
		}
	}
}

// act applies an analyst's action to an alert and returns the appended
// events; it returns only once ClickHouse has them.
func (s *Server) act(ctx context.Context, p *principal, id string, req actionRequest) ([]store.Event, error) {
	if !store.ValidAlertID(id) {
		return nil, store.ErrNotFound
	}
	defer lockAlert(id)()
	a, err := s.deps.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	known := func(n string) bool { _, ok := s.users.lookup(n); return ok }
	evs, err := plan(a, p.user, req, known)
	if err != nil {
		return nil, err
	}
	if err := s.deps.Store.Append(ctx, evs); err != nil {
		return nil, err
	}
	return evs, nil
}

func (s *Server) apiAlertEvent(w http.ResponseWriter, r *http.Request) {
	serveCreated(s, w, r, func(ctx context.Context, req actionRequest) (any, error) {
		evs, err := s.act(ctx, principalOf(r), r.PathValue("id"), req)
		return map[string]any{"events": evs}, err
	})
}

// maxCaseAlerts bounds one case.
const maxCaseAlerts = 1000

// createCase opens a case holding alertIDs, in one insert block.
func (s *Server) createCase(ctx context.Context, p *principal, title string, alertIDs []string) (string, error) {
	title, err := cleanText(title)
	if err != nil {
		return "", err
	}
	if title == "" {
		return "", errorf(http.StatusBadRequest, "a case needs a title")
	}
	ids := dedupe(alertIDs)
	if len(ids) == 0 || len(ids) > maxCaseAlerts {
		return "", errorf(http.StatusBadRequest, "a case holds 1 to %d alerts", maxCaseAlerts)
	}
	for _, id := range ids {
		if !store.ValidAlertID(id) {
			return "", errorf(http.StatusBadRequest, "%q is not an alert id", id)
		}
	}
	alerts, err := s.deps.Store.AlertsByID(ctx, ids)
	if err != nil {
		return "", err
	}
	if len(alerts) != len(ids) {
		return "", errorf(http.StatusBadRequest, "%d of the %d alerts do not exist", len(ids)-len(alerts), len(ids))
	}
	caseID := store.NewID()
	evs := []store.Event{{CaseID: caseID, User: p.user.Name, Action: "case_open", To: "open", Note: title}}
	for _, a := range alerts {
		evs = append(evs, store.Event{AlertID: a.ID, CaseID: caseID, User: p.user.Name, Action: "case_add", From: a.CaseID, To: caseID, AlertTS: a.TS, Score: a.Score})
	}
	if err := s.deps.Store.Append(ctx, evs); err != nil {
		return "", err
	}
	return caseID, nil
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		x = strings.TrimSpace(x)
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// createCaseRequest is the body of POST /api/cases.
type createCaseRequest struct {
	Title    string   `json:"title"`
	AlertIDs []string `json:"alert_ids"`
}

func (s *Server) apiCreateCase(w http.ResponseWriter, r *http.Request) {
	serveCreated(s, w, r, func(ctx context.Context, req createCaseRequest) (any, error) {
		id, err := s.createCase(ctx, principalOf(r), req.Title, req.AlertIDs)
		return map[string]string{"id": id}, err
	})
}

func (s *Server) apiCases(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	cs, err := s.deps.Store.Cases(ctx, 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"cases": cs})
}

// caseView is everything the case page shows.
type caseView struct {
	Case         *store.Case   `json:"case"`
	Alerts       []store.Alert `json:"alerts"`
	Transactions []store.Tx    `json:"transactions"`
	Events       []store.Event `json:"events"`
}

func (s *Server) caseDetail(ctx context.Context, id string) (*caseView, error) {
	return loadCase(ctx, s.deps.Store, id)
}

func loadCase(ctx context.Context, st *store.Store, id string) (*caseView, error) {
	c, err := st.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &caseView{Case: c}
	if v.Alerts, err = st.AlertsByID(ctx, c.AlertIDs); err != nil {
		return nil, err
	}
	var txIDs []string
	for _, a := range v.Alerts {
		txIDs = append(txIDs, a.TxID)
	}
	if v.Transactions, err = st.TransactionsByID(ctx, dedupe(txIDs)); err != nil {
		return nil, err
	}
	if v.Events, err = st.CaseEvents(ctx, id); err != nil {
		return nil, err
	}
	return v, nil
}

func (s *Server) apiCase(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	v, err := s.caseDetail(ctx, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// caseRequest is an action on a case.
type caseRequest struct {
	Action   string   `json:"action"` // note, status, assign, reason, action_taken, add
	To       string   `json:"to"`
	Note     string   `json:"note"`
	AlertIDs []string `json:"alert_ids"`
}

// CaseStatuses are a case's states: open while worked, reported once the
// STR is filed, closed.
var CaseStatuses = []string{"open", "reported", "closed"}

func (s *Server) caseAct(ctx context.Context, p *principal, id string, req caseRequest) error {
	c, err := s.deps.Store.Case(ctx, id)
	if err != nil {
		return err
	}
	note, err := cleanText(req.Note)
	if err != nil {
		return err
	}
	ev := store.Event{CaseID: c.ID, User: p.user.Name}
	switch req.Action {
	case "note":
		if note == "" {
			return errorf(http.StatusBadRequest, "note: empty")
		}
		ev.Action, ev.Note = "case_note", note
	case "status":
		if !contains(CaseStatuses, req.To) || req.To == c.Status {
			return errorf(http.StatusBadRequest, "status must be one of %s and differ from %s", strings.Join(CaseStatuses, ", "), c.Status)
		}
		if err := requireRole(p, users.Supervisor, "change a case's status"); err != nil {
			return err
		}
		ev.Action, ev.From, ev.To, ev.Note = "case_status", c.Status, req.To, note
	case "assign":
		if _, ok := s.users.lookup(req.To); !ok && req.To != "" {
			return errorf(http.StatusBadRequest, "assign: %q is not a console user", req.To)
		}
		ev.Action, ev.From, ev.To = "case_assign", c.Assignee, req.To
	case "reason", "action_taken":
		if note == "" {
			return errorf(http.StatusBadRequest, "%s: empty", req.Action)
		}
		ev.Action, ev.Note = "case_reason", note
		if req.Action == "action_taken" {
			ev.Action = "case_action"
		}
	case "add":
		ids := dedupe(req.AlertIDs)
		alerts, err := s.deps.Store.AlertsByID(ctx, ids)
		if err != nil {
			return err
		}
		if len(ids) == 0 || len(alerts) != len(ids) {
			return errorf(http.StatusBadRequest, "add: unknown alert ids")
		}
		var evs []store.Event
		for _, a := range alerts {
			evs = append(evs, store.Event{AlertID: a.ID, CaseID: c.ID, User: p.user.Name, Action: "case_add", From: a.CaseID, To: c.ID, AlertTS: a.TS, Score: a.Score})
		}
		return s.deps.Store.Append(ctx, evs)
	default:
		return errorf(http.StatusBadRequest, "action must be note, status, assign, reason, action_taken or add")
	}
	return s.deps.Store.Append(ctx, []store.Event{ev})
}

func (s *Server) apiCaseEvent(w http.ResponseWriter, r *http.Request) {
	serveCreated(s, w, r, func(ctx context.Context, req caseRequest) (any, error) {
		return map[string]string{}, s.caseAct(ctx, principalOf(r), r.PathValue("id"), req)
	})
}

// goamlExport writes the case's STR; only a supervisor may.
func (s *Server) goamlExport(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	if err := requireRole(p, users.Supervisor, "export goAML"); err != nil {
		s.fail(w, r, err)
		return
	}
	if s.deps.GoAML == nil {
		s.fail(w, r, errorf(http.StatusServiceUnavailable, "no goAML mapping configured (--goaml FILE)"))
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	var buf bytes.Buffer
	id := r.PathValue("id")
	if err := ExportGoAML(ctx, s.deps.Store, s.deps.GoAML, id, p.user.Name, &buf); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="goaml-%s.xml"`, id))
	_, _ = w.Write(buf.Bytes())
}
