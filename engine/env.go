package engine

// Env is what a rule's expr program sees. It embeds the transaction, so
// `amount_eur`, `debtor.country` and `cross_border` are fields, and adds the
// perspective the record is screened under and the aggregate values the
// rules read. The rules compiler rewrites an aggregate's name into an index
// into Agg, so a rule reads a precomputed float64, not a function call.
type Env struct {
	Tx
	// Perspective is the key path of the copy being screened
	// ("debtor.account", "creditor.account", …).
	Perspective string `expr:"perspective"`
	// Account is the perspective key's value: the account whose partition
	// (and whose state) this evaluation runs in.
	Account string `expr:"account"`
	// Counterparty is the account on the other side of the transfer from
	// Account: the creditor of a debtor copy, the debtor of the others. An
	// aggregate `by: account, flow: both` reads it as "who this account
	// dealt with", in either direction.
	Counterparty string `expr:"counterparty"`
	// OwnAccount is SameParty(debtor, creditor): a move between two
	// accounts of one party (same customer id, or same name), which the
	// flow tracer counts as no hop and rules leave out of pass-through.
	OwnAccount bool `expr:"own_account"`
	// Agg holds the current value of every aggregate of the rule set, in
	// RuleSet.Aggregates order.
	Agg []float64 `expr:"agg__"`

	// Party fields, flattened: the rules compiler rewrites `debtor.country`
	// into `debtor__country`, so expr loads one string instead of boxing a
	// copy of the whole Party on every read. Flatten fills them.
	DebtorAccount      string `expr:"debtor__account"`
	DebtorName         string `expr:"debtor__name"`
	DebtorNameNorm     string `expr:"debtor__name_norm"`
	DebtorCountry      string `expr:"debtor__country"`
	DebtorBIC          string `expr:"debtor__bic"`
	DebtorCustomerID   string `expr:"debtor__customer_id"`
	DebtorType         string `expr:"debtor__type"`
	CreditorAccount    string `expr:"creditor__account"`
	CreditorName       string `expr:"creditor__name"`
	CreditorNameNorm   string `expr:"creditor__name_norm"`
	CreditorCountry    string `expr:"creditor__country"`
	CreditorBIC        string `expr:"creditor__bic"`
	CreditorCustomerID string `expr:"creditor__customer_id"`
	CreditorType       string `expr:"creditor__type"`

	// memo keeps, per call site of a pure rule function (a slot the rules
	// compiler numbers), the last argument and result within the current
	// record: many rules calling name_match(debtor.name, "list") pay for
	// it once. gen changes with every Flatten, so a result never outlives
	// its record (nor the memory its argument string points into).
	memo []memoEntry
	gen  uint64
}

type memoEntry struct {
	gen uint64
	set bool
	arg string
	v   float64
}

// Memo returns f(arg) for call site slot, computed once per record and
// argument. Results are float64 (bools as 0 or 1) so that keeping one
// does not box it.
func (e *Env) Memo(slot int, arg string, f func(string) float64) float64 {
	if slot >= len(e.memo) {
		e.memo = append(e.memo, make([]memoEntry, slot+1-len(e.memo))...)
	}
	m := &e.memo[slot]
	if m.gen == e.gen && m.set && m.arg == arg {
		return m.v
	}
	v := f(arg)
	*m = memoEntry{gen: e.gen, set: true, arg: arg, v: v}
	return v
}

// Flatten copies the enriched party fields into their flat twins and
// derives OwnAccount from them.
func (e *Env) Flatten() {
	e.gen++
	e.OwnAccount = SameParty(&e.Debtor, &e.Creditor)
	d, c := &e.Debtor, &e.Creditor
	e.DebtorAccount, e.DebtorName, e.DebtorNameNorm, e.DebtorCountry = d.Account, d.Name, d.NameNorm, d.Country
	e.DebtorBIC, e.DebtorCustomerID, e.DebtorType = d.BIC, d.CustomerID, d.Type
	e.CreditorAccount, e.CreditorName, e.CreditorNameNorm, e.CreditorCountry = c.Account, c.Name, c.NameNorm, c.Country
	e.CreditorBIC, e.CreditorCustomerID, e.CreditorType = c.BIC, c.CustomerID, c.Type
}

// FlatName is the flattened identifier of a party field path
// ("debtor.country" → "debtor__country").
func FlatName(side, field string) string { return side + "__" + field }

// AggIdent is the Env field the compiler indexes for aggregate values.
const AggIdent = "agg__"
