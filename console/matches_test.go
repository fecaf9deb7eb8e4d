package console

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/console/store"
)

// listedNames are the OFAC SDN names of the entities the tests match.
var listedNames = map[string]string{"17761": "KOVALENKO, Andrey", "18323": "KURCHENKO, Sergey Vitalievich", "23578": "MELNYCHUK, Serhiy"}

// sancExplanationMap is an AML-SANC-002 explanation as the screener
// writes it: the best match of both parties' names, whichever fired.
func sancExplanationMap(debtorScore float64, debtorEntity string, creditorScore float64, creditorEntity string) map[string]any {
	match := func(score float64, entity string) map[string]any {
		return map[string]any{"score": score, "entity_id": entity, "list": "ofac-sdn", "name": listedNames[entity], "alias": listedNames[entity]}
	}
	return map[string]any{
		"debtor.name":   "Andriy Kovalenko",
		"creditor.name": "Andriy Kravchenko",
		"sanctions_match(debtor.name, sanctions_ofac_un)":   match(debtorScore, debtorEntity),
		"sanctions_match(creditor.name, sanctions_ofac_un)": match(creditorScore, creditorEntity),
	}
}

// exactExplanationMap is an AML-SANC-001 explanation as the screener
// writes it: each name_match call the list's spelling of the name it
// matched, or false ("" here).
func exactExplanationMap(debtorListed, creditorListed string) map[string]any {
	listed := func(s string) any {
		if s == "" {
			return false
		}
		return s
	}
	return map[string]any{
		"debtor.name":   "Jose David Cabello Rondon",
		"creditor.name": "Dan Gertler",
		"name_match(debtor.name, sanctions_watchlist)":   listed(debtorListed),
		"name_match(creditor.name, sanctions_watchlist)": listed(creditorListed),
	}
}

func exactExplanation(debtorListed, creditorListed string) json.RawMessage {
	b, _ := json.Marshal(exactExplanationMap(debtorListed, creditorListed))
	return b
}

func sancExplanation(debtorScore float64, debtorEntity string, creditorScore float64, creditorEntity string) json.RawMessage {
	b, _ := json.Marshal(sancExplanationMap(debtorScore, debtorEntity, creditorScore, creditorEntity))
	return b
}

func TestMatchThresholdsFromPack(t *testing.T) {
	th := newRuleConditions(loadPack(t)).thresholds()
	version := packVersion(t, "AML-SANC-002")
	for _, field := range []string{"debtor.name", "creditor.name"} {
		if got, ok := th[thresholdKey{"AML-SANC-002", version, field, "sanctions_ofac_un"}]; !ok || got != 0.88 {
			t.Errorf("AML-SANC-002 %s threshold = %v, %v; want 0.88 (the rule's literal)", field, got, ok)
		}
	}
	if len(th) != 2 {
		t.Errorf("thresholds %v: want only AML-SANC-002's two calls", th)
	}
}

func TestThresholdVisitorForms(t *testing.T) {
	tests := []struct {
		when string
		want map[[2]string]float64
	}{
		{`sanctions_score(debtor.name, "l") >= 0.9`, map[[2]string]float64{{"debtor.name", "l"}: 0.9}},
		{`0.8 < sanctions_score(creditor.name, "l")`, map[[2]string]float64{{"creditor.name", "l"}: 0.8}},
		{`sanctions_score(debtor.name, "l") > 1 || sanctions_score(debtor.name, "l") >= 0.7 && amount_eur > 100`,
			map[[2]string]float64{{"debtor.name", "l"}: 0.7}},
		{`sanctions_score(debtor.name, "l") * 2 >= 1.8`, map[[2]string]float64{}},
		{`sanctions_score(debtor.name, "l") <= 0.5`, map[[2]string]float64{}},
		{`not valid (`, map[[2]string]float64{}},
	}
	for _, tc := range tests {
		th := scoreThresholds(tc.when)
		if !reflect.DeepEqual(th, tc.want) {
			t.Errorf("%s: thresholds %v, want %v", tc.when, th, tc.want)
		}
	}
}

func TestSanctionsHits(t *testing.T) {
	th := matchThresholds{
		{"AML-SANC-002", 1, "debtor.name", "sanctions_ofac_un"}:   0.88,
		{"AML-SANC-002", 1, "creditor.name", "sanctions_ofac_un"}: 0.88,
	}
	alert := func(version uint32, expl json.RawMessage) *store.Alert {
		return &store.Alert{RuleID: "AML-SANC-002", RuleVersion: version, DebtorAccount: "UA03D", CreditorAccount: "UA56C", Explanation: expl}
	}
	tests := []struct {
		name string
		a    *store.Alert
		want []string // party:account:entity (a names list's: its spelling)
	}{
		{"debtor fired, creditor only explained", alert(1, sancExplanation(0.98, "17761", 0.63, "18323")), []string{"debtor:UA03D:17761"}},
		{"both fired", alert(1, sancExplanation(0.98, "17761", 0.95, "18323")), []string{"debtor:UA03D:17761", "creditor:UA56C:18323"}},
		{"at the threshold fires", alert(1, sancExplanation(0.88, "17761", 0.1, "18323")), []string{"debtor:UA03D:17761"}},
		{"unknown rule version: every match counts", alert(2, sancExplanation(0.98, "17761", 0.63, "18323")), []string{"debtor:UA03D:17761", "creditor:UA56C:18323"}},
		{"no entity", alert(1, sancExplanation(0.98, "", 0.63, "")), nil},
		{"not an object", alert(1, json.RawMessage(`[1,2]`)), nil},
		{"no sanctions entries", alert(1, json.RawMessage(`{"debtor.name":"x"}`)), nil},
		{"other field", alert(1, json.RawMessage(`{"sanctions_match(debtor.address, l)":{"score":1,"entity_id":"1","list":"x"}}`)), nil},
		{"exact: debtor listed", alert(1, exactExplanation("CABELLO RONDON, Jose David", "")),
			[]string{"debtor:UA03D:sanctions_watchlist:CABELLO RONDON, Jose David"}},
		{"exact: both listed", alert(1, exactExplanation("CABELLO RONDON, Jose David", "GERTLER, Dan")),
			[]string{"debtor:UA03D:sanctions_watchlist:CABELLO RONDON, Jose David", "creditor:UA56C:sanctions_watchlist:GERTLER, Dan"}},
		{"exact: neither listed", alert(1, exactExplanation("", "")), nil},
		{"exact: blank spelling", alert(1, json.RawMessage(`{"name_match(debtor.name, l)":" "}`)), nil},
		{"exact: not a spelling", alert(1, json.RawMessage(`{"name_match(debtor.name, l)":true}`)), nil},
		{"exact and fuzzy", alert(1, json.RawMessage(`{"name_match(creditor.name, w)":"GERTLER, Dan",
			"sanctions_match(debtor.name, sanctions_ofac_un)":{"score":0.9,"entity_id":"17761","list":"ofac-sdn","name":"KOVALENKO, Andrey"}}`)),
			[]string{"debtor:UA03D:17761", "creditor:UA56C:w:GERTLER, Dan"}},
	}
	for _, tc := range tests {
		var got []string
		for _, h := range th.sanctionsHits(tc.a) {
			id := h.Party + ":" + h.Account + ":" + h.EntityID
			if h.Exact {
				id = h.Party + ":" + h.Account + ":" + h.List + ":" + h.Name
			}
			got = append(got, id)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: hits %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCoveredBy(t *testing.T) {
	kov := &store.Clearing{ID: "c1", Account: "UA03D", List: "ofac-sdn", EntityID: "17761"}
	kur := &store.Clearing{ID: "c2", Account: "UA56C", List: "ofac-sdn", EntityID: "18323"}
	hit := func(acct, entity string) sanctionsHit {
		return sanctionsHit{Account: acct, List: "ofac-sdn", EntityID: entity}
	}
	// A names list's entries have no id: the spelling names the entity.
	cabello := &store.Clearing{ID: "c3", Account: "UA03D", List: "watch", EntityName: "CABELLO RONDON, Jose David"}
	exact := func(acct, listed string) sanctionsHit {
		return sanctionsHit{Account: acct, List: "watch", Name: listed, Exact: true}
	}
	active := map[matchKey]*store.Clearing{clearingKey(kov): kov, clearingKey(kur): kur, clearingKey(cabello): cabello}
	tests := []struct {
		name string
		hits []sanctionsHit
		want []string // cited clearing ids; nil: not covered
	}{
		{"cleared pair", []sanctionsHit{hit("UA03D", "17761")}, []string{"c1"}},
		{"same account, other entity", []sanctionsHit{hit("UA03D", "99999")}, nil},
		{"other account, same entity", []sanctionsHit{hit("UA99X", "17761")}, nil},
		{"one of two parties cleared", []sanctionsHit{hit("UA03D", "17761"), hit("UA99X", "18323")}, nil},
		{"both parties cleared", []sanctionsHit{hit("UA03D", "17761"), hit("UA56C", "18323")}, []string{"c1", "c2"}},
		{"both parties one clearing", []sanctionsHit{hit("UA03D", "17761"), hit("UA03D", "17761")}, []string{"c1"}},
		{"no hits", nil, nil},
		{"exact: cleared spelling", []sanctionsHit{exact("UA03D", "CABELLO RONDON, Jose David")}, []string{"c3"}},
		{"exact: another spelling", []sanctionsHit{exact("UA03D", "GERTLER, Dan")}, nil},
		{"exact: other account", []sanctionsHit{exact("UA99X", "CABELLO RONDON, Jose David")}, nil},
		{"exact: spelling on another list", []sanctionsHit{{Account: "UA03D", List: "other", Name: "CABELLO RONDON, Jose David", Exact: true}}, nil},
		{"exact and fuzzy both cleared", []sanctionsHit{exact("UA03D", "CABELLO RONDON, Jose David"), hit("UA56C", "18323")}, []string{"c3", "c2"}},
	}
	for _, tc := range tests {
		cited, ok := coveredBy(tc.hits, active)
		var got []string
		for _, c := range cited {
			got = append(got, c.ID)
		}
		if ok != (tc.want != nil) || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: covered %v by %v, want %v", tc.name, ok, got, tc.want)
		}
	}
}

func TestClearingActive(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		c    store.Clearing
		want bool
	}{
		{"no review date", store.Clearing{}, true},
		{"review ahead", store.Clearing{ReviewBy: now.Add(time.Hour)}, true},
		{"review passed", store.Clearing{ReviewBy: now}, false},
		{"revoked", store.Clearing{Revoked: true}, false},
	}
	for _, tc := range tests {
		if got := tc.c.Active(now); got != tc.want {
			t.Errorf("%s: active %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCloseEventCitesClearing(t *testing.T) {
	a := &store.Alert{ID: "a1", Score: 90, TS: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), State: store.State{Status: "new", CaseID: "k1"}}
	c := &store.Clearing{ID: "c1", Account: "UA03D", List: "ofac-sdn", EntityID: "17761", EntityName: "KOVALENKO, Andrey",
		User: "ana", At: time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC), Reason: "born 1990, listed person 1961"}
	ev := closeEvent(a, store.AutoUser, []*store.Clearing{c})
	if ev.Action != "dispose" || ev.From != "new" || ev.To != store.ClearedMatch || ev.User != store.AutoUser || ev.CaseID != "k1" || ev.Score != 90 || !ev.AlertTS.Equal(a.TS) {
		t.Fatalf("close event %+v", ev)
	}
	for _, want := range []string{"c1", "UA03D", "KOVALENKO, Andrey", "ofac-sdn 17761", "ana", "2026-02-01", "born 1990"} {
		if !strings.Contains(ev.Note, want) {
			t.Errorf("close note %q lacks %q", ev.Note, want)
		}
	}
}

// TestMatchSummary: a clearing of a names list's entry, which has no id,
// reads as the spelling and the list.
func TestMatchSummary(t *testing.T) {
	tests := []struct {
		c    store.Clearing
		want string
	}{
		{store.Clearing{Account: "UA03D", List: "ofac-sdn", EntityID: "17761", EntityName: "KOVALENKO, Andrey"}, "UA03D is not KOVALENKO, Andrey (ofac-sdn 17761)"},
		{store.Clearing{Account: "VE11X", List: "sanctions_watchlist", EntityName: "CABELLO RONDON, Jose David"},
			"VE11X is not CABELLO RONDON, Jose David (sanctions_watchlist)"},
	}
	for _, tc := range tests {
		if got := matchSummary(&tc.c); got != tc.want {
			t.Errorf("summary %q, want %q", got, tc.want)
		}
	}
}

// FuzzSanctionsHits feeds arbitrary explanations: the decoder never
// panics, and every hit names a party's account and an entity.
func FuzzSanctionsHits(f *testing.F) {
	f.Add([]byte(sancExplanation(0.98, "17761", 0.63, "18323")))
	f.Add([]byte(`{"sanctions_match(debtor.name, l)":{"score":"x"}}`))
	f.Add([]byte(`{"sanctions_match(creditor.name":{}}`))
	f.Add([]byte(`null`))
	f.Add([]byte(exactExplanation("CABELLO RONDON, Jose David", "")))
	f.Add([]byte(`{"name_match(creditor.name, w)":"","name_match(debtor.name, w)":1}`))
	th := matchThresholds{{"R", 1, "debtor.name", "sanctions_ofac_un"}: 0.88}
	f.Fuzz(func(t *testing.T, expl []byte) {
		a := &store.Alert{RuleID: "R", RuleVersion: 1, DebtorAccount: "D", CreditorAccount: "C", Explanation: expl}
		for _, h := range th.sanctionsHits(a) {
			named := h.EntityID != "" || h.Exact && strings.TrimSpace(h.Name) != ""
			if !named || h.List == "" || (h.Party == "debtor") != (h.Account == "D") || (h.Party == "creditor") != (h.Account == "C") {
				t.Fatalf("hit %+v from %s", h, fmt.Sprintf("%.200s", expl))
			}
		}
	})
}

// TestExplainRowsSanctionsMatch: a sanctions match reads as one line
// (listed name, the alias matched when it is another, list and entity,
// score), and an entry the page cannot read as a match stays JSON.
func TestExplainRowsSanctionsMatch(t *testing.T) {
	const key = "sanctions_match(debtor.name, sanctions_ofac_un)"
	tests := []struct {
		name, entry, want string
	}{
		{"alias is the name", `{"alias":"KOVALENKO, Andrey","entity_id":"17761","list":"ofac-sdn","name":"KOVALENKO, Andrey","score":0.984}`,
			"KOVALENKO, Andrey · ofac-sdn 17761 · score 0.984"},
		{"another alias", `{"alias":"KURCHENKO, Serhiy","entity_id":"18323","list":"ofac-sdn","name":"KURCHENKO, Sergey Vitalievich","score":0.6}`,
			"KURCHENKO, Sergey Vitalievich (alias KURCHENKO, Serhiy) · ofac-sdn 18323 · score 0.600"},
		{"no entity", `{"score":0.2}`, `{"score":0.2}`},
	}
	for _, tc := range tests {
		rows := explainRows(json.RawMessage(`{"` + key + `":` + tc.entry + `}`))
		if len(rows) != 1 || rows[0].Key != key || rows[0].Value != tc.want {
			t.Errorf("%s: rows %+v, want one %s row %q", tc.name, rows, key, tc.want)
		}
	}
}

// TestClearingEventsDerivedIDs: a clearing's and a revocation's trail
// events are built from the clearing alone, with ids derived from its id,
// so the request and the sweep's reconciliation append the same event.
func TestClearingEventsDerivedIDs(t *testing.T) {
	c := &store.Clearing{ID: store.NewID(), Account: "UA03D", List: "ofac-sdn", EntityID: "17761", EntityName: "KOVALENKO, Andrey",
		AlertID: "a1", User: "ana", Reason: "born 1990", ReviewBy: time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC),
		Revoked: true, RevokedBy: "sue", RevokeReason: "adverse media"}
	clear, revoke := clearingEvent(c), revocationEvent(c)
	if clear != clearingEvent(c) || revoke != revocationEvent(c) {
		t.Fatal("a clearing's trail events differ between two builds")
	}
	if clear.ID == revoke.ID || !store.ValidAlertID(clear.ID) || !store.ValidAlertID(revoke.ID) {
		t.Fatalf("event ids %q, %q: want two distinct ids of the trail's form", clear.ID, revoke.ID)
	}
	other := *c
	other.ID = store.NewID()
	if clearingEvent(&other).ID == clear.ID || revocationEvent(&other).ID == revoke.ID {
		t.Fatal("two clearings' events share an id")
	}
	if clear.Action != "match_clear" || clear.User != "ana" || clear.AlertID != "a1" || clear.To != c.ID ||
		!strings.Contains(clear.Note, "review by 2027-06-01") || !strings.Contains(clear.Note, "born 1990") {
		t.Errorf("clearing event %+v", clear)
	}
	if revoke.Action != "match_revoke" || revoke.User != "sue" || revoke.From != c.ID || !strings.Contains(revoke.Note, "adverse media") {
		t.Errorf("revocation event %+v", revoke)
	}
}
