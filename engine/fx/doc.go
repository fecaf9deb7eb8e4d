// Package fx converts transaction amounts to euro with a dated table of
// reference rates in the layout of the ECB's eurofxref-hist.csv: a header
// "Date,USD,JPY,…", one row per publication day, rates as units of currency
// per 1 EUR, "N/A" (or empty) where a currency has no rate, and "#" comment
// lines. A look-up uses the rate of the transaction's calendar day or of the
// nearest earlier publication day, at most MaxLookback (14) days back: that
// bridges weekends and TARGET holidays (Easter, Christmas) but not a
// currency the ECB stopped publishing, so a stale or missing rate is an error
// (reject reason "fx_missing"), never a silent 0. Conversion to euro is exact
// decimal division rounded half away from zero to cents.
//
// The embedded tables are NOT the official ECB series. rates.csv holds
// approximate monthly averages (recalled, not downloaded: this project was
// built without internet access) linearly interpolated over TARGET business
// days from 2019-01-01 to 2026-12-31, held flat after the last anchor
// (December 2025). rates-supplement.csv holds currencies the ECB never
// published (BTC, SAR, UAH) and RUB after the ECB suspended it on
// 2022-03-02, equally approximate. Both are written by gen_rates from
// gen_rates/anchors.txt (go generate). They are good enough for thresholds
// and tests; before screening real traffic, replace rates.csv with an ECB
// download: go run ./cmd/fx-refresh --in eurofxref-hist.csv --out engine/fx/rates.csv
package fx

//go:generate go run ../../cmd/fx-gen-rates -anchors ../../cmd/fx-gen-rates/anchors.txt -out .
