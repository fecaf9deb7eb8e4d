package pacs008

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/socwatch/socwatch/engine"
)

// FuzzDecodeEach checks that no input panics, that every refusal (of the
// message or of one transaction) is a RejectError, that every accepted
// transaction passes validation, that each transaction's raw XML is an
// element of the input, and that DecodeAll agrees.
func FuzzDecodeEach(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		each, err := DecodeEach(data)
		all, allErr := DecodeAll(data)
		if err != nil {
			var re *engine.RejectError
			if !errors.As(err, &re) || allErr == nil {
				t.Fatalf("message refused with %v (%T); DecodeAll: %v", err, err, allErr)
			}
			return
		}
		refused := 0
		for _, tr := range each {
			if !bytes.Contains(data, tr.Raw) || !bytes.HasPrefix(tr.Raw, []byte("<")) || !bytes.HasSuffix(tr.Raw, []byte(">")) {
				t.Fatalf("transaction %d: raw %q is not an element of the input", tr.Index, tr.Raw)
			}
			if tr.Err != nil {
				var re *engine.RejectError
				if !errors.As(tr.Err, &re) {
					t.Fatalf("transaction %d refused with %v, not a RejectError", tr.Index, tr.Err)
				}
				refused++
				continue
			}
			if err := tr.Tx.Validate(); err != nil {
				t.Fatalf("transaction %d accepted but invalid: %v", tr.Index, err)
			}
		}
		if (refused > 0) != (allErr != nil) || (allErr == nil && len(all) != len(each)) {
			t.Fatalf("DecodeEach refused %d of %d, DecodeAll gave %d transactions and %v", refused, len(each), len(all), allErr)
		}
	})
}

func addFixtures(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*.xml"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("<Document><FIToFICstmrCdtTrf><CdtTrfTxInf/></FIToFICstmrCdtTrf></Document>"))
}

// FuzzDecodeAll checks that no input panics, that every refusal is a
// RejectError, and that every accepted transaction passes validation.
func FuzzDecodeAll(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		txs, err := DecodeAll(data)
		if err != nil {
			var re *engine.RejectError
			if !errors.As(err, &re) {
				t.Fatalf("error is not a RejectError: %v", err)
			}
			return
		}
		if len(txs) == 0 {
			t.Fatal("accepted a message without transactions")
		}
		for i := range txs {
			if err := txs[i].Validate(); err != nil {
				t.Fatalf("accepted an invalid transaction: %v", err)
			}
		}
	})
}
