package synth

import (
	"math"
	"math/rand/v2"

	"github.com/socwatch/socwatch/engine"
)

// logNormal draws from a log-normal distribution with the given median.
func logNormal(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// uniform draws from [lo, hi).
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// toCurrency converts an EUR amount to currency cur with the generator's
// approximate rates, as an exact decimal with two fractional digits
// (at least 1.00).
func toCurrency(eur float64, cur string) engine.Decimal {
	return cents(eur * unitsPerEUR[cur])
}

// cents rounds v to an exact two-decimal amount, at least 1.00.
func cents(v float64) engine.Decimal {
	c := int64(math.Round(v * 100))
	if c < 100 {
		c = 100
	}
	return engine.Decimal{Units: c, Scale: 2}
}

// roundTo rounds an exact two-decimal amount to a multiple of step whole
// units (at least one step).
func roundTo(d engine.Decimal, step int64) engine.Decimal {
	unit := step * 100
	u := (d.Units + unit/2) / unit * unit
	if u < unit {
		u = unit
	}
	return engine.Decimal{Units: u, Scale: 2}
}

// ToEUR is the generator's approximate EUR value of an amount, for tests
// and calibration; the engine converts with its own rate table.
func ToEUR(amount engine.Decimal, currency string) float64 {
	rate, ok := unitsPerEUR[currency]
	if !ok {
		return math.NaN()
	}
	return amount.Float64() / rate
}
