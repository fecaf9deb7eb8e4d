package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine/fx"
)

func TestRefresh(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, currencies string
		want             []string
	}{
		{"all currencies", "", []string{"GBP", "JPY", "NOK", "PLN", "RUB", "USD"}},
		{"subset", "USD,PLN", []string{"PLN", "USD"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, "rates.csv")
			if err := refresh("../../engine/fx/testdata/eurofxref-sample.csv", out, c.currencies, time.Date(2024, 1, 9, 0, 0, 0, 0, time.UTC)); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			tab, err := fx.Parse(strings.NewReader(string(data)))
			if err != nil {
				t.Fatalf("output does not parse: %v", err)
			}
			if got := strings.Join(tab.Currencies(), ","); got != strings.Join(c.want, ",") {
				t.Errorf("currencies %s; want %v", got, c.want)
			}
			// Oldest day first, and the rate survives unchanged.
			lines := strings.Split(strings.TrimSpace(string(data)), "\n")
			var rows []string
			for _, l := range lines {
				if !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "Date") {
					rows = append(rows, l)
				}
			}
			if len(rows) != 7 || !strings.HasPrefix(rows[0], "2022-02-28") || !strings.HasPrefix(rows[6], "2024-01-08") {
				t.Errorf("rows not sorted oldest first: %q", rows)
			}
			r, _, err := tab.Rate("USD", time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC))
			if err != nil || r.String() != "1.0919" {
				t.Errorf("USD on 2024-01-03 = %s, %v; want 1.0919", r, err)
			}
		})
	}
}

func TestRefreshErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("Date,USD\n2024-01-02,x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.csv")
	cases := []struct{ name, in, currencies, want string }{
		{"missing input", filepath.Join(dir, "nope.csv"), "", "open ECB rates"},
		{"invalid row", bad, "", "line 2"},
		{"unknown currency", "../../engine/fx/testdata/eurofxref-sample.csv", "USD,XYZ", "unknown currency"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := refresh(c.in, out, c.currencies, time.Now())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("refresh error %v; want %q", err, c.want)
			}
			if _, statErr := os.Stat(out); statErr == nil {
				t.Fatal("a failed refresh wrote the output file")
			}
		})
	}
}
