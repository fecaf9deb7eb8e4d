package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/testenv"
)

// seedTx is the size of the synthetic feed the API tests screen.
const seedTx = 20000

var (
	apiOnce sync.Once
	apiDSN  string
)

// apiEnv shares one seeded database among the API tests (seeding is the
// slow part); each test starts its own server and acts on its own alerts.
func apiEnv(t *testing.T) *env {
	t.Helper()
	testenv.Integration(t) // before the Once: a skip inside it would leave apiDSN empty
	apiOnce.Do(func() {
		e := newEnv(t, "api", seedTx)
		apiDSN = e.dsn
	})
	if apiDSN == "" {
		t.Fatal("seeding the shared database failed")
	}
	return startEnv(t, apiDSN)
}

func TestIntegrationNothingWithoutSession(t *testing.T) {
	e := apiEnv(t)
	a := e.firstAlerts(1, "")[0]
	anon := e.anonymous()
	routes := []struct{ method, path string }{
		{"GET", "/api/alerts"}, {"GET", "/api/alerts/" + a.ID}, {"POST", "/api/alerts/" + a.ID + "/events"},
		{"GET", "/api/cases"}, {"POST", "/api/cases"}, {"GET", "/api/rules"}, {"POST", "/api/backtest"},
		{"GET", "/api/session"}, {"GET", "/api/cases/0123/goaml.xml"}, {"POST", "/alerts/" + a.ID + "/action"},
		{"POST", "/cases"}, {"POST", "/backtest"},
	}
	for _, r := range routes {
		var body string
		code := anon.do(r.method, r.path, map[string]string{"action": "note", "note": "x", "title": "t"}, &body)
		if code != http.StatusUnauthorized {
			t.Errorf("%s %s without session = %d, want 401", r.method, r.path, code)
		}
		if strings.Contains(body, a.ID) || strings.Contains(body, a.DebtorAccount) {
			t.Errorf("%s %s without session leaked data: %s", r.method, r.path, body)
		}
	}
	for _, page := range []string{"/alerts", "/alerts/" + a.ID, "/cases", "/rules", "/backtest"} {
		var body string
		if code := anon.do("GET", page, nil, &body); code != http.StatusSeeOther || strings.Contains(body, a.DebtorAccount) {
			t.Errorf("GET %s without session = %d, want a redirect to the login", page, code)
		}
	}
	// A forged or expired cookie is no session either.
	anon.hc.Jar.SetCookies(mustURL(t, e.srv.URL), []*http.Cookie{{Name: sessionCookie, Value: strings.Repeat("ab", 32)}})
	if code := anon.do("GET", "/api/alerts", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("forged session = %d, want 401", code)
	}
	events, err := e.store.AlertEvents(t.Context(), a.ID)
	if err != nil || len(events) != 0 {
		t.Fatalf("anonymous requests wrote events: %v %v", events, err)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestIntegrationNoPostWithoutCSRF(t *testing.T) {
	e := apiEnv(t)
	a := e.firstAlerts(3, "sort=score")[2]
	good := e.login("ana")
	for _, tok := range []string{"", "wrong", good.csrf[:len(good.csrf)-1] + "x"} {
		c := *good
		c.csrf = tok
		for _, r := range []struct {
			path string
			body any
		}{
			{"/api/alerts/" + a.ID + "/events", map[string]string{"action": "note", "note": "no token"}},
			{"/api/cases", map[string]any{"title": "no token", "alert_ids": []string{a.ID}}},
			{"/api/backtest", map[string]string{"from": "2026-01-05", "to": "2026-01-06"}},
			{"/api/logout", nil},
		} {
			if code := c.do("POST", r.path, r.body, nil); code != http.StatusForbidden {
				t.Errorf("POST %s with token %q = %d, want 403", r.path, tok, code)
			}
		}
	}
	// A form post without the csrf field is refused too.
	resp, err := good.hc.PostForm(e.srv.URL+"/alerts/"+a.ID+"/action", url.Values{"action": {"note"}, "note": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("form post without csrf = %d, want 403", resp.StatusCode)
	}
	events, err := e.store.AlertEvents(t.Context(), a.ID)
	if err != nil || len(events) != 0 {
		t.Fatalf("requests without CSRF wrote events: %v %v", events, err)
	}
	// The right token works, and the session still does after all that.
	good.mustDo(http.StatusCreated, "POST", "/api/alerts/"+a.ID+"/events", map[string]string{"action": "note", "note": "with token"}, nil)
}

func TestIntegrationHostileFilters(t *testing.T) {
	e := apiEnv(t)
	c := e.login("ana")
	hostile := []string{
		"' OR 1=1 --", `\' OR '1'='1`, "x') UNION ALL SELECT * FROM system.users --", "%27%20OR%201%3D1",
		"\x00", "a\nb", strings.Repeat("A", 5000), "‮evil", "$(id)", "{{.}}", "1; DROP TABLE alerts",
		"arrayJoin([1,2])", "?", "??", "\\", "'", `"`, "`",
	}
	params := []string{"status", "typology", "severity", "rule", "account", "assignee", "from", "to", "sort", "limit", "cursor"}
	for _, p := range params {
		for _, h := range hostile {
			var body string
			code := c.do("GET", "/api/alerts?"+url.Values{p: {h}}.Encode(), nil, &body)
			switch code {
			case http.StatusBadRequest:
			case http.StatusOK:
				var page store.Page
				if code := c.do("GET", "/api/alerts?"+url.Values{p: {h}}.Encode(), nil, &page); code != 200 || len(page.Alerts) != 0 {
					t.Errorf("%s=%q returned %d alerts; a hostile value must match nothing", p, h, len(page.Alerts))
				}
			default:
				t.Errorf("%s=%q = %d, want 400 or an empty 200: %.200s", p, h, code, body)
			}
			low := strings.ToLower(body)
			if strings.Contains(low, "exception") || strings.Contains(low, "clickhouse") || strings.Contains(low, "syntax") {
				t.Errorf("%s=%q leaked a database error: %.300s", p, h, body)
			}
		}
	}
	// The same values through the page's filter form: a 400 page, never a 500.
	for _, h := range hostile[:6] {
		var body string
		if code := c.do("GET", "/alerts?account="+url.QueryEscape(h)+"&status="+url.QueryEscape(h), nil, &body); code != 400 && code != 200 {
			t.Errorf("queue page with %q = %d", h, code)
		}
	}
	// The database is intact afterwards.
	if n := len(e.firstAlerts(5, "")); n != 5 {
		t.Fatalf("alerts after hostile filters: %d", n)
	}
}

// TestIntegrationFiltersSelectWhatTheySay checks each filter against the
// rows it returns, so a filter that is silently ignored fails.
func TestIntegrationFiltersSelectWhatTheySay(t *testing.T) {
	e := apiEnv(t)
	c := e.login("ana")
	all := e.firstAlerts(200, "")
	pick := all[len(all)/2]
	tests := []struct {
		query string
		ok    func(store.Alert) bool
	}{
		{"rule=" + pick.RuleID, func(a store.Alert) bool { return a.RuleID == pick.RuleID }},
		{"typology=" + pick.Typology, func(a store.Alert) bool { return a.Typology == pick.Typology }},
		{"severity=" + pick.Severity, func(a store.Alert) bool { return a.Severity == pick.Severity }},
		{"account=" + url.QueryEscape(pick.DebtorAccount), func(a store.Alert) bool {
			return a.DebtorAccount == pick.DebtorAccount || a.CreditorAccount == pick.DebtorAccount
		}},
		{"from=" + pick.TS.Format("2006-01-02"), func(a store.Alert) bool { return !a.TS.Before(pick.TS.Truncate(24 * 3600e9)) }},
	}
	for _, tc := range tests {
		var page store.Page
		c.mustDo(200, "GET", "/api/alerts?limit=100&"+tc.query, nil, &page)
		if len(page.Alerts) == 0 {
			t.Errorf("%s: no alerts, want at least the one it was taken from", tc.query)
		}
		for _, a := range page.Alerts {
			if !tc.ok(a) {
				t.Errorf("%s returned %+v", tc.query, a)
				break
			}
		}
	}
}

func TestIntegrationKeysetPaging(t *testing.T) {
	e := apiEnv(t)
	c := e.login("ana")
	for _, sort := range []string{"time", "score"} {
		seen := map[string]bool{}
		var prev *store.Alert
		cursor := ""
		pages := 0
		for {
			var page store.Page
			c.mustDo(200, "GET", "/api/alerts?limit=37&sort="+sort+"&cursor="+url.QueryEscape(cursor), nil, &page)
			pages++
			for i := range page.Alerts {
				a := page.Alerts[i]
				if seen[a.ID] {
					t.Fatalf("sort=%s: alert %s on two pages", sort, a.ID)
				}
				seen[a.ID] = true
				if prev != nil && !ordered(sort, prev, &a) {
					t.Fatalf("sort=%s: %+v before %+v", sort, prev, a)
				}
				prev = &a
			}
			if page.Next == "" {
				break
			}
			cursor = page.Next
		}
		var counts map[string]uint64
		counts, err := e.store.Counts(t.Context(), store.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var total uint64
		for _, n := range counts {
			total += n
		}
		if uint64(len(seen)) != total || pages < 2 {
			t.Fatalf("sort=%s: paged through %d alerts in %d pages, counts say %d", sort, len(seen), pages, total)
		}
	}
}

func ordered(sort string, a, b *store.Alert) bool {
	if sort == "score" && a.Score != b.Score {
		return a.Score > b.Score
	}
	if !a.TS.Equal(b.TS) {
		return a.TS.After(b.TS)
	}
	return a.ID > b.ID
}

// TestIntegrationTriageAndAuditTrail walks one alert through the workflow,
// checks every refusal, and rebuilds the alert's history from the trail.
func TestIntegrationTriageAndAuditTrail(t *testing.T) {
	e := apiEnv(t)
	a := e.firstAlerts(10, "sort=score")[5]
	ana, sue := e.login("ana"), e.login("sue")
	path := "/api/alerts/" + a.ID + "/events"
	steps := []struct {
		who  *client
		body map[string]string
		want int
	}{
		{ana, map[string]string{"action": "assign", "to": "nobody-here"}, 400},
		{ana, map[string]string{"action": "assign", "to": "ana"}, 201},
		{ana, map[string]string{"action": "dispose", "to": "false_positive", "reason": "x"}, 409}, // not in review yet
		{ana, map[string]string{"action": "status", "to": "closed"}, 409},                         // closing is dispose
		{ana, map[string]string{"action": "status", "to": "in_review"}, 201},
		{ana, map[string]string{"action": "note", "note": "Customer called; says it is rent."}, 201},
		{ana, map[string]string{"action": "dispose", "to": "false_positive"}, 400},                  // reason required
		{ana, map[string]string{"action": "dispose", "to": "true_positive", "reason": "mule"}, 403}, // supervisors only
		{ana, map[string]string{"action": "status", "to": "escalated"}, 201},
		{ana, map[string]string{"action": "bogus"}, 400},
		{sue, map[string]string{"action": "assign", "to": "sue"}, 201},
		{sue, map[string]string{"action": "dispose", "to": "true_positive", "reason": "Funds forwarded within the hour to a mule."}, 201},
		{ana, map[string]string{"action": "assign", "to": "bob"}, 409}, // closed
		{ana, map[string]string{"action": "status", "to": "in_review", "reason": "more info"}, 403},
	}
	for i, s := range steps {
		var body string
		if code := s.who.do("POST", path, s.body, &body); code != s.want {
			t.Fatalf("step %d %v = %d, want %d: %s", i, s.body, code, s.want, body)
		}
	}
	var d struct {
		Alert       store.Alert
		Explanation map[string]any
		Transaction *store.Tx
		Events      []store.Event
	}
	ana.mustDo(200, "GET", "/api/alerts/"+a.ID, nil, &d)
	if d.Alert.Status != "closed" || d.Alert.Disposition != "true_positive" || d.Alert.Assignee != "sue" {
		t.Fatalf("state = %+v", d.Alert.State)
	}
	if len(d.Explanation) == 0 || d.Transaction == nil || d.Transaction.ID != a.TxID {
		t.Fatalf("detail lacks explanation or transaction: %+v %+v", d.Explanation, d.Transaction)
	}
	// The trail replays to the same state, and each event's from is the
	// previous event's to.
	want := []string{"assign", "status", "note", "status", "assign", "dispose"}
	if len(d.Events) != len(want) {
		t.Fatalf("events = %+v", d.Events)
	}
	status, assignee := "new", ""
	for i, ev := range d.Events {
		if ev.Action != want[i] {
			t.Fatalf("event %d = %s, want %s", i, ev.Action, want[i])
		}
		if i > 0 && ev.Seq <= d.Events[i-1].Seq {
			t.Fatalf("events out of order: %+v", d.Events)
		}
		switch ev.Action {
		case "assign":
			if ev.From != assignee {
				t.Fatalf("assign event from %q, previous assignee %q", ev.From, assignee)
			}
			assignee = ev.To
		case "status", "dispose":
			if ev.From != status {
				t.Fatalf("%s event from %q, previous status %q", ev.Action, ev.From, status)
			}
			status = ev.To
			if ev.Action == "dispose" {
				status = "closed"
			}
		}
	}
	if status != d.Alert.Status || assignee != d.Alert.Assignee {
		t.Fatalf("replayed %s/%s, stored state %+v", status, assignee, d.Alert.State)
	}
	// The queue sees the new state.
	var page store.Page
	ana.mustDo(200, "GET", "/api/alerts?status=closed&assignee=sue&limit=500", nil, &page)
	found := false
	for _, x := range page.Alerts {
		found = found || x.ID == a.ID
		if x.Status != "closed" {
			t.Fatalf("status=closed returned %+v", x)
		}
	}
	if !found {
		t.Fatal("closed alert missing from the closed queue")
	}
}

// TestIntegrationAcknowledgedActionsSurvive sends actions concurrently and
// kills the console mid-way: every action answered 201 is in ClickHouse
// when read back through a fresh connection.
func TestIntegrationAcknowledgedActionsSurvive(t *testing.T) {
	e := apiEnv(t)
	alerts := e.firstAlerts(40, "sort=time")
	c := e.login("bob")
	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	for i, a := range alerts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 20; k++ {
				note := fmt.Sprintf("durability %d/%d", i, k)
				body := strings.NewReader(fmt.Sprintf(`{"action":"note","note":%q}`, note))
				req, _ := http.NewRequest("POST", e.srv.URL+"/api/alerts/"+a.ID+"/events", body)
				req.Header.Set("X-CSRF-Token", c.csrf)
				resp, err := c.hc.Do(req)
				if err != nil {
					return // the console is gone
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					mu.Lock()
					acked[a.ID+"|"+note] = true
					mu.Unlock()
				}
			}
		}()
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 50 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.srv.CloseClientConnections() // the console dies with requests in flight
	e.srv.Close()
	wg.Wait()
	fresh, err := store.Open(t.Context(), e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	total := len(acked)
	for _, a := range alerts {
		evs, err := fresh.AlertEvents(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			delete(acked, a.ID+"|"+ev.Note)
		}
	}
	if len(acked) != 0 || total == len(alerts)*20 {
		t.Fatalf("%d of %d acknowledged actions are missing (or the kill came too late): %v", len(acked), total, acked)
	}
}

func TestIntegrationCasesAndGoAML(t *testing.T) {
	e := apiEnv(t)
	alerts := e.firstAlerts(3, "typology=structuring")
	ids := []string{alerts[0].ID}
	if len(alerts) > 1 {
		ids = append(ids, alerts[1].ID)
	}
	ana, sue := e.login("ana"), e.login("sue")
	ana.mustDo(400, "POST", "/api/cases", map[string]any{"title": "", "alert_ids": ids}, nil)
	ana.mustDo(400, "POST", "/api/cases", map[string]any{"title": "x", "alert_ids": []string{"ffff"}}, nil)
	var created struct{ ID string }
	ana.mustDo(201, "POST", "/api/cases", map[string]any{"title": "Structuring ring", "alert_ids": ids}, &created)
	ana.mustDo(201, "POST", "/api/cases/"+created.ID+"/events", map[string]string{"action": "reason", "note": "Cash deposits kept under the reporting threshold."}, nil)
	ana.mustDo(403, "POST", "/api/cases/"+created.ID+"/events", map[string]string{"action": "status", "to": "reported"}, nil)
	// The analyst cannot export; the supervisor can, and it validates.
	var body string
	if code := ana.do("GET", "/api/cases/"+created.ID+"/goaml.xml", nil, &body); code != http.StatusForbidden || strings.Contains(body, "<report>") {
		t.Fatalf("analyst export = %d %.100s, want 403", code, body)
	}
	sue.mustDo(200, "GET", "/api/cases/"+created.ID+"/goaml.xml", nil, &body)
	validGoAML(t, []byte(body))
	for _, a := range alerts[:len(ids)] {
		if !strings.Contains(body, "<transactionnumber>"+a.TxID+"</transactionnumber>") {
			t.Errorf("report lacks transaction %s", a.TxID)
		}
	}
	if !strings.Contains(body, "Cash deposits kept under the reporting threshold.") {
		t.Error("report lacks the case's reason")
	}
	var cv struct {
		Case   store.Case
		Alerts []store.Alert
		Events []store.Event
	}
	ana.mustDo(200, "GET", "/api/cases/"+created.ID, nil, &cv)
	if cv.Case.Title != "Structuring ring" || len(cv.Alerts) != len(ids) || cv.Case.Status != "open" {
		t.Fatalf("case = %+v with %d alerts", cv.Case, len(cv.Alerts))
	}
	var actions []string
	for _, ev := range cv.Events {
		actions = append(actions, ev.Action)
	}
	want := "case_open " + strings.TrimSpace(strings.Repeat("case_add ", len(ids))) + " case_reason goaml_export"
	if got := strings.Join(actions, " "); got != want {
		t.Fatalf("timeline %q, want %q", got, want)
	}
	for _, a := range cv.Alerts {
		if a.CaseID != created.ID {
			t.Fatalf("alert %s case = %q", a.ID, a.CaseID)
		}
	}
}

func TestIntegrationLoginRateLimitAndCookies(t *testing.T) {
	e := apiEnv(t)
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/login", strings.NewReader(`{"user":"ana","password":"ana-password"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var ck *http.Cookie
	for _, x := range resp.Cookies() {
		if x.Name == sessionCookie {
			ck = x
		}
	}
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure {
		t.Fatalf("session cookie = %+v, want HttpOnly SameSite=Strict (not Secure without TLS)", ck)
	}
	c := e.anonymous()
	for i := 0; i < 5; i++ {
		if code := c.do("POST", "/api/login", map[string]string{"user": "bob", "password": "guess-" + fmt.Sprint(i)}, nil); code != 401 {
			t.Fatalf("bad login %d = %d", i, code)
		}
	}
	// The right password no longer helps, for this user or from this address.
	for _, u := range []string{"bob", "ana"} {
		if code := c.do("POST", "/api/login", map[string]string{"user": u, "password": u + "-password"}, nil); code != http.StatusTooManyRequests {
			t.Fatalf("login as %s after 5 failures = %d, want 429", u, code)
		}
	}
}

func TestIntegrationProxyHeaderMode(t *testing.T) {
	e := apiEnv(t)
	e.cons.cfg.ProxyUserHeader = "X-Forwarded-User"
	get := func(user, path string) (int, *http.Response) {
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		if user != "" {
			req.Header.Set("X-Forwarded-User", user)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp
	}
	if code, _ := get("", "/api/alerts"); code != 401 {
		t.Errorf("no header = %d", code)
	}
	if code, _ := get("mallory", "/api/alerts"); code != 401 {
		t.Errorf("unknown user = %d", code)
	}
	if code, _ := get("sue", "/api/alerts"); code != 200 {
		t.Errorf("known user = %d", code)
	}
	if code := e.anonymous().do("POST", "/api/login", map[string]string{"user": "sue", "password": "sue-password"}, nil); code != 404 {
		t.Errorf("password login in proxy mode = %d, want 404", code)
	}
}

// TestIntegrationTriagedQueueMatchesAlertsPath checks that a status queue
// read from alert_events alone (no alert filter) pages through exactly the
// alerts the alerts-table path finds, typology by typology.
func TestIntegrationTriagedQueueMatchesAlertsPath(t *testing.T) {
	e := apiEnv(t)
	all := e.firstAlerts(120, "sort=time")
	var evs []store.Event
	for i, a := range all {
		if i%3 == 0 {
			continue
		}
		evs = append(evs, store.Event{AlertID: a.ID, User: "bob", Action: "status", From: "new", To: "escalated", AlertTS: a.TS, Score: a.Score})
	}
	if err := e.store.Append(t.Context(), evs); err != nil {
		t.Fatal(err)
	}
	list := func(f store.Filter) map[string]bool {
		out := map[string]bool{}
		for {
			f.Limit = 13
			page, err := e.store.List(t.Context(), f)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page.Alerts {
				if a.Status != f.Status {
					t.Fatalf("status=%s listed %+v", f.Status, a.State)
				}
				out[a.ID] = true
			}
			if page.Next == "" {
				return out
			}
			f.Cursor = page.Next
		}
	}
	for _, sort := range []string{store.SortTime, store.SortScore} {
		fromEvents := list(store.Filter{Status: "escalated", Sort: sort})
		fromAlerts := map[string]bool{}
		typs := map[string]bool{}
		for _, a := range all {
			typs[a.Typology] = true
		}
		for typ := range typs {
			for id := range list(store.Filter{Status: "escalated", Typology: typ, Sort: sort}) {
				fromAlerts[id] = true
			}
		}
		if len(fromEvents) < len(evs) || len(fromEvents) != len(fromAlerts) {
			t.Fatalf("sort=%s: events path %d alerts, alerts path %d, escalated here %d", sort, len(fromEvents), len(fromAlerts), len(evs))
		}
		for id := range fromAlerts {
			if !fromEvents[id] {
				t.Fatalf("sort=%s: %s missing from the events path", sort, id)
			}
		}
	}
}

// TestIntegrationGoAMLTracedPath: the report of a case holding a
// layering-chain alert the engine raised on the seeded feed holds every
// transfer of the alert's traced path, each once, and validates.
func TestIntegrationGoAMLTracedPath(t *testing.T) {
	e := apiEnv(t)
	a := e.firstAlerts(1, "typology=layering_chain")[0]
	sue := e.login("sue")
	var d struct{ Explanation map[string]json.RawMessage }
	sue.mustDo(200, "GET", "/api/alerts/"+a.ID, nil, &d)
	var hops []engine.Hop
	if err := json.Unmarshal(d.Explanation[engine.TracePathKey], &hops); err != nil || len(hops) < 3 {
		t.Fatalf("layering-chain alert %s has no path of 3 or more transfers: %v %s", a.ID, err, d.Explanation[engine.TracePathKey])
	}
	body := reportOfCase(t, sue, "Layering chain", a.ID)
	for _, h := range hops {
		if n := strings.Count(body, "<transactionnumber>"+h.TxID+"</transactionnumber>"); n != 1 {
			t.Errorf("hop %s (%s → %s) is in the report %d times, want once", h.TxID, h.Debtor, h.Creditor, n)
		}
	}
	if n := strings.Count(body, "<transaction>"); n != len(hops) {
		t.Errorf("%d transactions in the report, want the path's %d", n, len(hops))
	}
}

// reportOfCase opens a case of the alerts as c and returns its goAML
// report, validated against the schema.
func reportOfCase(t *testing.T, c *client, title string, alertIDs ...string) string {
	t.Helper()
	var created struct{ ID string }
	c.mustDo(201, "POST", "/api/cases", map[string]any{"title": title, "alert_ids": alertIDs}, &created)
	var body string
	c.mustDo(200, "GET", "/api/cases/"+created.ID+"/goaml.xml", nil, &body)
	validGoAML(t, []byte(body))
	return body
}

// TestIntegrationGoAMLAggregatePath: the report of an AML-LAYER-001 alert
// holds the inflow its forwarded_inflow_96h_path lists, not only the
// alerted transfer, each once, as stored.
func TestIntegrationGoAMLAggregatePath(t *testing.T) {
	e := apiEnv(t)
	a := e.firstAlerts(1, "rule=AML-LAYER-001")[0]
	sue := e.login("sue")
	var d struct{ Explanation map[string]json.RawMessage }
	sue.mustDo(200, "GET", "/api/alerts/"+a.ID, nil, &d)
	var path []struct {
		TxID string `json:"tx_id"`
	}
	if err := json.Unmarshal(d.Explanation["forwarded_inflow_96h_path"], &path); err != nil || len(path) != 2 {
		t.Fatalf("AML-LAYER-001 alert %s has no 2-transfer forwarded_inflow_96h_path: %v %s", a.ID, err, d.Explanation["forwarded_inflow_96h_path"])
	}
	body := reportOfCase(t, sue, "Pass-through", a.ID)
	for _, h := range path {
		if n := strings.Count(body, "<transactionnumber>"+h.TxID+"</transactionnumber>"); n != 1 {
			t.Errorf("transfer %s of the path is in the report %d times, want once", h.TxID, n)
		}
	}
	if n := strings.Count(body, "<transaction>"); n != len(path) {
		t.Errorf("%d transactions in the report, want the path's %d", n, len(path))
	}
	if strings.Contains(body, "not stored") {
		t.Errorf("the seeded transfers are stored, yet the report says one is not:\n%.3000s", body)
	}
}
