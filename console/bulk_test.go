package console

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/testenv"
)

// TestIntegrationBulkTriage: one action on several selected alerts is
// each alert's own event, checked as the single action is, and all or
// nothing: one refusal (an alert closed meanwhile, not yet in review, a
// disposition the role may not give) records nothing. Two bulk actions
// on the same alerts at once do not both move them.
func TestIntegrationBulkTriage(t *testing.T) {
	testenv.Integration(t)
	e := startEnv(t, freshDB(t, "bulk"))
	t0 := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	var alerts []engine.Alert
	var ids []string
	for i, tx := range []string{"bulk-1", "bulk-2", "bulk-3", "bulk-4", "bulk-5"} {
		a := sancAlert(t, tx, t0.Add(time.Duration(i)*time.Hour), kovalenko, payee, 0.98, "17761", 0.41, "18323")
		alerts = append(alerts, a)
		ids = append(ids, a.AlertID)
	}
	writeAlerts(t, e.dsn, alerts...)
	ana, bob, sue := e.login("ana"), e.login("bob"), e.login("sue")
	three := ids[:3]
	bulk := func(c *client, want int, ids []string, action, to, reason string) {
		t.Helper()
		c.mustDo(want, "POST", "/api/alerts/events", map[string]any{"alert_ids": ids, "action": action, "to": to, "reason": reason}, nil)
	}
	// trail returns every alert's events, by alert id.
	trail := func() map[string][]store.Event {
		out := map[string][]store.Event{}
		for _, id := range ids {
			_, _, evs := alertState(t, sue, id)
			out[id] = evs
		}
		return out
	}

	// Refused before anything is read: no alerts, too many, a bad id, an
	// unknown one, an action that is not for many.
	many := make([]string, maxBulk+1)
	for i := range many {
		many[i] = store.NewID()
	}
	for _, bad := range []struct {
		ids    []string
		action string
	}{
		{nil, "assign"}, {many, "assign"}, {[]string{"x'--"}, "assign"}, {[]string{ids[0], store.NewID()}, "assign"}, {three, "note"},
	} {
		bulk(ana, 400, bad.ids, bad.action, "bob", "")
	}

	// Assign three: three events by ana, one batch named in each.
	bulk(ana, 201, three, "assign", "bob", "")
	evs := trail()
	batch := ""
	for _, id := range three {
		last := evs[id][len(evs[id])-1]
		if last.Action != "assign" || last.User != "ana" || last.To != "bob" || !strings.Contains(last.Note, "one of 3 alerts in bulk assign") {
			t.Fatalf("%s: last event %+v; want ana's assignment to bob, one of 3", id, last)
		}
		if b := last.Note[strings.LastIndex(last.Note, " ")+1:]; batch == "" {
			batch = b
		} else if b != batch {
			t.Fatalf("one bulk assignment names two batches: %s, %s", batch, b)
		}
	}
	if len(evs[ids[3]]) != 0 {
		t.Fatalf("an alert not selected has events: %+v", evs[ids[3]])
	}

	// refused sends a bulk action that must be refused, and checks it
	// recorded nothing.
	refused := func(want int, ids []string, action, to, reason string) {
		t.Helper()
		before := trail()
		bulk(ana, want, ids, action, to, reason)
		if after := trail(); !sameTrails(before, after) {
			t.Fatalf("refused bulk %s recorded events:\nbefore %+v\nafter  %+v", action, before, after)
		}
	}
	// Closing alerts not yet in review is refused.
	refused(409, three, "dispose", "false_positive", "payroll")
	bulk(ana, 201, three, "status", "in_review", "")
	// One of them closed meanwhile: the bulk close is refused for all.
	bob.mustDo(201, "POST", "/api/alerts/"+ids[2]+"/events", map[string]string{"action": "dispose", "to": "not_suspicious", "reason": "known payee"}, nil)
	refused(409, three, "dispose", "false_positive", "payroll")
	refused(403, ids[:2], "dispose", "true_positive", "confirmed") // an analyst escalates instead
	refused(400, ids[:2], "dispose", "false_positive", " ")
	reason := "Monthly payroll of a known employer; contracts on file"
	bulk(ana, 201, ids[:2], "dispose", "false_positive", reason)
	for _, id := range ids[:2] {
		status, disp, evs := alertState(t, sue, id)
		last := evs[len(evs)-1]
		if status != "closed" || disp != "false_positive" || last.User != "ana" || !strings.HasPrefix(last.Note, reason+"\n(one of 2 alerts in bulk dispose") {
			t.Errorf("%s: %s/%s, last event %+v; want closed false_positive by ana with the reason", id, status, disp, last)
		}
	}

	// Two bulk reviews of the same alerts at once: one wins, the other
	// is refused, and each alert moves once.
	race := ids[3:]
	codes := make([]int, 2)
	var wg sync.WaitGroup
	for i, c := range []*client{ana, bob} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = c.do("POST", "/api/alerts/events", map[string]any{"alert_ids": race, "action": "status", "to": "in_review"}, nil)
		}()
	}
	wg.Wait()
	if codes[0]+codes[1] != 201+409 {
		t.Fatalf("two bulk reviews at once answered %v, want one 201 and one 409", codes)
	}
	states, err := e.store.States(context.Background(), race)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range race {
		if _, _, evs := alertState(t, sue, id); countAction(evs, "status") != 1 || states[id].Status != "in_review" {
			t.Errorf("%s: %d status events, status %q; want one move to in_review", id, countAction(evs, "status"), states[id].Status)
		}
	}
}

// sameTrails reports whether two reads of the alerts' trails hold the
// same events.
func sameTrails(a, b map[string][]store.Event) bool {
	if len(a) != len(b) {
		return false
	}
	for id, evs := range a {
		if len(b[id]) != len(evs) {
			return false
		}
		for i := range evs {
			if evs[i].ID != b[id][i].ID {
				return false
			}
		}
	}
	return true
}
