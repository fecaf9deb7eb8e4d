package console

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/socwatch/socwatch/console/store"
)

// TestConditionFalseWithout: with the cleared match atoms false, is the
// condition false whatever its other operands are? Match atoms are the
// rule's name_match calls and sanctions_score comparisons; the table
// names which of them the clearing makes false.
func TestConditionFalseWithout(t *testing.T) {
	const (
		nmD  = `name_match(debtor.name, "w")`
		nmC  = `name_match(creditor.name, "w")`
		scD  = `sanctions_score(debtor.name, "s") >= 0.9`
		scC  = `sanctions_score(creditor.name, "s") >= 0.9`
		amt  = `amount_eur > 1000000`
		ctry = `debtor.country in ["IR", "KP"]`
	)
	tests := []struct {
		name    string
		when    string
		cleared []string // atoms taken false
		closes  bool
		why     string // part of the reason it does not close
	}{
		{"pure match", nmD, []string{nmD}, true, ""},
		{"pure match, not cleared", nmD, nil, false, nmD},
		{"shipped exact rule, both false", nmD + " || " + nmC, []string{nmD, nmC}, true, ""},
		{"shipped exact rule, creditor open", nmD + " || " + nmC, []string{nmD}, false, nmC},
		{"match or amount", nmD + " || " + amt, []string{nmD}, false, amt},
		{"score or country", scD + " || " + ctry, []string{scD}, false, `debtor.country in ["IR", "KP"]`},
		{"match and amount", nmD + " && " + amt, []string{nmD}, true, ""},
		{"amount and match, words", amt + " and " + nmD, []string{nmD}, true, ""},
		{"nested: (m1 || m2) && amount", "(" + nmD + " || " + scC + ") && " + amt, []string{nmD, scC}, true, ""},
		{"nested: one side cleared", "(" + nmD + " || " + scC + ") && " + amt, []string{nmD}, false, scC},
		{"nested or of ands", "(" + nmD + " && " + amt + ") || (" + scD + " && " + ctry + ")", []string{nmD, scD}, true, ""},
		{"nested or of ands, country branch alone", "(" + nmD + " && " + amt + ") || " + ctry, []string{nmD}, false, ctry},
		{"negated match", "!" + nmD + " && " + amt, []string{nmD}, false, amt},
		{"not of not", "not (not " + nmD + ")", []string{nmD}, true, ""},
		{"negated other", nmD + " && !(" + amt + ")", []string{nmD}, true, ""},
		{"or of a negation", nmD + " || !(" + amt + ")", []string{nmD}, false, "none of " + amt},
		{"ternary guarded by match", nmD + " ? " + amt + " : false", []string{nmD}, true, ""},
		{"ternary with a free branch", amt + " ? " + nmD + " : " + ctry, []string{nmD}, false, ctry},
		{"ternary, both branches matches", amt + " ? " + nmD + " : " + scD, []string{nmD, scD}, true, ""},
		{"literal true", nmD + " || true", []string{nmD}, false, "holds without any match"},
		{"same atom twice is one", "(" + amt + " && " + nmD + ") || (!(" + amt + ") && " + nmD + ")", []string{nmD}, true, ""},
		{"score in arithmetic is free", `sanctions_score(debtor.name, "s") * 2 >= 1.8`, nil, false, "does not take apart"},
		{"match inside a closure is free", `any([debtor.name], {name_match(#, "w")})`, nil, false, "does not take apart"},
		{"does not parse", `name_match(debtor.name, "w") ||`, nil, false, "does not parse"},
		{"too many operands", manyAtoms(maxAtoms + 1), nil, false, "operands"},
	}
	for _, tc := range tests {
		c := parseCondition(tc.when)
		var known uint64
		for _, a := range tc.cleared {
			i := atomIndex(t, c, a)
			if c.atoms[i].match == nil {
				t.Fatalf("%s: %s is not a match atom", tc.name, a)
			}
			known |= 1 << i
		}
		why := c.falseWithout(known)
		if (why == "") != tc.closes || !strings.Contains(why, tc.why) {
			t.Errorf("%s: %q with %v false: reason %q; want closable %v, reason containing %q", tc.name, tc.when, tc.cleared, why, tc.closes, tc.why)
		}
	}
}

func atomIndex(t *testing.T, c *condition, text string) int {
	t.Helper()
	for i, a := range c.atoms {
		if a.text == text {
			return i
		}
	}
	t.Fatalf("no atom %q among %+v", text, c.atoms)
	return -1
}

// manyAtoms is a condition of a name match or'ed with n-1 amount checks.
func manyAtoms(n int) string {
	parts := []string{`name_match(debtor.name, "w")`}
	for i := 1; i < n; i++ {
		parts = append(parts, "amount_eur > "+strings.Repeat("9", i))
	}
	return strings.Join(parts, " && ")
}

// TestClassifyMatch: which operands are match atoms, and their
// thresholds.
func TestClassifyMatch(t *testing.T) {
	tests := []struct {
		when string
		want *matchAtom
	}{
		{`name_match(creditor.name, "w")`, &matchAtom{Field: "creditor.name", List: "w"}},
		{`sanctions_score(debtor.name, "s") >= 0.88`, &matchAtom{Field: "debtor.name", List: "s", Score: true, Threshold: 0.88}},
		{`sanctions_score(debtor.name, "s") > 1`, &matchAtom{Field: "debtor.name", List: "s", Score: true, Threshold: 1, Strict: true}},
		{`0.8 <= sanctions_score(debtor.name, "s")`, &matchAtom{Field: "debtor.name", List: "s", Score: true, Threshold: 0.8}},
		{`0.8 < sanctions_score(debtor.name, "s")`, &matchAtom{Field: "debtor.name", List: "s", Score: true, Threshold: 0.8, Strict: true}},
		{`sanctions_score(debtor.name, "s") <= 0.5`, nil},
		{`sanctions_score(debtor.name, "s") >= limit`, nil},
		{`name_match(debtor_name, "w")`, nil},
		{`name_match(debtor.name, list)`, nil},
		{`in_list(debtor.name, "w")`, nil},
	}
	for _, tc := range tests {
		c := parseCondition(tc.when)
		if c.err != nil || len(c.atoms) != 1 {
			t.Fatalf("%s: atoms %+v, %v", tc.when, c.atoms, c.err)
		}
		got := c.atoms[0].match
		if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
			t.Errorf("%s: match atom %+v, want %+v", tc.when, got, tc.want)
		}
	}
}

// TestUnclosable: an alert's explanation gives its match atoms, the
// active clearings make cleared ones false, and the rule version must
// be the running pack's. A fuzzy match whose best entity is cleared is
// false only if the name, scored again against the pack's list without
// the account's cleared entities, misses the threshold: "Dan Gertler"
// is GERTLER, Dan (ofac-sdn 23252, 1.0) and, by an alias, D.G.D.
// INVESTMENTS LTD. (23262, 0.933) on the shipped list.
func TestUnclosable(t *testing.T) {
	const (
		shippedExact = `name_match(debtor.name, "sanctions_watchlist") || name_match(creditor.name, "sanctions_watchlist")`
		shippedFuzzy = `sanctions_score(debtor.name, "sanctions_ofac_un") >= 0.88 || sanctions_score(creditor.name, "sanctions_ofac_un") >= 0.88`
	)
	rc := ruleConditions{
		{"EXACT", 1}:  parseCondition(shippedExact),
		{"FUZZY", 1}:  parseCondition(shippedFuzzy),
		{"CUSTOM", 1}: parseCondition(`name_match(debtor.name, "sanctions_watchlist") || amount_eur > 1000000`),
		{"STRICT", 1}: parseCondition(`sanctions_score(debtor.name, "sanctions_ofac_un") > 0.88 || sanctions_score(creditor.name, "sanctions_ofac_un") > 0.88`),
	}
	cabello := &store.Clearing{ID: "c1", Account: "D", List: "sanctions_watchlist", EntityName: "CABELLO RONDON, Jose David"}
	kovalenko := &store.Clearing{ID: "c2", Account: "D", List: "ofac-sdn", EntityID: "17761"}
	gertler := &store.Clearing{ID: "c3", Account: "D", List: "ofac-sdn", EntityID: "23252"}
	dgd := &store.Clearing{ID: "c4", Account: "D", List: "ofac-sdn", EntityID: "23262"}
	dgdElsewhere := &store.Clearing{ID: "c5", Account: "C", List: "ofac-sdn", EntityID: "23262"}
	clearings := func(cs ...*store.Clearing) map[matchKey]*store.Clearing {
		out := map[matchKey]*store.Clearing{}
		for _, c := range cs {
			out[clearingKey(c)] = c
		}
		return out
	}
	active := clearings(cabello, kovalenko)
	lists := sanctionsLists(loadCompiled(t).Sanctions)
	alert := func(rule string, version uint32, expl json.RawMessage) *store.Alert {
		return &store.Alert{RuleID: rule, RuleVersion: version, DebtorAccount: "D", CreditorAccount: "C", Explanation: expl}
	}
	gertlerAlert := alert("FUZZY", 1, json.RawMessage(`{"debtor.name":"Dan Gertler","creditor.name":"Anna Nowak",
		"sanctions_match(debtor.name, sanctions_ofac_un)":{"score":1,"entity_id":"23252","list":"ofac-sdn","name":"GERTLER, Dan"},
		"sanctions_match(creditor.name, sanctions_ofac_un)":{"score":0.4,"entity_id":"18323","list":"ofac-sdn"}}`))
	tests := []struct {
		name   string
		a      *store.Alert
		active map[matchKey]*store.Clearing // nil: active
		lists  sanctionsLists               // nil: the pack's
		why    string                       // "" closable, else part of the reason
	}{
		{"exact, debtor cleared, creditor not listed", alert("EXACT", 1, exactExplanation("CABELLO RONDON, Jose David", "")), nil, nil, ""},
		{"exact, creditor listed too", alert("EXACT", 1, exactExplanation("CABELLO RONDON, Jose David", "GERTLER, Dan")), nil, nil, `name_match(creditor.name, "sanctions_watchlist")`},
		{"exact, another spelling", alert("EXACT", 1, exactExplanation("GERTLER, Dan", "")), nil, nil, `name_match(debtor.name, "sanctions_watchlist")`},
		{"exact, creditor entry missing", alert("EXACT", 1, json.RawMessage(`{"name_match(debtor.name, sanctions_watchlist)":"CABELLO RONDON, Jose David"}`)), nil, nil, "creditor"},
		{"fuzzy, debtor cleared, creditor below", alert("FUZZY", 1, sancExplanation(0.98, "17761", 0.41, "18323")), nil, nil, ""},
		{"fuzzy, creditor nothing at all", alert("FUZZY", 1, json.RawMessage(`{"debtor.name":"Andriy Kovalenko","sanctions_match(debtor.name, sanctions_ofac_un)":{"score":0.98,"entity_id":"17761","list":"ofac-sdn"},
			"sanctions_match(creditor.name, sanctions_ofac_un)":{"score":0,"entity_id":"","list":""}}`)), nil, nil, ""},
		{"fuzzy, creditor fired", alert("FUZZY", 1, sancExplanation(0.98, "17761", 0.9, "18323")), nil, nil, "creditor"},
		{"fuzzy, creditor exactly at a strict threshold", alert("STRICT", 1, sancExplanation(0.98, "17761", 0.88, "18323")), nil, nil, ""},
		{"custom: fired on the amount", alert("CUSTOM", 1, exactExplanation("CABELLO RONDON, Jose David", "")), nil, nil, "amount_eur > 1000000"},
		{"rule version not loaded", alert("EXACT", 2, exactExplanation("CABELLO RONDON, Jose David", "")), nil, nil, "EXACT v2 is not in the running pack"},
		{"explanation unreadable", alert("EXACT", 1, json.RawMessage(`[`)), nil, nil, "explanation"},
		{"fuzzy, debtor cleared, no matcher for the list", alert("FUZZY", 1, sancExplanation(0.98, "17761", 0.41, "18323")), nil, sanctionsLists{},
			"no sanctions list sanctions_ofac_un"},
		{"fuzzy, debtor cleared, no name to score", alert("FUZZY", 1, json.RawMessage(`{"sanctions_match(debtor.name, sanctions_ofac_un)":{"score":0.98,"entity_id":"17761","list":"ofac-sdn"},
			"sanctions_match(creditor.name, sanctions_ofac_un)":{"score":0,"entity_id":"","list":""}}`)), nil, nil, "does not give the name"},
		{"two entities, the best cleared", gertlerAlert, clearings(gertler), nil, "still scores 0.933 against D.G.D. INVESTMENTS LTD. (ofac-sdn 23262)"},
		{"two entities, the second cleared for another customer", gertlerAlert, clearings(gertler, dgdElsewhere), nil, "still scores 0.933"},
		{"two entities, both cleared", gertlerAlert, clearings(gertler, dgd), nil, ""},
	}
	for _, tc := range tests {
		act, ls := tc.active, tc.lists
		if act == nil {
			act = active
		}
		if ls == nil {
			ls = lists
		}
		if why := rc.unclosable(tc.a, act, ls); (why == "") != (tc.why == "") || !strings.Contains(why, tc.why) {
			t.Errorf("%s: reason %q, want %q", tc.name, why, tc.why)
		}
	}
	if why := (ruleConditions{}).unclosable(alert("EXACT", 1, exactExplanation("CABELLO RONDON, Jose David", "")), active, nil); !strings.Contains(why, "without the rule pack") {
		t.Errorf("no pack: reason %q", why)
	}
}

// TestShippedSanctionsRulesClosable: the shipped pack's sanctions rules
// are what the proof closes alerts of.
func TestShippedSanctionsRulesClosable(t *testing.T) {
	rc := newRuleConditions(loadPack(t))
	for _, rule := range []string{"AML-SANC-001", "AML-SANC-002"} {
		c := rc[ruleKey{rule, packVersion(t, rule)}]
		if c == nil || c.err != nil {
			t.Fatalf("%s: condition %+v", rule, c)
		}
		var all uint64
		for i, a := range c.atoms {
			if a.match == nil {
				t.Errorf("%s: operand %s is not a match", rule, a.text)
			}
			all |= 1 << i
		}
		if why := c.falseWithout(all); why != "" {
			t.Errorf("%s: with every match false: %s", rule, why)
		}
	}
}

// FuzzParseCondition feeds arbitrary conditions: the analysis never
// panics, and a condition it proves false with every match atom false
// has match atoms and nothing it cannot read.
func FuzzParseCondition(f *testing.F) {
	f.Add(`name_match(debtor.name, "w") || amount_eur > 1e6`)
	f.Add(`sanctions_score(debtor.name, "s") >= 0.9 ? true : !(x && y)`)
	f.Add(`let a = 1; a > 0`)
	f.Add(`((`)
	f.Fuzz(func(t *testing.T, when string) {
		if len(when) > 500 {
			return
		}
		c := parseCondition(when)
		var matches uint64
		for i, a := range c.atoms {
			if a.match != nil {
				matches |= 1 << (i % 64)
			}
		}
		if why := c.falseWithout(matches); why == "" && (c.err != nil || len(c.atoms) > maxAtoms) {
			t.Fatalf("%q proven false though %v, %d atoms", when, c.err, len(c.atoms))
		}
	})
}
