package fx

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"
)

//go:embed rates.csv
var ratesCSV []byte

//go:embed rates-supplement.csv
var supplementCSV []byte

var defaultTable = sync.OnceValues(func() (*Table, error) {
	ecb, err := Parse(bytes.NewReader(ratesCSV))
	if err != nil {
		return nil, fmt.Errorf("embedded rates.csv: %w", err)
	}
	sup, err := Parse(bytes.NewReader(supplementCSV))
	if err != nil {
		return nil, fmt.Errorf("embedded rates-supplement.csv: %w", err)
	}
	return Merge(ecb, sup), nil
})

// Default returns the embedded table: rates.csv merged with
// rates-supplement.csv (see the package doc for what they hold and how
// approximate they are). It is parsed once, on first use.
func Default() *Table {
	t, err := defaultTable()
	if err != nil {
		// The embedded files are part of the binary and covered by tests;
		// failing here is a build defect, not bad input.
		panic("fx: " + err.Error())
	}
	return t
}
