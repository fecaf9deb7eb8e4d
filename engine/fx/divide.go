package fx

import (
	"math"
	"math/bits"

	"github.com/socwatch/socwatch/engine"
)

var pow10u = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// divRound returns a / b rounded half away from zero to scale decimals,
// exactly: with a = A·10^-sa and b = B·10^-sb the result in units of
// 10^-scale is A·10^(sb-sa+scale) / B, computed in 128 bits.
func divRound(a, b engine.Decimal, scale uint8) (engine.Decimal, error) {
	if b.Units <= 0 {
		return engine.Decimal{}, engine.ErrDecimalOverflow // rates are positive by construction
	}
	neg := a.Units < 0
	num := uint64(a.Units)
	if neg {
		num = uint64(-a.Units) // also right for MinInt64
	}
	den := uint64(b.Units)
	var hi, lo uint64
	k := int(b.Scale) - int(a.Scale) + int(scale)
	switch {
	case k >= len(pow10u) || -k >= len(pow10u):
		return engine.Decimal{}, engine.ErrDecimalOverflow
	case k >= 0:
		hi, lo = bits.Mul64(num, pow10u[k])
	default:
		var carry uint64
		carry, den = bits.Mul64(den, pow10u[-k])
		if carry != 0 {
			// den >= 2^64 > 2·|A|: the quotient is below one half.
			return engine.Decimal{Scale: scale}, nil
		}
		lo = num
	}
	if hi >= den {
		return engine.Decimal{}, engine.ErrDecimalOverflow
	}
	q, rem := bits.Div64(hi, lo, den)
	if rem >= den-rem { // 2·rem >= den without overflowing
		q++
	}
	if q > math.MaxInt64 {
		return engine.Decimal{}, engine.ErrDecimalOverflow
	}
	if neg {
		return engine.Decimal{Units: -int64(q), Scale: scale}, nil
	}
	return engine.Decimal{Units: int64(q), Scale: scale}, nil
}
