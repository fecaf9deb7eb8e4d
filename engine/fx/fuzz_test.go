package fx

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/socwatch/socwatch/engine"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// FuzzParse: Parse never panics, and what it accepts survives a
// WriteCSV/Parse round trip unchanged.
func FuzzParse(f *testing.F) {
	sample, err := os.ReadFile("testdata/eurofxref-sample.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample)
	f.Add([]byte("# c\nDate,USD,RUB\n2024-01-02,1.1,N/A\n2024-01-03,,2\n"))
	f.Add([]byte("Date,USD\n2024-02-29,0.000000000001\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		tab, err := Parse(bytes.NewReader(in))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := tab.WriteCSV(&buf, nil); err != nil {
			t.Fatalf("WriteCSV: %v", err)
		}
		back, err := Parse(&buf)
		if err != nil {
			t.Fatalf("re-parse of written table: %v\n%s", err, buf.String())
		}
		assertSameTable(t, tab, back)
	})
}

// FuzzToEUR compares the 128-bit division with a big.Rat oracle.
func FuzzToEUR(f *testing.F) {
	f.Add(int64(10000), uint8(2), int64(10919), uint8(4))
	f.Add(int64(-1), uint8(12), int64(1), uint8(0))
	f.Add(int64(1<<62), uint8(0), int64(3), uint8(9))
	f.Add(int64(-1<<63), uint8(12), int64(1<<62), uint8(0))
	f.Fuzz(func(t *testing.T, units int64, scale uint8, rateUnits int64, rateScale uint8) {
		if scale > engine.MaxDecimalScale || rateScale > engine.MaxDecimalScale || rateUnits <= 0 {
			return
		}
		a := engine.Decimal{Units: units, Scale: scale}
		r := engine.Decimal{Units: rateUnits, Scale: rateScale}
		got, err := divRound(a, r, 2)
		want := exactCents(a, r)
		if !want.IsInt64() {
			if err == nil {
				t.Fatalf("divRound(%s, %s) = %s; oracle %s cents overflows int64", a, r, got, want)
			}
			return
		}
		if err != nil {
			t.Fatalf("divRound(%s, %s) failed (%v); oracle %s cents", a, r, err, want)
		}
		if got.Units != want.Int64() || got.Scale != 2 {
			t.Fatalf("divRound(%s, %s) = %s; oracle %s cents", a, r, got, want)
		}
	})
}
