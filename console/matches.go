package console

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/engine/sanctions"
)

// The explanation entries in which a rule names what a party's name
// matched (rules/patches.go): "sanctions_match(FIELD, LIST)", the best
// match of a sanctions_score call (an entity with id and score), and
// "name_match(FIELD, LIST)", the list's spelling of the name an exact
// name_match call matched, or false.
const (
	sanctionsMatchPrefix = "sanctions_match("
	nameMatchPrefix      = "name_match("
)

// matchPrefixes are both, for finding alerts that hold either.
var matchPrefixes = []string{sanctionsMatchPrefix, nameMatchPrefix}

// sanctionsHit is a party of an alert whose name matched a listed entity
// closely enough for the rule to fire on it: a sanctions list's entity
// (EntityID) with its score, or, Exact, a names list's entry, which has
// no id and is named by its spelling (Name).
type sanctionsHit struct {
	Party    string  `json:"party"` // debtor or creditor
	Account  string  `json:"account"`
	List     string  `json:"list"`
	EntityID string  `json:"entity_id,omitempty"`
	Name     string  `json:"name"`
	Alias    string  `json:"alias,omitempty"`
	Score    float64 `json:"score"`
	Exact    bool    `json:"exact,omitempty"`
	// Next marks a fuzzy match the explanation does not name: the entity
	// the party's name matches best once the entities cleared for the
	// account are left out (runningPack.hits).
	Next bool `json:"next,omitempty"`
	// field and screened are the rule's call of a fuzzy match,
	// sanctions_score(field, "screened"), screened a list of the pack.
	field, screened string
}

// key is what a clearing is keyed by: the customer's account and the
// listed entity.
func (h sanctionsHit) key() matchKey {
	return matchKey{h.Account, h.List, listedEntity(h.EntityID, h.Name)}
}

// matchKey is a customer's account and a listed entity: its id on a
// sanctions list, its spelling on a names list.
type matchKey struct{ Account, List, Entity string }

func clearingKey(c *store.Clearing) matchKey {
	return matchKey{c.Account, c.List, listedEntity(c.EntityID, c.EntityName)}
}

// listedEntity names an entity within its list: by id when it has one
// (a sanctions list's aliases differ, its id does not), else by the
// list's spelling (a names list holds nothing else).
func listedEntity(id, name string) string {
	if id != "" {
		return id
	}
	return name
}

// thresholdKey names a sanctions_score call of a rule version.
type thresholdKey struct {
	Rule        string
	Version     int
	Field, List string
}

// matchThresholds are the scores from which the running pack's rules fire
// on a sanctions_score call: the literal it is compared with, the lowest
// when compared more than once (ruleConditions.thresholds). A call
// compared otherwise (in arithmetic, with a variable) has none: every
// match of it counts.
type matchThresholds map[thresholdKey]float64

// sanctionsHits returns the parties of a whose names matched a listed
// entity: each sanctions_match entry of the explanation that names an
// entity and, when the rule version that raised a is the running pack's,
// scores at least the rule's threshold, and each name_match entry that
// holds a listed spelling (an exact match has no threshold to miss). The
// explanation lists the best match of every screened name, also of the
// party the rule did not fire on; without a known threshold each counts,
// so an alert is never closed on a clearing of one party while another
// party's match may have fired it.
func (t matchThresholds) sanctionsHits(a *store.Alert) []sanctionsHit {
	var m map[string]json.RawMessage
	if json.Unmarshal(a.Explanation, &m) != nil {
		return nil
	}
	var out []sanctionsHit
	for k, raw := range m {
		var h sanctionsHit
		var field string
		if f, list, match, ok := decodeListedMatch(k, raw); ok {
			if thr, known := t[thresholdKey{a.RuleID, int(a.RuleVersion), f, list}]; known && match.Score < thr {
				continue
			}
			field, h = f, sanctionsHit{List: match.List, EntityID: match.EntityID, Name: match.Name, Alias: match.Alias, Score: match.Score,
				field: f, screened: list}
		} else if f, list, listed, ok := decodeNameMatch(k, raw); ok {
			field, h = f, sanctionsHit{List: list, Name: listed, Score: 1, Exact: true}
		} else {
			continue
		}
		switch field {
		case "debtor.name":
			h.Party, h.Account = "debtor", a.DebtorAccount
		case "creditor.name":
			h.Party, h.Account = "creditor", a.CreditorAccount
		default:
			continue
		}
		if h.Account == "" || h.List == "" {
			continue
		}
		out = append(out, h)
	}
	sortHits(out)
	return out
}

// sortHits puts the debtor's first, each party's by list and entity: map
// order is random, the page and the trail are not.
func sortHits(hits []sanctionsHit) {
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].Party != hits[j].Party {
			return hits[i].Party == "debtor"
		}
		return hits[i].List+hits[i].key().Entity < hits[j].List+hits[j].key().Entity
	})
}

// listedMatch is a sanctions_match explanation entry: the listed entity a
// screened name resembles most, and how much.
type listedMatch struct {
	Score    float64 `json:"score"`
	EntityID string  `json:"entity_id"`
	List     string  `json:"list"`
	Name     string  `json:"name"`
	Alias    string  `json:"alias"`
}

// decodeListedMatch reads a "sanctions_match(FIELD, LIST)" entry that
// names an entity.
func decodeListedMatch(k string, raw json.RawMessage) (field, list string, m listedMatch, ok bool) {
	if field, list, ok = parseMatchKey(k, sanctionsMatchPrefix); !ok {
		return "", "", m, false
	}
	if json.Unmarshal(raw, &m) != nil || m.EntityID == "" {
		return "", "", m, false
	}
	return field, list, m, true
}

// String is the match as the page lists it: the listed name, the alias
// the name matched when it is another, list and entity id, score.
func (m listedMatch) String() string {
	s := m.Name
	if m.Alias != "" && m.Alias != m.Name {
		s += " (alias " + m.Alias + ")"
	}
	return s + " · " + m.List + " " + m.EntityID + " · score " + strconv.FormatFloat(m.Score, 'f', 3, 64)
}

// stillScores says that a name scored again without the entities cleared
// for its customer still matches m.
func (m listedMatch) stillScores() string {
	return fmt.Sprintf("with the entities cleared for the customer left out, the name still scores %.3f against %s (%s %s)", m.Score, m.Name, m.List, m.EntityID)
}

// decodeNameMatch reads a "name_match(FIELD, LIST)" entry that holds the
// list's spelling of the name matched (false, when it did not match, is
// not one).
func decodeNameMatch(k string, raw json.RawMessage) (field, list, listed string, ok bool) {
	if field, list, ok = parseMatchKey(k, nameMatchPrefix); !ok {
		return "", "", "", false
	}
	if json.Unmarshal(raw, &listed) != nil || strings.TrimSpace(listed) == "" {
		return "", "", "", false
	}
	return field, list, listed, true
}

// parseMatchKey splits "PREFIX FIELD, LIST)" (prefix: one of
// matchPrefixes).
func parseMatchKey(k, prefix string) (field, list string, ok bool) {
	inner, found := strings.CutPrefix(k, prefix)
	if !found || !strings.HasSuffix(inner, ")") {
		return "", "", false
	}
	field, list, ok = strings.Cut(strings.TrimSuffix(inner, ")"), ", ")
	return field, list, ok && field != "" && list != ""
}

// sanctionsLists are the running pack's sanctions lists by name (the
// LIST of sanctions_score(FIELD, "LIST")), whose matchers score a name as
// the rule did; none without a pack.
type sanctionsLists map[string]*sanctions.Matcher

// rescore scores name, a party's name on an alert, against the pack's
// sanctions list with the entities of left (keys of the party's account;
// the clearings in force for it) left out: the best match the rule would
// have found had those entities not been listed. why says, when not "",
// why it cannot: the console has no matcher for the list (no pack, or
// the pack lacks the list) or the explanation does not give the name.
func (l sanctionsLists) rescore(list, name, account string, left map[matchKey]*store.Clearing) (next listedMatch, why string) {
	m := l[list]
	switch {
	case m == nil:
		return next, "the running pack has no sanctions list " + list + " to score the name again without the cleared entities"
	case name == "":
		return next, "the explanation does not give the name to score again without the cleared entities"
	}
	r := m.BestExcept(name, "", func(list, entityID string) bool { return left[matchKey{account, list, entityID}] != nil })
	return listedMatch{Score: r.Score, EntityID: r.EntityID, List: r.List, Name: r.Name, Alias: r.Alias}, ""
}

// partyName is the value of field (debtor.name) in an explanation, ""
// when it holds none.
func partyName(expl map[string]json.RawMessage, field string) string {
	var name string
	if json.Unmarshal(expl[field], &name) != nil {
		return ""
	}
	return name
}
