package lines

import (
	"fmt"
	"hash/fnv"
	"testing"
)

func TestHashMatchesFNV1a(t *testing.T) {
	for _, s := range []string{"", "a", "2022/09/01 00:20,10,8000EBD30", "ü\x00\xff"} {
		h := fnv.New64a()
		h.Write([]byte(s))
		if got, want := Hash([]byte(s)), h.Sum64(); got != want {
			t.Errorf("Hash(%q) = %x, want %x", s, got, want)
		}
	}
}

func TestAppendHex16(t *testing.T) {
	for _, v := range []uint64{0, 1, 0xdeadbeef, ^uint64(0)} {
		if got, want := string(AppendHex16([]byte("x-"), v)), fmt.Sprintf("x-%016x", v); got != want {
			t.Errorf("AppendHex16(%x) = %s, want %s", v, got, want)
		}
	}
}
