package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/socwatch/socwatch/console/store"
)

// bulkRequest is one triage action on several alerts selected in the
// queue (POST /api/alerts/events and the queue's bulk bar): assign,
// status or dispose, with one reason. Each alert gets its own event,
// planned and checked as the single action would be (plan).
type bulkRequest struct {
	AlertIDs []string `json:"alert_ids"`
	actionRequest
}

// maxBulk bounds one bulk action: two queue pages.
const maxBulk = 100

// bulkActions are the actions that may be taken on several alerts at
// once; a note belongs to one alert.
var bulkActions = []string{"assign", "status", "dispose"}

// actOnAlerts applies req to every alert it names and returns the
// appended events. It is all or nothing: should the action be refused
// for any alert (closed already, not yet in review, a disposition the
// role may not give), nothing is recorded and the error lists each
// refusal; else the events are one insert block. Each event's note says
// it was one of a batch, and which, so the trail tells a decision taken
// for many alerts at once from one taken alone.
func (s *Server) actOnAlerts(ctx context.Context, p *principal, req bulkRequest) ([]store.Event, error) {
	if !slices.Contains(bulkActions, req.Action) {
		return nil, errorf(http.StatusBadRequest, "bulk: action must be %s", strings.Join(bulkActions, ", "))
	}
	ids := dedupe(req.AlertIDs)
	if len(ids) == 0 || len(ids) > maxBulk {
		return nil, errorf(http.StatusBadRequest, "bulk: select 1 to %d alerts", maxBulk)
	}
	for _, id := range ids {
		if !store.ValidAlertID(id) {
			return nil, errorf(http.StatusBadRequest, "bulk: %q is not an alert id", id)
		}
	}
	defer lockAlerts(ids)()
	alerts, err := s.deps.Store.AlertsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	if len(alerts) != len(ids) {
		return nil, errorf(http.StatusBadRequest, "bulk: %d of the %d alerts do not exist", len(ids)-len(alerts), len(ids))
	}
	known := func(n string) bool { _, ok := s.users.lookup(n); return ok }
	var evs []store.Event
	var refused []string
	code := 0
	for i := range alerts {
		planned, err := plan(&alerts[i], p.user, req.actionRequest, known)
		if err != nil {
			if code == 0 {
				code = statusOf(err)
			}
			refused = append(refused, alerts[i].ID[:8]+": "+err.Error())
			continue
		}
		evs = append(evs, planned...)
	}
	if len(refused) > 0 {
		return nil, errorf(code, "bulk %s refused for %d of the %d alerts, nothing recorded: %s",
			req.Action, len(refused), len(alerts), strings.Join(refused, "; "))
	}
	batch := fmt.Sprintf("(one of %d alerts in bulk %s %s)", len(evs), req.Action, store.NewID()[:8])
	for i := range evs {
		evs[i].Note = joinNote(evs[i].Note, batch)
	}
	if err := s.deps.Store.Append(ctx, evs); err != nil {
		return nil, err
	}
	return evs, nil
}

func (s *Server) apiBulk(w http.ResponseWriter, r *http.Request) {
	serveCreated(s, w, r, func(ctx context.Context, req bulkRequest) (any, error) {
		evs, err := s.actOnAlerts(ctx, principalOf(r), req)
		return map[string]any{"events": evs}, err
	})
}

// bulkForm is the queue's bulk bar: the ticked alerts (alert_id), the
// button pressed (bulk: assign, review or close) and its fields; back is
// the queue's query, to return to.
func (s *Server) bulkForm(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	reason := r.PostFormValue("reason") // parses the form
	req := bulkRequest{AlertIDs: r.PostForm["alert_id"], actionRequest: actionRequest{Reason: reason}}
	switch r.PostFormValue("bulk") {
	case "assign":
		req.Action, req.To = "assign", r.PostFormValue("assignee")
	case "review":
		req.Action, req.To = "status", "in_review"
	case "close":
		req.Action, req.To = "dispose", r.PostFormValue("disposition")
	}
	evs, err := s.actOnAlerts(ctx, principalOf(r), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back, err := url.ParseQuery(r.PostFormValue("back"))
	if err != nil {
		back = url.Values{}
	}
	back.Del("cursor") // the alerts acted on may have left the page's queue
	back.Set("flash", label(req.Action)+" recorded for "+strconv.Itoa(len(evs))+" alerts")
	http.Redirect(w, r, "/alerts?"+back.Encode(), http.StatusSeeOther)
}
