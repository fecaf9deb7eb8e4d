package engine

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Decimal is an exact decimal amount: Units × 10^-Scale. Money is never stored
// or compared as float (Cmp is exact at any scale); Float64 is the
// approximate copy rules compute with (amount_eur, window sums).
type Decimal struct {
	Units int64
	Scale uint8
}

// MaxDecimalScale bounds the number of fractional digits kept (crypto amounts
// need 8; 12 leaves room without overflowing typical values).
const MaxDecimalScale = 12

var pow10 = func() [19]int64 {
	var p [19]int64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

var (
	ErrDecimalSyntax   = errors.New("invalid decimal")
	ErrDecimalOverflow = errors.New("decimal out of range")
)

// ParseDecimal parses a plain decimal ("1234.50", "-3", "0.00012345").
// Exponents, NaN and Inf are refused: a bank feed sends plain numbers.
func ParseDecimal(s string) (Decimal, error) {
	return ParseDecimalBytes([]byte(s))
}

// ParseDecimalBytes is ParseDecimal without a string conversion.
func ParseDecimalBytes(b []byte) (Decimal, error) {
	if len(b) == 0 {
		return Decimal{}, ErrDecimalSyntax
	}
	neg := false
	i := 0
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		i++
	}
	var units int64
	var scale uint8
	digits, frac := 0, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			if frac {
				if scale == MaxDecimalScale {
					// Drop digits beyond the kept scale only if they are zeros.
					if c != '0' {
						return Decimal{}, fmt.Errorf("%w: more than %d fractional digits", ErrDecimalOverflow, MaxDecimalScale)
					}
					continue
				}
				scale++
			}
			if units > (math.MaxInt64-int64(c-'0'))/10 {
				return Decimal{}, ErrDecimalOverflow
			}
			units = units*10 + int64(c-'0')
			digits++
		case c == '.' && !frac:
			frac = true
		default:
			return Decimal{}, ErrDecimalSyntax
		}
	}
	if digits == 0 {
		return Decimal{}, ErrDecimalSyntax
	}
	if neg {
		units = -units
	}
	return Decimal{Units: units, Scale: scale}, nil
}

// Float64 is an approximate copy for expr arithmetic and metrics.
func (d Decimal) Float64() float64 {
	return float64(d.Units) / float64(pow10[d.Scale])
}

// Sign returns -1, 0 or 1.
func (d Decimal) Sign() int {
	switch {
	case d.Units < 0:
		return -1
	case d.Units > 0:
		return 1
	}
	return 0
}

// Cmp compares exactly: -1 if d < e, 0 if equal, 1 if d > e.
func (d Decimal) Cmp(e Decimal) int {
	a, b := d.Units, e.Units
	// Bring both to the larger scale. When that overflows int64, the
	// rescaled side is larger in magnitude than any int64, so its sign
	// alone decides.
	switch {
	case d.Scale < e.Scale:
		var ok bool
		if a, ok = mulPow10(a, e.Scale-d.Scale); !ok {
			return d.Sign()
		}
	case d.Scale > e.Scale:
		var ok bool
		if b, ok = mulPow10(b, d.Scale-e.Scale); !ok {
			return -e.Sign()
		}
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// mulPow10 returns v × 10^n, or false when it does not fit in an int64.
func mulPow10(v int64, n uint8) (int64, bool) {
	if v == 0 {
		return 0, true
	}
	if int(n) >= len(pow10) {
		return 0, false
	}
	p := pow10[n]
	if v > math.MaxInt64/p || v < math.MinInt64/p {
		return 0, false
	}
	return v * p, true
}

// String renders the exact value ("1234.50").
func (d Decimal) String() string {
	var buf [40]byte
	return string(d.AppendTo(buf[:0]))
}

// AppendTo appends the exact value to b.
func (d Decimal) AppendTo(b []byte) []byte {
	u := d.Units
	if u < 0 {
		b = append(b, '-')
	}
	var digits [20]byte
	s := strconv.AppendUint(digits[:0], absU(u), 10)
	if d.Scale == 0 {
		return append(b, s...)
	}
	sc := int(d.Scale)
	if len(s) <= sc {
		b = append(b, '0', '.')
		for i := len(s); i < sc; i++ {
			b = append(b, '0')
		}
		return append(b, s...)
	}
	b = append(b, s[:len(s)-sc]...)
	b = append(b, '.')
	return append(b, s[len(s)-sc:]...)
}

func absU(v int64) uint64 {
	if v < 0 {
		return uint64(-v)
	}
	return uint64(v)
}

// MarshalJSON writes the decimal as a JSON string to keep it exact.
func (d Decimal) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 24)
	b = append(b, '"')
	b = d.AppendTo(b)
	return append(b, '"'), nil
}

// UnmarshalJSON accepts a JSON string or number.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	v, err := ParseDecimalBytes(b)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
