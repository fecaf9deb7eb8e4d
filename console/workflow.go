package console

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/console/users"
)

// actionRequest is an analyst's action on an alert (POST
// /api/alerts/{id}/events and the detail page's forms).
type actionRequest struct {
	Action string `json:"action"`
	To     string `json:"to"`
	Reason string `json:"reason"`
	Note   string `json:"note"`
}

// Dispositions an alert may be closed with.
var Dispositions = []string{"true_positive", "false_positive", "not_suspicious"}

// maxNote bounds free text in the audit trail.
const maxNote = 4000

// httpError is an error with the status the client should see.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func errorf(code int, format string, args ...any) error {
	return &httpError{code: code, msg: fmt.Sprintf(format, args...)}
}

func statusOf(err error) int {
	var he *httpError
	if errors.As(err, &he) {
		return he.code
	}
	if errors.Is(err, store.ErrBadFilter) {
		return http.StatusBadRequest
	}
	if errors.Is(err, store.ErrNotFound) {
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

// transitions are the status changes the "status" action may make, with
// the role each needs. Closing goes through "dispose".
var transitions = map[[2]string]string{
	{"new", "in_review"}:       users.Analyst,
	{"in_review", "escalated"}: users.Analyst,
	{"escalated", "in_review"}: users.Supervisor, // sent back by the supervisor
	{"closed", "in_review"}:    users.Supervisor, // reopened
}

func cleanText(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || len(s) > maxNote {
		return "", errorf(http.StatusBadRequest, "text must be valid UTF-8 of at most %d bytes", maxNote)
	}
	return s, nil
}

// plan turns an action on alert a by u into the events to append, or the
// reason it is refused. known says whether a name is a console user.
func plan(a *store.Alert, u users.User, req actionRequest, known func(string) bool) ([]store.Event, error) {
	reason, err := cleanText(req.Reason)
	if err != nil {
		return nil, err
	}
	note, err := cleanText(req.Note)
	if err != nil {
		return nil, err
	}
	ev := store.Event{AlertID: a.ID, CaseID: a.CaseID, User: u.Name, Action: req.Action, AlertTS: a.TS, Score: a.Score}
	switch req.Action {
	case "assign":
		if req.To != "" && !known(req.To) {
			return nil, errorf(http.StatusBadRequest, "assign: %q is not a console user", req.To)
		}
		if a.Status == "closed" {
			return nil, errorf(http.StatusConflict, "assign: alert is closed")
		}
		if req.To == a.Assignee {
			return nil, errorf(http.StatusConflict, "assign: already assigned to %q", req.To)
		}
		ev.From, ev.To, ev.Note = a.Assignee, req.To, note
	case "status":
		need, ok := transitions[[2]string{a.Status, req.To}]
		if !ok {
			return nil, errorf(http.StatusConflict, "status: %s → %q is not a transition (close with dispose)", a.Status, req.To)
		}
		if !u.AtLeast(need) {
			return nil, errorf(http.StatusForbidden, "status: %s → %s needs a %s", a.Status, req.To, need)
		}
		if a.Status == "closed" && reason == "" {
			return nil, errorf(http.StatusBadRequest, "status: reopening needs a reason")
		}
		ev.From, ev.To, ev.Note = a.Status, req.To, joinNote(reason, note)
	case "dispose":
		if !contains(Dispositions, req.To) {
			return nil, errorf(http.StatusBadRequest, "dispose: disposition must be one of %s", strings.Join(Dispositions, ", "))
		}
		if a.Status != "in_review" && a.Status != "escalated" {
			return nil, errorf(http.StatusConflict, "dispose: alert is %s; review it first", a.Status)
		}
		if reason == "" {
			return nil, errorf(http.StatusBadRequest, "dispose: a reason is required")
		}
		if req.To == "true_positive" && !u.AtLeast(users.Supervisor) {
			return nil, errorf(http.StatusForbidden, "dispose: only a supervisor closes an alert as true_positive; escalate it")
		}
		ev.From, ev.To, ev.Note = a.Status, req.To, joinNote(reason, note)
	case "note":
		if note == "" {
			return nil, errorf(http.StatusBadRequest, "note: empty")
		}
		ev.Note = note
	default:
		return nil, errorf(http.StatusBadRequest, "action must be assign, status, dispose or note")
	}
	return []store.Event{ev}, nil
}

func joinNote(reason, note string) string {
	switch {
	case reason == "":
		return note
	case note == "":
		return reason
	}
	return reason + "\n" + note
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
