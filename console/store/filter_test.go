package store

import (
	"strings"
	"testing"
	"time"
)

func TestFilterValidate(t *testing.T) {
	tests := []struct {
		f  Filter
		ok bool
	}{
		{Filter{}, true},
		{Filter{Status: "closed", Severity: "high", Rule: "AML-THR-001", Account: "PL61 1090 1014", Sort: SortScore}, true},
		{Filter{Status: "deleted"}, false},
		{Filter{Severity: "urgent"}, false},
		{Filter{Account: "x' OR '1'='1"}, false},
		{Filter{Rule: "a;b"}, false},
		{Filter{Typology: strings.Repeat("a", 129)}, false},
		{Filter{Sort: "ts; DROP"}, false},
		{Filter{Limit: MaxLimit + 1}, false},
		{Filter{Limit: -1}, false},
		{Filter{From: time.Unix(100, 0), To: time.Unix(50, 0)}, false},
	}
	for _, tc := range tests {
		f := tc.f
		if err := f.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v: %v", tc.f, err)
		}
	}
}

func TestCursorRoundTrip(t *testing.T) {
	c := cursor{Score: 77, TS: 1767225600, ID: "0123456789abcdef0123456789abcdef"}
	got, err := decodeCursor(encodeCursor(c))
	if err != nil || got != c {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	for _, bad := range []string{"", "!!", encodeCursor(cursor{ID: "' OR 1=1"}), encodeCursor(cursor{ID: ""})} {
		if _, err := decodeCursor(bad); err == nil {
			t.Errorf("cursor %q accepted", bad)
		}
	}
}

// FuzzDecodeCursor: a cursor comes from the client; whatever it holds,
// decoding either fails or yields an id of hex digits only (the only part
// that reaches SQL as text, and it is bound as a parameter too).
func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor(cursor{Score: 1, TS: 2, ID: "ab"}))
	f.Add("eyJpIjoiJyJ9")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(s)
		if err == nil && !ValidAlertID(c.ID) {
			t.Fatalf("decoded cursor with id %q", c.ID)
		}
	})
}

func TestInList(t *testing.T) {
	if got := inList(3); got != "(?, ?, ?)" {
		t.Fatalf("inList(3) = %q", got)
	}
	if got := inList(0); got != "(?)" || len(strArgs(nil)) != 1 {
		t.Fatalf("empty list must still be valid SQL matching nothing: %q", got)
	}
}
