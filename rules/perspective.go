package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/socwatch/socwatch/engine"
)

// rulePerspective picks the one perspective (partition key) a rule runs
// under. All state a rule reads must live in that key's partition.
func rulePerspective(d *RuleDecl, r *engine.Rule, rs *engine.RuleSet) (string, error) {
	want := ""
	switch d.Perspective {
	case "":
	case "debtor":
		want = engine.PerspectiveDebtor
	case "creditor":
		want = engine.PerspectiveCreditor
	default:
		want = d.Perspective
		if f := engine.Fields[want]; f == nil || f.Kind != engine.KindString {
			return "", fmt.Errorf("perspective %q: want debtor, creditor or a string field path", d.Perspective)
		}
	}
	keyed := map[string]bool{}
	usesAccount := false
	for _, rd := range r.Reads {
		if rd.Agg < 0 {
			continue
		}
		if by := rs.Aggregates[rd.Agg].By; by == engine.KeyAccount {
			usesAccount = true
		} else {
			keyed[by] = true
		}
	}
	if len(keyed) > 1 {
		var ks []string
		for k := range keyed {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return "", fmt.Errorf("reads aggregates keyed by %s: their state lives in different partitions; key them by `account` (with flow in/out) to read both sides of one account", strings.Join(ks, " and "))
	}
	p := want
	for k := range keyed {
		if want != "" && want != k {
			return "", fmt.Errorf("perspective %s, but reads an aggregate keyed by %s", want, k)
		}
		p = k
	}
	if p == "" {
		p = engine.PerspectiveDebtor
	}
	if usesAccount && p != engine.PerspectiveDebtor && p != engine.PerspectiveCreditor {
		return "", fmt.Errorf("reads an aggregate keyed by account, which exists only under the debtor.account and creditor.account perspectives, but runs under %s", p)
	}
	return p, nil
}

// perspectives lists every key path records must be screened under:
// debtor.account first, then each rule's and each aggregate's.
func perspectives(rs *engine.RuleSet) []string {
	seen := map[string]bool{engine.PerspectiveDebtor: true}
	out := []string{engine.PerspectiveDebtor}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for i := range rs.Rules {
		add(rs.Rules[i].Perspective)
	}
	for i := range rs.Aggregates {
		a := &rs.Aggregates[i]
		if a.By != engine.KeyAccount {
			add(a.By)
			continue
		}
		if a.Flow != engine.FlowOut {
			add(engine.PerspectiveCreditor)
		}
	}
	return out
}
