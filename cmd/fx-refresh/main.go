// Command refresh turns an ECB download (eurofxref-hist.csv, from the
// ECB's "Euro foreign exchange reference rates" page) into engine/fx's
// embedded rates.csv: it validates every row with fx.Parse, sorts the days
// oldest first, optionally keeps only some currencies, and writes the file
// with a provenance comment. Usage:
//
//	go run ./cmd/fx-refresh --in eurofxref-hist.csv --out engine/fx/rates.csv [--currencies USD,GBP,PLN]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/socwatch/socwatch/engine/fx"
)

func main() {
	in := flag.String("in", "", "ECB eurofxref-hist.csv to convert")
	out := flag.String("out", "", "rates file to write (e.g. engine/fx/rates.csv)")
	currencies := flag.String("currencies", "", "comma-separated currencies to keep (default: all in the input)")
	flag.Parse()
	if *in == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: refresh --in eurofxref-hist.csv --out engine/fx/rates.csv [--currencies USD,GBP]")
		os.Exit(2)
	}
	if err := refresh(*in, *out, *currencies, time.Now()); err != nil {
		slog.Error("refresh FX rates failed", "err", err)
		os.Exit(1)
	}
}

func refresh(inPath, outPath, currencyList string, now time.Time) error {
	f, err := os.Open(inPath)
	if err != nil {
		return fmt.Errorf("open ECB rates: %w", err)
	}
	defer f.Close()
	tab, err := fx.Parse(f)
	if err != nil {
		return fmt.Errorf("parse %s: %w", inPath, err)
	}
	var keep []string
	if currencyList != "" {
		keep = strings.Split(currencyList, ",")
	}
	comments := []string{
		"SOC-Watch rates.csv: ECB euro foreign exchange reference rates, units of currency per 1 EUR.",
		fmt.Sprintf("Converted by cmd/fx-refresh from %s on %s; oldest day first.", filepath.Base(inPath), now.UTC().Format(time.DateOnly)),
		"Source: European Central Bank, https://www.ecb.europa.eu (reuse permitted with attribution).",
	}
	var buf bytes.Buffer
	if err := tab.WriteCSV(&buf, comments, keep...); err != nil {
		return fmt.Errorf("convert %s: %w", inPath, err)
	}
	// Parse what we wrote before replacing the embedded file: a broken
	// rates.csv would only show when the binary first converts.
	if _, err := fx.Parse(bytes.NewReader(buf.Bytes())); err != nil {
		return fmt.Errorf("check converted rates: %w", err)
	}
	if err := os.WriteFile(outPath, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", outPath, err)
	}
	return nil
}
