package amlsim

import (
	"bytes"
	"strings"
	"testing"

	"github.com/socwatch/socwatch/engine"
)

func TestReadNodeLabels(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]bool
		wantErr  string
	}{
		{name: "AMLSim layout", in: "nodeid,isFraud,init_balance,fraudStep\n0,0,184.44,-1\n17,1,5.00,3\n",
			want: map[string]bool{"amlsim:0": false, "amlsim:17": true}},
		{name: "other order, BOM, CRLF", in: "\ufeffisFraud,node_id\r\n1,5\r\n", want: map[string]bool{"amlsim:5": true}},
		{name: "missing column", in: "nodeid,balance\n1,2\n", wantErr: "want columns nodeid and isFraud"},
		{name: "bad flag", in: "nodeid,isFraud\n1,2\n", wantErr: "not 0 or 1"},
		{name: "duplicate", in: "nodeid,isFraud\n1,0\n1,0\n", wantErr: "listed twice"},
		{name: "short row", in: "nodeid,isFraud\n1\n", wantErr: "1 fields, header has 2"},
		{name: "empty id", in: "nodeid,isFraud\n,1\n", wantErr: "empty nodeid"},
		{name: "empty file", in: "", wantErr: "no header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadNodeLabels(strings.NewReader(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if f, ok := got[k]; !ok || f != v {
					t.Errorf("%s: %v (present %v), want %v", k, f, ok, v)
				}
			}
		})
	}
}

// TestNodeLabelsJoinDecodedAccounts: a node's label key is the account
// Decode gives its transactions.
func TestNodeLabelsJoinDecodedAccounts(t *testing.T) {
	labels, err := ReadNodeLabels(strings.NewReader("nodeid,isFraud\n216,1\n14730,0\n"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDecoder([]byte("sourceNodeId,targetNodeId,value,time"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var tx engine.Tx
	if err := d.Decode([]byte("216,14730,163.3,1"), &tx); err != nil {
		t.Fatal(err)
	}
	if f, ok := labels[tx.Debtor.Account]; !ok || !f {
		t.Errorf("debtor %s: %v (present %v)", tx.Debtor.Account, f, ok)
	}
	if f, ok := labels[tx.Creditor.Account]; !ok || f {
		t.Errorf("creditor %s: %v (present %v)", tx.Creditor.Account, f, ok)
	}
}

func FuzzReadNodeLabels(f *testing.F) {
	f.Add([]byte("nodeid,isFraud,init_balance,fraudStep\n0,0,184.44,-1\n1,1,1,2\n"))
	f.Add([]byte("isFraud,nodeid\n\"1\",\"a,b\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ReadNodeLabels(bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(got) > bytes.Count(data, []byte("\n")) {
			t.Fatalf("%d nodes from %d lines", len(got), bytes.Count(data, []byte("\n"))+1)
		}
		for k := range got {
			if !strings.HasPrefix(k, "amlsim:") || k == "amlsim:" {
				t.Fatalf("account %q", k)
			}
		}
	})
}
