package engine

import "math/bits"

// int128 is the minimum needed for exact FX multiplication (amount × rate)
// without overflowing int64 intermediates.
type int128 struct {
	neg    bool
	hi, lo uint64
}

func new128(v int64) int128 {
	if v < 0 {
		return int128{neg: true, lo: uint64(-v)}
	}
	return int128{lo: uint64(v)}
}

func (a int128) mul(v int64) int128 {
	neg := a.neg
	u := uint64(v)
	if v < 0 {
		neg = !neg
		u = uint64(-v)
	}
	hi, lo := bits.Mul64(a.lo, u)
	hi += a.hi * u
	return int128{neg: neg, hi: hi, lo: lo}
}

// divRound divides by 10^n rounding half away from zero.
func (a int128) divRound(n int) (int64, bool) {
	hi, lo := a.hi, a.lo
	var rem uint64
	var div uint64 = 1
	for i := 0; i < n; i++ {
		div *= 10
		if div > 1e18 {
			return 0, false
		}
	}
	if hi >= div {
		return 0, false
	}
	q, r := bits.Div64(hi, lo, div)
	rem = r
	if rem*2 >= div {
		q++
	}
	if q > 1<<63-1 {
		return 0, false
	}
	if a.neg {
		return -int64(q), true
	}
	return int64(q), true
}

func (a int128) mulPow(n int) (int64, bool) {
	if a.hi != 0 {
		return 0, false
	}
	v := a.lo
	for i := 0; i < n; i++ {
		h, l := bits.Mul64(v, 10)
		if h != 0 {
			return 0, false
		}
		v = l
	}
	if v > 1<<63-1 {
		return 0, false
	}
	if a.neg {
		return -int64(v), true
	}
	return int64(v), true
}
