package console

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/fx"
	"github.com/socwatch/socwatch/internal/testenv"
	"github.com/socwatch/socwatch/rules"
)

// Accounts of the cleared-match tests: the customer whose name resembles
// a listed entity, another customer with the same resemblance, and
// counterparties.
const (
	kovalenko = "UA033204784147606995435438307"
	namesake  = "UA213223130000026007233566001"
	payee     = "UA563204784194866250570818343"
	payee2    = "PL61109010140000071219812874"
)

// sancAlert is an AML-SANC-002 alert as the screener writes it.
func sancAlert(t testing.TB, txID string, ts time.Time, debtor, creditor string, dScore float64, dEntity string, cScore float64, cEntity string) engine.Alert {
	amt, _ := engine.ParseDecimal("700.00")
	version := packVersion(t, "AML-SANC-002")
	return engine.Alert{AlertID: engine.AlertID("AML-SANC-002", version, txID), RuleID: "AML-SANC-002", RuleVersion: version, Typology: "sanctions",
		Severity: "critical", Score: 90, Mode: "active", TxID: txID, TS: ts, DebtorAccount: debtor, CreditorAccount: creditor,
		DebtorCountry: debtor[:2], CreditorCountry: creditor[:2], AmountEUR: amt,
		Explanation: sancExplanationMap(dScore, dEntity, cScore, cEntity)}
}

// watchlisted are the watchlist spellings (AML-SANC-001) the tests
// match, by the OFAC entity the AML-SANC-002 tests match instead.
var watchlisted = map[string]string{"17761": "CABELLO RONDON, Jose David", "18323": "GERTLER, Dan", "23578": "AL-QADRI, Ahmad"}

// exactAlert is an AML-SANC-001 alert as the screener writes it: each
// party's name_match the watchlist's spelling or false ("").
func exactAlert(t testing.TB, txID string, ts time.Time, debtor, creditor, dListed, cListed string) engine.Alert {
	a := sancAlert(t, txID, ts, debtor, creditor, 0, "", 0, "")
	a.RuleID, a.RuleVersion, a.Score = "AML-SANC-001", packVersion(t, "AML-SANC-001"), 95
	a.AlertID = engine.AlertID(a.RuleID, a.RuleVersion, txID)
	a.Explanation = exactExplanationMap(dListed, cListed)
	return a
}

// matchRule is a sanctions rule of the cleared-match tests: how it
// raises an alert whose debtor's and creditor's matches fired on the
// entities named (one of listedNames' ids; "": did not fire), and what a
// clearing of entity 17761 holds.
type matchRule struct {
	rule               string
	alert              func(t testing.TB, txID string, ts time.Time, debtor, creditor, dFired, cFired string) engine.Alert
	list, entity, name string
}

var matchRules = []matchRule{
	{rule: "AML-SANC-002", list: "ofac-sdn", entity: "17761", name: "KOVALENKO, Andrey",
		alert: func(t testing.TB, txID string, ts time.Time, debtor, creditor, dFired, cFired string) engine.Alert {
			// A party whose match did not fire is explained by its
			// best match, below the threshold (the creditor's name,
			// Andriy Kravchenko, resembles KURCHENKO a little).
			score := func(entity string) (float64, string) {
				if entity == "" {
					return 0.41, "18323"
				}
				return 0.98, entity
			}
			ds, de := score(dFired)
			cs, ce := score(cFired)
			return sancAlert(t, txID, ts, debtor, creditor, ds, de, cs, ce)
		}},
	{rule: "AML-SANC-001", list: "sanctions_watchlist", entity: "", name: watchlisted["17761"],
		alert: func(t testing.TB, txID string, ts time.Time, debtor, creditor, dFired, cFired string) engine.Alert {
			return exactAlert(t, txID, ts, debtor, creditor, watchlisted[dFired], watchlisted[cFired])
		}},
}

// alertState reads an alert's status, disposition and trail through the
// API.
func alertState(t *testing.T, c *client, id string) (status, disposition string, events []store.Event) {
	t.Helper()
	var d struct {
		Alert  store.Alert
		Events []store.Event
	}
	c.mustDo(200, "GET", "/api/alerts/"+id, nil, &d)
	return d.Alert.Status, d.Alert.Disposition, d.Events
}

// TestIntegrationClearedMatches: clearing (customer account, listed
// entity) closes that pair's new alerts, citing the clearing in their
// trail, and no other alert: not the account's alert against another
// entity, not another customer's alert against the entity, not an alert
// another party's match fired too, not one an analyst already reviews.
// The queue counts the closures; a revoked clearing closes nothing more.
// Both sanctions rules: fuzzy (AML-SANC-002, entity by id) and exact
// (AML-SANC-001, a watchlist entry by its spelling).
func TestIntegrationClearedMatches(t *testing.T) {
	testenv.Integration(t)
	for _, mr := range matchRules {
		t.Run(mr.rule, func(t *testing.T) { testClearedMatches(t, mr) })
	}
}

func testClearedMatches(t *testing.T, mr matchRule) {
	e := startEnv(t, freshDB(t, "clearings_"+strings.ToLower(strings.ReplaceAll(mr.rule, "-", "_"))))
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	day := func(n int) time.Time { return t0.Add(time.Duration(n) * 24 * time.Hour) }
	first := mr.alert(t, "sanc-1", day(0), kovalenko, payee, "17761", "")
	later := mr.alert(t, "sanc-2", day(1), kovalenko, payee2, "17761", "")
	otherEntity := mr.alert(t, "sanc-3", day(2), payee2, kovalenko, "", "23578")
	otherCustomer := mr.alert(t, "sanc-4", day(3), namesake, payee, "17761", "")
	bothFired := mr.alert(t, "sanc-5", day(4), kovalenko, payee, "17761", "18323")
	inReview := mr.alert(t, "sanc-6", day(5), kovalenko, payee2, "17761", "")
	writeAlerts(t, e.dsn, first, later, otherEntity, otherCustomer, bothFired, inReview)
	ana, bob, sue := e.login("ana"), e.login("bob"), e.login("sue")
	bob.mustDo(201, "POST", "/api/alerts/"+inReview.AlertID+"/events", map[string]string{"action": "status", "to": "in_review"}, nil)

	// Refused: no reason, a party whose match did not fire, a bad date.
	ana.mustDo(400, "POST", "/api/alerts/"+first.AlertID+"/clearings", map[string]string{"party": "debtor", "reason": " "}, nil)
	ana.mustDo(400, "POST", "/api/alerts/"+first.AlertID+"/clearings", map[string]string{"party": "creditor", "reason": "r"}, nil)
	ana.mustDo(400, "POST", "/api/alerts/"+first.AlertID+"/clearings", map[string]string{"party": "debtor", "reason": "r", "review_by": "2020-01-01"}, nil)

	reason := "Customer born 1990 in Lviv; the listed person was born 1961 (passport seen)"
	review := time.Now().AddDate(1, 0, 0).Format("2006-01-02")
	var cleared struct{ Clearing store.Clearing }
	ana.mustDo(201, "POST", "/api/alerts/"+first.AlertID+"/clearings", map[string]string{"party": "debtor", "reason": reason, "review_by": review}, &cleared)
	c := cleared.Clearing
	if c.Account != kovalenko || c.List != mr.list || c.EntityID != mr.entity || c.EntityName != mr.name || c.User != "ana" ||
		c.AlertID != first.AlertID || c.ReviewBy.Format("2006-01-02") != review {
		t.Fatalf("clearing %+v", c)
	}
	ana.mustDo(409, "POST", "/api/alerts/"+bothFired.AlertID+"/clearings", map[string]string{"party": "debtor", "reason": "again"}, nil)

	// The alert cleared from is closed by the analyst; the later one of
	// the pair by the console, citing the clearing.
	for _, tc := range []struct {
		a            engine.Alert
		status, disp string
		by           string // the closing event's user, "" when not closed
	}{
		{first, "closed", store.ClearedMatch, "ana"},
		{later, "closed", store.ClearedMatch, store.AutoUser},
		{otherEntity, "new", "", ""},
		{otherCustomer, "new", "", ""},
		{bothFired, "new", "", ""},
		{inReview, "in_review", "", ""},
	} {
		status, disp, evs := alertState(t, sue, tc.a.AlertID)
		if status != tc.status || disp != tc.disp {
			t.Errorf("%s: %s/%s, want %s/%s", tc.a.TxID, status, disp, tc.status, tc.disp)
		}
		if tc.by == "" {
			continue
		}
		last := evs[len(evs)-1]
		if last.Action != "dispose" || last.User != tc.by || !strings.Contains(last.Note, "Cleared match "+c.ID) || !strings.Contains(last.Note, reason) {
			t.Errorf("%s: closing event %+v; want a disposal by %s citing clearing %s", tc.a.TxID, last, tc.by, c.ID)
		}
	}

	// An alert of the pair raised after the clearing is closed by the
	// sweep; the counts say how many were closed automatically.
	after := mr.alert(t, "sanc-7", day(30), kovalenko, payee2, "17761", "")
	writeAlerts(t, e.dsn, after)
	ctx := context.Background()
	if _, err := e.cons.sweep.run(ctx); err != nil {
		t.Fatal(err)
	}
	if status, disp, _ := alertState(t, sue, after.AlertID); status != "closed" || disp != store.ClearedMatch {
		t.Fatalf("alert raised after the clearing: %s/%s, want closed/%s", status, disp, store.ClearedMatch)
	}
	counts, err := e.store.Counts(ctx, store.Filter{Rule: mr.rule})
	if err != nil {
		t.Fatal(err)
	}
	if counts["closed"] != 3 || counts[store.AutoClosed] != 2 || counts["new"] != 3 || counts["in_review"] != 1 {
		t.Fatalf("counts %v: want 3 closed (2 automatically), 3 new, 1 in review", counts)
	}
	var page string
	sue.mustDo(200, "GET", "/alerts?rule="+mr.rule, nil, &page)
	if !strings.Contains(page, `id="auto-closed"`) || !strings.Contains(page, ">2 auto<") {
		t.Fatalf("queue page does not show the 2 automatic closures: %.2000s", page)
	}

	// Only a supervisor revokes, with a reason; then the pair's new
	// alerts stay open, and the closed ones stay closed.
	ana.mustDo(403, "POST", "/api/clearings/"+c.ID+"/revoke", map[string]string{"reason": "new facts"}, nil)
	sue.mustDo(400, "POST", "/api/clearings/"+c.ID+"/revoke", map[string]string{"reason": ""}, nil)
	sue.mustDo(201, "POST", "/api/clearings/"+c.ID+"/revoke", map[string]string{"reason": "Adverse media links the customer to the listed person"}, nil)
	sue.mustDo(409, "POST", "/api/clearings/"+c.ID+"/revoke", map[string]string{"reason": "twice"}, nil)
	var list struct{ Clearings []store.Clearing }
	sue.mustDo(200, "GET", "/api/clearings", nil, &list)
	if len(list.Clearings) != 1 || !list.Clearings[0].Revoked || list.Clearings[0].RevokedBy != "sue" ||
		!strings.Contains(list.Clearings[0].RevokeReason, "Adverse media") || list.Clearings[0].Reason != reason {
		t.Fatalf("clearings after revoking: %+v", list.Clearings)
	}
	// The alert cleared from tells the whole story: cleared, closed,
	// revoked.
	_, _, evs := alertState(t, sue, first.AlertID)
	var trail []string
	for _, ev := range evs {
		trail = append(trail, ev.User+" "+ev.Action)
		if ev.Action == "match_clear" && (ev.To != c.ID || !strings.Contains(ev.Note, reason) || !strings.Contains(ev.Note, "review by "+review)) {
			t.Errorf("clearing event %+v", ev)
		}
		if ev.Action == "match_revoke" && (ev.From != c.ID || !strings.Contains(ev.Note, "Adverse media")) {
			t.Errorf("revocation event %+v", ev)
		}
	}
	if got := strings.Join(trail, ", "); got != "ana match_clear, ana dispose, sue match_revoke" {
		t.Errorf("trail of the alert cleared from: %s", got)
	}
	revoked := mr.alert(t, "sanc-8", day(31), kovalenko, payee2, "17761", "")
	writeAlerts(t, e.dsn, revoked)
	if _, err := e.cons.sweep.run(ctx); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := alertState(t, sue, revoked.AlertID); status != "new" {
		t.Fatalf("alert of a revoked clearing is %s, want new", status)
	}
	if status, _, _ := alertState(t, sue, later.AlertID); status != "closed" {
		t.Fatalf("alert closed under the clearing is %s after the revocation, want closed", status)
	}
}

// TestIntegrationClearingTrailReconciled: ClickHouse stores a clearing
// and then refuses its trail event (the second insert; alert_events lacks
// a column for the while). The request fails; no sweep closes an alert
// citing the clearing while its event is missing; once ClickHouse takes
// events again, the sweep appends it, then closes the pair's alerts.
// Appended again (a request that raced the sweep), the event is still
// one in the trail. The same for a revocation.
func TestIntegrationClearingTrailReconciled(t *testing.T) {
	testenv.Integration(t)
	e := startEnv(t, freshDB(t, "clearing_trail"))
	ctx := context.Background()
	mr := matchRules[1]
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	first := mr.alert(t, "trail-1", t0, kovalenko, payee, "17761", "")
	later := mr.alert(t, "trail-2", t0.Add(24*time.Hour), kovalenko, payee2, "17761", "")
	writeAlerts(t, e.dsn, first, later)
	ana, sue := e.login("ana"), e.login("sue")
	refuseEvents := func() { execSQL(t, e.dsn, "ALTER TABLE alert_events DROP COLUMN note") }
	takeEvents := func() { execSQL(t, e.dsn, "ALTER TABLE alert_events ADD COLUMN note String AFTER `to`") }
	recorded := func(id string) bool {
		t.Helper()
		ids, err := e.store.RecordedEvents(ctx, []string{first.AlertID}, []string{id})
		if err != nil {
			t.Fatal(err)
		}
		return ids[id]
	}

	refuseEvents()
	reason := "Namesake: customer born 1990 in Lviv, passport seen"
	if code := ana.do("POST", "/api/alerts/"+first.AlertID+"/clearings", map[string]string{"party": "debtor", "reason": reason}, nil); code == 201 {
		t.Fatal("clearing acknowledged though its trail event was refused")
	}
	cs, err := e.store.Clearings(ctx)
	if err != nil || len(cs) != 1 {
		t.Fatalf("clearings %+v, %v: want the one stored before the trail event failed", cs, err)
	}
	c := cs[0]
	if _, err := e.cons.sweep.run(ctx); err == nil || recorded(store.ClearingEventID(c.ID)) {
		t.Fatalf("sweep with events refused: error %v, event recorded %v; want an error and no event", err, recorded(store.ClearingEventID(c.ID)))
	}
	for _, a := range []engine.Alert{first, later} {
		if st, err := e.store.States(ctx, []string{a.AlertID}); err != nil || st[a.AlertID].Status != "" {
			t.Fatalf("%s closed (%+v, %v) while the clearing's trail event is missing", a.TxID, st[a.AlertID], err)
		}
	}

	takeEvents()
	if _, err := e.cons.sweep.run(ctx); err != nil {
		t.Fatal(err)
	}
	_, _, evs := alertState(t, sue, first.AlertID)
	var clearedAt uint64
	for _, ev := range evs {
		if ev.Action == "match_clear" {
			if clearedAt != 0 || ev.ID != store.ClearingEventID(c.ID) || ev.User != "ana" || !strings.Contains(ev.Note, reason) {
				t.Fatalf("trail of the alert cleared from: %+v; want one match_clear by ana with the reason", evs)
			}
			clearedAt = ev.Seq
		}
	}
	if clearedAt == 0 {
		t.Fatalf("the sweep did not record the clearing in the trail: %+v", evs)
	}
	for _, a := range []engine.Alert{first, later} {
		status, disp, evs := alertState(t, sue, a.AlertID)
		last := evs[len(evs)-1]
		if status != "closed" || disp != store.ClearedMatch || last.User != store.AutoUser || last.Seq <= clearedAt {
			t.Errorf("%s: %s/%s, last event %+v; want closed by the sweep after the clearing's event (seq %d)", a.TxID, status, disp, last, clearedAt)
		}
	}
	// The request's own append landing late, and more sweeps: still one.
	again := onAlert(clearingEvent(&c), &store.Alert{})
	if err := e.store.Append(ctx, []store.Event{again}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cons.sweep.run(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, evs := alertState(t, sue, first.AlertID); countAction(evs, "match_clear") != 1 {
		t.Fatalf("trail after a second append: %+v; want one match_clear", evs)
	}

	refuseEvents()
	if code := sue.do("POST", "/api/clearings/"+c.ID+"/revoke", map[string]string{"reason": "adverse media"}, nil); code == 201 {
		t.Fatal("revocation acknowledged though its trail event was refused")
	}
	takeEvents()
	if _, err := e.cons.sweep.run(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, evs := alertState(t, sue, first.AlertID); countAction(evs, "match_revoke") != 1 || evs[len(evs)-1].User != "sue" ||
		!strings.Contains(evs[len(evs)-1].Note, "adverse media") {
		t.Fatalf("trail after the revocation: %+v; want one match_revoke by sue with the reason", evs)
	}
}

func countAction(evs []store.Event, action string) int {
	n := 0
	for _, ev := range evs {
		if ev.Action == action {
			n++
		}
	}
	return n
}

// clearedPair is the (customer account, listed entity) of the test's
// database with the most AML-SANC-002 alerts that a clearing of it alone
// closes.
type clearedPair struct {
	key    matchKey
	party  string      // the customer's side on source
	source store.Alert // the pair's oldest alert, cleared from
	later  []store.Alert
}

func sanctionsPair(t *testing.T, e *env) clearedPair {
	t.Helper()
	alerts := e.firstAlerts(500, "rule=AML-SANC-002")
	groups := map[matchKey][]store.Alert{}
	parties := map[string]string{}
	for _, listed := range alerts {
		a, err := e.store.Get(context.Background(), listed.ID)
		if err != nil {
			t.Fatal(err)
		}
		hits := e.cons.pack().thresholds.sanctionsHits(a)
		if len(hits) == 0 {
			continue
		}
		k := hits[0].key()
		if _, alone := coveredBy(hits, map[matchKey]*store.Clearing{k: {}}); alone && a.Status == "new" {
			groups[k] = append(groups[k], *a)
			parties[a.ID] = hits[0].Party
		}
	}
	var best clearedPair
	for k, g := range groups {
		if len(g) > len(best.later)+1 || (len(g) == len(best.later)+1 && k.Account < best.key.Account) {
			sort.Slice(g, func(i, j int) bool { return g[i].TS.Before(g[j].TS) })
			best = clearedPair{key: k, party: parties[g[0].ID], source: g[0], later: g[1:]}
		}
	}
	if len(best.later) < 2 {
		t.Fatalf("no customer with 3 or more AML-SANC-002 alerts against one entity (%d alerts)", len(alerts))
	}
	return best
}

// arriving is a new alert of the pair: the source's match on a transfer
// an hour after the pair's newest alert.
func (p clearedPair) arriving(t *testing.T) engine.Alert {
	t.Helper()
	return repeatAlert(t, p.source, "sanc-arriving", p.later[len(p.later)-1].TS.Add(time.Hour))
}

// repeatAlert is the alert src's rule raises on another transfer, txID at
// ts, of the same accounts and names: the same explanation.
func repeatAlert(t *testing.T, src store.Alert, txID string, ts time.Time) engine.Alert {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(src.Explanation, &m); err != nil {
		t.Fatal(err)
	}
	a := src
	amt, _ := engine.ParseDecimal(a.AmountEUR)
	return engine.Alert{AlertID: engine.AlertID(a.RuleID, int(a.RuleVersion), txID), RuleID: a.RuleID, RuleVersion: int(a.RuleVersion),
		Typology: a.Typology, Severity: a.Severity, Score: int(a.Score), Mode: a.Mode, TxID: txID, TS: ts,
		DebtorAccount: a.DebtorAccount, CreditorAccount: a.CreditorAccount, DebtorCountry: a.DebtorCountry, CreditorCountry: a.CreditorCountry,
		AmountEUR: amt, Explanation: m}
}

// customRules are rules an FIU adds next to the shipped sanctions rules:
// one that also fires on the amount alone, one that needs the amount as
// well as the match.
const customRules = `rules:
  - id: AML-CUST-001
    version: 1
    name: Watchlisted debtor, or a very large transfer
    severity: high
    score: 80
    typology: sanctions
    when: name_match(debtor.name, "sanctions_watchlist") || amount_eur > 1000000
  - id: AML-CUST-002
    version: 1
    name: Watchlisted debtor sending more than EUR 500
    severity: high
    score: 80
    typology: sanctions
    when: name_match(debtor.name, "sanctions_watchlist") && amount_eur > 500
`

// TestIntegrationClearingChecksRuleCondition: a clearing closes an alert
// only when its rule could not have fired without the cleared match. A
// custom rule's alert that fired on the amount (its other branch) stays
// open, from the clear action and from the sweep, and says why; the
// shipped rule's alerts of the pair, and a custom rule's that needs the
// match, are closed; an alert of a rule version the running pack no
// longer has stays open.
func TestIntegrationClearingChecksRuleCondition(t *testing.T) {
	testenv.Integration(t)
	dir := filepath.Join(t.TempDir(), "aml-custom")
	if err := os.CopyFS(dir, os.DirFS(packDir)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "custom.yaml"), []byte(customRules), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := rules.LoadCompiled(dir, rules.Options{FX: fx.Default()})
	if err != nil {
		t.Fatal(err)
	}
	e := startEnvPack(t, freshDB(t, "clearing_condition"), dir, c)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	listed := watchlisted["17761"]
	// custom is the alert of a custom rule on the debtor's watchlist hit
	// of a transfer of eur: what the rule reads, as the screener
	// explains it.
	custom := func(rule, txID string, ts time.Time, eur string) engine.Alert {
		a := exactAlert(t, txID, ts, kovalenko, payee, listed, "")
		a.RuleID, a.RuleVersion, a.Severity, a.Score = rule, 1, "high", 80
		a.AlertID = engine.AlertID(a.RuleID, a.RuleVersion, txID)
		a.AmountEUR, _ = engine.ParseDecimal(eur)
		a.Explanation = map[string]any{"debtor.name": "Jose David Cabello Rondon", "amount_eur": eur,
			"name_match(debtor.name, sanctions_watchlist)": listed}
		return a
	}
	bigTransfer := custom("AML-CUST-001", "cond-1", t0, "2500000.00")
	shipped := exactAlert(t, "cond-2", t0.Add(time.Hour), kovalenko, payee, listed, "")
	needsMatch := custom("AML-CUST-002", "cond-3", t0.Add(2*time.Hour), "900.00")
	oldVersion := exactAlert(t, "cond-4", t0.Add(3*time.Hour), kovalenko, payee2, listed, "")
	oldVersion.RuleVersion = 99
	oldVersion.AlertID = engine.AlertID(oldVersion.RuleID, oldVersion.RuleVersion, oldVersion.TxID)
	writeAlerts(t, e.dsn, bigTransfer, shipped, needsMatch, oldVersion)
	ana, sue := e.login("ana"), e.login("sue")

	// The alert page says, before anyone clears, that clearing will not
	// close it.
	var page string
	ana.mustDo(200, "GET", "/alerts/"+bigTransfer.AlertID, nil, &page)
	if !strings.Contains(page, `id="kept-open"`) || !strings.Contains(page, "amount_eur &gt; 1000000") {
		t.Errorf("the custom alert's page does not say that clearing leaves it open: %.3000s", page)
	}
	ana.mustDo(200, "GET", "/alerts/"+shipped.AlertID, nil, &page)
	if strings.Contains(page, `id="kept-open"`) {
		t.Errorf("the shipped rule's alert page says clearing leaves it open")
	}

	var res struct {
		Clearing  store.Clearing
		AlertOpen string `json:"alert_open"`
	}
	ana.mustDo(201, "POST", "/api/alerts/"+bigTransfer.AlertID+"/clearings",
		map[string]string{"party": "debtor", "reason": "Customer born 1990; the listed person 1961"}, &res)
	if res.Clearing.Account != kovalenko || !strings.Contains(res.AlertOpen, "amount_eur > 1000000") {
		t.Errorf("clearing %+v, alert left open because %q; want the amount named", res.Clearing, res.AlertOpen)
	}
	if _, err := e.cons.sweep.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		a      engine.Alert
		status string
	}{
		{bigTransfer, "new"},
		{shipped, "closed"},
		{needsMatch, "closed"},
		{oldVersion, "new"},
	} {
		status, disp, evs := alertState(t, sue, tc.a.AlertID)
		if status != tc.status {
			t.Errorf("%s %s: %s/%s, want %s", tc.a.RuleID, tc.a.TxID, status, disp, tc.status)
		}
		if tc.status == "closed" && (disp != store.ClearedMatch || evs[len(evs)-1].User != store.AutoUser) {
			t.Errorf("%s: closed as %s by %+v, want %s by the sweep", tc.a.TxID, disp, evs[len(evs)-1], store.ClearedMatch)
		}
	}
}

// TestIntegrationRecordedEventsReadsTheirAlerts: the sweep's look-up of
// clearings' trail events reads the events of those clearings' alerts,
// not the trail: under a row limit that the whole trail's action column
// exceeds, it still answers, and rightly.
func TestIntegrationRecordedEventsReadsTheirAlerts(t *testing.T) {
	testenv.Integration(t)
	e := startEnv(t, freshDB(t, "recorded_events"))
	execSQL(t, e.dsn, `INSERT INTO alert_events (event_id, alert_id, at, seq, action)
		SELECT toString(number), concat('filler', toString(number % 5000)), toDateTime('2026-03-01 00:00:00', 'UTC'), number, 'match_clear'
		FROM numbers(300000)`)
	ctx := context.Background()
	kept := store.Event{ID: store.NewID(), AlertID: store.NewID(), User: "ana", Action: "match_clear"}
	if err := e.store.Append(ctx, []store.Event{kept}); err != nil {
		t.Fatal(err)
	}
	missing := store.NewID()
	limited := ch.Context(ctx, ch.WithSettings(ch.Settings{"max_rows_to_read": 50000}))
	got, err := e.store.RecordedEvents(limited, []string{kept.AlertID, store.NewID()}, []string{kept.ID, missing})
	if err != nil {
		t.Fatalf("look-up under a 50,000-row limit: %v", err)
	}
	if !got[kept.ID] || got[missing] || len(got) != 1 {
		t.Fatalf("recorded %v: want only %s", got, kept.ID)
	}
	// The limit bites: reading the trail's actions, as the sweep did, is
	// refused.
	o, err := ch.ParseDSN(e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ch.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n uint64
	if err := conn.QueryRow(limited, "SELECT count() FROM alert_events PREWHERE action IN ('match_clear', 'match_revoke')").Scan(&n); err == nil {
		t.Fatalf("a scan of the whole trail's actions (%d rows) stayed under the row limit: the test proves nothing", n)
	}
}

// TestIntegrationClearingRescoresName: the explanation of an AML-SANC-002
// alert names only the best entity of the party's name, but "Dan
// Gertler" is close to two entities of the shipped list: GERTLER, Dan
// (ofac-sdn 23252, 1.0) and, by an alias, D.G.D. INVESTMENTS LTD. (23262,
// 0.933). Clearing the first does not close the pair's alerts (the rule
// fires on the second), and the page offers the second; clearing it too
// closes them.
func TestIntegrationClearingRescoresName(t *testing.T) {
	testenv.Integration(t)
	e := startEnv(t, freshDB(t, "clearing_rescore"))
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	gertler := func(txID string, ts time.Time) engine.Alert {
		a := sancAlert(t, txID, ts, kovalenko, payee, 0, "", 0, "")
		a.Explanation = map[string]any{"debtor.name": "Dan Gertler", "creditor.name": "Anna Nowak",
			"sanctions_match(debtor.name, sanctions_ofac_un)":   map[string]any{"score": 1.0, "entity_id": "23252", "list": "ofac-sdn", "name": "GERTLER, Dan", "alias": "GERTLER, Dan"},
			"sanctions_match(creditor.name, sanctions_ofac_un)": map[string]any{"score": 0.35, "entity_id": "18323", "list": "ofac-sdn", "name": "KURCHENKO, Sergey Vitalievich"}}
		return a
	}
	first, later := gertler("rescore-1", t0), gertler("rescore-2", t0.Add(24*time.Hour))
	writeAlerts(t, e.dsn, first, later)
	ana, sue := e.login("ana"), e.login("sue")
	ctx := context.Background()

	var page string
	ana.mustDo(200, "GET", "/alerts/"+first.AlertID, nil, &page)
	if !strings.Contains(page, `id="kept-open"`) || !strings.Contains(page, "D.G.D. INVESTMENTS LTD.") {
		t.Errorf("the page does not say that clearing GERTLER, Dan leaves the alert open for D.G.D.: %.3000s", page)
	}
	var res struct {
		Clearing  store.Clearing
		AlertOpen string `json:"alert_open"`
	}
	ana.mustDo(201, "POST", "/api/alerts/"+first.AlertID+"/clearings", map[string]string{"party": "debtor", "reason": "Customer born 1990 in Haifa"}, &res)
	if res.Clearing.EntityID != "23252" || !strings.Contains(res.AlertOpen, "still scores 0.933 against D.G.D. INVESTMENTS LTD. (ofac-sdn 23262)") {
		t.Fatalf("clearing %+v, alert left open because %q; want 23252 cleared and D.G.D. named", res.Clearing, res.AlertOpen)
	}
	if _, err := e.cons.sweep.run(ctx); err != nil {
		t.Fatal(err)
	}
	for _, a := range []engine.Alert{first, later} {
		if status, disp, _ := alertState(t, sue, a.AlertID); status != "new" {
			t.Fatalf("%s: %s/%s after clearing one of two entities the name hits, want new", a.TxID, status, disp)
		}
	}
	ana.mustDo(200, "GET", "/alerts/"+first.AlertID, nil, &page)
	if !strings.Contains(page, `name="entity_id" value="23262"`) || !strings.Contains(page, "next-match") {
		t.Fatalf("the page does not offer clearing D.G.D. (23262): %.4000s", page)
	}

	res.AlertOpen = "" // omitted when the alert closes
	ana.mustDo(201, "POST", "/api/alerts/"+first.AlertID+"/clearings",
		map[string]string{"party": "debtor", "list": "ofac-sdn", "entity_id": "23262", "reason": "Not connected to the company"}, &res)
	if res.Clearing.EntityID != "23262" || res.AlertOpen != "" {
		t.Fatalf("second clearing %+v, alert left open because %q", res.Clearing, res.AlertOpen)
	}
	if _, err := e.cons.sweep.run(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		a  engine.Alert
		by string
	}{{first, "ana"}, {later, store.AutoUser}} {
		status, disp, evs := alertState(t, sue, tc.a.AlertID)
		last := evs[len(evs)-1]
		if status != "closed" || disp != store.ClearedMatch || last.User != tc.by || !strings.Contains(last.Note, "23252") || !strings.Contains(last.Note, "23262") {
			t.Errorf("%s: %s/%s, last event %+v; want closed by %s citing both clearings", tc.a.TxID, status, disp, last, tc.by)
		}
	}
}
