// Package civil is the calendar arithmetic the timestamp parsers and the FX
// rate table share: fixed-width decimal fields and month lengths in the
// proleptic Gregorian calendar. It exists so that each parser checks dates
// the same way without going through strings or time.Parse per record.
package civil

// Digits reads b as an unsigned decimal made only of ASCII digits (no sign,
// no spaces); false for anything else or an empty b. Callers pass fixed-width
// fields (years, months, …), so it does not check for overflow beyond what
// such a width can hold.
func Digits[T ~string | ~[]byte](b T) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// DaysIn returns the number of days of month (1–12) in year.
func DaysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
