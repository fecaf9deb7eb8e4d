package fnv1a

import (
	"hash/fnv"
	"testing"
)

func FuzzSum64MatchesHashFNV(f *testing.F) {
	for _, s := range []string{"", "a", "2022/09/01 00:20,10,8000EBD30", "ü\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h := fnv.New64a()
		h.Write([]byte(s))
		want := h.Sum64()
		if got := Sum64(s); got != want {
			t.Fatalf("Sum64(%q) = %x, want %x", s, got, want)
		}
		if got := Sum64([]byte(s)); got != want {
			t.Fatalf("Sum64([]byte(%q)) = %x, want %x", s, got, want)
		}
	})
}

func TestSum64DoesNotAllocate(t *testing.T) {
	b := []byte("PL61109010140000071219812874")
	if n := testing.AllocsPerRun(100, func() { Sum64(b); Sum64(string(b[:10])) }); n != 0 {
		t.Fatalf("%v allocations per run", n)
	}
}
