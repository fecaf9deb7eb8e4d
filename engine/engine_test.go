package engine

import (
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  error
	}{
		{"1234.50", "1234.50", nil},
		{"0.00012345", "0.00012345", nil},
		{"-3", "-3", nil},
		{"15000", "15000", nil},
		{"1.000000000000000", "1.000000000000", nil}, // zeros beyond the kept scale are dropped
		{"1.0000000000001", "", ErrDecimalOverflow},
		{"99999999999999999999", "", ErrDecimalOverflow},
		{"1e5", "", ErrDecimalSyntax},
		{"NaN", "", ErrDecimalSyntax},
		{"", "", ErrDecimalSyntax},
		{"-", "", ErrDecimalSyntax},
		{"1.2.3", "", ErrDecimalSyntax},
	}
	for _, tc := range tests {
		d, err := ParseDecimal(tc.in)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("ParseDecimal(%q) error = %v, want %v", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || d.String() != tc.want {
			t.Errorf("ParseDecimal(%q) = %s, %v; want %s", tc.in, d, err, tc.want)
		}
	}
}

func TestDecimalCmp(t *testing.T) {
	max := Decimal{Units: math.MaxInt64}
	min := Decimal{Units: math.MinInt64}
	tests := []struct {
		a, b Decimal
		want int
	}{
		{dec(t, "15000"), dec(t, "14999.99"), 1},
		{dec(t, "14999.99"), dec(t, "15000"), -1},
		{dec(t, "15000"), dec(t, "15000.000"), 0},
		{dec(t, "-0.5"), dec(t, "-0.50"), 0},
		{dec(t, "-1"), dec(t, "0.000000000001"), -1},
		// Rescaling overflows int64: decided exactly by sign, never by float.
		{max, dec(t, "0.000000000001"), 1},
		{dec(t, "0.000000000001"), max, -1},
		{min, dec(t, "-0.000000000001"), -1},
		{dec(t, "-0.000000000001"), min, 1},
		{max, Decimal{Units: math.MaxInt64, Scale: 1}, 1},
		{Decimal{Units: math.MaxInt64 - 1, Scale: 0}, Decimal{Units: math.MaxInt64, Scale: 0}, -1},
		{Decimal{Units: 0, Scale: 0}, Decimal{Units: 0, Scale: 200}, 0},
		{Decimal{Units: 1, Scale: 0}, Decimal{Units: math.MaxInt64, Scale: 30}, 1},
	}
	for _, tc := range tests {
		if got := tc.a.Cmp(tc.b); got != tc.want {
			t.Errorf("%s.Cmp(%s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := tc.b.Cmp(tc.a); got != -tc.want {
			t.Errorf("%s.Cmp(%s) = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
	}
}

// FuzzDecimalCmp checks Cmp against big.Rat at every scale.
func FuzzDecimalCmp(f *testing.F) {
	f.Add(int64(1), uint8(0), int64(10), uint8(1))
	f.Add(int64(math.MaxInt64), uint8(0), int64(1), uint8(12))
	f.Fuzz(func(t *testing.T, ua int64, sa uint8, ub int64, sb uint8) {
		a, b := Decimal{Units: ua, Scale: sa % 40}, Decimal{Units: ub, Scale: sb % 40}
		want := rat(a).Cmp(rat(b))
		if got := a.Cmp(b); got != want {
			t.Fatalf("%d e-%d Cmp %d e-%d = %d, want %d", ua, a.Scale, ub, b.Scale, got, want)
		}
	})
}

func rat(d Decimal) *big.Rat {
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)), nil)
	return new(big.Rat).SetFrac(big.NewInt(d.Units), den)
}

func dec(t *testing.T, s string) Decimal {
	t.Helper()
	d, err := ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// FuzzDecimal: any accepted decimal prints back to a value equal to the
// input as a rational number, and JSON round-trips.
func FuzzDecimal(f *testing.F) {
	for _, s := range []string{"1", "-0.5", "123456789.123456789", "0.000000000001", "+7", "00012.3400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDecimal(s)
		if err != nil {
			return
		}
		in, ok := new(big.Rat).SetString(strings.TrimPrefix(s, "+"))
		if !ok {
			t.Fatalf("accepted %q that big.Rat refuses", s)
		}
		out, _ := new(big.Rat).SetString(d.String())
		if in.Cmp(out) != 0 {
			t.Fatalf("%q parsed as %s", s, d)
		}
		b, _ := d.MarshalJSON()
		var e Decimal
		if err := e.UnmarshalJSON(b); err != nil || e.Cmp(d) != 0 {
			t.Fatalf("JSON round trip of %s: %s, %v", d, e, err)
		}
	})
}

func TestAlertIDDeterministic(t *testing.T) {
	a := AlertID("AML-STRUCT-001", 3, "tx-1")
	if a != AlertID("AML-STRUCT-001", 3, "tx-1") || len(a) != 32 {
		t.Fatalf("AlertID not stable: %s", a)
	}
	for _, other := range []string{AlertID("AML-STRUCT-001", 4, "tx-1"), AlertID("AML-STRUCT-001", 3, "tx-2"), AlertID("AML-STRUCT-00", 13, "tx-1")} {
		if other == a {
			t.Fatalf("AlertID collision for different inputs")
		}
	}
}

func TestValidate(t *testing.T) {
	good := func() Tx {
		amt, _ := ParseDecimal("10")
		return Tx{TxID: "t", TS: time.Now(), Amount: amt, Currency: "EUR",
			Debtor: Party{Account: "a", Country: "PL"}, Creditor: Party{Account: "b"}}
	}
	tests := []struct {
		name   string
		mutate func(*Tx)
		reason string
	}{
		{"ok", func(*Tx) {}, ""},
		{"no tx id", func(t *Tx) { t.TxID = "" }, ReasonMissing},
		{"no ts", func(t *Tx) { t.TS = time.Time{} }, ReasonMissing},
		{"no debtor", func(t *Tx) { t.Debtor.Account = "" }, ReasonMissing},
		{"zero amount", func(t *Tx) { t.Amount = Decimal{} }, ReasonInvalid},
		{"negative amount", func(t *Tx) { t.Amount = Decimal{Units: -1} }, ReasonInvalid},
		{"bad currency", func(t *Tx) { t.Currency = "eur" }, ReasonInvalid},
		{"bad country", func(t *Tx) { t.Debtor.Country = "POL" }, ReasonInvalid},
		{"bad channel", func(t *Tx) { t.Channel = "pigeon" }, ReasonInvalid},
		{"bad party type", func(t *Tx) { t.Creditor.Type = "alien" }, ReasonInvalid},
	}
	for _, tc := range tests {
		tx := good()
		tc.mutate(&tx)
		err := tx.Validate()
		if tc.reason == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if RejectReason(err) != tc.reason {
			t.Errorf("%s: reason %q (%v), want %q", tc.name, RejectReason(err), err, tc.reason)
		}
	}
}

func TestSameParty(t *testing.T) {
	for _, c := range []struct {
		name string
		d, c Party
		want bool
	}{
		{"same customer id", Party{CustomerID: "c1", NameNorm: "a"}, Party{CustomerID: "c1", NameNorm: "b"}, true},
		{"same name, no ids", Party{NameNorm: "jan kowalski"}, Party{NameNorm: "jan kowalski"}, true},
		{"namesakes at one bank", Party{BIC: "BANKPLPW", CustomerID: "c1", NameNorm: "jan kowalski"},
			Party{BIC: "BANKPLPW", CustomerID: "c2", NameNorm: "jan kowalski"}, false},
		{"same name at two banks, ids of each", Party{BIC: "BANKPLPW", CustomerID: "c1", NameNorm: "budex sa"},
			Party{BIC: "DNBANOKK", CustomerID: "77", NameNorm: "budex sa"}, true},
		{"same name, one id missing", Party{BIC: "BANKPLPW", CustomerID: "c1", NameNorm: "budex sa"},
			Party{BIC: "BANKPLPW", NameNorm: "budex sa"}, true},
		{"different names and ids", Party{CustomerID: "c1", NameNorm: "a"}, Party{CustomerID: "c2", NameNorm: "b"}, false},
		{"nothing known", Party{}, Party{}, false},
	} {
		if got := SameParty(&c.d, &c.c); got != c.want {
			t.Errorf("%s: SameParty = %v, want %v", c.name, got, c.want)
		}
	}
}
