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
	// Agg holds the current value of every aggregate of the rule set, in
	// RuleSet.Aggregates order.
	Agg []float64 `expr:"agg__"`
}

// AggIdent is the Env field the compiler indexes for aggregate values.
const AggIdent = "agg__"
