package lines

import (
	"encoding/csv"
	"errors"
	"strings"
	"testing"
)

func TestCSVSplitter(t *testing.T) {
	tests := []struct {
		line    string
		want    []string
		wantErr string
	}{
		{line: "a,b,c", want: []string{"a", "b", "c"}},
		{line: "", want: []string{""}},
		{line: ",", want: []string{"", ""}},
		{line: `"a,b",c`, want: []string{"a,b", "c"}},
		{line: `"say ""hi""",x`, want: []string{`say "hi"`, "x"}},
		{line: `x,""`, want: []string{"x", ""}},
		{line: `"",""`, want: []string{"", ""}},
		{line: `2022/09/01 00:06,021174,800737690,"US Dollar"`, want: []string{"2022/09/01 00:06", "021174", "800737690", "US Dollar"}},
		{line: `"abc`, wantErr: "unterminated"},
		{line: `"a"b,c`, wantErr: "after closing quote"},
		{line: `a"b,c`, wantErr: "quote in unquoted field"},
	}
	var s CSVSplitter
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			fields, err := s.Split([]byte(tc.line))
			if tc.wantErr != "" {
				if err == nil || !errors.Is(err, ErrCSVQuote) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(fields) != len(tc.want) {
				t.Fatalf("got %q, want %q", fields, tc.want)
			}
			for i := range fields {
				if string(fields[i]) != tc.want[i] {
					t.Errorf("field %d = %q, want %q", i, fields[i], tc.want[i])
				}
			}
		})
	}
}

// FuzzCSVSplit checks SplitCSV against encoding/csv on one-line inputs.
func FuzzCSVSplit(f *testing.F) {
	for _, s := range []string{`a,b`, `"a""b",c`, `"x`, `a"b`, `,,`, `"a",`} {
		f.Add(s)
	}
	var s CSVSplitter
	f.Fuzz(func(t *testing.T, line string) {
		if strings.ContainsAny(line, "\r\n") || line == "" {
			return // one-line records only; encoding/csv skips empty lines
		}
		got, err := s.Split([]byte(line))
		r := csv.NewReader(strings.NewReader(line))
		r.FieldsPerRecord = -1
		want, werr := r.Read()
		if (err != nil) != (werr != nil) {
			t.Fatalf("Split err=%v, encoding/csv err=%v", err, werr)
		}
		if err != nil {
			return
		}
		if len(got) != len(want) {
			t.Fatalf("got %q, want %q", got, want)
		}
		for i := range got {
			if string(got[i]) != want[i] {
				t.Fatalf("field %d: got %q, want %q", i, got[i], want[i])
			}
		}
	})
}

func BenchmarkCSVSplit(b *testing.B) {
	line := []byte(`2022/09/01 00:06,021174,800737690,012,80011F990,2848.96,Euro,2848.96,Euro,ACH,1,IBM-0001,FAN-OUT,"FAN-OUT:  Max 16-degree Fan-Out"`)
	var s CSVSplitter
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Split(line); err != nil {
			b.Fatal(err)
		}
	}
}
