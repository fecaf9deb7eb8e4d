package goaml

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const schema = "testdata/goAMLSchema-5.0.2-AE.xsd"

func loadTestMapping(t *testing.T) *Mapping {
	t.Helper()
	m, err := LoadMapping("testdata/mapping-ae.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func testCase() Case {
	ts := time.Date(2026, 1, 7, 9, 30, 0, 0, time.UTC)
	return Case{
		ID: "c0ffee", Title: "Smurfing ring", Reason: "Deposits just under the threshold", Typologies: []string{"structuring"},
		Submitted: ts.Add(72 * time.Hour),
		Txs: []Tx{
			{ID: "t1", TS: ts, Channel: "cash_deposit", Currency: "AED", Amount: "9900.00", AmountEUR: "2475.00",
				From: Party{Account: "AE070331234567890123456", Name: "Layla Hassan", Country: "AE"},
				To:   Party{Account: "AE070331234567890999999", Name: "Łukasz Żółć & Co", Country: "AE"}},
			{ID: "t2", TS: ts.Add(time.Hour), Channel: "swift", Currency: "EUR", Amount: "1500.50", AmountEUR: "1500.50",
				From: Party{Account: "AE070331234567890123456", Name: "", Country: "??"},
				To:   Party{Account: "DE89370400440532013000", Name: "Hans Müller", Country: "DE"}},
		},
	}
}

// TestReportValidatesAgainstSchema writes a report and has xmllint check it
// against the FIU's schema; the shipped sample must validate too, so a
// broken xmllint setup cannot pass silently.
func TestReportValidatesAgainstSchema(t *testing.T) {
	if err := Validate(schema, "testdata/sample-STR-5.0.2-AE.xml"); err != nil {
		t.Fatalf("the FIU's own sample does not validate: %v", err)
	}
	m := loadTestMapping(t)
	var buf bytes.Buffer
	if err := m.Write(&buf, testCase()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "str.xml")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Validate(schema, path); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	out := buf.String()
	for _, want := range []string{
		"<amount_local>9900.00</amount_local>", // already local currency
		"<amount_local>6002.00</amount_local>", // EUR × 4.0
		"<foreign_currency_code>EUR</foreign_currency_code>",
		"<from_funds_code>CASH</from_funds_code>", // channel mapped
		"<transmode_code>SWIFT</transmode_code>",
		"<indicator>STRUC</indicator>", // typology mapped
		"<account_name>lukasz zolc co</account_name>",
		"<institution_code>UNKNOWN</institution_code>", // not one of our accounts
		"<swift>EXAMAEAD</swift>",
		"<reason>Deposits just under the threshold</reason>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %s", want)
		}
	}
}

// TestLocalAmount: amount_local and the foreign currency block, by what
// is known of a transaction's currency.
func TestLocalAmount(t *testing.T) {
	m := loadTestMapping(t) // AED, 4 per EUR
	tests := []struct {
		name              string
		tx                Tx
		local, foreignCCY string // foreignCCY "": no block
	}{
		{"local currency", Tx{Currency: "AED", Amount: "9900.00", AmountEUR: "2475"}, "9900.00", ""},
		{"foreign", Tx{Currency: "EUR", Amount: "1500.50", AmountEUR: "1500.50"}, "6002.00", "EUR"},
		{"known only in EUR", Tx{AmountEUR: "34295.05"}, "137180.20", ""},
		{"known only in EUR, an amount given", Tx{Amount: "1", AmountEUR: "10"}, "40.00", ""},
	}
	for _, tc := range tests {
		local, f, err := m.localAmount(tc.tx)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		ccy := ""
		if f != nil {
			ccy = f.Currency
		}
		if local != tc.local || ccy != tc.foreignCCY {
			t.Errorf("%s: %s, foreign %q; want %s, %q", tc.name, local, ccy, tc.local, tc.foreignCCY)
		}
	}
	for _, bad := range []Tx{{Currency: "AED", Amount: "x"}, {AmountEUR: ""}, {Currency: "PLN", Amount: "1", AmountEUR: "y"}} {
		if _, _, err := m.localAmount(bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

// TestSchemaCatchesBadCodes proves validation bites: a funds code outside
// the FIU's list must fail.
func TestSchemaCatchesBadCodes(t *testing.T) {
	m := loadTestMapping(t)
	m.FundsCode.Default = "NOPE"
	m.FundsCode.By = nil
	var buf bytes.Buffer
	if err := m.Write(&buf, testCase()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bad.xml")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Validate(schema, path); err == nil {
		t.Fatal("a report with an unknown funds code validated")
	}
}

func TestWriteNeedsTransactions(t *testing.T) {
	c := testCase()
	c.Txs = nil
	if err := loadTestMapping(t).Write(&bytes.Buffer{}, c); err == nil {
		t.Fatal("empty report accepted")
	}
}

func TestParseMappingRejects(t *testing.T) {
	good, err := os.ReadFile("testdata/mapping-ae.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{
		"unknown key":      string(good) + "\nfunds_cod: {}\n",
		"bad currency":     strings.Replace(string(good), "currency_code_local: AED", "currency_code_local: dirham", 1),
		"no rate":          strings.Replace(string(good), "local_per_eur: 4.0", "", 1),
		"code with markup": strings.Replace(string(good), "default: ELCFT\n  by:\n    cash_deposit", "default: \"<x>\"\n  by:\n    cash_deposit", 1),
	}
	for name, doc := range tests {
		if _, err := ParseMapping([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseMapping(f *testing.F) {
	good, err := os.ReadFile("testdata/mapping-ae.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte("rentity_id: 1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMapping(data)
		if err != nil {
			return
		}
		if !currency.MatchString(m.CurrencyCodeLocal) || m.RentityID == "" {
			t.Fatalf("accepted invalid mapping %+v", m)
		}
	})
}

// TestExampleValidates writes a report with the shipped example mapping
// and validates it against the generic 5.0.1 schema it is written for.
func TestExampleValidates(t *testing.T) {
	c := testCase()
	for i := range c.Txs {
		c.Txs[i].Currency = "NOK"
	}
	var buf bytes.Buffer
	if err := Example().Write(&buf, c); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "example.xml")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Validate("testdata/goAMLSchema-5.0.1.xsd", path); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
}
