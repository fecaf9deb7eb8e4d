package ibmcsv

import (
	"bufio"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine"
)

const (
	patternsHeader = "Timestamp,From Bank,From Account,To Bank,To Account,Amount Received,Receiving Currency,Amount Paid,Payment Currency,Payment Format,Is Laundering,Pattern ID,Pattern Family,Pattern Name"
	originalHeader = "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,Payment Currency,Payment Format,Is Laundering"
	snakeHeader    = "timestamp,from_bank_id,from_account_id,from_account_key,to_bank_id,to_account_id,to_account_key,amount_received,receiving_currency,amount_paid,payment_currency,payment_format,is_laundering"
	// originalRow is a row in IBM's original column order.
	originalRow = "2022/09/01 00:20,010,8000EBD30,010,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0"
)

func mustDecoder(t testing.TB, header string) *Decoder {
	t.Helper()
	d, err := NewDecoder([]byte(header))
	if err != nil {
		t.Fatalf("NewDecoder: %v", err)
	}
	return d
}

func TestNewDecoderHeaders(t *testing.T) {
	tests := []struct {
		name, header, wantErr string
	}{
		{"patterns file", patternsHeader, ""},
		{"original IBM with two Account columns", originalHeader, ""},
		{"snake case sample", snakeHeader, ""},
		{"BOM and CRLF", "\ufeff" + originalHeader + "\r\n", ""},
		{"quoted names", `"Timestamp","From Bank","Account","To Bank","Account","Amount Paid","Payment Currency","Payment Format"`, ""},
		{"missing columns", "Timestamp,From Bank,From Account,Amount Paid", "missing required columns: To Bank, To Account, Payment Currency, Payment Format"},
		{"one Account only", "Timestamp,From Bank,Account,To Bank,Amount Paid,Payment Currency,Payment Format", "missing required columns: To Account"},
		{"duplicate column", "Timestamp,From Bank,From Account,To Bank,To Account,Amount Paid,amount_paid,Payment Currency,Payment Format", "duplicates Amount Paid"},
		{"bad quoting", `"Timestamp,From Bank`, "parse IBM CSV header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewDecoder([]byte(tc.header))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("NewDecoder: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestDecodeOriginalRow(t *testing.T) {
	d := mustDecoder(t, originalHeader)
	var tx engine.Tx
	if err := d.Decode([]byte(originalRow), &tx); err != nil {
		t.Fatal(err)
	}
	want := engine.Tx{
		TS:       time.Date(2022, 9, 1, 0, 20, 0, 0, time.UTC),
		Amount:   engine.Decimal{Units: 369734, Scale: 2},
		Currency: "USD",
		Debtor:   engine.Party{Account: "10:8000EBD30"},
		Creditor: engine.Party{Account: "10:8000EBD30"},
		Channel:  "other",
	}
	if !strings.HasPrefix(tx.TxID, "ibm-") || len(tx.TxID) != 20 {
		t.Errorf("tx_id = %q, want ibm- and 16 hex digits", tx.TxID)
	}
	want.TxID = tx.TxID
	if !reflect.DeepEqual(tx, want) {
		t.Errorf("got  %+v\nwant %+v", tx, want)
	}
}

// TestDecodeFiles decodes real rows of both shared layouts and checks the
// mapping against the columns read independently with strings.Split.
func TestDecodeFiles(t *testing.T) {
	for _, tc := range []struct {
		file                             string
		fromBank, fromAcct, toBank, toAc int
		amount, currency, format         int
	}{
		{"testdata/patterns_flat_head.csv", 1, 2, 3, 4, 7, 8, 9},
		{"testdata/transactions_head.csv", 1, 2, 4, 5, 9, 10, 11},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			sc.Scan()
			d := mustDecoder(t, sc.Text())
			ids := map[string]bool{}
			n := 0
			for sc.Scan() {
				n++
				line := sc.Text()
				var tx engine.Tx
				if err := d.Decode([]byte(line), &tx); err != nil {
					t.Fatalf("row %d: %v", n, err)
				}
				col := strings.Split(line, ",")
				if want := strings.TrimLeft(col[tc.fromBank], "0") + ":" + col[tc.fromAcct]; tx.Debtor.Account != want {
					t.Errorf("row %d: debtor %q, want %q", n, tx.Debtor.Account, want)
				}
				if want := strings.TrimLeft(col[tc.toBank], "0") + ":" + col[tc.toAc]; tx.Creditor.Account != want {
					t.Errorf("row %d: creditor %q, want %q", n, tx.Creditor.Account, want)
				}
				if tx.Amount.String() != col[tc.amount] {
					t.Errorf("row %d: amount %s, want %s", n, tx.Amount, col[tc.amount])
				}
				if want := currencyCode([]byte(col[tc.currency])); tx.Currency != want || want == "" {
					t.Errorf("row %d: currency %q for %q", n, tx.Currency, col[tc.currency])
				}
				if want, _ := channelOf([]byte(col[tc.format])); tx.Channel != want {
					t.Errorf("row %d: channel %q for %q", n, tx.Channel, col[tc.format])
				}
				if got := tx.TS.Format("2006/01/02 15:04"); got != col[0] {
					t.Errorf("row %d: ts %s, want %s", n, got, col[0])
				}
				if ids[tx.TxID] {
					t.Errorf("row %d: duplicate tx_id %s", n, tx.TxID)
				}
				ids[tx.TxID] = true
			}
			if n < 5 {
				t.Fatalf("decoded %d rows, want at least 5", n)
			}
		})
	}
}

func TestAccountKeyAgreesAcrossFiles(t *testing.T) {
	// The same account is "012:800054B70" in the patterns file and
	// "12:800054B70" in the sample; both must decode to one key.
	p := mustDecoder(t, patternsHeader)
	s := mustDecoder(t, snakeHeader)
	var a, b engine.Tx
	if err := p.Decode([]byte("2022/09/01 06:46,023,8001FE5D0,012,800054B70,18748.97,US Dollar,18748.97,US Dollar,ACH,1,IBM-0016,GATHER-SCATTER,GATHER-SCATTER:  Max 2-degree Fan-In"), &a); err != nil {
		t.Fatal(err)
	}
	if err := s.Decode([]byte("2022/09/01 00:22,12,800054B70,12:800054B70,12,800054B70,12:800054B70,10.44,US Dollar,10.44,US Dollar,Reinvestment,0"), &b); err != nil {
		t.Fatal(err)
	}
	if a.Creditor.Account != b.Debtor.Account || a.Creditor.Account != "12:800054B70" {
		t.Fatalf("keys differ: %q vs %q", a.Creditor.Account, b.Debtor.Account)
	}
	// A bank id of zeros keeps one zero; non-numeric ids are kept as is.
	var z engine.Tx
	if err := p.Decode([]byte("2022/09/01 06:46,000,A,0x1,B,1,Euro,1,Euro,Wire,0,,,"), &z); err != nil {
		t.Fatal(err)
	}
	if z.Debtor.Account != "0:A" || z.Creditor.Account != "0x1:B" {
		t.Fatalf("got %q, %q", z.Debtor.Account, z.Creditor.Account)
	}
}

func TestTxIDDeterministic(t *testing.T) {
	d := mustDecoder(t, originalHeader)
	id := func(line string) string {
		var tx engine.Tx
		if err := d.Decode([]byte(line), &tx); err != nil {
			t.Fatal(err)
		}
		return tx.TxID
	}
	a := id(originalRow)
	if b := mustDecoder(t, originalHeader); b == nil || id(originalRow) != a {
		t.Error("same line, different id")
	}
	if id(originalRow+"\r\n") != a {
		t.Error("line ending changes the id")
	}
	if id(strings.Replace(originalRow, "3697.34,US Dollar,Reinvestment", "3697.35,US Dollar,Reinvestment", 1)) == a {
		t.Error("different lines share an id")
	}
}

func TestDecodeBad(t *testing.T) {
	r := func(old, new string) string { return strings.Replace(originalRow, old, new, 1) }
	tests := []struct {
		name, line, reason, msg string
	}{
		{"too few fields", "2022/09/01 00:20,010", engine.ReasonDecode, "line has 2 fields, header has 11"},
		{"too many fields", originalRow + ",x", engine.ReasonDecode, "line has 12 fields"},
		{"bad quoting", r("Reinvestment", `Re"invest`), engine.ReasonDecode, "quote in unquoted field"},
		{"bad timestamp", r("2022/09/01 00:20", "2022-09-01 00:20"), engine.ReasonInvalid, "want YYYY/MM/DD HH:MM"},
		{"timestamp out of range", r("2022/09/01 00:20", "2022/02/29 00:20"), engine.ReasonInvalid, "out of range"},
		{"timestamp with seconds", r("2022/09/01 00:20", "2022/09/01 00:20:00"), engine.ReasonInvalid, "Timestamp"},
		{"empty from bank", r("2022/09/01 00:20,010", "2022/09/01 00:20,"), engine.ReasonMissing, "From Bank is empty"},
		{"empty to account", r("010,8000EBD30,3697.34", "010,,3697.34"), engine.ReasonMissing, "To Account is empty"},
		{"empty amount", r("3697.34,US Dollar,Reinvestment", ",US Dollar,Reinvestment"), engine.ReasonMissing, "Amount Paid is empty"},
		{"amount exponent", r("3697.34,US Dollar,Reinvestment", "3.6e3,US Dollar,Reinvestment"), engine.ReasonInvalid, "not a plain decimal"},
		{"amount overflow", r("3697.34,US Dollar,Reinvestment", "99999999999999999999,US Dollar,Reinvestment"), engine.ReasonInvalid, "out of range"},
		{"zero amount", r("3697.34,US Dollar,Reinvestment", "0.00,US Dollar,Reinvestment"), engine.ReasonInvalid, "amount must be > 0"},
		{"unknown currency", r("US Dollar,Reinvestment", "Zloty,Reinvestment"), engine.ReasonInvalid, `unknown Payment Currency "Zloty"`},
		{"unknown format", r("Reinvestment", "Pigeon"), engine.ReasonInvalid, `unknown Payment Format "Pigeon"`},
		{"too long", originalRow + strings.Repeat("x", DefaultMaxBytes), engine.ReasonTooLarge, "limit is"},
	}
	d := mustDecoder(t, originalHeader)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var tx engine.Tx
			err := d.Decode([]byte(tc.line), &tx)
			if err == nil {
				t.Fatalf("Decode(%q) succeeded", tc.line)
			}
			if got := engine.RejectReason(err); got != tc.reason {
				t.Errorf("reason = %q, want %q (%v)", got, tc.reason, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %q, want it to contain %q", err, tc.msg)
			}
		})
	}
}

func TestLabelAndExtra(t *testing.T) {
	d := mustDecoder(t, patternsHeader)
	line := []byte("2022/09/01 00:06,021174,800737690,012,80011F990,2848.96,Euro,2848.96,Euro,ACH,1,IBM-0001,FAN-OUT,FAN-OUT:  Max 16-degree Fan-Out")
	l, err := d.Label(line)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Label{Laundering: true, PatternID: "IBM-0001", Family: "FAN-OUT", Name: "FAN-OUT:  Max 16-degree Fan-Out"}); l != want {
		t.Errorf("Label = %+v, want %+v", l, want)
	}
	if v, ok, err := d.Extra(line, "Amount Received"); err != nil || !ok || v != "2848.96" {
		t.Errorf("Extra(Amount Received) = %q, %v, %v", v, ok, err)
	}
	if _, ok, _ := d.Extra(line, "No Such Column"); ok {
		t.Error("Extra found a column the header does not have")
	}
	if !d.HasColumn("pattern_family") || d.HasColumn("pattern_colour") {
		t.Error("HasColumn")
	}

	s := mustDecoder(t, snakeHeader)
	l, err = s.Label([]byte("2022/09/01 00:20,10,8000EBD30,10:8000EBD30,10,8000EBD30,10:8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0"))
	if err != nil || l != (Label{}) {
		t.Errorf("snake Label = %+v, %v; want zero", l, err)
	}
	if _, err := s.Label([]byte("2022/09/01 00:20,10,8000EBD30,10:8000EBD30,10,8000EBD30,10:8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,yes")); engine.RejectReason(err) != engine.ReasonInvalid {
		t.Errorf("bad Is Laundering: err = %v", err)
	}
}

func FuzzIBMDecode(f *testing.F) {
	f.Add([]byte(originalRow))
	f.Add([]byte(`2022/09/01 00:20,"010","8000,EBD30",010,8000EBD30,1,Euro,"1""",Euro,Wire,0`))
	f.Add([]byte("2022/09/09 12:00,001024,800963A91,0225,8000E43B1,0.370287,Bitcoin,0.370287,Bitcoin,Bitcoin,1"))
	d := mustDecoder(f, originalHeader)
	f.Fuzz(func(t *testing.T, line []byte) {
		var tx engine.Tx
		err := d.Decode(line, &tx)
		if err != nil {
			if engine.RejectReason(err) == "other" {
				t.Fatalf("error is not a RejectError: %v", err)
			}
			return
		}
		if err := tx.Validate(); err != nil {
			t.Fatalf("decoded tx fails validation: %v", err)
		}
		if !strings.HasPrefix(tx.TxID, "ibm-") || tx.Debtor.Account == "" || tx.TS.Location() != time.UTC {
			t.Fatalf("incomplete tx %+v", tx)
		}
		// Label must agree with Decode on whether the line splits.
		if _, err := d.Label(line); err != nil && engine.RejectReason(err) != engine.ReasonInvalid {
			t.Fatalf("Label failed on a line Decode accepted: %v", err)
		}
	})
}

func BenchmarkIBMDecode(b *testing.B) {
	d := mustDecoder(b, patternsHeader)
	rows := [][]byte{
		[]byte("2022/09/01 00:06,021174,800737690,012,80011F990,2848.96,Euro,2848.96,Euro,ACH,1,IBM-0001,FAN-OUT,FAN-OUT:  Max 16-degree Fan-Out"),
		[]byte("2022/09/01 04:33,021174,800737690,020,80020C5B0,8630.40,Euro,8630.40,Euro,ACH,1,IBM-0001,FAN-OUT,FAN-OUT:  Max 16-degree Fan-Out"),
		[]byte("2022/09/01 00:03,01467,8013C4030,020,80BC62F10,58702.10,Yuan,58702.10,Yuan,ACH,1,IBM-0002,CYCLE,CYCLE:  Max 10 hops"),
		[]byte("2022/09/01 02:52,020,80BC62F10,0240229,80F025640,7332.87,Swiss Franc,7332.87,Swiss Franc,ACH,1,IBM-0002,CYCLE,CYCLE:  Max 10 hops"),
	}
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
