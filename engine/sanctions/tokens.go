package sanctions

import (
	"strings"

	"github.com/socwatch/socwatch/engine/names"
)

// token is one word of a name in the forms the matcher compares.
type token struct {
	text string // transliterated, normalised word
	phon string // phonetic form: letter classes, no h, no doubled letters
	skel string // phon without vowels: the blocking key
	// abjad marks a word with few vowels, as transliterated Arabic and
	// Hebrew come out ("mhmd"); such words are also compared on skeletons.
	abjad bool
}

// dropWords are titles and honorifics that say nothing about who a party is
// (they appear in list entries and in the putin_names spellings alike).
var dropWords = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": true, "dr": true, "prof": true, "sir": true,
	"president": true, "presidente": true, "prasident": true, "predsjednik": true,
	"presedintele": true, "presiden": true, "prezident": true, "elnok": true,
	"the": true,
}

// companySuffixes are legal-form endings removed from the end of a name;
// one entry per token sequence as names.Normalize spells it ("Sp. z o.o."
// → "sp z o o", "S.A." → "s a").
var companySuffixes = [][]string{
	{"sp", "z", "o", "o"}, {"spolka", "z", "o", "o"}, {"sp", "k"}, {"sp", "j"}, {"s", "a"}, {"s", "p", "a"},
	{"s", "r", "l"}, {"s", "a", "r", "l"}, {"s", "a", "s"}, {"l", "l", "c"}, {"l", "l", "p"},
	{"b", "v"}, {"n", "v"}, {"a", "s"}, {"a", "g"}, {"p", "l", "c"}, {"co", "kg"}, {"co", "ltd"},
	{"ltd"}, {"limited"}, {"llc"}, {"inc"}, {"incorporated"}, {"corp"}, {"corporation"},
	{"co"}, {"company"}, {"gmbh"}, {"ag"}, {"kg"}, {"sa"}, {"as"}, {"asa"}, {"ab"}, {"hb"},
	{"da"}, {"oy"}, {"oyj"}, {"bv"}, {"nv"}, {"plc"}, {"llp"}, {"lp"}, {"srl"}, {"spa"},
	{"sarl"}, {"sas"}, {"uab"}, {"tov"}, {"prat"}, {"ooo"}, {"oao"}, {"zao"}, {"pao"},
	{"pjsc"}, {"jsc"}, {"ojsc"}, {"cjsc"}, {"fze"}, {"fzco"}, {"fzc"}, {"sdn", "bhd"}, {"bhd"},
	{"pte"}, {"pty"}, {"aps"}, {"a", "s"},
}

// words turns a raw name into its comparable words: transliteration,
// names.Normalize, hyphen and apostrophe handling, titles and legal-form
// suffixes dropped (unless nothing would be left).
func words(name string) []string {
	norm := names.Normalize(Transliterate(name))
	if norm == "" {
		return nil
	}
	f := strings.FieldsFunc(norm, func(r rune) bool { return r == ' ' || r == '-' })
	out := f[:0]
	for _, w := range f {
		if strings.IndexByte(w, '\'') >= 0 {
			w = strings.ReplaceAll(w, "'", "")
		}
		if w == "" || dropWords[w] {
			continue
		}
		out = append(out, w)
	}
	if len(out) == 0 {
		out = f // a name made only of titles stays as it is
	}
	for changed := true; changed && len(out) > 1; {
		changed = false
		for _, suf := range companySuffixes {
			if len(suf) < len(out) && hasSuffix(out, suf) {
				out = out[:len(out)-len(suf)]
				changed = true
				break
			}
		}
	}
	return out
}

func hasSuffix(ws, suf []string) bool {
	off := len(ws) - len(suf)
	for i, s := range suf {
		if ws[off+i] != s {
			return false
		}
	}
	return true
}

// phonClass maps a lower-case ASCII letter to its phonetic class letter;
// 0 drops it.
var phonClass = func() (t [256]byte) {
	for c := 0; c < 256; c++ {
		t[c] = byte(c)
	}
	for _, c := range "bpvfw" {
		t[c] = 'p'
	}
	for _, c := range "dt" {
		t[c] = 't'
	}
	for _, c := range "gkcq" {
		t[c] = 'k'
	}
	for _, c := range "szx" {
		t[c] = 's'
	}
	t['y'], t['j'] = 'i', 'i'
	t['h'] = 0
	return t
}()

func isVowel(c byte) bool { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' }

func makeToken(w string) token {
	phon := make([]byte, 0, len(w))
	skel := make([]byte, 0, len(w))
	vowels := 0
	for i := 0; i < len(w); i++ {
		c := phonClass[w[i]]
		if c == 0 {
			continue
		}
		if isVowel(w[i]) || w[i] == 'y' {
			vowels++
		}
		if len(phon) == 0 || phon[len(phon)-1] != c {
			phon = append(phon, c)
		}
		if !isVowel(c) && (len(skel) == 0 || skel[len(skel)-1] != c) {
			skel = append(skel, c)
		}
	}
	t := token{text: w, phon: string(phon), skel: string(skel)}
	t.abjad = len(w) >= 3 && vowels*3 <= len(w)
	return t
}

// blockKey is the index key of a token: its skeleton, or its phonetic form
// when the skeleton is too short to be selective ("ali" → "ali", not "l").
func (t *token) blockKey() string {
	if len(t.skel) >= 2 {
		return t.skel
	}
	return t.phon
}
