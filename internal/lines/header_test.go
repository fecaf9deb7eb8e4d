package lines

import (
	"strings"
	"testing"
)

// roleOf maps the folded names a..d to roles 0..3, as a decoder's table would.
func roleOf(_ int, key string) (int, bool) {
	if len(key) == 1 && key[0] >= 'a' && key[0] <= 'd' {
		return int(key[0] - 'a'), true
	}
	return 0, false
}

var testRoles = []string{"A", "B", "C", "D"}

func TestHeaderColumns(t *testing.T) {
	tests := []struct {
		header   string
		want     []int
		wantKeys string
		wantErr  string
	}{
		{"a,b,c,d", []int{0, 1, 2, 3}, "a b c d", ""},
		{"\ufeffD, x ,C,b,A\r\n", []int{4, 3, 2, 0}, "d x c b a", ""},
		{"a,b,c", nil, "", "T header \"a,b,c\": missing required columns: D"},
		{"a,b,c,d,A", nil, "", `T header: column 5 "A" duplicates A (column 1)`},
		{`"a,b`, nil, "", "parse T header"},
	}
	for _, tc := range tests {
		cols, keys, err := HeaderColumns("T", []byte(tc.header), testRoles, roleOf)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: error %v, want %q", tc.header, err, tc.wantErr)
			}
			continue
		}
		if err != nil || len(cols) != len(tc.want) {
			t.Fatalf("%q: %v, %v", tc.header, cols, err)
		}
		for r, c := range tc.want {
			if cols[r] != c {
				t.Errorf("%q: role %s at column %d, want %d", tc.header, testRoles[r], cols[r], c)
			}
		}
		if got := strings.Join(keys, " "); got != tc.wantKeys {
			t.Errorf("%q: keys %q, want %q", tc.header, got, tc.wantKeys)
		}
	}
}

// FuzzHeaderColumns: any header either fails or maps every role to a
// distinct column whose folded name has that role.
func FuzzHeaderColumns(f *testing.F) {
	for _, s := range []string{"a,b,c,d", "\ufeffd,c,b,a\r\n", `"a",b,"c""",d`, "a,a,b,c,d", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, header []byte) {
		cols, keys, err := HeaderColumns("T", header, testRoles, roleOf)
		if err != nil {
			return
		}
		seen := map[int]bool{}
		for r, c := range cols {
			if c < 0 || c >= len(keys) || seen[c] {
				t.Fatalf("%q: role %d at column %d of %d (cols %v)", header, r, c, len(keys), cols)
			}
			seen[c] = true
			if got, ok := roleOf(c, keys[c]); !ok || got != r {
				t.Fatalf("%q: column %d %q is not role %d", header, c, keys[c], r)
			}
		}
	})
}
