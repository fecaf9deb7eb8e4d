package eval

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadLabels(t *testing.T) {
	tests := []struct {
		name     string
		data     []byte
		wantTx   map[string]Label
		wantAcct map[string]bool
		wantErr  string
	}{
		{name: "gen labels with scenarios", data: readFixture(t, "gen_labels.csv"),
			wantTx: map[string]Label{"g1": {"fan_out", "sc-1"}, "g2": {"fan_out", "sc-1"}, "g5": {"structuring", "sc-2"}}},
		{name: "two columns, CRLF", data: []byte("tx_id,typology\r\na,velocity\r\nb,\r\n"),
			wantTx: map[string]Label{"a": {Typology: "velocity"}}},
		{name: "any typology word", data: []byte("TX_ID,Typology\nx,smurfing\n"),
			wantTx: map[string]Label{"x": {Typology: "smurfing"}}},
		// The bad-format row does not decode (screening rejects it), the
		// last has Is Laundering without a pattern.
		{name: "IBM rows", data: readFixture(t, "ibm_rows.csv"), wantTx: nil},
		{name: "AMLSim nodes", data: readFixture(t, "nodes.csv"),
			wantTx: map[string]Label{}, wantAcct: map[string]bool{"amlsim:0": false, "amlsim:1": true, "amlsim:2": false}},
		{name: "duplicate id", data: []byte("tx_id,typology\na,x\na,\n"), wantErr: "labelled twice"},
		{name: "wrong width", data: []byte("tx_id,typology\na,x,y\n"), wantErr: "3 fields, header has 2"},
		{name: "unknown header", data: []byte("id,label\na,b\n"), wantErr: "none of"},
		{name: "AMLSim bad flag", data: []byte("nodeid,isFraud\n1,yes\n"), wantErr: "not 0 or 1"},
		{name: "AMLSim duplicate node", data: []byte("nodeid,isFraud\n1,1\n1,0\n"), wantErr: "listed twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadLabels(tc.data)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.name == "IBM rows" {
				checkIBM(t, got)
				return
			}
			if len(got.Tx) != len(tc.wantTx) {
				t.Fatalf("tx labels %v, want %v", got.Tx, tc.wantTx)
			}
			for id, l := range tc.wantTx {
				if got.Tx[id] != l {
					t.Errorf("%s: %+v, want %+v", id, got.Tx[id], l)
				}
			}
			if (got.Accounts == nil) != (tc.wantAcct == nil) || len(got.Accounts) != len(tc.wantAcct) {
				t.Fatalf("accounts %v, want %v", got.Accounts, tc.wantAcct)
			}
			for a, f := range tc.wantAcct {
				if v, ok := got.Accounts[a]; !ok || v != f {
					t.Errorf("%s: %v (present %v), want %v", a, v, ok, f)
				}
			}
		})
	}
}

// checkIBM: the labels join the ids the decoder gives the same rows.
func checkIBM(t *testing.T, got *Truth) {
	t.Helper()
	p, err := Prepare([]Input{{Name: "ibm", Format: "ibm-csv", Data: readFixture(t, "ibm_rows.csv")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Feed.IDs) != 4 || p.Rejected != 1 {
		t.Fatalf("decoded %d rows, rejected %d; want 4 and 1", len(p.Feed.IDs), p.Rejected)
	}
	want := []Label{{"FAN-OUT", "IBM-0001"}, {"FAN-OUT", "IBM-0001"}, {}, {"laundering", ""}}
	for i, id := range p.Feed.IDs {
		l, ok := got.Tx[id]
		if ok != (want[i] != Label{}) || l != want[i] {
			t.Errorf("row %d (%s): %+v (labelled %v), want %+v", i+1, id, l, ok, want[i])
		}
	}
	if len(got.Tx) != 3 {
		t.Errorf("%d labelled, want 3", len(got.Tx))
	}
}

func TestPrepareMergesByTime(t *testing.T) {
	a := []byte(`{"tx_id":"a1","ts":"2026-01-01T10:00:00Z","amount":"1.00","currency":"EUR","debtor":{"account":"X"},"creditor":{"account":"Y"}}
{"tx_id":"a2","ts":"2026-01-01T12:00:00Z","amount":"1.00","currency":"EUR","debtor":{"account":"X"},"creditor":{"account":"Y"}}
`)
	b := []byte(`{"tx_id":"b1","ts":"2026-01-01T11:00:00Z","amount":"1.00","currency":"EUR","debtor":{"account":"X"},"creditor":{"account":"Y"}}
not json
`)
	p, err := Prepare([]Input{{Name: "a", Format: "jsonl", Data: a}, {Name: "b", Format: "jsonl", Data: b}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.Feed.IDs, " "); got != "a1 b1 a2" || p.Rejected != 1 {
		t.Fatalf("merged %q rejected %d, want \"a1 b1 a2\" and 1", got, p.Rejected)
	}
	if n := bytes.Count(p.Data, []byte("\n")); n != 3 || p.Format != "jsonl" {
		t.Fatalf("merged data has %d lines as %s, want 3 jsonl", n, p.Format)
	}
}

func FuzzReadLabels(f *testing.F) {
	for _, name := range []string{"gen_labels.csv", "ibm_rows.csv", "nodes.csv"} {
		f.Add(readFixture(f, name))
	}
	f.Add([]byte("tx_id,typology\n,\n"))
	f.Add([]byte("nodeid,isFraud\n\"1\",1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ReadLabels(data)
		if err != nil {
			return
		}
		for id, l := range got.Tx {
			if id == "" || l.Typology == "" || l.Typology == Legit {
				t.Fatalf("accepted label %q → %+v", id, l)
			}
		}
		for a := range got.Accounts {
			if !strings.HasPrefix(a, "amlsim:") || a == "amlsim:" {
				t.Fatalf("accepted account %q", a)
			}
		}
	})
}
