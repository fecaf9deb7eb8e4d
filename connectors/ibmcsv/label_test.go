package ibmcsv

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socwatch/socwatch/engine"
)

func TestScanLabels(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "patterns_flat_head.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// A row that does not decode is skipped, not labelled.
	data = append(data, []byte("2022/09/01 00:06,1,A,2,B,1.00,Euro,1.00,Euro,Teleport,1,IBM-9999,CYCLE,x\n")...)
	got := map[string]Label{}
	skipped, err := ScanLabels(bytes.NewReader(data), 0, func(id string, l Label) { got[id] = l })
	if err != nil {
		t.Fatal(err)
	}
	if skipped != 1 {
		t.Errorf("skipped %d rows, want 1", skipped)
	}
	// The same ids Decode gives, with the row's own label.
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	d := mustDecoder(t, lines[0])
	var tx engine.Tx
	n := 0
	for _, line := range lines[1 : len(lines)-1] {
		if err := d.Decode([]byte(line), &tx); err != nil {
			t.Fatalf("decode %q: %v", line, err)
		}
		want, err := d.Label([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		if got[tx.TxID] != want {
			t.Errorf("%s: %+v, want %+v", tx.TxID, got[tx.TxID], want)
		}
		if !want.Laundering || want.PatternID == "" || want.Family == "" {
			t.Errorf("%s: patterns row without its label: %+v", tx.TxID, want)
		}
		n++
	}
	if len(got) == 0 || len(got) > n {
		t.Errorf("%d labels for %d rows", len(got), n)
	}
	if _, err := ScanLabels(strings.NewReader(""), 0, func(string, Label) {}); err == nil {
		t.Error("empty file: no error")
	}
	if _, err := ScanLabels(strings.NewReader("a,b\n"), 0, func(string, Label) {}); err == nil {
		t.Error("bad header: no error")
	}
}

func FuzzScanLabels(f *testing.F) {
	f.Add([]byte(patternsHeader + "\n2022/09/01 00:06,021174,800737690,012,80011F990,2848.96,Euro,2848.96,Euro,ACH,1,IBM-0001,FAN-OUT,x\n"))
	f.Add([]byte(snakeHeader + "\n2022/09/01 00:20,10,8000EBD30,10:8000EBD30,10,8000EBD30,10:8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0\n"))
	f.Add([]byte(originalHeader + "\n" + originalRow + "\n" + originalRow + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows := 0
		skipped, err := ScanLabels(bytes.NewReader(data), 0, func(id string, l Label) {
			rows++
			if !strings.HasPrefix(id, "ibm-") || len(id) != 20 {
				t.Fatalf("tx id %q", id)
			}
		})
		if err != nil {
			return
		}
		if skipped < 0 || rows+skipped > bytes.Count(data, []byte("\n"))+1 {
			t.Fatalf("%d rows + %d skipped from %d lines", rows, skipped, bytes.Count(data, []byte("\n"))+1)
		}
	})
}
