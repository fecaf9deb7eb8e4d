package fx

import (
	"testing"
	"time"
)

func TestDayOfMatchesCalendarDate(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("CET", 3600), time.FixedZone("NST", -(3*3600 + 1800)), time.FixedZone("LINT", 14*3600)}
	start := time.Date(1969, 12, 25, 0, 0, 0, 0, time.UTC)
	for _, loc := range zones {
		for h := 0; h < 24*40; h += 7 {
			ts := start.Add(time.Duration(h) * time.Hour).In(loc)
			y, m, d := ts.Date()
			if got, want := dayOf(ts), civilDay(y, int(m), d); got != want {
				t.Fatalf("dayOf(%s) = %s; want %s", ts, got, want)
			}
		}
	}
	for _, s := range []string{"2024-02-29", "2000-03-01", "1900-03-01", "2026-12-31", "1970-01-01"} {
		d, ok := parseDay(s)
		if !ok || d.String() != s {
			t.Errorf("parseDay(%s) = %s, %v", s, d, ok)
		}
	}
	for _, s := range []string{"2023-02-29", "1900-02-29", "2024-00-10", "2024-1-10", "20240110", "2024-01-32"} {
		if _, ok := parseDay(s); ok {
			t.Errorf("parseDay(%q) accepted", s)
		}
	}
}
