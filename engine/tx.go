package engine

import "time"

// Party is one side of a transfer. Field names in expr and JSON are the
// canonical wire names; NameNorm is derived at enrichment.
type Party struct {
	Account    string `json:"account" expr:"account"`
	Name       string `json:"name,omitempty" expr:"name"`
	Country    string `json:"country,omitempty" expr:"country"`
	BIC        string `json:"bic,omitempty" expr:"bic"`
	CustomerID string `json:"customer_id,omitempty" expr:"customer_id"`
	Type       string `json:"type,omitempty" expr:"type"`
	// NameNorm is Name case-folded, whitespace-collapsed and stripped of
	// diacritics (ł→l, ø→o, æ→ae, å→a …), for list and name matching.
	NameNorm string `json:"-" expr:"name_norm"`
}

// Tx is the canonical transaction. Decoders fill the wire fields; Enrich
// fills the derived ones. Exact amounts live in Amount and AmountEUR; the
// float64 copies AmountF and AmountEURF exist only for expr arithmetic.
type Tx struct {
	TxID            string    `json:"tx_id" expr:"tx_id"`
	TS              time.Time `json:"ts" expr:"ts"`
	Amount          Decimal   `json:"amount" expr:"-"`
	Currency        string    `json:"currency" expr:"currency"`
	Debtor          Party     `json:"debtor" expr:"debtor"`
	Creditor        Party     `json:"creditor" expr:"creditor"`
	Channel         string    `json:"channel,omitempty" expr:"channel"`
	ReportingEntity string    `json:"reporting_entity,omitempty" expr:"reporting_entity"`
	Purpose         string    `json:"purpose,omitempty" expr:"purpose"`
	Direction       string    `json:"direction,omitempty" expr:"direction"`

	// Derived at enrichment.
	AmountEUR   Decimal `json:"amount_eur" expr:"-"`
	AmountF     float64 `json:"-" expr:"amount"`
	AmountEURF  float64 `json:"-" expr:"amount_eur"`
	CrossBorder bool    `json:"cross_border" expr:"cross_border"`

	// Trace is set by the flow tracer (the re-key stage, or the screening
	// of a file) when the rules read it.
	Trace Trace `json:"-" expr:"trace"`
}

// Reset clears t for reuse without releasing nothing it does not own.
func (t *Tx) Reset() { *t = Tx{} }

// Channels is the channel vocabulary; other values are rejected.
var Channels = map[string]bool{
	"": true, "sepa": true, "swift": true, "instant": true, "card": true,
	"cash_deposit": true, "cash_withdrawal": true, "crypto": true, "other": true,
}

// PartyTypes is the party type vocabulary ("" = unknown).
var PartyTypes = map[string]bool{"": true, "person": true, "company": true}
