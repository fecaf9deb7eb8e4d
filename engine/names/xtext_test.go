package names

import (
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// The package doc claims the hand-written folding beats golang.org/x/text
// NFD on speed and on coverage; these check both against the library.

// nfdFolder is the library way to drop diacritics: decompose, remove the
// combining marks, lower-case — what Normalize's folding replaces. The
// chain is built once and reused, as a caller would (it is not safe for
// concurrent use).
func nfdFolder() func(string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)))
	return func(s string) string {
		out, _, _ := transform.String(t, s)
		return strings.ToLower(out)
	}
}

// TestFoldCoversWhatNFDMisses: letters without a Unicode decomposition keep
// their diacritic (or ligature) under NFD, and Normalize folds them.
func TestFoldCoversWhatNFDMisses(t *testing.T) {
	nfdFold := nfdFolder()
	for _, tc := range []struct{ in, want string }{
		{"łódź", "lodz"}, {"øre", "ore"}, {"æsir", "aesir"}, {"straße", "strasse"},
		{"đorđe", "dorde"}, {"þór", "thor"}, {"œuvre", "oeuvre"}, {"ırmak", "irmak"},
	} {
		if nfd := nfdFold(tc.in); nfd == tc.want {
			t.Errorf("%q: NFD folds it to %q too; the claim is stale", tc.in, nfd)
		}
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Where NFD does fold, both agree.
	for _, in := range []string{"Håkon", "Wróblewski", "Škoda", "Nguyễn", "Ștefan"} {
		if got, want := Normalize(in), nfdFold(in); got != want {
			t.Errorf("Normalize(%q) = %q, NFD fold %q", in, got, want)
		}
	}
}

// BenchmarkFoldVsNFD compares Normalize (which also lower-cases and cleans
// punctuation) with the NFD fold alone on the same names. Figures are in the
// package doc.
func BenchmarkFoldVsNFD(b *testing.B) {
	for _, in := range []struct{ name, s string }{
		{"polish", "Łukasz Wróblewski"},
		{"norwegian", "Håkon Ødegård"},
		{"vietnamese", "Nguyễn Tấn Dũng"},
	} {
		b.Run("Normalize/"+in.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Normalize(in.s)
			}
		})
		b.Run("x-text-NFD/"+in.name, func(b *testing.B) {
			nfdFold := nfdFolder()
			b.ReportAllocs()
			for b.Loop() {
				nfdFold(in.s)
			}
		})
	}
}
