// Package enrich derives the fields rules read but feeds do not send:
// amount_eur from the dated FX table, the float copies of amounts, countries
// from IBANs where the feed left them empty, cross_border, and normalised
// party names (both in one allocation, none when already normal). A
// transaction that cannot be converted to EUR is rejected with reason
// fx_missing, never screened with a silent 0.
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
	parties := [2]*engine.Party{&tx.Debtor, &tx.Creditor}
	for _, p := range parties {
		if p.Country == "" {
			if c, ok := iban.Country(p.Account); ok {
				p.Country = c
			}
		}
	}
	normalizeNames(parties)
	tx.CrossBorder = tx.Debtor.Country != "" && tx.Creditor.Country != "" && tx.Debtor.Country != tx.Creditor.Country
	return nil
}

// normalizeNames sets the parties' NameNorm. A name already in normal form
// is its own; the others are normalised into one buffer and share one
// string: one allocation per transaction at most, instead of one per name.
// NameNorm is always set, so a reused Tx never keeps an earlier name's form.
func normalizeNames(parties [2]*engine.Party) {
	var buf [128]byte
	norm := buf[:0]
	var ends [2]int
	for i, p := range parties {
		if !names.IsNormal(p.Name) {
			norm = names.AppendNormalize(norm, p.Name)
		}
		ends[i] = len(norm)
	}
	all := string(norm) // "" without allocating when both were normal
	start := 0
	for i, p := range parties {
		if ends[i] == start {
			p.NameNorm = p.Name // normal already ("" included)
		} else {
			p.NameNorm = all[start:ends[i]]
		}
		start = ends[i]
	}
}
