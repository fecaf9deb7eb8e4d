package fx

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/socwatch/socwatch/engine"
)

// MaxLookback is how many days before the requested day a rate may come
// from. ECB gaps are weekends and TARGET holidays (at most four days at
// Easter or Christmas); two weeks leaves room for a late refresh but refuses
// a currency the ECB stopped publishing (RUB after 1 March 2022).
const MaxLookback = 14

// ErrNoRate is wrapped by every look-up failure, so callers can test for it
// with errors.Is; the error itself is an *engine.RejectError with reason
// engine.ReasonFXMissing.
var ErrNoRate = errors.New("no FX rate")

var one = engine.Decimal{Units: 1}

// Rows must fall in 1999 (the euro's first year) .. 2100. The bound also
// caps the per-currency day index at ~37k entries whatever the input.
var (
	minDay = civilDay(1999, 1, 1)
	maxDay = civilDay(2100, 12, 31)
)

// series is one currency's rates in ascending day order.
type series struct {
	days  []day
	rates []engine.Decimal
	// latest[d-days[0]] is the index of the last point on or before day d,
	// for every day from the first to the last point: an O(1) look-up in
	// place of a binary search (4 bytes per calendar day, ~40 KB for the
	// ECB's full history since 1999).
	latest []int32
}

// Table is an immutable dated rate table, safe for concurrent use.
type Table struct {
	series     map[string]*series
	currencies []string // sorted
	// byCode indexes series by the three letters of the currency code, so
	// the per-record look-up is an array read, not a map hash.
	byCode *[26 * 26 * 26]*series
}

// codeIndex maps an upper-case three-letter code to 0..26³-1, or -1.
func codeIndex(c string) int {
	if len(c) != 3 {
		return -1
	}
	a, b, d := c[0]-'A', c[1]-'A', c[2]-'A'
	if a >= 26 || b >= 26 || d >= 26 {
		return -1
	}
	return (int(a)*26+int(b))*26 + int(d)
}

// newTable indexes finished series.
func newTable(m map[string]*series) *Table {
	t := &Table{series: m, byCode: new([26 * 26 * 26]*series)}
	for cur, s := range m {
		s.index()
		t.currencies = append(t.currencies, cur)
		if i := codeIndex(cur); i >= 0 {
			t.byCode[i] = s
		}
	}
	slices.Sort(t.currencies)
	return t
}

func (s *series) index() {
	s.latest = nil
	if len(s.days) == 0 {
		return
	}
	first := s.days[0]
	s.latest = make([]int32, int(s.days[len(s.days)-1]-first)+1)
	for i := range s.days {
		end := len(s.latest)
		if i+1 < len(s.days) {
			end = int(s.days[i+1] - first)
		}
		for off := int(s.days[i] - first); off < end; off++ {
			s.latest[off] = int32(i)
		}
	}
}

// Parse reads a rate table in eurofxref-hist.csv layout. Rows may come in
// any date order; a repeated date, a malformed rate, a non-positive rate or
// a row with the wrong number of fields is an error naming the line.
func Parse(r io.Reader) (*Table, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	var (
		header   []string // currency per column; "" for an ignored column
		seen     = map[day]int{}
		lineNo   int
		building = map[string]*series{}
	)
	for sc.Scan() {
		lineNo++
		line := sc.Bytes()
		if lineNo == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		fields := strings.Split(string(line), ",")
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
		if header == nil {
			h, err := parseHeader(fields)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", lineNo, err)
			}
			header = h
			for _, c := range header {
				if c != "" {
					building[c] = &series{}
				}
			}
			continue
		}
		if len(fields) != len(header) {
			return nil, fmt.Errorf("line %d: %d fields, header has %d", lineNo, len(fields), len(header))
		}
		d, ok := parseDay(fields[0])
		if !ok {
			return nil, fmt.Errorf("line %d: date %q is not YYYY-MM-DD", lineNo, fields[0])
		}
		if d < minDay || d > maxDay {
			return nil, fmt.Errorf("line %d: date %s outside %s..%s", lineNo, fields[0], minDay, maxDay)
		}
		if prev, dup := seen[d]; dup {
			return nil, fmt.Errorf("line %d: date %s repeats line %d", lineNo, fields[0], prev)
		}
		seen[d] = lineNo
		for i := 1; i < len(fields); i++ {
			cur, v := header[i], fields[i]
			if v == "" || v == "N/A" {
				continue
			}
			if cur == "" {
				return nil, fmt.Errorf("line %d: value %q in a column without a currency", lineNo, v)
			}
			rate, err := engine.ParseDecimal(v)
			if err != nil {
				return nil, fmt.Errorf("line %d: %s rate %q: %w", lineNo, cur, v, err)
			}
			if rate.Sign() <= 0 {
				return nil, fmt.Errorf("line %d: %s rate %q must be positive", lineNo, cur, v)
			}
			s := building[cur]
			s.days = append(s.days, d)
			s.rates = append(s.rates, rate)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read rates after line %d: %w", lineNo, err)
	}
	if header == nil {
		return nil, errors.New("no header line (Date,USD,…)")
	}
	for _, s := range building {
		s.sort()
	}
	return newTable(building), nil
}

func parseHeader(fields []string) ([]string, error) {
	if !strings.EqualFold(fields[0], "Date") {
		return nil, fmt.Errorf("header must start with Date, got %q", fields[0])
	}
	h := make([]string, len(fields))
	for i := 1; i < len(fields); i++ {
		c := fields[i]
		if c == "" {
			// The ECB file ends every line with a comma.
			if i != len(fields)-1 {
				return nil, fmt.Errorf("empty currency in column %d", i+1)
			}
			continue
		}
		if len(c) != 3 || strings.ToUpper(c) != c || strings.ContainsFunc(c, func(r rune) bool { return r < 'A' || r > 'Z' }) {
			return nil, fmt.Errorf("column %d: %q is not an ISO 4217 code", i+1, c)
		}
		if c == "EUR" {
			return nil, errors.New("EUR cannot be a column: rates are per 1 EUR")
		}
		if slices.Contains(h[:i], c) {
			return nil, fmt.Errorf("column %d: currency %s repeats", i+1, c)
		}
		h[i] = c
	}
	return h, nil
}

// sort orders the points by day (the ECB file is newest first).
func (s *series) sort() {
	idx := make([]int, len(s.days))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return int(s.days[a]) - int(s.days[b]) })
	days := make([]day, len(idx))
	rates := make([]engine.Decimal, len(idx))
	for i, j := range idx {
		days[i], rates[i] = s.days[j], s.rates[j]
	}
	s.days, s.rates = days, rates
}

// Currencies returns the currencies with at least one rate, sorted.
func (t *Table) Currencies() []string {
	return slices.Clone(t.currencies)
}

// Coverage returns the first and last publication day of a currency.
func (t *Table) Coverage(currency string) (first, last time.Time, ok bool) {
	s := t.series[currency]
	if s == nil || len(s.days) == 0 {
		return time.Time{}, time.Time{}, false
	}
	return s.days[0].Time(), s.days[len(s.days)-1].Time(), true
}

// Rate returns the rate (units of currency per 1 EUR) published on day's
// calendar date, or on the nearest earlier publication day no more than
// MaxLookback days back, and the publication day used (midnight UTC). EUR is
// 1 on every day. A failure is an *engine.RejectError (fx_missing) wrapping
// ErrNoRate.
func (t *Table) Rate(currency string, on time.Time) (engine.Decimal, time.Time, error) {
	if currency == "EUR" {
		return one, dayOf(on).Time(), nil
	}
	rate, d, err := t.rate(currency, dayOf(on))
	if err != nil {
		return engine.Decimal{}, time.Time{}, err
	}
	return rate, d.Time(), nil
}

func (t *Table) rate(currency string, d day) (engine.Decimal, day, error) {
	var s *series
	if ci := codeIndex(currency); ci >= 0 {
		s = t.byCode[ci]
	}
	if s == nil || len(s.days) == 0 {
		return engine.Decimal{}, 0, engine.Reject(engine.ReasonFXMissing, "%w for currency %q", ErrNoRate, currency)
	}
	// Index of the last publication day <= d.
	off := int64(d) - int64(s.days[0])
	if off < 0 {
		return engine.Decimal{}, 0, engine.Reject(engine.ReasonFXMissing, "%w for %s on %s: before the first rate (%s)", ErrNoRate, currency, d, s.days[0])
	}
	i := len(s.days) - 1
	if off < int64(len(s.latest)) {
		i = int(s.latest[off])
	}
	if d-s.days[i] > MaxLookback {
		return engine.Decimal{}, 0, engine.Reject(engine.ReasonFXMissing, "%w for %s on %s: last rate %s is more than %d days old", ErrNoRate, currency, d, s.days[i], MaxLookback)
	}
	return s.rates[i], s.days[i], nil
}

// ToEUR converts amount in currency to euro at the rate for day: exactly
// amount / rate, rounded half away from zero to 2 decimals. EUR amounts are
// returned unchanged. It does not allocate unless it fails.
func (t *Table) ToEUR(amount engine.Decimal, currency string, on time.Time) (engine.Decimal, error) {
	if currency == "EUR" {
		return amount, nil
	}
	rate, _, err := t.rate(currency, dayOf(on))
	if err != nil {
		return engine.Decimal{}, err
	}
	eur, err := divRound(amount, rate, 2)
	if err != nil {
		return engine.Decimal{}, fmt.Errorf("convert %s %s to EUR at %s: %w", amount, currency, rate, err)
	}
	return eur, nil
}

// Convert converts a float amount between two currencies through EUR at the
// rates for day. It backs the rules' fx() function, where approximate
// arithmetic is accepted; money that is stored uses ToEUR.
func (t *Table) Convert(amount float64, from, to string, on time.Time) (float64, error) {
	if from == to {
		return amount, nil
	}
	d := dayOf(on)
	rf, rt := one, one
	var err error
	if from != "EUR" {
		if rf, _, err = t.rate(from, d); err != nil {
			return 0, err
		}
	}
	if to != "EUR" {
		if rt, _, err = t.rate(to, d); err != nil {
			return 0, err
		}
	}
	return amount / rf.Float64() * rt.Float64(), nil
}

// Merge returns a table with every rate of primary plus the rates of
// supplement on days primary has no rate for that currency. Default uses it
// to add non-ECB currencies (and RUB after March 2022) to the ECB table.
func Merge(primary, supplement *Table) *Table {
	merged := map[string]*series{}
	for cur, s := range primary.series {
		merged[cur] = &series{days: slices.Clone(s.days), rates: slices.Clone(s.rates)}
	}
	for cur, s := range supplement.series {
		dst := merged[cur]
		if dst == nil {
			dst = &series{}
			merged[cur] = dst
		}
		for i, d := range s.days {
			if _, found := slices.BinarySearch(dst.days, d); found {
				continue
			}
			dst.days = append(dst.days, d)
			dst.rates = append(dst.rates, s.rates[i])
		}
		dst.sort()
	}
	return newTable(merged)
}

// WriteCSV writes the table (or only the given currencies) in
// eurofxref-hist.csv layout, oldest day first, after the comment lines.
func (t *Table) WriteCSV(w io.Writer, comments []string, currencies ...string) error {
	if len(currencies) == 0 {
		currencies = t.currencies
	}
	for _, c := range currencies {
		if t.series[c] == nil {
			return fmt.Errorf("write rates: unknown currency %q", c)
		}
	}
	var allDays []day
	for _, c := range currencies {
		allDays = append(allDays, t.series[c].days...)
	}
	slices.Sort(allDays)
	allDays = slices.Compact(allDays)

	bw := bufio.NewWriter(w)
	for _, c := range comments {
		bw.WriteString("# " + c + "\n")
	}
	bw.WriteString("Date," + strings.Join(currencies, ",") + "\n")
	next := make([]int, len(currencies)) // per-currency cursor into its series
	var buf []byte
	for _, d := range allDays {
		buf = append(buf[:0], d.String()...)
		for ci, c := range currencies {
			s := t.series[c]
			buf = append(buf, ',')
			if j := next[ci]; j < len(s.days) && s.days[j] == d {
				buf = s.rates[j].AppendTo(buf)
				next[ci]++
			} else {
				buf = append(buf, "N/A"...)
			}
		}
		buf = append(buf, '\n')
		bw.Write(buf)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write rates: %w", err)
	}
	return nil
}
