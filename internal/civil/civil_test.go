package civil

import (
	"strconv"
	"testing"
	"time"
)

// DaysIn agrees with the time package for every month of four centuries
// (leap rules for 1900, 2000, 2100 included).
func TestDaysIn(t *testing.T) {
	for y := 1800; y < 2200; y++ {
		for m := 1; m <= 12; m++ {
			want := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
			if got := DaysIn(y, m); got != want {
				t.Fatalf("DaysIn(%d, %d) = %d, want %d", y, m, got, want)
			}
		}
	}
}

func FuzzDigits(f *testing.F) {
	for _, s := range []string{"0", "2025", "09", "", "-1", "+1", "1a", " 1", "٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 9 {
			s = s[:9] // fixed-width fields; beyond that overflow is the caller's
		}
		got, ok := Digits(s)
		gotB, okB := Digits([]byte(s))
		if got != gotB || ok != okB {
			t.Fatalf("string and []byte disagree on %q", s)
		}
		allDigits := s != ""
		for i := 0; i < len(s); i++ {
			allDigits = allDigits && s[i] >= '0' && s[i] <= '9'
		}
		want, err := strconv.Atoi(s)
		if ok != allDigits || (ok && (err != nil || got != want)) {
			t.Fatalf("Digits(%q) = %d, %v; strconv.Atoi = %d, %v", s, got, ok, want, err)
		}
	})
}
