package jsonl

import (
	"errors"
	"strings"
	"time"
)

var (
	errTSSyntax = errors.New("not RFC 3339 (want YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm))")
	errTSRange  = errors.New("date or time field out of range")
)

// parseRFC3339 parses an RFC 3339 timestamp with time.Time.UnmarshalText,
// which reads the bytes without converting them to a string and does not
// allocate: it is as fast as the hand-written parser it replaced (see
// BenchmarkRFC3339 and the package doc). Around it, the wire contract:
//
//   - fixed-width fields and "." before the fraction: the library also takes
//     a one-digit hour and ",", which RFC 3339 does not;
//   - offsets up to ±23:59: the library takes hour 24 and minute 60;
//   - lower-case "t" and "z" (RFC 3339 §5.6 allows them; the library does
//     not), read through a stack copy in upper case;
//   - the result is UTC and in years 0000–9999, so Encode can write it back.
//
// Fraction digits beyond nanoseconds are truncated.
func parseRFC3339(b []byte) (time.Time, error) {
	n := len(b)
	if n < 20 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != 't') || b[13] != ':' || b[16] != ':' ||
		b[19] == ',' {
		return time.Time{}, errTSSyntax
	}
	if c := b[n-6]; (c == '+' || c == '-') && b[n-3] == ':' && (string(b[n-5:n-3]) > "23" || string(b[n-2:]) > "59") {
		return time.Time{}, errTSRange
	}
	if b[10] == 't' || b[n-1] == 'z' {
		var buf [64]byte
		upper := append(buf[:0], b...) // on the stack unless the fraction is very long
		upper[10] = 'T'
		if upper[n-1] == 'z' {
			upper[n-1] = 'Z'
		}
		b = upper
	}
	var t time.Time
	if err := t.UnmarshalText(b); err != nil {
		if strings.Contains(err.Error(), "out of range") {
			return time.Time{}, errTSRange
		}
		return time.Time{}, errTSSyntax
	}
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return time.Time{}, errTSRange
	}
	return t, nil
}
