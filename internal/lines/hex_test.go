package lines

import (
	"fmt"
	"testing"
)

func TestAppendHex16(t *testing.T) {
	for _, v := range []uint64{0, 1, 0xdeadbeef, ^uint64(0)} {
		if got, want := string(AppendHex16([]byte("x-"), v)), fmt.Sprintf("x-%016x", v); got != want {
			t.Errorf("AppendHex16(%x) = %s, want %s", v, got, want)
		}
	}
}
