package fx

import (
	"bytes"
	"errors"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine"
)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func dec(s string) engine.Decimal {
	d, err := engine.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

func sample(t testing.TB) *Table {
	t.Helper()
	f, err := os.Open("testdata/eurofxref-sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := Parse(f)
	if err != nil {
		t.Fatalf("parse sample: %v", err)
	}
	return tab
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, in, wantErr string
	}{
		{"no header", "# only a comment\n\n", "no header"},
		{"header without Date", "Day,USD\n", "line 1: header must start with Date"},
		{"bad currency", "Date,US\n", `line 1: column 2: "US" is not an ISO 4217 code`},
		{"lower-case currency", "Date,usd\n", "not an ISO 4217 code"},
		{"EUR column", "Date,EUR\n", "EUR cannot be a column"},
		{"repeated currency", "Date,USD,USD\n", "currency USD repeats"},
		{"empty inner column", "Date,,USD\n", "empty currency in column 2"},
		{"bad date", "# c\nDate,USD\n2024-13-01,1.1\n", "line 3: date \"2024-13-01\""},
		{"before the euro", "Date,USD\n1998-12-31,1.1\n", "line 2: date 1998-12-31 outside 1999-01-01..2100-12-31"},
		{"far future", "Date,USD\n2101-01-01,1.1\n", "outside"},
		{"day past month end", "Date,USD\n2023-02-29,1.1\n", "line 2: date"},
		{"repeated date", "Date,USD\n2024-01-02,1.1\n2024-01-03,1.1\n2024-01-02,1.2\n", "line 4: date 2024-01-02 repeats line 2"},
		{"too few fields", "Date,USD,GBP\n2024-01-02,1.1\n", "line 2: 2 fields, header has 3"},
		{"not a number", "Date,USD\n2024-01-02,1,1\n", "line 2: 3 fields"},
		{"garbage rate", "Date,USD\n2024-01-02,abc\n", "line 2: USD rate \"abc\""},
		{"zero rate", "Date,USD\n2024-01-02,0\n", "line 2: USD rate \"0\" must be positive"},
		{"negative rate", "Date,USD\n2024-01-02,-1.1\n", "must be positive"},
		{"exponent rate", "Date,USD\n2024-01-02,1e3\n", "line 2: USD rate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(c.in))
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("Parse error = %v; want it to contain %q", err, c.wantErr)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	in := "\xef\xbb\xbf# comment\r\nDate, USD ,GBP\r\n\r\n2024-01-03,1.0919,N/A\r\n# inner comment\r\n2024-01-02,1.0956,\r\n"
	tab, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := tab.Currencies(); len(got) != 2 || got[0] != "GBP" || got[1] != "USD" {
		t.Errorf("Currencies() = %v", got)
	}
	first, last, ok := tab.Coverage("USD")
	if !ok || !first.Equal(date("2024-01-02")) || !last.Equal(date("2024-01-03")) {
		t.Errorf("Coverage(USD) = %v %v %v", first, last, ok)
	}
	if _, _, ok := tab.Coverage("GBP"); ok {
		t.Error("GBP has no rates but Coverage reports some")
	}
}

func TestRate(t *testing.T) {
	tab := sample(t)
	cet := time.FixedZone("CET", 3600)
	cases := []struct {
		name     string
		cur      string
		on       time.Time
		wantRate string
		wantDay  string
		wantErr  bool
	}{
		{"exact day", "USD", date("2024-01-03"), "1.0919", "2024-01-03", false},
		{"time of day ignored", "USD", date("2024-01-03").Add(23 * time.Hour), "1.0919", "2024-01-03", false},
		{"date in its own zone", "USD", time.Date(2024, 1, 4, 0, 30, 0, 0, cet), "1.0953", "2024-01-04", false},
		{"saturday uses friday", "GBP", date("2024-01-06"), "0.86123", "2024-01-05", false},
		{"sunday uses friday", "PLN", date("2024-01-07"), "4.3638", "2024-01-05", false},
		{"14 days back is allowed", "USD", date("2024-01-22"), "1.0950", "2024-01-08", false},
		{"15 days back is refused", "USD", date("2024-01-23"), "", "", true},
		{"before first row", "USD", date("2022-02-27"), "", "", true},
		{"gap longer than lookback", "USD", date("2023-06-01"), "", "", true},
		{"RUB on its last day", "RUB", date("2022-03-01"), "117.2821", "2022-03-01", false},
		{"RUB long after suspension", "RUB", date("2024-01-03"), "", "", true},
		{"unknown currency", "XXX", date("2024-01-03"), "", "", true},
		{"EUR is one", "EUR", date("1999-01-04"), "1", "1999-01-04", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rate, day, err := tab.Rate(c.cur, c.on)
			if c.wantErr {
				if err == nil {
					t.Fatalf("Rate(%s, %s) = %s, %s; want error", c.cur, c.on, rate, day)
				}
				if engine.RejectReason(err) != engine.ReasonFXMissing || !errors.Is(err, ErrNoRate) {
					t.Fatalf("error %v: reason %q, want %q wrapping ErrNoRate", err, engine.RejectReason(err), engine.ReasonFXMissing)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rate.Cmp(dec(c.wantRate)) != 0 || !day.Equal(date(c.wantDay)) {
				t.Errorf("Rate(%s, %s) = %s on %s; want %s on %s", c.cur, c.on, rate, day.Format(time.DateOnly), c.wantRate, c.wantDay)
			}
		})
	}
}

// exactCents is the oracle for ToEUR: big-rational amount/rate rounded half
// away from zero to cents.
func exactCents(amount, rate engine.Decimal) *big.Int {
	pow := func(n uint8) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }
	a := new(big.Rat).SetFrac(big.NewInt(amount.Units), pow(amount.Scale))
	r := new(big.Rat).SetFrac(big.NewInt(rate.Units), pow(rate.Scale))
	q := new(big.Rat).Quo(a, r)
	q.Mul(q, big.NewRat(100, 1))
	neg := q.Sign() < 0
	q.Abs(q)
	q.Add(q, big.NewRat(1, 2))
	cents := new(big.Int).Quo(q.Num(), q.Denom()) // floor(|x| + 1/2)
	if neg {
		cents.Neg(cents)
	}
	return cents
}

func exactEUR(amount, rate engine.Decimal) string {
	return engine.Decimal{Units: exactCents(amount, rate).Int64(), Scale: 2}.String()
}

// Expected values were checked with Python's decimal module
// (ROUND_HALF_UP, which rounds half away from zero).
func TestToEUR(t *testing.T) {
	tab := sample(t)
	cases := []struct {
		amount, cur, on, want string
	}{
		{"100.00", "USD", "2024-01-03", "91.58"},    // 100/1.0919 = 91.583478...
		{"9999.99", "PLN", "2024-01-06", "2291.58"}, // Saturday: Friday's 4.3638
		{"1000000", "JPY", "2024-01-08", "6323.91"}, // 1e6/158.13 = 6323.910...
		{"0.01", "GBP", "2024-01-02", "0.01"},       // 0.0115... rounds up
		{"0.00000001", "USD", "2024-01-02", "0.00"}, // scale 8 amount
		{"-250.50", "NOK", "2024-01-02", "-22.25"},  // negative: half away from zero
		{"123456789.12", "USD", "2024-01-02", "112684181.38"},
		{"42.42", "EUR", "2024-01-02", "42.42"},     // identity, even without a row
		{"42.4242", "EUR", "2030-01-01", "42.4242"}, // identity keeps the scale
	}
	for _, c := range cases {
		got, err := tab.ToEUR(dec(c.amount), c.cur, date(c.on))
		if err != nil {
			t.Errorf("ToEUR(%s %s) error %v", c.amount, c.cur, err)
			continue
		}
		if got.String() != c.want {
			t.Errorf("ToEUR(%s %s on %s) = %s; want %s", c.amount, c.cur, c.on, got, c.want)
		}
		if c.cur != "EUR" {
			rate, _, _ := tab.Rate(c.cur, date(c.on))
			if oracle := exactEUR(dec(c.amount), rate); oracle != got.String() {
				t.Errorf("ToEUR(%s %s) = %s; big.Rat oracle says %s", c.amount, c.cur, got, oracle)
			}
		}
	}
	if _, err := tab.ToEUR(dec("1"), "USD", date("2030-01-01")); engine.RejectReason(err) != engine.ReasonFXMissing {
		t.Errorf("ToEUR without a rate: err %v; want fx_missing", err)
	}
}

func TestDivRoundHalfAway(t *testing.T) {
	cases := []struct{ a, b, want string }{
		{"1.00", "8", "0.13"},   // 0.125 exactly
		{"-1.00", "8", "-0.13"}, // -0.125 exactly
		{"1.00", "16", "0.06"},  // 0.0625
		{"3", "4", "0.75"},
		{"0.000000000001", "0.000000000001", "1.00"},
		{"92233720368547758.07", "1", "92233720368547758.07"},
	}
	for _, c := range cases {
		got, err := divRound(dec(c.a), dec(c.b), 2)
		if err != nil || got.String() != c.want {
			t.Errorf("divRound(%s, %s) = %s, %v; want %s", c.a, c.b, got, err, c.want)
		}
	}
	// The quotient does not fit int64: an error, not a wrapped number.
	if got, err := divRound(dec("92233720368547758.07"), dec("0.5"), 2); err == nil {
		t.Errorf("divRound overflow = %s; want error", got)
	}
}

func TestConvert(t *testing.T) {
	tab := sample(t)
	on := date("2024-01-03")
	cases := []struct {
		amount   float64
		from, to string
		want     float64
	}{
		{100, "USD", "EUR", 100 / 1.0919},
		{100, "EUR", "PLN", 100 * 4.3655},
		{100, "USD", "PLN", 100 / 1.0919 * 4.3655},
		{100, "PLN", "PLN", 100},
	}
	for _, c := range cases {
		got, err := tab.Convert(c.amount, c.from, c.to, on)
		if err != nil {
			t.Fatal(err)
		}
		if diff := got - c.want; diff > 1e-9 || diff < -1e-9 {
			t.Errorf("Convert(%v %s→%s) = %v; want %v", c.amount, c.from, c.to, got, c.want)
		}
	}
	if _, err := tab.Convert(1, "USD", "XXX", on); engine.RejectReason(err) != engine.ReasonFXMissing {
		t.Errorf("Convert to unknown currency: %v", err)
	}
}

func TestWriteCSVRoundTrip(t *testing.T) {
	tab := sample(t)
	var buf bytes.Buffer
	if err := tab.WriteCSV(&buf, []string{"round trip"}); err != nil {
		t.Fatal(err)
	}
	back, err := Parse(&buf)
	if err != nil {
		t.Fatalf("parse written table: %v\n%s", err, buf.String())
	}
	assertSameTable(t, tab, back)
	if err := tab.WriteCSV(&bytes.Buffer{}, nil, "ZZZ"); err == nil {
		t.Error("WriteCSV with an unknown currency succeeded")
	}
}

func assertSameTable(t *testing.T, a, b *Table) {
	t.Helper()
	if strings.Join(a.currencies, ",") != strings.Join(b.currencies, ",") {
		t.Fatalf("currencies %v != %v", a.currencies, b.currencies)
	}
	for _, c := range a.currencies {
		sa, sb := a.series[c], b.series[c]
		if len(sa.days) != len(sb.days) {
			t.Fatalf("%s: %d days != %d", c, len(sa.days), len(sb.days))
		}
		for i := range sa.days {
			if sa.days[i] != sb.days[i] || sa.rates[i] != sb.rates[i] {
				t.Fatalf("%s point %d: %s %s != %s %s", c, i, sa.days[i], sa.rates[i], sb.days[i], sb.rates[i])
			}
		}
	}
}

func TestMerge(t *testing.T) {
	primary, _ := Parse(strings.NewReader("Date,USD,RUB\n2022-03-01,1.11,117.0\n2022-03-02,1.12,N/A\n"))
	sup, _ := Parse(strings.NewReader("Date,RUB,UAH\n2022-03-01,999,31.8\n2022-03-02,120.0,31.9\n"))
	m := Merge(primary, sup)
	cases := []struct{ cur, on, want string }{
		{"RUB", "2022-03-01", "117.0"}, // primary wins on a shared day
		{"RUB", "2022-03-02", "120.0"}, // supplement fills the gap
		{"UAH", "2022-03-02", "31.9"},
		{"USD", "2022-03-02", "1.12"},
	}
	for _, c := range cases {
		r, _, err := m.Rate(c.cur, date(c.on))
		if err != nil || r.String() != c.want {
			t.Errorf("merged Rate(%s, %s) = %s, %v; want %s", c.cur, c.on, r, err, c.want)
		}
	}
	if r, _, _ := primary.Rate("RUB", date("2022-03-02")); r.String() != "117.0" {
		t.Errorf("Merge changed its input: primary RUB on 03-02 = %s", r)
	}
}

func TestToEURDoesNotAllocate(t *testing.T) {
	tab := Default()
	amount, on := dec("1234.56"), date("2024-06-12")
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := tab.ToEUR(amount, "PLN", on); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("ToEUR allocates %v times per call", allocs)
	}
}

func BenchmarkToEUR(b *testing.B) {
	tab := Default()
	amount := dec("1234.56")
	days := make([]time.Time, 64)
	for i := range days {
		days[i] = date("2024-01-01").AddDate(0, 0, i*5)
	}
	for _, cur := range []string{"PLN", "NOK", "BTC", "EUR"} {
		b.Run(cur, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := tab.ToEUR(amount, cur, days[i&63]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
