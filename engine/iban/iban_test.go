package iban

import (
	"strings"
	"testing"
)

// Published example IBANs (bank and registry documentation examples).
var examples = []struct {
	iban    string
	country string
}{
	{"GB82 WEST 1234 5698 7654 32", "GB"},
	{"DE89 3704 0044 0532 0130 00", "DE"},
	{"NO93 8601 1117 947", "NO"},
	{"PL61 1090 1014 0000 0712 1981 2874", "PL"},
	{"CH93 0076 2011 6238 5295 7", "CH"},
	{"FR14 2004 1010 0505 0001 3M02 606", "FR"},
	{"BE68 5390 0754 7034", "BE"},
	{"NL91 ABNA 0417 1643 00", "NL"},
	{"SE45 5000 0000 0583 9825 7466", "SE"},
	{"DK50 0040 0440 1162 43", "DK"},
	{"ES91 2100 0418 4502 0005 1332", "ES"},
	{"IT60 X054 2811 1010 0000 0123 456", "IT"},
	{"AT61 1904 3002 3457 3201", "AT"},
	{"FI21 1234 5600 0007 85", "FI"},
	{"SA03 8000 0000 6080 1016 7519", "SA"},
	{"AE07 0331 2345 6789 0123 456", "AE"},
	{"IL62 0108 0000 0009 9999 999", "IL"},
	{"TR33 0006 1005 1978 6457 8413 26", "TR"},
	{"UA21 3223 1300 0002 6007 2335 6600 1", "UA"},
	{"MT84 MALT 0110 0001 2345 MTLC AST0 01S", "MT"},
	{"LC55 HEMM 0001 0001 0012 0012 0002 3015", "LC"},
}

func TestCountryValid(t *testing.T) {
	for _, ex := range examples {
		for _, form := range []string{ex.iban, strings.ReplaceAll(ex.iban, " ", ""), strings.ToLower(ex.iban)} {
			got, ok := Country(form)
			if !ok || got != ex.country {
				t.Errorf("Country(%q) = %q, %v; want %q, true", form, got, ok, ex.country)
			}
			if !Valid(form) {
				t.Errorf("Valid(%q) = false", form)
			}
		}
	}
}

func TestCountryInvalid(t *testing.T) {
	cases := []struct {
		name, in string
	}{
		{"empty", ""},
		{"spaces only", "     "},
		{"too short", "DE89"},
		{"unknown country", "XX89 3704 0044 0532 0130 00"},
		{"digits as country", "1289 3704 0044 0532 0130 00"},
		{"wrong check digits", "DE88 3704 0044 0532 0130 00"},
		{"check digits 00", "DE00 3704 0044 0532 0130 00"},
		{"check digits 99", "DE99 3704 0044 0532 0130 00"},
		{"letter in check digits", "DEA9 3704 0044 0532 0130 00"},
		{"one digit swapped", "DE89 3704 0044 0532 0130 01"},
		{"too long for DE", "DE89 3704 0044 0532 0130 000"},
		{"too short for NO", "NO93 8601 1117 94"},
		{"punctuation", "DE89-3704-0044-0532-0130-00"},
		{"non-ASCII", "DE89 3704 0044 0532 0130 0ł"},
		{"longer than any IBAN", strings.Repeat("1", 40)},
		{"not an IBAN", "12345678901"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, ok := Country(c.in); ok {
				t.Errorf("Country(%q) = %q, true; want false", c.in, got)
			}
		})
	}
}

func TestGenerateRoundTrip(t *testing.T) {
	for _, ex := range examples {
		compact := strings.ReplaceAll(ex.iban, " ", "")
		got := Generate(strings.ToLower(compact[:2]), compact[4:])
		if got != compact {
			t.Errorf("Generate(%q, %q) = %q; want %q", compact[:2], compact[4:], got, compact)
		}
	}
}

func TestGenerateEveryCountry(t *testing.T) {
	for code, n := range lengths {
		bban := strings.Repeat("7", int(n)-4)
		got := Generate(code, bban)
		if c, ok := Country(got); !ok || c != code {
			t.Errorf("Generate(%s) = %q not valid (country %q)", code, got, c)
		}
		if Length(code) != int(n) || Length(strings.ToLower(code)) != int(n) {
			t.Errorf("Length(%s) = %d; want %d", code, Length(code), n)
		}
	}
}

func TestGenerateRejects(t *testing.T) {
	for _, c := range []struct{ country, bban string }{
		{"D", "370400440532013000"},
		{"DEU", "370400440532013000"},
		{"D1", "370400440532013000"},
		{"DE", "3704-0044"},
		{"DE", "3704ä"},
	} {
		if got := Generate(c.country, c.bban); got != "" {
			t.Errorf("Generate(%q, %q) = %q; want \"\"", c.country, c.bban, got)
		}
	}
}

func TestSEPALengthsKnown(t *testing.T) {
	sepa := []string{"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "CH", "MC", "SM", "VA", "AD", "GB", "AL", "ME", "MD", "MK",
		"UA", "TR", "AE", "SA", "IL"}
	for _, c := range sepa {
		if Length(c) == 0 {
			t.Errorf("no IBAN length for %s", c)
		}
	}
}

func TestCountryDoesNotAllocate(t *testing.T) {
	in := "PL61 1090 1014 0000 0712 1981 2874"
	allocs := testing.AllocsPerRun(100, func() {
		if _, ok := Country(in); !ok {
			t.Fatal("example not valid")
		}
	})
	if allocs != 0 {
		t.Errorf("Country allocates %v times per call", allocs)
	}
}

func BenchmarkCountry(b *testing.B) {
	for _, in := range []string{"PL61109010140000071219812874", "pl61 1090 1014 0000 0712 1981 2874", "not-an-iban"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Country(in)
			}
		})
	}
}

func FuzzCountry(f *testing.F) {
	for _, ex := range examples {
		f.Add(ex.iban)
	}
	f.Add("")
	f.Add("xx00")
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := Country(s)
		if !ok {
			if c != "" {
				t.Fatalf("Country(%q) = %q with ok=false", s, c)
			}
			return
		}
		compact := strings.ToUpper(strings.ReplaceAll(s, " ", ""))
		if c != compact[:2] || Length(c) != len(compact) {
			t.Fatalf("Country(%q) = %q; compact %q", s, c, compact)
		}
		// A valid IBAN is exactly what Generate produces for its BBAN.
		if g := Generate(c, compact[4:]); g != compact {
			t.Fatalf("Generate(%q, %q) = %q; want %q", c, compact[4:], g, compact)
		}
	})
}
