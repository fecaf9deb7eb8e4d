package lines

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/socwatch/socwatch/engine"
)

type got struct {
	no   int
	line string // "<too long>" for the marker
}

func collect(t *testing.T, r io.Reader, max int) ([]got, error) {
	t.Helper()
	var out []got
	err := Scan(r, max, func(no int, line []byte) error {
		s := string(line)
		if TooLong(line) {
			s = "<too long>"
		}
		out = append(out, got{no, s})
		return nil
	})
	return out, err
}

func TestScan(t *testing.T) {
	long := strings.Repeat("x", 40)
	tests := []struct {
		name  string
		input string
		max   int
		want  []got
	}{
		{"lf", "a\nbb\n", 10, []got{{1, "a"}, {2, "bb"}}},
		{"crlf", "a\r\nbb\r\n", 10, []got{{1, "a"}, {2, "bb"}}},
		{"no final newline", "a\nbb", 10, []got{{1, "a"}, {2, "bb"}}},
		{"final lone cr", "a\r\nbb\r", 10, []got{{1, "a"}, {2, "bb"}}},
		{"blank lines skipped but counted", "\na\n\r\n\nb\n\n", 10, []got{{2, "a"}, {5, "b"}}},
		{"empty input", "", 10, nil},
		{"exactly max", "abcd\r\nabcde\n", 4, []got{{1, "abcd"}, {2, "<too long>"}}},
		{"too long line is reported, scan goes on", "ok\n" + long + "\nnext\n", 16, []got{{1, "ok"}, {2, "<too long>"}, {3, "next"}}},
		{"too long last line without newline", "ok\n" + long, 16, []got{{1, "ok"}, {2, "<too long>"}}},
		{"too long with crlf", long + "\r\nz\r\n", 16, []got{{1, "<too long>"}, {2, "z"}}},
		{"default max", "a\n", 0, []got{{1, "a"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// One byte at a time as well, to exercise refills at every boundary.
			for _, r := range []io.Reader{strings.NewReader(tc.input), iotest.OneByteReader(strings.NewReader(tc.input))} {
				out, err := collect(t, r, tc.max)
				if err != nil {
					t.Fatalf("Scan: %v", err)
				}
				if len(out) != len(tc.want) {
					t.Fatalf("got %v, want %v", out, tc.want)
				}
				for i := range out {
					if out[i] != tc.want[i] {
						t.Errorf("line %d: got %v, want %v", i, out[i], tc.want[i])
					}
				}
			}
		})
	}
}

func TestScanStopsOnCallbackError(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	err := Scan(strings.NewReader("a\nb\nc\n"), 0, func(no int, line []byte) error {
		calls++
		if no == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v, want wrapped stop with line 2", err)
	}
	if calls != 2 {
		t.Fatalf("calls = %d, want 2", calls)
	}
}

func TestScanReadError(t *testing.T) {
	boom := errors.New("disk gone")
	r := io.MultiReader(strings.NewReader("a\nb"), iotest.ErrReader(boom))
	out, err := collect(t, r, 0)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
	if len(out) != 1 || out[0].line != "a" {
		t.Fatalf("delivered %v before the error, want line a only", out)
	}
}

func TestTooLongError(t *testing.T) {
	err := TooLongError(7, 100)
	if engine.RejectReason(err) != engine.ReasonTooLarge || !strings.Contains(err.Error(), "line 7") {
		t.Fatalf("TooLongError = %v", err)
	}
}

func FuzzScan(f *testing.F) {
	for _, s := range []string{"a\nb", "\r\n\r\n", "xxxxxxxxxxxxxxxxxxxxxxxxxx\nshort\n", "a\rb\n"} {
		f.Add(s, 8)
	}
	f.Fuzz(func(t *testing.T, input string, max int) {
		if max < 1 || max > 64 {
			max = 8
		}
		// Reference: split on "\n", drop the line ending, skip blanks.
		ref := strings.Split(input, "\n")
		if strings.HasSuffix(input, "\n") {
			ref = ref[:len(ref)-1]
		}
		var want []got
		for i, l := range ref {
			l = strings.TrimSuffix(l, "\r")
			switch {
			case len(l) > max:
				want = append(want, got{i + 1, "<too long>"})
			case l != "":
				want = append(want, got{i + 1, l})
			}
		}
		out, err := collect(t, iotest.HalfReader(strings.NewReader(input)), max)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(want) {
			t.Fatalf("got %+v, want %+v", out, want)
		}
		for i := range out {
			if out[i] != want[i] {
				t.Fatalf("line %d: got %+v, want %+v", i, out[i], want[i])
			}
		}
	})
}
