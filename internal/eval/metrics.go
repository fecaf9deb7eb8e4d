package eval

import (
	"math"
	"sort"
	"time"

	"github.com/socwatch/socwatch/engine"
)

// Feed is what a replay saw: the transactions that decoded, in order.
type Feed struct {
	IDs      []string
	TS       []time.Time // event time of IDs[i]
	Debtor   []string    // debtor account of IDs[i]
	Creditor []string    // creditor account of IDs[i]
}

// Add records one transaction.
func (f *Feed) Add(tx *engine.Tx) {
	f.IDs = append(f.IDs, tx.TxID)
	f.TS = append(f.TS, tx.TS)
	f.Debtor = append(f.Debtor, tx.Debtor.Account)
	f.Creditor = append(f.Creditor, tx.Creditor.Account)
}

// RuleInfo is what metrics need to know of a rule.
type RuleInfo struct {
	ID, Typology string
	// Perspective is the key the rule runs under; an alert flags the
	// creditor account when it is creditor.account, else the debtor
	// account (account-level metrics).
	Perspective string
}

// Rules lists the rules of a compiled set.
func Rules(rs *engine.RuleSet) []RuleInfo {
	out := make([]RuleInfo, len(rs.Rules))
	for i, r := range rs.Rules {
		out[i] = RuleInfo{ID: r.ID, Typology: r.Typology, Perspective: r.Perspective}
	}
	return out
}

// Options tune Compute.
type Options struct {
	// MinAttemptTx leaves laundering attempts with fewer transactions in
	// the feed out of attempt recall: a lone transfer shows no pattern
	// (IBM's single-transaction FAN-OUT "attempts"). Default 1.
	MinAttemptTx int
	// Warmup leaves the transactions of the feed's first Warmup (from its
	// earliest event time) out of every figure: they are screened, so
	// windows and histories fill, but neither counted nor scored — as in
	// production, where an account's history precedes what is screened.
	Warmup time.Duration
}

// Score is the detection quality of a set of alerts. Ratios with a zero
// denominator are NaN.
type Score struct {
	Alerts    int     // alerts raised, one per rule and transaction
	AlertedTx int     // distinct transactions alerted
	Per1000   float64 // alerts per 1,000 transactions screened
	// Precision is the share of alerted transactions that are laundering.
	Precision float64
	// RecallTx is the share of laundering transactions alerted.
	RecallTx float64
	// RecallAttempt is the share of laundering attempts (with at least
	// MinAttemptTx transactions) of which any transaction is alerted.
	RecallAttempt float64
	// RecallOwn is RecallAttempt over the attempts of the scored rules'
	// own typology only (NaN when the labels have none of it).
	RecallOwn float64
	// LegitShare is the share of legitimate transactions alerted.
	LegitShare float64
}

// RuleScore is one rule's Score.
type RuleScore struct {
	RuleInfo
	Score
	Accounts *AccountScore // with account labels only
}

// TypologyScore joins a typology's labelled attempts with the alerts of
// the rules of that typology. Either side may be empty: IBM's pattern
// families have no rule of their own, and a rule may have no labels.
type TypologyScore struct {
	Typology string
	Attempts int // labelled attempts with >= MinAttemptTx transactions
	Tx       int // labelled transactions
	// RecallAttempt and RecallTx count alerts of any rule.
	RecallAttempt, RecallTx float64
	// Rules is the number of rules of this typology; Score scores their
	// alerts (RecallOwn: the share of this typology's attempts they alert).
	Rules int
	Score
}

// AccountScore rates flagged accounts against account labels: an account
// is flagged when an alert names it as the subject (see RuleInfo).
type AccountScore struct {
	Flagged, Fraud, Hit   int
	Precision, Recall, F1 float64
}

// Report is the result of Compute.
type Report struct {
	Transactions int // distinct transactions screened and counted (after the warm-up)
	Laundering   int // of them labelled laundering
	Legit        int
	Attempts     int // laundering attempts with >= MinAttemptTx transactions
	Small        int // attempts left out for having fewer
	MinAttemptTx int
	Warmup       time.Duration
	Overall      Score
	Rules        []RuleScore
	Typologies   []TypologyScore
	// Accounts is set with account labels: AccountsSeen accounts took part
	// in the feed, of which Accounts.Fraud are labelled laundering.
	Accounts     *AccountScore
	AccountsSeen int
}

type attempt struct {
	typology string
	tx       []string
}

// Compute scores alerts of rules over the feed against the truth.
func Compute(f *Feed, t *Truth, rules []RuleInfo, alerts []engine.Alert, o Options) *Report {
	if o.MinAttemptTx < 1 {
		o.MinAttemptTx = 1
	}
	seen := make(map[string]bool, len(f.IDs))
	attempts := map[string]*attempt{}
	rep := &Report{MinAttemptTx: o.MinAttemptTx, Warmup: o.Warmup}
	from := WarmupEnd(f, o.Warmup)
	for i, id := range f.IDs {
		if seen[id] || f.TS[i].Before(from) {
			continue
		}
		seen[id] = true
		rep.Transactions++
		l, ok := t.Tx[id]
		if !ok {
			continue
		}
		rep.Laundering++
		key := l.Attempt
		if key == "" {
			key = "tx\x00" + id
		}
		a := attempts[key]
		if a == nil {
			a = &attempt{typology: l.Typology}
			attempts[key] = a
		}
		a.tx = append(a.tx, id)
	}
	rep.Legit = rep.Transactions - rep.Laundering
	var eligible []*attempt
	for _, a := range attempts {
		if len(a.tx) >= o.MinAttemptTx {
			eligible = append(eligible, a)
		} else {
			rep.Small++
		}
	}
	rep.Attempts = len(eligible)

	byRule := map[string]map[string]bool{}
	for i := range alerts {
		if !seen[alerts[i].TxID] {
			continue
		}
		s := byRule[alerts[i].RuleID]
		if s == nil {
			s = map[string]bool{}
			byRule[alerts[i].RuleID] = s
		}
		s[alerts[i].TxID] = true
	}
	sc := scorer{rep: rep, truth: t, eligible: eligible}
	all, allN := map[string]bool{}, 0
	byTyp := map[string]map[string]bool{}
	byTypN := map[string]int{}
	nRules := map[string]int{}
	for _, r := range rules {
		set := byRule[r.ID]
		rs := RuleScore{RuleInfo: r, Score: sc.score(set, len(set), r.Typology)}
		rep.Rules = append(rep.Rules, rs)
		allN += len(set)
		byTypN[r.Typology] += len(set)
		nRules[r.Typology]++
		if byTyp[r.Typology] == nil {
			byTyp[r.Typology] = map[string]bool{}
		}
		for id := range set {
			all[id] = true
			byTyp[r.Typology][id] = true
		}
	}
	rep.Overall = sc.score(all, allN, "")

	// Typologies: those of the labels and those of the rules.
	labelled := map[string][2]int{} // typology → attempts, tx
	for _, a := range attempts {
		v := labelled[a.typology]
		if len(a.tx) >= o.MinAttemptTx {
			v[0]++
		}
		v[1] += len(a.tx)
		labelled[a.typology] = v
	}
	names := map[string]bool{}
	for typ := range labelled {
		names[typ] = true
	}
	for typ := range nRules {
		names[typ] = true
	}
	for _, typ := range sortedKeys(names) {
		ts := TypologyScore{Typology: typ, Attempts: labelled[typ][0], Tx: labelled[typ][1], Rules: nRules[typ]}
		ts.RecallAttempt, ts.RecallTx = sc.recall(all, typ)
		ts.Score = sc.score(byTyp[typ], byTypN[typ], typ)
		rep.Typologies = append(rep.Typologies, ts)
	}

	if t.Accounts != nil {
		accountScores(rep, f, t, alerts, seen)
	}
	return rep
}

// WarmupEnd is the feed's earliest event time plus warmup (the zero time
// when warmup is 0): Compute counts the transactions from then on.
func WarmupEnd(f *Feed, warmup time.Duration) time.Time {
	if warmup <= 0 || len(f.TS) == 0 {
		return time.Time{}
	}
	first := f.TS[0]
	for _, ts := range f.TS {
		if ts.Before(first) {
			first = ts
		}
	}
	return first.Add(warmup)
}

type scorer struct {
	rep      *Report
	truth    *Truth
	eligible []*attempt
}

// score rates the alerted transaction set (n alerts); own names the
// typology whose attempts RecallOwn counts.
func (s scorer) score(alerted map[string]bool, n int, own string) Score {
	tp := 0
	for id := range alerted {
		if _, ok := s.truth.Tx[id]; ok {
			tp++
		}
	}
	sc := Score{
		Alerts:     n,
		AlertedTx:  len(alerted),
		Per1000:    ratio(1000*n, s.rep.Transactions),
		Precision:  ratio(tp, len(alerted)),
		RecallTx:   ratio(tp, s.rep.Laundering),
		LegitShare: ratio(len(alerted)-tp, s.rep.Legit),
	}
	sc.RecallAttempt, _ = s.recall(alerted, "")
	sc.RecallOwn = math.NaN()
	if own != "" {
		sc.RecallOwn, _ = s.recall(alerted, own)
	}
	return sc
}

// recall is the share of eligible attempts (of typology typ, or all when
// typ is "") with an alerted transaction, and the share of their
// transactions alerted.
func (s scorer) recall(alerted map[string]bool, typ string) (attempts, tx float64) {
	var na, hitA, ntx, hitTx int
	for _, a := range s.eligible {
		if typ != "" && a.typology != typ {
			continue
		}
		na++
		hit := false
		for _, id := range a.tx {
			ntx++
			if alerted[id] {
				hitTx++
				hit = true
			}
		}
		if hit {
			hitA++
		}
	}
	return ratio(hitA, na), ratio(hitTx, ntx)
}

// accountScores rates the accounts of the counted transactions.
func accountScores(rep *Report, f *Feed, t *Truth, alerts []engine.Alert, counted map[string]bool) {
	inFeed := map[string]bool{}
	fraud := 0
	for i := range f.IDs {
		if !counted[f.IDs[i]] {
			continue
		}
		for _, a := range [2]string{f.Debtor[i], f.Creditor[i]} {
			if !inFeed[a] {
				inFeed[a] = true
				if t.Accounts[a] {
					fraud++
				}
			}
		}
	}
	rep.AccountsSeen = len(inFeed)
	perspective := map[string]string{}
	for _, r := range rep.Rules {
		perspective[r.ID] = r.Perspective
	}
	flagged := map[string]map[string]bool{}
	all := map[string]bool{}
	for i := range alerts {
		a := &alerts[i]
		if !counted[a.TxID] {
			continue
		}
		subject := a.DebtorAccount
		if perspective[a.RuleID] == engine.PerspectiveCreditor {
			subject = a.CreditorAccount
		}
		if !inFeed[subject] {
			continue
		}
		if flagged[a.RuleID] == nil {
			flagged[a.RuleID] = map[string]bool{}
		}
		flagged[a.RuleID][subject] = true
		all[subject] = true
	}
	score := func(set map[string]bool) *AccountScore {
		hit := 0
		for a := range set {
			if t.Accounts[a] {
				hit++
			}
		}
		s := &AccountScore{Flagged: len(set), Fraud: fraud, Hit: hit,
			Precision: ratio(hit, len(set)), Recall: ratio(hit, fraud)}
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		if hit == 0 {
			s.F1 = 0
		}
		return s
	}
	for i := range rep.Rules {
		rep.Rules[i].Accounts = score(flagged[rep.Rules[i].ID])
	}
	rep.Accounts = score(all)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
