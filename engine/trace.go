package engine

import "time"

// Trace is where a transfer's money came from, as the flow tracer
// (engine/trace) followed it back hop by hop: each earlier transfer on the
// path paid the next one's debtor, shortly before, about the amount it
// then passed on. Rules read it as `trace.hops`, `trace.origin`,
// `trace.cycle` and `trace.hours`; an alert that reads it lists the path.
// The zero value is an untraced transfer (hops 0): tracing is on only for
// packs whose rules read a trace field.
type Trace struct {
	// Hops counts the transfers on the path that changed hands, this one
	// included: 1 when no earlier transfer was passed on by this one. A
	// move between two accounts of one party (same customer id or name)
	// adds none.
	Hops int `expr:"hops"`
	// Origin is the account the path starts at (the first debtor).
	Origin string `expr:"origin"`
	// Cycle is true when this transfer pays an account already on the
	// path: the origin or an intermediary.
	Cycle bool `expr:"cycle"`
	// Hours is the time from the path's first transfer to this one.
	Hours float64 `expr:"hours"`
	// Ratio is this transfer's amount over the amount of the earlier
	// transfer it passes on (0.8–1.1 by the tracer's band); 0 when it
	// passes none on.
	Ratio float64 `expr:"ratio"`
	// Path holds the earlier transfers of the path, oldest first; at most
	// the tracer's MaxPath of them (a longer path keeps its newest).
	Path []Hop `expr:"-"`
}

// Hop is one transfer of a traced path.
type Hop struct {
	TxID      string    `json:"tx_id"`
	Debtor    string    `json:"debtor"`
	Creditor  string    `json:"creditor"`
	AmountEUR float64   `json:"amount_eur"`
	TS        time.Time `json:"ts"`
	// OwnAccount marks a move between two accounts of one party
	// (SameParty): it passes the money on but is not counted in
	// Trace.Hops, so a reader numbering the path's hops skips it. Left
	// out of the JSON when false, as in alerts written before it existed.
	OwnAccount bool `json:"own_account,omitempty"`
}

// SameParty reports whether two parties of a transfer are one: the same
// customer id, or the same normalised name. Money moved between their
// accounts changes accounts but not hands, so the flow tracer counts no
// hop for it. Two customers of one bank (same BIC) with different ids are
// two parties even when their names are the same (namesakes); ids of
// different banks say nothing about each other.
func SameParty(d, c *Party) bool {
	if d.CustomerID != "" && c.CustomerID != "" {
		if d.CustomerID == c.CustomerID {
			return true
		}
		if d.BIC != "" && d.BIC == c.BIC {
			return false
		}
	}
	return d.NameNorm != "" && d.NameNorm == c.NameNorm
}

// TracePathKey is the explanation entry of an alert whose rule reads a
// trace field: the path's transfers, oldest first, then the alerted one.
const TracePathKey = "trace.path"

// AggregatePathSuffix ends the explanation entry in which an aggregate
// that keeps transfers (inflow_match) lists the ones its value came from:
// the aggregate's name and this suffix.
const AggregatePathSuffix = "_path"

// TracePath is the explanation value of TracePathKey.
func TracePath(tx *Tx) []Hop {
	out := make([]Hop, 0, len(tx.Trace.Path)+1)
	out = append(out, tx.Trace.Path...)
	return append(out, Hop{TxID: tx.TxID, Debtor: tx.Debtor.Account, Creditor: tx.Creditor.Account,
		AmountEUR: tx.AmountEURF, TS: tx.TS, OwnAccount: SameParty(&tx.Debtor, &tx.Creditor)})
}
