package intern

import (
	"fmt"
	"testing"
	"unsafe"
)

func TestKeptReusesEqualValues(t *testing.T) {
	var s Strings
	tests := []struct {
		slot   int
		in     string
		shared bool
		reused bool // the result must be the very string returned before
	}{
		{0, "PL61109010140000071219812874", false, false},
		{0, "PL61109010140000071219812874", false, true},
		{3, "EUR", true, false},
		{3, "PLN", true, false},
		{3, "EUR", true, true}, // from the table, though the slot held PLN
		{0, "NO9386011117947", false, false},
	}
	prev := map[string]string{}
	for i, tt := range tests {
		got := s.Kept(tt.slot, []byte(tt.in), tt.shared)
		if got != tt.in {
			t.Fatalf("%d: Kept(%q) = %q", i, tt.in, got)
		}
		if p, ok := prev[tt.in]; ok && tt.reused && !sameData(p, got) {
			t.Errorf("%d: %q allocated again", i, tt.in)
		}
		prev[tt.in] = got
	}
	if n := testing.AllocsPerRun(100, func() { s.Kept(0, []byte("NO9386011117947"), false) }); n != 0 {
		t.Errorf("repeated value: %v allocs, want 0", n)
	}
}

func TestInternTableIsBounded(t *testing.T) {
	var s Strings
	for i := 0; i < 3*maxCodes; i++ {
		s.Intern([]byte(fmt.Sprint("C", i)))
		if len(s.codes) > maxCodes {
			t.Fatalf("table holds %d codes, bound %d", len(s.codes), maxCodes)
		}
	}
	long := make([]byte, maxCodeLen+1)
	s.Intern(long)
	if _, ok := s.codes[string(long)]; ok {
		t.Errorf("a value longer than %d bytes was interned", maxCodeLen)
	}
}

// sameData reports whether a and b share their bytes (one allocation).
func sameData(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }
