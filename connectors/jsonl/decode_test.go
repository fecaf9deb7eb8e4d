package jsonl

import (
	"bufio"
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine"
)

// base is a valid record; bad inputs are built by editing it so each case
// fails for exactly one reason.
const base = `{"tx_id":"t1","ts":"2025-03-14T09:26:53Z","amount":"100.50","currency":"EUR","debtor":{"account":"A"},"creditor":{"account":"B"}}`

func decode(t *testing.T, in string) (*engine.Tx, error) {
	t.Helper()
	var d Decoder
	var tx engine.Tx
	err := d.Decode([]byte(in), &tx)
	return &tx, err
}

func TestDecodeGood(t *testing.T) {
	ts := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	tests := []struct {
		name  string
		input string
		check func(t *testing.T, tx *engine.Tx)
	}{
		{"base", base, func(t *testing.T, tx *engine.Tx) {
			want := engine.Tx{TxID: "t1", TS: ts, Amount: engine.Decimal{Units: 10050, Scale: 2}, Currency: "EUR",
				Debtor: engine.Party{Account: "A"}, Creditor: engine.Party{Account: "B"}}
			if !reflect.DeepEqual(*tx, want) {
				t.Errorf("got %+v, want %+v", *tx, want)
			}
		}},
		{"amount as number", strings.Replace(base, `"100.50"`, `100.50`, 1), func(t *testing.T, tx *engine.Tx) {
			if tx.Amount != (engine.Decimal{Units: 10050, Scale: 2}) {
				t.Errorf("amount = %v", tx.Amount)
			}
		}},
		{"amount beyond float precision stays exact", strings.Replace(base, `"100.50"`, `9007199254740993.01`, 1), func(t *testing.T, tx *engine.Tx) {
			if got := tx.Amount.String(); got != "9007199254740993.01" {
				t.Errorf("amount = %s", got)
			}
		}},
		{"offset converted to UTC", strings.Replace(base, `2025-03-14T09:26:53Z`, `2025-03-14T11:26:53.123456789+02:00`, 1), func(t *testing.T, tx *engine.Tx) {
			if want := ts.Add(123456789); !tx.TS.Equal(want) || tx.TS.Location() != time.UTC {
				t.Errorf("ts = %v, want %v UTC", tx.TS, want)
			}
		}},
		{"negative offset crossing midnight", strings.Replace(base, `2025-03-14T09:26:53Z`, `2025-03-13T23:30:00-10:00`, 1), func(t *testing.T, tx *engine.Tx) {
			if want := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC); !tx.TS.Equal(want) {
				t.Errorf("ts = %v, want %v", tx.TS, want)
			}
		}},
		{"fraction beyond nanoseconds truncated", strings.Replace(base, `09:26:53Z`, `09:26:53.1234567899z`, 1), func(t *testing.T, tx *engine.Tx) {
			if tx.TS.Nanosecond() != 123456789 {
				t.Errorf("ns = %d", tx.TS.Nanosecond())
			}
		}},
		{"escapes and surrogate pair", strings.Replace(base, `"account":"A"`, `"account":"A","name":"a\"b\\c\/d\b\f\n\r\t\u0142\ud83d\ude00"`, 1), func(t *testing.T, tx *engine.Tx) {
			if want := "a\"b\\c/d\b\f\n\r\tł😀"; tx.Debtor.Name != want {
				t.Errorf("name = %q, want %q", tx.Debtor.Name, want)
			}
		}},
		{"unknown fields of every type skipped", strings.Replace(base, `{"tx_id"`, `{"x":{"a":[1,-2.5e3,true,false,null,"s",{"b":[]}],"c":{}},"y":[],"z":"\u00e6","tx_id"`, 1), func(t *testing.T, tx *engine.Tx) {
			if tx.TxID != "t1" || tx.Debtor.Account != "A" {
				t.Errorf("got %+v", tx)
			}
		}},
		{"unknown party fields skipped", strings.Replace(base, `{"account":"B"}`, `{"iban_check":{"ok":true},"account":"B","lei":"X"}`, 1), func(t *testing.T, tx *engine.Tx) {
			if tx.Creditor.Account != "B" {
				t.Errorf("creditor = %+v", tx.Creditor)
			}
		}},
		{"duplicate key: last wins", strings.Replace(base, `"tx_id":"t1"`, `"tx_id":"t0","tx_id":"t1"`, 1), func(t *testing.T, tx *engine.Tx) {
			if tx.TxID != "t1" {
				t.Errorf("tx_id = %q", tx.TxID)
			}
		}},
		{"duplicate key with null clears", strings.Replace(base, `"currency":"EUR"`, `"currency":"EUR","channel":"swift","channel":null`, 1), func(t *testing.T, tx *engine.Tx) {
			if tx.Channel != "" {
				t.Errorf("channel = %q, want empty", tx.Channel)
			}
		}},
		{"duplicate party replaces, no merge", strings.Replace(base, `"debtor":{"account":"A"}`, `"debtor":{"account":"Z","name":"old"},"debtor":{"account":"A"}`, 1), func(t *testing.T, tx *engine.Tx) {
			if tx.Debtor != (engine.Party{Account: "A"}) {
				t.Errorf("debtor = %+v", tx.Debtor)
			}
		}},
		{"null optional fields are absent", strings.Replace(base, `"currency":"EUR"`, `"currency":"EUR","channel":null,"purpose":null`, 1), func(t *testing.T, tx *engine.Tx) {
			if tx.Channel != "" || tx.Purpose != "" {
				t.Errorf("got %+v", tx)
			}
		}},
		{"whitespace everywhere", " \t{ \"tx_id\" : \"t1\" , \"ts\":\"2025-03-14T09:26:53Z\",\n\"amount\" : 1 ,\"currency\":\"EUR\",\"debtor\":{ \"account\" : \"A\" },\"creditor\":{\"account\":\"B\"} }\r\n", func(t *testing.T, tx *engine.Tx) {
			if tx.Amount.String() != "1" || tx.Creditor.Account != "B" {
				t.Errorf("got %+v", tx)
			}
		}},
		{"leap day", strings.Replace(base, `2025-03-14`, `2024-02-29`, 1), func(t *testing.T, tx *engine.Tx) {
			if tx.TS.Month() != time.February || tx.TS.Day() != 29 {
				t.Errorf("ts = %v", tx.TS)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := decode(t, tc.input)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			tc.check(t, tx)
		})
	}
}

func TestDecodeBad(t *testing.T) {
	r := func(old, new string) string { return strings.Replace(base, old, new, 1) }
	tests := []struct {
		name, input, reason, msg string
	}{
		{"empty", "", engine.ReasonDecode, "empty record"},
		{"not an object", `["a"]`, engine.ReasonDecode, "not a JSON object"},
		{"truncated", base[:len(base)-1], engine.ReasonDecode, "expected ',' or '}'"},
		{"trailing garbage", base + `x`, engine.ReasonDecode, "trailing data"},
		{"two objects", base + base, engine.ReasonDecode, "trailing data"},
		{"missing tx_id", r(`"tx_id":"t1",`, ``), engine.ReasonMissing, "tx_id is required"},
		{"missing ts", r(`"ts":"2025-03-14T09:26:53Z",`, ``), engine.ReasonMissing, "ts is required"},
		{"missing amount", r(`"amount":"100.50",`, ``), engine.ReasonMissing, "amount is required"},
		{"null amount", r(`"100.50"`, `null`), engine.ReasonMissing, "amount is required"},
		{"duplicate amount, last null", r(`"amount":"100.50"`, `"amount":"100.50","amount":null`), engine.ReasonMissing, "amount is required"},
		{"duplicate ts, last null", r(`"ts":"2025-03-14T09:26:53Z"`, `"ts":"2025-03-14T09:26:53Z","ts":null`), engine.ReasonMissing, "ts is required"},
		{"missing debtor account", r(`"debtor":{"account":"A"}`, `"debtor":{"name":"A"}`), engine.ReasonMissing, "debtor.account"},
		{"missing creditor", r(`,"creditor":{"account":"B"}`, ``), engine.ReasonMissing, "creditor.account"},
		{"zero amount", r(`"100.50"`, `"0.00"`), engine.ReasonInvalid, "amount must be > 0"},
		{"negative amount", r(`"100.50"`, `-3`), engine.ReasonInvalid, "amount must be > 0"},
		{"exponent number", r(`"100.50"`, `1e400`), engine.ReasonInvalid, "exponent"},
		{"exponent string", r(`"100.50"`, `"1e3"`), engine.ReasonInvalid, "not a plain decimal"},
		{"NaN", r(`"100.50"`, `"NaN"`), engine.ReasonInvalid, "not a plain decimal"},
		{"Inf", r(`"100.50"`, `"Inf"`), engine.ReasonInvalid, "not a plain decimal"},
		{"bare NaN token", r(`"100.50"`, `NaN`), engine.ReasonDecode, "field amount: expected a decimal"},
		{"amount overflow", r(`"100.50"`, `"99999999999999999999"`), engine.ReasonInvalid, "out of range"},
		{"amount as object", r(`"100.50"`, `{"v":1}`), engine.ReasonDecode, "field amount"},
		{"number with leading zero", r(`"100.50"`, `0100`), engine.ReasonDecode, "expected ',' or '}'"},
		{"number dot without digits", r(`"100.50"`, `100.`), engine.ReasonDecode, "no digits after '.'"},
		{"tx_id as number", r(`"t1"`, `17`), engine.ReasonDecode, "field tx_id: expected a string, got a number"},
		{"debtor name as bool", r(`{"account":"A"}`, `{"account":"A","name":true}`), engine.ReasonDecode, "field debtor.name"},
		{"creditor as string", r(`{"account":"B"}`, `"B"`), engine.ReasonDecode, "field creditor: expected an object"},
		{"ts as number", r(`"2025-03-14T09:26:53Z"`, `1741944413`), engine.ReasonDecode, "field ts"},
		{"ts without zone", r(`09:26:53Z`, `09:26:53`), engine.ReasonInvalid, "not RFC 3339"},
		{"ts date only", r(`2025-03-14T09:26:53Z`, `2025-03-14`), engine.ReasonInvalid, "not RFC 3339"},
		{"ts Feb 30", r(`2025-03-14`, `2025-02-30`), engine.ReasonInvalid, "out of range"},
		{"ts hour 24", r(`09:26:53Z`, `24:00:00Z`), engine.ReasonInvalid, "out of range"},
		{"ts before year 0 after offset", r(`2025-03-14T09:26:53Z`, `0000-01-01T00:00:00+01:00`), engine.ReasonInvalid, "out of range"},
		{"currency lower case", r(`"EUR"`, `"eur"`), engine.ReasonInvalid, "ISO 4217"},
		{"unknown channel", r(`"currency":"EUR"`, `"currency":"EUR","channel":"pigeon"`), engine.ReasonInvalid, "unknown channel"},
		{"bad country", r(`{"account":"A"}`, `{"account":"A","country":"Poland"}`), engine.ReasonInvalid, "ISO 3166"},
		{"bad party type", r(`{"account":"A"}`, `{"account":"A","type":"alien"}`), engine.ReasonInvalid, "person|company"},
		{"invalid UTF-8", r(`"t1"`, "\"t\xff1\""), engine.ReasonDecode, "invalid UTF-8"},
		{"invalid UTF-8 after escape", r(`"t1"`, "\"t\\n\xc3\""), engine.ReasonDecode, "invalid UTF-8"},
		{"invalid UTF-8 in unknown field", r(`{"tx_id"`, "{\"x\":\"\xed\xa0\x80\",\"tx_id\""), engine.ReasonDecode, "invalid UTF-8"},
		{"raw control char", r(`"t1"`, "\"t\t1\""), engine.ReasonDecode, "control character"},
		{"bad escape", r(`"t1"`, `"t\x1"`), engine.ReasonDecode, `invalid escape \'x'`},
		{"short unicode escape", r(`"t1"`, `"t\u12"`), engine.ReasonDecode, `invalid \u escape`},
		{"lone high surrogate", r(`"t1"`, `"t\ud800x"`), engine.ReasonDecode, "surrogate"},
		{"lone low surrogate", r(`"t1"`, `"\udc00"`), engine.ReasonDecode, "surrogate"},
		{"unterminated string", `{"tx_id":"t1`, engine.ReasonDecode, "unterminated string"},
		{"unquoted key", r(`"tx_id"`, `tx_id`), engine.ReasonDecode, "expected a quoted key"},
		{"missing colon", r(`"tx_id":`, `"tx_id" `), engine.ReasonDecode, "expected ':'"},
		{"bad literal", r(`{"tx_id"`, `{"x":tru,"tx_id"`), engine.ReasonDecode, "invalid literal"},
		{"trailing comma", r(`{"account":"B"}`, `{"account":"B",}`), engine.ReasonDecode, "expected a quoted key"},
		{"too deep", r(`{"tx_id"`, `{"x":`+strings.Repeat("[", 40)+strings.Repeat("]", 40)+`,"tx_id"`), engine.ReasonDecode, "nesting deeper than 32"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decode(t, tc.input)
			if err == nil {
				t.Fatalf("Decode(%s) succeeded, want %s reject", tc.input, tc.reason)
			}
			if got := engine.RejectReason(err); got != tc.reason {
				t.Errorf("reason = %q, want %q (err: %v)", got, tc.reason, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %q, want it to contain %q", err, tc.msg)
			}
		})
	}
}

func TestDecodeDepthLimitIsExact(t *testing.T) {
	// An unknown value at depth 2 with containers nested to exactly MaxDepth
	// is fine; one more level is not.
	build := func(levels int) string {
		return strings.Replace(base, `{"tx_id"`, `{"x":`+strings.Repeat("[", levels)+strings.Repeat("]", levels)+`,"tx_id"`, 1)
	}
	if _, err := decode(t, build(MaxDepth-1)); err != nil {
		t.Errorf("depth %d: %v", MaxDepth, err)
	}
	if _, err := decode(t, build(MaxDepth)); engine.RejectReason(err) != engine.ReasonDecode {
		t.Errorf("depth %d: err = %v, want decode reject", MaxDepth+1, err)
	}
}

func TestDecodeTooLarge(t *testing.T) {
	d := Decoder{MaxBytes: 64}
	var tx engine.Tx
	err := d.Decode([]byte(base), &tx)
	if engine.RejectReason(err) != engine.ReasonTooLarge || !strings.Contains(err.Error(), "limit is 64") {
		t.Fatalf("err = %v, want too_large", err)
	}
	big := strings.Replace(base, `"t1"`, `"`+strings.Repeat("x", DefaultMaxBytes)+`"`, 1)
	var d0 Decoder
	if err := d0.Decode([]byte(big), &tx); engine.RejectReason(err) != engine.ReasonTooLarge {
		t.Fatalf("default limit: err = %v, want too_large", err)
	}
}

// TestDecodeReusesTx checks that fields of a previous record do not leak
// into the next one and that data is not retained.
func TestDecodeReusesTx(t *testing.T) {
	var d Decoder
	var tx engine.Tx
	first := []byte(strings.Replace(base, `"currency":"EUR"`, `"currency":"EUR","channel":"swift","purpose":"p"`, 1))
	if err := d.Decode(first, &tx); err != nil {
		t.Fatal(err)
	}
	for i := range first {
		first[i] = '#' // the decoder must have copied what it kept
	}
	if tx.TxID != "t1" || tx.Channel != "swift" || tx.Purpose != "p" {
		t.Fatalf("strings alias the input: %+v", tx)
	}
	if err := d.Decode([]byte(base), &tx); err != nil {
		t.Fatal(err)
	}
	if tx.Channel != "" || tx.Purpose != "" {
		t.Fatalf("fields leaked from the previous record: %+v", tx)
	}
}

func TestDecodeTestdata(t *testing.T) {
	f, err := os.Open("testdata/records.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var d Decoder
	var tx engine.Tx
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		if err := d.Decode(sc.Bytes(), &tx); err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		out := Encode(nil, &tx)
		var back engine.Tx
		if err := d.Decode(out, &back); err != nil {
			t.Fatalf("line %d: decode of encoded %s: %v", n, out, err)
		}
		if !reflect.DeepEqual(back, tx) {
			t.Fatalf("line %d: round trip\n got %+v\nwant %+v", n, back, tx)
		}
	}
	if n != 3 {
		t.Fatalf("read %d records, want 3", n)
	}
}

func TestEncode(t *testing.T) {
	tx := engine.Tx{
		TxID: "id\"1", TS: time.Date(2025, 1, 2, 3, 4, 5, 600, time.FixedZone("CET", 3600)),
		Amount: engine.Decimal{Units: 5, Scale: 3}, Currency: "NOK",
		Debtor:   engine.Party{Account: "A", Name: "Åse\x01\xff"},
		Creditor: engine.Party{Account: "B", Country: "NO"},
		Channel:  "instant",
		// Derived fields are not part of the wire format.
		AmountF: 1, CrossBorder: true,
	}
	got := string(Encode([]byte("prefix:"), &tx))
	want := `prefix:{"tx_id":"id\"1","ts":"2025-01-02T02:04:05.0000006Z","amount":"0.005","currency":"NOK",` +
		`"debtor":{"account":"A","name":"Åse\u0001\ufffd"},"creditor":{"account":"B","country":"NO"},"channel":"instant"}`
	if got != want {
		t.Fatalf("Encode\n got %s\nwant %s", got, want)
	}
	if !bytes.HasPrefix([]byte(got), []byte("prefix:")) {
		t.Fatal("Encode must append to dst")
	}
}
