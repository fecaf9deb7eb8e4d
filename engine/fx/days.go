package fx

import "time"

// day is a calendar date as days since 1970-01-01.
type day int32

// dayOf returns the calendar date of t in t's own location: a timestamp
// "2024-03-01T00:30:00+01:00" belongs to 1 March, the sender's business day.
func dayOf(t time.Time) day {
	// Local seconds since the epoch, floored to days: cheaper than t.Date()
	// plus a civil-date conversion.
	_, offset := t.Zone()
	secs := t.Unix() + int64(offset)
	days := secs / 86400
	if secs%86400 < 0 {
		days--
	}
	return day(days)
}

// civilDay converts a proleptic Gregorian date to days since the Unix epoch
// (Howard Hinnant's days_from_civil), without going through time.Time.
func civilDay(y, m, d int) day {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return day(era*146097 + doe - 719468)
}

// Time returns the date as midnight UTC.
func (d day) Time() time.Time {
	return time.Unix(int64(d)*86400, 0).UTC()
}

func (d day) String() string { return d.Time().Format(time.DateOnly) }

// parseDay parses YYYY-MM-DD strictly.
func parseDay(s string) (day, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	num := func(b string) (int, bool) {
		n := 0
		for i := 0; i < len(b); i++ {
			if b[i] < '0' || b[i] > '9' {
				return 0, false
			}
			n = n*10 + int(b[i]-'0')
		}
		return n, true
	}
	y, ok1 := num(s[:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return civilDay(y, m, d), true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
