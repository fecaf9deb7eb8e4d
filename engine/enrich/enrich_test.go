package enrich

import (
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine"
)

func TestEnrich(t *testing.T) {
	e := New(nil)
	amt, _ := engine.ParseDecimal("100000.00")
	tx := engine.Tx{TxID: "t", TS: time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC), Amount: amt, Currency: "NOK",
		Debtor:   engine.Party{Account: "NO9386011117947", Name: "Bjørn  ØDEGÅRD"},
		Creditor: engine.Party{Account: "PL61109010140000071219812874", Name: "Łukasz Wróblewski", Country: "PL"}}
	if err := e.Enrich(&tx); err != nil {
		t.Fatal(err)
	}
	if tx.Debtor.Country != "NO" || !tx.CrossBorder {
		t.Errorf("country from IBAN / cross_border: %q %v", tx.Debtor.Country, tx.CrossBorder)
	}
	if tx.Debtor.NameNorm != "bjorn odegard" || tx.Creditor.NameNorm != "lukasz wroblewski" {
		t.Errorf("names: %q %q", tx.Debtor.NameNorm, tx.Creditor.NameNorm)
	}
	// 100,000 NOK is roughly EUR 8,000–9,500; exact value depends on the table.
	if tx.AmountEURF < 7000 || tx.AmountEURF > 10000 || tx.AmountEUR.Scale != 2 || tx.AmountF != 100000 {
		t.Errorf("amount_eur = %s (%v)", tx.AmountEUR, tx.AmountEURF)
	}
	tx.Currency = "XYZ"
	if err := e.Enrich(&tx); engine.RejectReason(err) != engine.ReasonFXMissing {
		t.Errorf("unknown currency: %v", err)
	}
}

// Both normal forms come from one allocation, none when the names are
// already normal; every NameNorm is (re)set, also on a reused Tx.
func TestEnrichNames(t *testing.T) {
	e := New(nil)
	amt, _ := engine.ParseDecimal("100.00")
	tests := []struct {
		debtor, creditor         string
		wantDebtor, wantCreditor string
		allocs                   float64
	}{
		{"Bjørn  ØDEGÅRD", "Łukasz Wróblewski", "bjorn odegard", "lukasz wroblewski", 1},
		{"jan kowalski", "anna nowak", "jan kowalski", "anna nowak", 0},
		{"", "KOWALSKI, Jan", "", "kowalski jan", 1},
		{"Håkon", "", "hakon", "", 1},
		{"", "", "", "", 0},
	}
	tx := engine.Tx{TxID: "t", TS: time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC), Amount: amt, Currency: "EUR"}
	for _, tt := range tests {
		tx.Debtor.Name, tx.Creditor.Name = tt.debtor, tt.creditor
		allocs := testing.AllocsPerRun(20, func() {
			if err := e.Enrich(&tx); err != nil {
				t.Fatal(err)
			}
		})
		if tx.Debtor.NameNorm != tt.wantDebtor || tx.Creditor.NameNorm != tt.wantCreditor {
			t.Errorf("%q, %q: normal forms %q, %q; want %q, %q", tt.debtor, tt.creditor,
				tx.Debtor.NameNorm, tx.Creditor.NameNorm, tt.wantDebtor, tt.wantCreditor)
		}
		if allocs != tt.allocs {
			t.Errorf("%q, %q: %v allocations, want %v", tt.debtor, tt.creditor, allocs, tt.allocs)
		}
	}
}
