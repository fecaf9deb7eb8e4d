package jsonl

import (
	"bytes"
	"testing"
	"time"
)

// BenchmarkRFC3339 measures parseRFC3339 (time.Time.UnmarshalText plus the
// wire contract's checks) against UnmarshalText alone and time.Parse, which
// needs a string. The figures are in the package doc.
func BenchmarkRFC3339(b *testing.B) {
	for _, in := range []struct{ name, ts string }{
		{"Z", "2025-03-14T09:26:53.589Z"},
		{"offset", "2025-03-14T09:26:53.589+02:00"},
		{"lower-case", "2025-03-14t09:26:53.589z"},
	} {
		ts := []byte(in.ts)
		b.Run("parseRFC3339/"+in.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parseRFC3339(ts); err != nil {
					b.Fatal(err)
				}
			}
		})
		if in.name == "lower-case" {
			continue // the library refuses it
		}
		b.Run("UnmarshalText/"+in.name, func(b *testing.B) {
			b.ReportAllocs()
			var t time.Time
			for b.Loop() {
				if err := t.UnmarshalText(ts); err != nil {
					b.Fatal(err)
				}
				_ = t.UTC()
			}
		})
		b.Run("time.Parse/"+in.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				t, err := time.Parse(time.RFC3339Nano, string(ts))
				if err != nil {
					b.Fatal(err)
				}
				_ = t.UTC()
			}
		})
	}
}

// FuzzRFC3339 checks parseRFC3339 against time.Time.UnmarshalText: where
// both accept, the instants are equal; they may disagree only where the
// wire contract deliberately differs from the library — lower-case "t"/"z"
// (allowed by RFC 3339 §5.6, refused by the library), a "," before the
// fraction, a one-digit hour or offset minutes over 59 (accepted by the
// library, not RFC 3339) and
// instants outside years 0000–9999 UTC (refused so Encode can write them
// back).
func FuzzRFC3339(f *testing.F) {
	for _, s := range []string{"2025-03-14T09:26:53.589Z", "2025-03-14t09:26:53z", "2025-03-14T09:26:53+01:00",
		"2024-02-29T23:59:59.999999999-23:59", "2025-02-29T00:00:00Z", "0000-01-01T00:30:00+01:00", "2025-03-14T09:26:53,5Z"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		own, ownErr := parseRFC3339(b)
		var lib time.Time
		libErr := lib.UnmarshalText(b)
		switch {
		case ownErr == nil && libErr == nil:
			if !own.Equal(lib) || own.Location() != time.UTC {
				t.Fatalf("%q: own %v, library %v", b, own, lib)
			}
		case ownErr == nil:
			if !bytes.ContainsAny(b, "tz") {
				t.Fatalf("%q: own accepts (%v), library refuses: %v", b, own, libErr)
			}
		case libErr == nil:
			y := lib.UTC().Year()
			fixedWidth := len(b) >= 20 && b[4] == '-' && b[7] == '-' && b[13] == ':' && b[16] == ':'
			n := len(b)
			// Offsets beyond ±23:59 are refused on purpose (see parseRFC3339).
			offsetOutOfRange := n > 6 && (b[n-6] == '+' || b[n-6] == '-') && (string(b[n-5:n-3]) > "23" || string(b[n-2:]) > "59")
			if fixedWidth && !offsetOutOfRange && !bytes.Contains(b, []byte(",")) && y >= 0 && y <= 9999 {
				t.Fatalf("%q: library accepts (%v), own refuses: %v", b, lib, ownErr)
			}
		}
	})
}
