package sanctions

import (
	"math"
	"strings"

	"github.com/socwatch/socwatch/engine/names"
)

// token is one word of a name in the forms the matcher compares.
type token struct {
	text string // transliterated, normalised word
	phon string // phonetic form: letter classes, no h, no doubled letters
	skel string // phon without vowels: the blocking key
	// abjad marks a word of a name written in a script that leaves short
	// vowels out (Arabic, Hebrew, Thai): "محمد" comes out as "mhmd", so such
	// a query word is also compared on consonant skeletons.
	abjad bool
	// sfx is the class of the word's surname ending (surname.go), 0 for
	// none; phon[:stem] is the word without it.
	sfx  suffixClass
	stem uint8
	// w is the word's weight in a name's score: its length, discounted for
	// words many listed names share ("trading", "mohammed"), see idfWeight.
	w float64
}

// dropWords are titles and honorifics that say nothing about who a party is
// (they appear in list entries and in the putin_names spellings alike).
var dropWords = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": true, "dr": true, "prof": true, "sir": true,
	"president": true, "presidente": true, "prasident": true, "predsjednik": true,
	"presedintele": true, "presiden": true, "prezident": true, "elnok": true,
	"the": true,
}

// nameVariants maps national forms of given names and patronymics to the
// form most list entries use, where spelling similarity cannot see they are
// one name (Ukrainian and Belarusian forms of Russian names: Volodymyr and
// Uladzimir are Vladimir).
var nameVariants = map[string]string{
	"volodymyr": "vladimir", "volodimir": "vladimir", "wolodymyr": "vladimir", "uladzimir": "vladimir",
	"volodymyrovych": "vladimirovich", "volodimirovich": "vladimirovich", "volodymyrovich": "vladimirovich",
	"uladzimiravich": "vladimirovich",
	"oleksandr":      "aleksandr", "oleksander": "aleksandr", "aliaksandr": "aleksandr",
	"oleksandrovych": "aleksandrovich", "oleksiy": "aleksei", "oleksii": "aleksei",
	"dmytro": "dmitriy", "dzmitry": "dmitriy", "serhiy": "sergey", "serhii": "sergey", "siarhei": "sergey",
	"mykola": "nikolai", "mikalai": "nikolai", "mykhailo": "mikhail", "mykhaylo": "mikhail",
	"andriy": "andrei", "andrii": "andrei", "petro": "pyotr", "pavlo": "pavel", "yuriy": "yuri", "yurii": "yuri",
	"ihor": "igor", "hennadiy": "gennadiy", "hryhoriy": "grigoriy",
}

// words turns a raw name into its comparable words: transliteration,
// names.Normalize, hyphen and apostrophe handling, titles dropped and the
// legal form split off (see splitLegalForm; its code is returned apart).
func words(name string) (ws []string, form string) { return appendWords(nil, name) }

// appendWords is words appending to ws[:0], so that a query reuses its
// scratch slice: the split is one pass over the bytes (strings.FieldsFunc
// made two and allocated its result), splitting on ' ' and '-' as it did
// (both ASCII, so never inside a multi-byte rune).
func appendWords(ws []string, name string) ([]string, string) {
	norm := names.Normalize(Transliterate(name))
	ws = ws[:0]
	for start, i := 0, 0; i <= len(norm); i++ {
		if i < len(norm) && norm[i] != ' ' && norm[i] != '-' {
			continue
		}
		if i > start {
			ws = append(ws, norm[start:i])
		}
		start = i + 1
	}
	if len(ws) == 0 {
		return ws, ""
	}
	out := ws[:0] // filtered in place
	for _, w := range ws {
		if strings.IndexByte(w, '\'') >= 0 {
			w = strings.ReplaceAll(w, "'", "")
		}
		if w == "" || dropWords[w] {
			continue
		}
		if v, ok := nameVariants[w]; ok {
			w = v
		}
		out = append(out, w)
	}
	if len(out) == 0 {
		out = ws // a name made only of titles stays as it is
	}
	out, form := splitLegalForm(out)
	// "Acme Holding Co. Ltd": a second form before the first says nothing more.
	out, _ = splitLegalForm(out)
	return out, form
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

// sibilants are spellings of the sh/ch/ts sounds that transliterations
// swap freely (Vladimirovich, Wladimirowitsch, Vladimirovitj, فيتش = fitsh);
// each becomes the class letter s.
var sibilants = []string{"tsch", "tsh", "tch", "sch", "ch", "sh", "cz", "sz", "zh"}

// sibilantStart marks the first letters of sibilants: most letters of a
// word begin none, and need not be compared with each.
var sibilantStart = func() (t [256]bool) {
	for _, sib := range sibilants {
		t[sib[0]] = true
	}
	return t
}()

func makeToken(w string, abjad bool) token {
	// phon and skel (each at most one byte per letter) are built side by
	// side in one buffer, on the stack for all but very long words, and
	// become one string: one allocation per word instead of two.
	var stack [64]byte
	buf := stack[:]
	if 2*len(w) > len(stack) {
		buf = make([]byte, 2*len(w))
	}
	phon, skel := buf[:0:len(w)], buf[len(w):len(w):2*len(w)]
	for i := 0; i < len(w); i++ {
		c := phonClass[w[i]]
		if sibilantStart[w[i]] {
			for _, sib := range sibilants {
				if strings.HasPrefix(w[i:], sib) {
					c = 's'
					i += len(sib) - 1
					break
				}
			}
		}
		switch {
		case c == 's':
		case w[i] == 'g' && i+1 < len(w) && w[i+1] == 'y' && (i+2 == len(w) || !isVowel(w[i+2]) || i > 0):
			// Hungarian gy is the soft d (Vlagyimir = Vladimir).
			c = 't'
			i++
		case (w[i] == 'o' || w[i] == 'e') && i+1 < len(w) && (w[i:i+2] == "oe" || w[i:i+2] == "ou"):
			// Dutch oe and French ou are the vowel u (Poetin, Poutine).
			c = 'u'
			i++
		case i == 0 && c == 'u' && len(w) > 1 && !isVowel(w[1]) && phonClass[w[1]] != 0:
			// A word-initial u before a consonant is often the w/v of
			// another transliteration (Belarusian Уладзімір = Vladimir).
			c = 'p'
		case w[i] == 'h' && i == 0:
			// h is dropped (kh, gh, th, ph, Ahmed/Ahmad/Ahmd) except where
			// it begins a word (Hewani is not Evans); skeletons never
			// keep it.
			c = 'h'
		}
		if c == 0 {
			continue
		}
		if len(phon) == 0 || phon[len(phon)-1] != c {
			phon = append(phon, c)
		}
		if !isVowel(c) && c != 'h' && (len(skel) == 0 || skel[len(skel)-1] != c) {
			skel = append(skel, c)
		}
	}
	n := copy(buf[len(phon):], skel) // memmove: the ranges may overlap
	both := string(buf[:len(phon)+n])
	t := token{text: w, phon: both[:len(phon)], skel: both[len(phon):], abjad: abjad, w: float64(len(w))}
	if len(t.phon) <= 255 {
		sfx, stem := surnameEnding(t.phon)
		t.sfx, t.stem = sfx, uint8(stem)
	}
	return t
}

// exactKey is the index key of a token: its skeleton, or its phonetic form
// when the skeleton is too short to be selective ("ali" → "ali", not "l").
func (t *token) exactKey() string {
	if len(t.skel) < 2 {
		return t.phon
	}
	return t.skel
}

// nearKeys appends the near keys of a token to ks: for skeletons of four or
// more consonants, the skeleton with each one consonant deleted, so that
// spellings one consonant apart meet ("putinas" ptns → ptn = "putin";
// "vlagyimir" plkmr and "vladimir" pltmr both give plmr).
func (t *token) nearKeys(ks []string) []string {
	if len(t.skel) >= 4 {
		for i := 0; i < len(t.skel); i++ {
			ks = appendKey(ks, t.skel[:i]+t.skel[i+1:])
		}
	}
	return ks
}

func appendKey(ks []string, k string) []string {
	for _, x := range ks {
		if x == k {
			return ks
		}
	}
	return append(ks, k)
}

// hasAbjad reports whether name holds letters of a script that does not
// write short vowels.
func hasAbjad(name string) bool {
	for _, r := range name {
		if r >= 0x590 && r < 0x780 || r >= 0x8A0 && r < 0x900 || r >= 0xE00 && r < 0xE80 || r >= 0xFB1D && r < 0xFF00 {
			return true
		}
	}
	return false
}

// idfWeight discounts a word by the number of listed names that contain
// it: a word on no or one list entry keeps its full weight, one on 100
// entries about half, the commonest ("al", "company") down to 0.3.
func idfWeight(df int) float64 {
	f := 1 - 0.1*math.Log1p(float64(max(df-1, 0)))
	return max(f, 0.3)
}

// simFloor is the word similarity at or below which adjustSim counts
// nothing.
const simFloor = 0.7

// adjustSim turns a word similarity into evidence: Jaro-Winkler gives
// unrelated words 0.6–0.75, so anything below 0.7 counts as no match and
// the range up to 0.9 is stretched, while close variants (≥ 0.9) count
// as they are.
func adjustSim(s float64) float64 {
	switch {
	case s >= 0.9:
		return s
	case s <= simFloor:
		return 0
	}
	return (s - simFloor) / (0.9 - simFloor) * 0.9
}

// adjustSimBound is adjustSim with one multiplication for the division
// and the multiplication (0.9/0.2 is 4.5 exactly): a few ulps apart, for
// bounds only, which are compared with a margin (boundMargin).
func adjustSimBound(s float64) float64 {
	switch {
	case s >= 0.9:
		return s
	case s <= simFloor:
		return 0
	}
	return (s - simFloor) * (0.9 / (0.9 - simFloor))
}
