package fx

import (
	"time"

	"github.com/socwatch/socwatch/internal/civil"
)

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
	y, ok1 := civil.Digits(s[:4])
	m, ok2 := civil.Digits(s[5:7])
	d, ok3 := civil.Digits(s[8:])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > civil.DaysIn(y, m) {
		return 0, false
	}
	return civilDay(y, m, d), true
}
