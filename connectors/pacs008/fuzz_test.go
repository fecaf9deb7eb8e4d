package pacs008

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/socwatch/socwatch/engine"
)

// FuzzDecodeAll checks that no input panics, that every refusal is a
// RejectError, and that every accepted transaction passes validation.
func FuzzDecodeAll(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*.xml"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("<Document><FIToFICstmrCdtTrf><CdtTrfTxInf/></FIToFICstmrCdtTrf></Document>"))
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
