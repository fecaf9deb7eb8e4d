package amlsim

import (
	"bufio"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine"
)

const header = "sourceNodeId,targetNodeId,value,time"

func mustDecoder(t testing.TB, opts Options) *Decoder {
	t.Helper()
	d, err := NewDecoder([]byte(header), opts)
	if err != nil {
		t.Fatalf("NewDecoder: %v", err)
	}
	return d
}

func TestNewDecoder(t *testing.T) {
	tests := []struct {
		name, header string
		opts         Options
		wantErr      string
	}{
		{"default", header, Options{}, ""},
		{"reordered, extra column, other case", "time,value,extra,TargetNodeID,source_node_id\r\n", Options{}, ""},
		{"missing columns", "sourceNodeId,value", Options{}, "missing required columns: targetNodeId, time"},
		{"duplicate column", header + ",time", Options{}, "duplicates time (column 4)"},
		{"negative step", header, Options{Step: -time.Hour}, "must be positive"},
		{"bad currency", header, Options{Currency: "eur"}, "ISO 4217"},
		{"epoch too late", header, Options{Epoch: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, "epoch"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewDecoder([]byte(tc.header), tc.opts)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatal(err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	epoch := time.Date(2024, 6, 1, 0, 0, 0, 0, time.FixedZone("CEST", 7200))
	tests := []struct {
		name      string
		opts      Options
		line      string
		wantStart time.Time // start of the line's step
		step      time.Duration
		currency  string
	}{
		{"defaults", Options{}, "216,14730,163.3,1", time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), 24 * time.Hour, "EUR"},
		{"step 0", Options{}, "1,2,5,0", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), 24 * time.Hour, "EUR"},
		{"custom epoch in a zone, hourly steps", Options{Epoch: epoch, Step: time.Hour, Currency: "NOK"}, "1,2,0.5,30", epoch.UTC().Add(30 * time.Hour), time.Hour, "NOK"},
		{"sub-second step has no offset", Options{Step: time.Millisecond}, "1,2,1,1000", time.Date(2025, 1, 1, 0, 0, 1, 0, time.UTC), 0, "EUR"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := mustDecoder(t, tc.opts)
			var tx engine.Tx
			if err := d.Decode([]byte(tc.line), &tx); err != nil {
				t.Fatal(err)
			}
			col := strings.Split(tc.line, ",")
			if tx.Debtor.Account != "amlsim:"+col[0] || tx.Creditor.Account != "amlsim:"+col[1] {
				t.Errorf("accounts %q → %q", tx.Debtor.Account, tx.Creditor.Account)
			}
			if tx.Amount.String() != col[2] {
				t.Errorf("amount %s, want %s", tx.Amount, col[2])
			}
			if tx.TS.Location() != time.UTC {
				t.Errorf("ts not UTC: %v", tx.TS)
			}
			if off := tx.TS.Sub(tc.wantStart); off < 0 || (tc.step > 0 && off >= tc.step) || (tc.step == 0 && off != 0) || off%time.Second != 0 {
				t.Errorf("ts %v is not within the step starting %v (offset %v)", tx.TS, tc.wantStart, off)
			}
			if tx.Currency != tc.currency || tx.Channel != "sepa" {
				t.Errorf("currency %q channel %q", tx.Currency, tx.Channel)
			}
			if !strings.HasPrefix(tx.TxID, "amlsim-") || len(tx.TxID) != 23 {
				t.Errorf("tx_id %q", tx.TxID)
			}
		})
	}
}

// TestDecodeFile decodes real AMLSim rows: ids are unique, timestamps fall
// in their step, and rows of one step are spread over it.
func TestDecodeFile(t *testing.T) {
	f, err := os.Open("testdata/transactions_head.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	d, err := NewDecoder(sc.Bytes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	epoch := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ids := map[string]bool{}
	seconds := map[time.Time]bool{}
	n := 0
	for sc.Scan() {
		n++
		var tx engine.Tx
		if err := d.Decode(sc.Bytes(), &tx); err != nil {
			t.Fatalf("row %d: %v", n, err)
		}
		step, _ := strconv.Atoi(strings.Split(sc.Text(), ",")[3])
		start := epoch.Add(time.Duration(step) * 24 * time.Hour)
		if tx.TS.Before(start) || !tx.TS.Before(start.Add(24*time.Hour)) {
			t.Errorf("row %d: ts %v outside step %d", n, tx.TS, step)
		}
		if ids[tx.TxID] {
			t.Errorf("row %d: duplicate id %s", n, tx.TxID)
		}
		ids[tx.TxID] = true
		seconds[tx.TS] = true
	}
	if n != 20 {
		t.Fatalf("decoded %d rows, want 20", n)
	}
	if len(seconds) < n-1 {
		t.Errorf("only %d distinct timestamps for %d rows: not spread within the step", len(seconds), n)
	}
}

func TestDecodeDeterministic(t *testing.T) {
	a, b := mustDecoder(t, Options{}), mustDecoder(t, Options{})
	var x, y engine.Tx
	if err := a.Decode([]byte("216,14730,163.3,1"), &x); err != nil {
		t.Fatal(err)
	}
	if err := b.Decode([]byte("216,14730,163.3,1\r\n"), &y); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(x, y) {
		t.Fatalf("same line decoded differently:\n%+v\n%+v", x, y)
	}
}

// TestRepeatedLinesAreTransfersOfTheirOwn: AMLSim writes a transfer made
// twice in a step as two identical lines; each keeps its own id, and a
// decoder reading the file again from its start gives the same ids.
func TestRepeatedLinesAreTransfersOfTheirOwn(t *testing.T) {
	file := []string{"216,14730,163.3,1", "216,14730,163.3,1", "322,5431,143.11,1", "216,14730,163.3,1", "216,14730,163.3,2"}
	decodeIDs := func() []string {
		d := mustDecoder(t, Options{})
		var ids []string
		for _, line := range file {
			var tx engine.Tx
			if err := d.Decode([]byte(line), &tx); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tx.TxID)
		}
		return ids
	}
	first, again := decodeIDs(), decodeIDs()
	if !slices.Equal(first, again) {
		t.Fatalf("ids differ between two reads of the file:\n%v\n%v", first, again)
	}
	seen := map[string]bool{}
	for i, id := range first {
		if seen[id] {
			t.Errorf("line %d (%s): id %s given twice", i+1, file[i], id)
		}
		seen[id] = true
	}
	if first[1] != first[0]+"-1" || first[3] != first[0]+"-2" {
		t.Errorf("repeats of %s are %s and %s, want -1 and -2 suffixes", first[0], first[1], first[3])
	}
}

func TestDecodeBad(t *testing.T) {
	tests := []struct {
		name, line, reason, msg string
	}{
		{"too few fields", "1,2,3", engine.ReasonDecode, "line has 3 fields, header has 4"},
		{"bad quoting", `1,2,"3,4`, engine.ReasonDecode, "unterminated"},
		{"empty source", ",2,3,4", engine.ReasonMissing, "sourceNodeId is empty"},
		{"empty target", "1,,3,4", engine.ReasonMissing, "targetNodeId is empty"},
		{"empty value", "1,2,,4", engine.ReasonMissing, "value is empty"},
		{"bad value", "1,2,1e5,4", engine.ReasonInvalid, "not a plain decimal"},
		{"zero value", "1,2,0,4", engine.ReasonInvalid, "amount must be > 0"},
		{"negative value", "1,2,-5,4", engine.ReasonInvalid, "amount must be > 0"},
		{"empty time", "1,2,3,", engine.ReasonMissing, "time is empty"},
		{"negative time", "1,2,3,-1", engine.ReasonInvalid, "non-negative whole step"},
		{"fractional time", "1,2,3,1.5", engine.ReasonInvalid, "non-negative whole step"},
		{"time out of range", "1,2,3,999999999", engine.ReasonInvalid, "out of range"},
		{"too long", "1,2,3," + strings.Repeat("4", DefaultMaxBytes), engine.ReasonTooLarge, "limit is"},
	}
	d := mustDecoder(t, Options{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var tx engine.Tx
			err := d.Decode([]byte(tc.line), &tx)
			if err == nil {
				t.Fatalf("Decode(%q) succeeded", tc.line)
			}
			if got := engine.RejectReason(err); got != tc.reason {
				t.Errorf("reason %q, want %q (%v)", got, tc.reason, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err %q, want %q", err, tc.msg)
			}
		})
	}
}

func FuzzAMLSimDecode(f *testing.F) {
	f.Add([]byte("216,14730,163.3,1"), int64(24*time.Hour))
	f.Add([]byte(`"1,2",3,4.5,149`), int64(time.Second))
	f.Add([]byte("1,2,3,999999999999"), int64(time.Nanosecond))
	f.Fuzz(func(t *testing.T, line []byte, step int64) {
		d, err := NewDecoder([]byte(header), Options{Step: time.Duration(step)})
		if err != nil {
			return // negative step
		}
		var tx engine.Tx
		err = d.Decode(line, &tx)
		if err != nil {
			if engine.RejectReason(err) == "other" {
				t.Fatalf("error is not a RejectError: %v", err)
			}
			return
		}
		if err := tx.Validate(); err != nil {
			t.Fatalf("decoded tx fails validation: %v", err)
		}
		if tx.TS.Before(d.opts.Epoch) || tx.TS.After(maxTime) {
			t.Fatalf("ts %v out of range", tx.TS)
		}
	})
}

func BenchmarkAMLSimDecode(b *testing.B) {
	d := mustDecoder(b, Options{})
	rows := [][]byte{[]byte("216,14730,163.3,1"), []byte("322,5431,143.11,1"), []byte("78,19972,192.33,1"), []byte("248,14820,101.86,1")}
	var tx engine.Tx
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := d.Decode(rows[i&3], &tx); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
