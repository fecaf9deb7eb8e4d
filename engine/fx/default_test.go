package fx

import (
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine"
)

// Every required currency has a rate for every calendar day of the embedded
// range (the look-back bridges weekends and holidays).
func TestDefaultCoverage(t *testing.T) {
	tab := Default()
	required := []string{"USD", "GBP", "CHF", "PLN", "NOK", "SEK", "DKK", "CZK", "HUF", "JPY", "CNY", "INR", "BRL", "MXN", "AUD", "CAD", "ILS", "TRY", "BTC", "SAR", "UAH", "RUB"}
	for _, cur := range required {
		for d := date("2019-01-02"); !d.After(date("2026-12-31")); d = d.AddDate(0, 0, 1) {
			rate, used, err := tab.Rate(cur, d)
			if err != nil {
				t.Fatalf("Default().Rate(%s, %s): %v", cur, d.Format(time.DateOnly), err)
			}
			if rate.Sign() <= 0 || used.After(d) || d.Sub(used) > 4*24*time.Hour {
				t.Fatalf("Default().Rate(%s, %s) = %s from %s", cur, d.Format(time.DateOnly), rate, used.Format(time.DateOnly))
			}
		}
	}
}

func TestDefaultShape(t *testing.T) {
	ecb, err := Parse(bytesReader(ratesCSV))
	if err != nil {
		t.Fatal(err)
	}
	// The ECB stopped RUB after 1 March 2022; rates.csv must not pretend
	// otherwise, and the supplement must take over the next day.
	if _, last, ok := ecb.Coverage("RUB"); !ok || !last.Equal(date("2022-03-01")) {
		t.Errorf("rates.csv RUB ends %v, %v; want 2022-03-01", last, ok)
	}
	for _, cur := range []string{"BTC", "SAR", "UAH"} {
		if _, _, ok := ecb.Coverage(cur); ok {
			t.Errorf("rates.csv has %s, which the ECB never published", cur)
		}
	}
	sup, err := Parse(bytesReader(supplementCSV))
	if err != nil {
		t.Fatal(err)
	}
	if first, _, ok := sup.Coverage("RUB"); !ok || !first.Equal(date("2022-03-02")) {
		t.Errorf("supplement RUB starts %v, %v; want 2022-03-02", first, ok)
	}
	// No rows on weekends or TARGET holidays (ECB publication days only).
	for _, d := range []string{"2024-01-01", "2024-03-29", "2024-04-01", "2024-05-01", "2024-12-25", "2024-12-26", "2024-06-08"} {
		if _, used, _ := ecb.Rate("USD", date(d)); used.Equal(date(d)) {
			t.Errorf("rates.csv has a row on %s, not an ECB publication day", d)
		}
	}
	tab := Default()
	// SAR follows the USD peg.
	on := date("2024-06-12")
	usd, _, _ := tab.Rate("USD", on)
	sar, _, _ := tab.Rate("SAR", on)
	if ratio := sar.Float64() / usd.Float64(); ratio < 3.749 || ratio > 3.751 {
		t.Errorf("SAR/USD = %v; want the 3.75 peg", ratio)
	}
	// Sanity bands: a typo in the anchors (a shifted decimal point) shows here.
	bands := map[string][2]float64{"USD": {0.9, 1.3}, "PLN": {4.0, 4.9}, "NOK": {9.5, 12.5}, "GBP": {0.8, 0.95}, "JPY": {110, 180}, "BTC": {0.000008, 0.0004}}
	for d := date("2019-01-02"); d.Before(date("2027-01-01")); d = d.AddDate(0, 0, 7) {
		for cur, band := range bands {
			r, _, err := tab.Rate(cur, d)
			if f := r.Float64(); err != nil || f < band[0] || f > band[1] {
				t.Fatalf("%s on %s = %v (%v); outside %v", cur, d.Format(time.DateOnly), f, err, band)
			}
		}
	}
	if _, err := tab.ToEUR(dec("1"), "USD", date("2027-02-01")); engine.RejectReason(err) != engine.ReasonFXMissing {
		t.Errorf("beyond the table: %v; want fx_missing", err)
	}
}
