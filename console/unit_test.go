package console

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/console/users"
	"github.com/socwatch/socwatch/engine"
)

func TestPlanWorkflow(t *testing.T) {
	analyst, supervisor := users.User{Name: "ana", Role: users.Analyst}, users.User{Name: "sue", Role: users.Supervisor}
	known := func(n string) bool { return n == "ana" || n == "sue" }
	tests := []struct {
		name   string
		status string
		who    users.User
		req    actionRequest
		code   int // 0 = allowed
	}{
		{"review new", "new", analyst, actionRequest{Action: "status", To: "in_review"}, 0},
		{"skip review", "new", analyst, actionRequest{Action: "status", To: "escalated"}, http.StatusConflict},
		{"close by status", "in_review", analyst, actionRequest{Action: "status", To: "closed"}, http.StatusConflict},
		{"escalate", "in_review", analyst, actionRequest{Action: "status", To: "escalated"}, 0},
		{"send back as analyst", "escalated", analyst, actionRequest{Action: "status", To: "in_review"}, http.StatusForbidden},
		{"send back as supervisor", "escalated", supervisor, actionRequest{Action: "status", To: "in_review"}, 0},
		{"reopen without reason", "closed", supervisor, actionRequest{Action: "status", To: "in_review"}, http.StatusBadRequest},
		{"reopen", "closed", supervisor, actionRequest{Action: "status", To: "in_review", Reason: "new facts"}, 0},
		{"dispose new", "new", analyst, actionRequest{Action: "dispose", To: "false_positive", Reason: "r"}, http.StatusConflict},
		{"dispose no reason", "in_review", analyst, actionRequest{Action: "dispose", To: "false_positive", Reason: "  "}, http.StatusBadRequest},
		{"dispose unknown", "in_review", analyst, actionRequest{Action: "dispose", To: "meh", Reason: "r"}, http.StatusBadRequest},
		{"dispose fp", "in_review", analyst, actionRequest{Action: "dispose", To: "false_positive", Reason: "r"}, 0},
		{"dispose tp as analyst", "escalated", analyst, actionRequest{Action: "dispose", To: "true_positive", Reason: "r"}, http.StatusForbidden},
		{"dispose tp as supervisor", "escalated", supervisor, actionRequest{Action: "dispose", To: "true_positive", Reason: "r"}, 0},
		{"assign unknown", "new", analyst, actionRequest{Action: "assign", To: "eve"}, http.StatusBadRequest},
		{"assign closed", "closed", analyst, actionRequest{Action: "assign", To: "ana"}, http.StatusConflict},
		{"empty note", "new", analyst, actionRequest{Action: "note", Note: " "}, http.StatusBadRequest},
		{"huge note", "new", analyst, actionRequest{Action: "note", Note: string(make([]byte, maxNote+1))}, http.StatusBadRequest},
		{"invalid utf8", "new", analyst, actionRequest{Action: "note", Note: "\xff"}, http.StatusBadRequest},
		{"unknown action", "new", analyst, actionRequest{Action: "delete"}, http.StatusBadRequest},
	}
	for _, tc := range tests {
		a := &store.Alert{ID: "ab", State: store.State{Status: tc.status, CaseID: "c1"}}
		evs, err := plan(a, tc.who, tc.req, known)
		if tc.code == 0 {
			if err != nil || len(evs) != 1 {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			ev := evs[0]
			if ev.User != tc.who.Name || ev.AlertID != "ab" || ev.CaseID != "c1" || ev.Action != tc.req.Action {
				t.Errorf("%s: event %+v", tc.name, ev)
			}
			if (tc.req.Action == "status" || tc.req.Action == "dispose") && (ev.From != tc.status || ev.To != tc.req.To) {
				t.Errorf("%s: from/to %q→%q", tc.name, ev.From, ev.To)
			}
			continue
		}
		if got := statusOf(err); got != tc.code {
			t.Errorf("%s: status %d (%v), want %d", tc.name, got, err, tc.code)
		}
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter(3, time.Minute)
	l.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if !l.allow("ip:a", "user:x") {
			t.Fatalf("attempt %d refused", i)
		}
		l.fail("ip:a", "user:x")
	}
	if l.allow("ip:a") || l.allow("user:x") || !l.allow("ip:b", "user:y") {
		t.Fatal("limit not applied per key")
	}
	now = now.Add(61 * time.Second)
	if !l.allow("ip:a", "user:x") {
		t.Fatal("limit outlived its window")
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/alerts?status=new": "/alerts?status=new", "//evil.example/": "/alerts", "https://evil.example": "/alerts",
		"": "/alerts", "/\\evil": "/alerts", "javascript:alert(1)": "/alerts",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	base := func() Config {
		return Config{ClickHouse: "clickhouse://x/db", Listen: "127.0.0.1:8080", Users: "u.json", SessionTTL: time.Hour}
	}
	tests := []struct {
		name string
		edit func(*Config)
		ok   bool
	}{
		{"defaults", func(*Config) {}, true},
		{"public without tls", func(c *Config) { c.Listen = "0.0.0.0:8080" }, false},
		{"public with tls", func(c *Config) { c.Listen = ":8443"; c.TLSCert, c.TLSKey = "c", "k" }, true},
		{"public allowed", func(c *Config) { c.Listen = "10.0.0.1:80"; c.AllowPublic = true }, true},
		{"cert without key", func(c *Config) { c.TLSCert = "c" }, false},
		{"no users", func(c *Config) { c.Users = "" }, false},
		{"bad listen", func(c *Config) { c.Listen = "nope" }, false},
		{"short ttl", func(c *Config) { c.SessionTTL = time.Second }, false},
		{"metrics on loopback", func(c *Config) { c.MetricsAddr = "127.0.0.1:9465" }, true},
		{"metrics on every interface", func(c *Config) { c.MetricsAddr = ":9465" }, false},
		{"metrics public", func(c *Config) { c.MetricsAddr = "10.0.0.1:9465" }, false},
		{"metrics not an address", func(c *Config) { c.MetricsAddr = "9465" }, false},
	}
	for _, tc := range tests {
		c := base()
		tc.edit(&c)
		if err := c.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestGraphMarksAlertAndPath(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	a := &store.Alert{ID: "a", TxID: "out", Typology: "pass_through", TS: at, DebtorAccount: "MULE", CreditorAccount: "DEST"}
	txs := []store.Tx{
		{ID: "in1", TS: at.Add(-3 * time.Hour), AmountEUR: "5000", DebtorAccount: "SRC1", CreditorAccount: "MULE"},
		{ID: "in2", TS: at.Add(-2 * time.Hour), AmountEUR: "5000", DebtorAccount: "SRC2", CreditorAccount: "MULE"},
		{ID: "old", TS: at.Add(-48 * time.Hour), AmountEUR: "10", DebtorAccount: "SRC3", CreditorAccount: "MULE"},
		{ID: "out", TS: at, AmountEUR: "9500", DebtorAccount: "MULE", CreditorAccount: "DEST"},
		{ID: "later", TS: at.Add(time.Hour), AmountEUR: "9000", DebtorAccount: "DEST", CreditorAccount: "FAR"},
	}
	g := buildGraph(a, txs, nil)
	kinds := map[string]string{}
	for _, e := range g.Edges {
		kinds[e.From.Account+">"+e.To.Account] = e.Kind
		if e.Path == "" {
			t.Errorf("edge %s>%s has no path", e.From.Account, e.To.Account)
		}
	}
	want := map[string]string{"SRC1>MULE": "path", "SRC2>MULE": "path", "SRC3>MULE": "flow", "MULE>DEST": "alert", "DEST>FAR": "flow"}
	for k, v := range want {
		if kinds[k] != v {
			t.Errorf("edge %s = %q, want %q", k, kinds[k], v)
		}
	}
	// No counterparty on the line between the alert's two accounts.
	for _, n := range g.Nodes {
		if n.Role == "counterparty" && math.Abs(n.Y-float64(g.Height)/2) < 20 {
			t.Errorf("%s sits on the alert's line (y=%.0f)", n.Account, n.Y)
		}
	}
}

// TestGraphDrawsUnstoredAlertedTransfer: an alert whose transfer is not
// stored still has it drawn between its accounts, from the alert, once.
func TestGraphDrawsUnstoredAlertedTransfer(t *testing.T) {
	at := time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)
	a := &store.Alert{ID: "a", TxID: "gone", TS: at, AmountEUR: "700.00", DebtorAccount: "UA03D", CreditorAccount: "UA56C"}
	other := store.Tx{ID: "t", TS: at.Add(-time.Hour), AmountEUR: "20", DebtorAccount: "UA03D", CreditorAccount: "PL61X"}
	for _, tc := range []struct {
		name string
		txs  []store.Tx
	}{
		{"nothing stored", nil},
		{"only other transfers stored", []store.Tx{other}},
		{"stored", []store.Tx{other, {ID: "gone", TS: at, AmountEUR: "700.00", DebtorAccount: "UA03D", CreditorAccount: "UA56C"}}},
	} {
		var alerted []string
		for _, e := range buildGraph(a, tc.txs, nil).Edges {
			if e.Kind == "alert" {
				alerted = append(alerted, fmt.Sprintf("%s>%s %.0f×%d", e.From.Account, e.To.Account, e.SumEUR, e.Count))
			}
		}
		if len(alerted) != 1 || alerted[0] != "UA03D>UA56C 700×1" {
			t.Errorf("%s: alerted edges %v, want UA03D>UA56C 700×1", tc.name, alerted)
		}
	}
}

func TestGraphBoundsNodes(t *testing.T) {
	a := &store.Alert{ID: "a", TxID: "t0", DebtorAccount: "HUB", CreditorAccount: "X0"}
	var txs []store.Tx
	for i := 0; i < 40; i++ {
		txs = append(txs, store.Tx{ID: fmt.Sprint("t", i), AmountEUR: fmt.Sprint(100 + i), DebtorAccount: "HUB", CreditorAccount: fmt.Sprint("X", i)})
	}
	g := buildGraph(a, txs, nil)
	if len(g.Nodes) != maxGraphNodes+2 || g.Omitted != 40-1-maxGraphNodes {
		t.Fatalf("%d nodes, %d omitted", len(g.Nodes), g.Omitted)
	}
	for _, e := range g.Edges {
		if e.From == nil || e.To == nil {
			t.Fatal("edge to an omitted node")
		}
	}
}

// TestSecureCookieUnderTLS: behind TLS the session cookie is Secure.
func TestSecureCookieUnderTLS(t *testing.T) {
	cfg := Config{Users: testUsers(t), TLSCert: "cert.pem", TLSKey: "key.pem", SessionTTL: time.Hour}
	s, err := New(cfg, Deps{Store: &store.Store{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(s.Handler())
	defer srv.Close()
	resp, err := srv.Client().Post(srv.URL+"/api/login", "application/json", strings.NewReader(`{"user":"ana","password":"ana-password"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var ck *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			ck = c
		}
	}
	if ck == nil || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie under TLS = %+v", ck)
	}
	if resp.Header.Get("Strict-Transport-Security") == "" || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatal("security headers missing")
	}
}

// FuzzParseFilter: whatever the query string, parsing either refuses it
// or yields a filter whose free-text fields passed the allowlist.
func FuzzParseFilter(f *testing.F) {
	f.Add("status=new&typology=fan_in&limit=20&sort=score")
	f.Add("account=%27+OR+1%3D1&from=2026-01-01&to=x")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fl, err := parseFilter(q)
		if err != nil {
			return
		}
		for _, v := range []string{fl.Typology, fl.Rule, fl.Account, fl.Assignee} {
			if strings.ContainsAny(v, "'\"`\\;()") {
				t.Fatalf("filter value %q passed", v)
			}
		}
		if fl.Limit < 1 || fl.Limit > store.MaxLimit {
			t.Fatalf("limit %d passed", fl.Limit)
		}
	})
}

// TestLockAlertsOrderAndRepeats: lockAlerts takes an id given twice once
// (a second Lock of one mutex would wait forever) and releases them all;
// two callers naming the same alerts in opposite orders do not deadlock.
func TestLockAlertsOrderAndRepeats(t *testing.T) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		lockAlerts([]string{"lock-b", "lock-a", "lock-b"})()
		var wg sync.WaitGroup
		for _, ids := range [][]string{{"lock-a", "lock-b", "lock-c"}, {"lock-c", "lock-b", "lock-a"}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 1000 {
					lockAlerts(ids)()
				}
			}()
		}
		wg.Wait()
		lockAlert("lock-a")() // released
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("lockAlerts deadlocked")
	}
}

// TestGraphLegendListsWhatIsDrawn: the legend names the kinds of edge the
// graph draws, and no other (it listed "inflow on the traced path" under
// every graph).
func TestGraphLegendListsWhatIsDrawn(t *testing.T) {
	pages, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	plain := &store.Alert{ID: "a", TxID: "out", TS: at, AmountEUR: "700.00", DebtorAccount: "UA03D", CreditorAccount: "UA56C"}
	passThrough := *plain
	passThrough.Typology = "pass_through"
	inflow := store.Tx{ID: "in", TS: at.Add(-2 * time.Hour), AmountEUR: "5000", DebtorAccount: "SRC", CreditorAccount: "UA03D"}
	old := store.Tx{ID: "old", TS: at.Add(-48 * time.Hour), AmountEUR: "10", DebtorAccount: "PL61X", CreditorAccount: "UA03D"}
	hops := chain("A", "B", "C", "D")
	tests := []struct {
		name string
		g    *graph
		want []string // legend entries by data-kind
		text string   // the path entry's wording, when drawn
	}{
		{"only the alerted transfer", buildGraph(plain, nil, nil), []string{"alert"}, ""},
		{"alerted transfer and other flows", buildGraph(plain, []store.Tx{old}, nil), []string{"alert", "flow"}, ""},
		{"pass-through: its inflow", buildGraph(&passThrough, []store.Tx{inflow}, nil), []string{"alert", "path"}, "inflow on the traced path"},
		{"pass-through with an older flow", buildGraph(&passThrough, []store.Tx{inflow, old}, nil), []string{"alert", "path", "flow"}, "inflow on the traced path"},
		{"traced chain", buildGraph(flowAlert(hops, "layering_chain"), nil, parseTracePath(explanation(t, map[string]any{"trace.hops": 3, engine.TracePathKey: hops}))),
			[]string{"alert", "path"}, "earlier hop of a traced path"},
	}
	for _, tc := range tests {
		var buf strings.Builder
		if err := pages.ExecuteTemplate(&buf, "graph", tc.g); err != nil {
			t.Fatal(err)
		}
		legend := buf.String()[strings.Index(buf.String(), `id="graph-legend"`):]
		var got []string
		for _, m := range strings.Split(legend, `data-kind="`)[1:] {
			got = append(got, m[:strings.IndexByte(m, '"')])
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: legend %v, want %v", tc.name, got, tc.want)
		}
		if tc.text != "" && !strings.Contains(legend, tc.text) || tc.text == "" && strings.Contains(legend, "traced path") {
			t.Errorf("%s: legend %q, want the path entry %q", tc.name, legend, tc.text)
		}
	}
}
