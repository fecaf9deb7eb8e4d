// Package enrich derives the fields rules read but feeds do not send:
// amount_eur from the dated FX table, the float copies of amounts, countries
// from IBANs where the feed left them empty, cross_border, and normalised
// party names. A transaction that cannot be converted to EUR is rejected
// with reason fx_missing, never screened with a silent 0.
package enrich

import (
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/fx"
	"github.com/socwatch/socwatch/engine/iban"
	"github.com/socwatch/socwatch/engine/names"
)

// Enricher fills derived fields. It is safe for concurrent use.
type Enricher struct {
	FX *fx.Table
}

// New returns an Enricher over rates (fx.Default() when nil).
func New(rates *fx.Table) *Enricher {
	if rates == nil {
		rates = fx.Default()
	}
	return &Enricher{FX: rates}
}

// Enrich fills tx's derived fields in place.
func (e *Enricher) Enrich(tx *engine.Tx) error {
	eur, err := e.FX.ToEUR(tx.Amount, tx.Currency, tx.TS)
	if err != nil {
		return &engine.RejectError{Reason: engine.ReasonFXMissing, Err: err}
	}
	tx.AmountEUR = eur
	tx.AmountF = tx.Amount.Float64()
	tx.AmountEURF = eur.Float64()
	for _, p := range [2]*engine.Party{&tx.Debtor, &tx.Creditor} {
		if p.Country == "" {
			if c, ok := iban.Country(p.Account); ok {
				p.Country = c
			}
		}
		// Always set, so a reused Tx never keeps an earlier name's form
		// (Normalize("") is "" without allocating).
		p.NameNorm = names.Normalize(p.Name)
	}
	tx.CrossBorder = tx.Debtor.Country != "" && tx.Creditor.Country != "" && tx.Debtor.Country != tx.Creditor.Country
	return nil
}
