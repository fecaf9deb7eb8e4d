package names

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		// Polish
		{"polish name", "Łukasz Wróblewski", "lukasz wroblewski"},
		{"polish pangram", "Zażółć gęślą jaźń", "zazolc gesla jazn"},
		{"polish capitals", "ŁÓDŹ ŚWIĘTOKRZYSKA", "lodz swietokrzyska"},
		// Norwegian / Danish
		{"norwegian ae o", "Bjørn Ærøy", "bjorn aeroy"},
		{"norwegian aa", "Håkon Ødegård", "hakon odegard"},
		{"decomposed a ring", "Ha\u030akon", "hakon"},
		// German
		{"german sharp s", "Günther Straße", "gunther strasse"},
		{"german capital sharp s", "GROẞMANN", "grossmann"},
		{"german umlauts", "Jürgen Müller-Lüdenscheidt", "jurgen muller-ludenscheidt"},
		// Turkish
		{"turkish dotless i", "Işık Çağlayan", "isik caglayan"},
		{"turkish dotted capital", "İstanbul Şirketi Ğ", "istanbul sirketi g"},
		// Other Latin
		{"icelandic thorn eth", "Þórður Guðmundsson", "thordur gudmundsson"},
		{"croatian dj", "Đorđe Đaković", "dorde dakovic"},
		{"french oe", "Cœur d’Alène", "coeur d'alene"},
		{"romanian comma below", "Ștefan Țiriac", "stefan tiriac"},
		{"czech", "Dvořák Čapek", "dvorak capek"},
		{"vietnamese horn", "Nguyễn Văn Ơn", "nguyen van on"},
		// Punctuation and spacing
		{"collapse whitespace", "  Jan \t\n Kowalski  ", "jan kowalski"},
		{"inner apostrophe kept", "O'Brien", "o'brien"},
		{"inner hyphen kept", "Jean-Luc Picard", "jean-luc picard"},
		{"outer apostrophes dropped", "'quoted' name-", "quoted name"},
		{"double hyphen is a break", "a--b", "a b"},
		{"punctuation to space", "ACME, Inc. (Poland) Sp.z.o.o.", "acme inc poland sp z o o"},
		{"soft hyphen vanishes", "Mül\u00ADler", "muller"},
		{"invalid utf8 is a break", "Jan\xffKowalski", "jan kowalski"},
		{"non-latin kept", "Владимир ПУТИН", "владимир путин"},
		{"digits kept", "Company 2000 Ltd", "company 2000 ltd"},
		{"empty", "", ""},
		{"only punctuation", " -'., ", ""},
		{"already normal", "jan kowalski", "jan kowalski"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Normalize(c.in)
			if got != c.want {
				t.Errorf("Normalize(%q) = %q; want %q", c.in, got, c.want)
			}
			if again := Normalize(got); again != got {
				t.Errorf("not idempotent: %q -> %q", got, again)
			}
		})
	}
}

// Every letter of the fold tables must come out as plain ASCII letters.
func TestFoldTablesASCII(t *testing.T) {
	for r := rune(0xC0); r < 0x180; r++ {
		got := Normalize(string(r))
		for i := 0; i < len(got); i++ {
			if got[i] < 'a' || got[i] > 'z' {
				t.Errorf("Normalize(%q U+%04X) = %q; want ASCII letters", string(r), r, got)
				break
			}
		}
		if r != '×' && r != '÷' && got == "" {
			t.Errorf("Normalize(%q U+%04X) is empty", string(r), r)
		}
	}
	for r, want := range other {
		if got := Normalize(string(r)); got != want {
			t.Errorf("Normalize(%q) = %q; want %q", string(r), got, want)
		}
	}
}

func TestTokens(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"jan", []string{"jan"}},
		{"jan kowalski", []string{"jan", "kowalski"}},
		{"jean-luc o'brien", []string{"jean-luc", "o'brien"}},
	}
	for _, c := range cases {
		got := Tokens(c.in)
		if strings.Join(got, "|") != strings.Join(c.want, "|") || len(got) != len(c.want) {
			t.Errorf("Tokens(%q) = %q; want %q", c.in, got, c.want)
		}
	}
}

func TestSortedTokens(t *testing.T) {
	cases := []struct{ a, b string }{
		{"KOWALSKI Jan", "Jan Kowalski"},
		{"Wróblewski, Łukasz", "lukasz wroblewski"},
		{"Ødegård Håkon", "Hakon Odegard"},
		{"Bin Laden Osama", "Osama BIN LADEN"},
	}
	for _, c := range cases {
		sa, sb := SortedTokens(c.a), SortedTokens(c.b)
		if sa != sb {
			t.Errorf("SortedTokens(%q) = %q, SortedTokens(%q) = %q; want equal", c.a, sa, c.b, sb)
		}
		toks := Tokens(sa)
		for i := 1; i < len(toks); i++ {
			if toks[i-1] > toks[i] {
				t.Errorf("SortedTokens(%q) = %q not sorted", c.a, sa)
			}
		}
	}
	if got := SortedTokens("Jan Kowalski"); got != "jan kowalski" {
		t.Errorf("SortedTokens(Jan Kowalski) = %q", got)
	}
	if got := SortedTokens("zeta alpha"); got != "alpha zeta" {
		t.Errorf("SortedTokens(zeta alpha) = %q", got)
	}
}

func TestAppendSortedTokens(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""}, {"jan", "jan"}, {"jan kowalski", "jan kowalski"}, {"kowalski jan", "jan kowalski"},
		{"c b a", "a b c"}, {"o'brien sean al-qaida", "al-qaida o'brien sean"},
	} {
		if got := string(AppendSortedTokens([]byte("x|"), c.in)); got != "x|"+c.want {
			t.Errorf("AppendSortedTokens(x|, %q) = %q; want %q", c.in, got, "x|"+c.want)
		}
	}
	var buf [64]byte
	if a := testing.AllocsPerRun(100, func() { AppendSortedTokens(buf[:0], "zeta beta alpha") }); a != 0 {
		t.Errorf("AppendSortedTokens allocates %.0f times, want 0", a)
	}
}

func TestNormalizeAllocs(t *testing.T) {
	cases := []struct {
		in  string
		max float64
	}{
		{"jan kowalski", 0},
		{"jean-luc o'brien 2", 0},
		{"Jan Kowalski", 1},
		{"Łukasz Wróblewski", 1},
	}
	for _, c := range cases {
		got := testing.AllocsPerRun(100, func() { Normalize(c.in) })
		if got > c.max {
			t.Errorf("Normalize(%q) allocates %v; want <= %v", c.in, got, c.max)
		}
	}
}

func BenchmarkNormalize(b *testing.B) {
	for _, in := range []struct{ name, s string }{
		{"ascii-normal", "jan kowalski"},
		{"ascii-mixed", "KOWALSKI, Jan"},
		{"polish", "Łukasz Wróblewski"},
		{"norwegian", "Håkon Ødegård"},
		{"cyrillic", "Владимир Владимирович ПУТИН"},
	} {
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Normalize(in.s)
			}
		})
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Łukasz Wróblewski", "Bjørn Ærøy", "O'Brien", "a--b", "Ha\u030akon", "\xff\xfe", "İı", "ǅ", "K\u212a", "a'\u0301b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if got := string(AppendNormalize([]byte("x-"), s)); got != "x-"+n {
			t.Fatalf("AppendNormalize(\"x-\", %q) = %q, want %q", s, got, "x-"+n)
		}
		if IsNormal(s) && n != s {
			t.Fatalf("IsNormal(%q) but Normalize gives %q", s, n)
		}
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q: invalid UTF-8", s, n)
		}
		if again := Normalize(n); again != n {
			t.Fatalf("not idempotent: Normalize(%q) = %q, again %q", s, n, again)
		}
		if strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") || strings.Contains(n, "  ") {
			t.Fatalf("Normalize(%q) = %q: bad spacing", s, n)
		}
		if strings.Join(Tokens(n), " ") != n {
			t.Fatalf("Tokens(%q) does not rebuild it", n)
		}
		if st := SortedTokens(s); SortedTokens(st) != st {
			t.Fatalf("SortedTokens not idempotent for %q", s)
		}
	})
}

// The Cyrillic fast path must agree with the generic Unicode path.
func TestCyrillicFastPathMatchesUnicode(t *testing.T) {
	for r := rune(0x400); r < 0x460; r++ {
		want := string(unicode.ToLower(r))
		if !unicode.IsLetter(r) {
			t.Fatalf("U+%04X is not a letter; fast path assumes it is", r)
		}
		if got := Normalize(string(r)); got != want {
			t.Errorf("Normalize(%q U+%04X) = %q; want %q", string(r), r, got, want)
		}
	}
}
