package file

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socwatch/socwatch/engine"
)

func TestDecode(t *testing.T) {
	ibm, err := os.ReadFile(filepath.Join("..", "ibmcsv", "testdata", "patterns_flat_head.csv"))
	if err != nil {
		t.Fatal(err)
	}
	amlsim, err := os.ReadFile(filepath.Join("..", "amlsim", "testdata", "transactions_head.csv"))
	if err != nil {
		t.Fatal(err)
	}
	good := `{"tx_id":"a","ts":"2026-01-01T10:00:00Z","amount":"1.00","currency":"EUR","debtor":{"account":"X"},"creditor":{"account":"Y"}}`
	tests := []struct {
		name, format, in string
		maxBytes         int
		ids, rejected    int
		idPrefix         string
		wantErr          string
	}{
		{name: "jsonl with a bad line and a blank one", format: "jsonl", in: good + "\nnot json\n\n" + strings.Replace(good, `"a"`, `"b"`, 1) + "\n",
			ids: 2, rejected: 1, idPrefix: ""},
		{name: "default format is jsonl", in: good + "\n", ids: 1},
		{name: "too long line", format: "jsonl", in: good + "\n" + good + "\n", maxBytes: 20, rejected: 2},
		{name: "ibm-csv takes its header", format: "ibm-csv", in: string(ibm),
			ids: strings.Count(strings.TrimSpace(string(ibm)), "\n"), idPrefix: "ibm-"},
		{name: "amlsim takes its header", format: "amlsim", in: string(amlsim),
			ids: strings.Count(strings.TrimSpace(string(amlsim)), "\n"), idPrefix: "amlsim-"},
		{name: "bad csv header", format: "ibm-csv", in: "a,b\n1,2\n", wantErr: "ibm-csv header"},
		{name: "unknown format", format: "xml", in: good, wantErr: "unknown format"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ids []string
			rejected, err := Decode(strings.NewReader(tc.in), tc.format, tc.maxBytes, func(tx *engine.Tx) error {
				ids = append(ids, tx.TxID)
				return nil
			})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(ids) != tc.ids || rejected != tc.rejected {
				t.Fatalf("%d decoded (%v), %d rejected; want %d and %d", len(ids), ids, rejected, tc.ids, tc.rejected)
			}
			for _, id := range ids {
				if !strings.HasPrefix(id, tc.idPrefix) {
					t.Errorf("id %q lacks prefix %q", id, tc.idPrefix)
				}
			}
		})
	}
}
