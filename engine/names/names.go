package names

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalize returns the matching form of a name (see the package doc).
// Already-normal ASCII input is returned as is, without allocating; other
// input costs one allocation.
func Normalize(name string) string {
	if isNormalASCII(name) {
		return name
	}
	var buf [128]byte // on the stack: only the string is allocated
	return string(appendNormal(buf[:0], name))
}

// AppendNormalize appends the matching form of name to dst, as Normalize
// returns it, and returns the extended buffer; it does not allocate when
// dst has room. A caller normalising several names can so make one string
// of them all.
func AppendNormalize(dst []byte, name string) []byte {
	if isNormalASCII(name) {
		return append(dst, name...)
	}
	return appendNormal(dst, name)
}

// IsNormal reports whether name is its own matching form in ASCII, the
// case in which Normalize returns it as is.
func IsNormal(name string) bool { return isNormalASCII(name) }

// appendNormal appends the normal form of name to dst. Separators and
// joiners are held back until the next word character, so output never
// starts or ends with one, never repeats a space, and keeps a joiner only
// between two word characters. (Plain local variables, not a writer type
// with methods: through a pointer receiver the compiler moves the caller's
// buffer to the heap, and by value the copies made it 4× slower.)
func appendNormal(dst []byte, name string) []byte {
	b, start := dst, len(dst)
	pendSep := false    // a separator came after the last word character
	pendJoin := byte(0) // a joiner came directly after a word character
	for i := 0; i < len(name); {
		var kind runeKind
		var out rune
		var s string
		if c := name[i]; c < utf8.RuneSelf {
			i++
			kind, out = mapASCII(c)
		} else {
			r, size := utf8.DecodeRuneInString(name[i:])
			i += size
			kind, out, s = mapRune(r, size)
		}
		switch kind {
		case runeSeparator:
			pendSep = true
		case runeJoiner:
			// Only a single joiner right after a word character survives;
			// "a--b" and "a -b" become "a b".
			if len(b) == start || pendSep || pendJoin != 0 {
				pendSep = true
			} else {
				pendJoin = byte(out)
			}
		case runeWord:
			switch {
			case len(b) == start:
			case pendSep:
				b = append(b, ' ')
			case pendJoin != 0:
				b = append(b, pendJoin)
			}
			pendSep, pendJoin = false, 0
			switch {
			case s != "":
				b = append(b, s...)
			case out < utf8.RuneSelf:
				b = append(b, byte(out))
			default:
				b = utf8.AppendRune(b, out)
			}
		}
	}
	return b
}

// mapASCII decides what an ASCII byte becomes, as mapRune does for the
// others.
func mapASCII(c byte) (kind runeKind, out rune) {
	switch {
	case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
		return runeWord, rune(c)
	case c >= 'A' && c <= 'Z':
		return runeWord, rune(c + 'a' - 'A')
	case c == '\'' || c == '`':
		return runeJoiner, '\''
	case c == '-':
		return runeJoiner, '-'
	}
	return runeSeparator, 0
}

// runeKind is what a non-ASCII rune becomes in the normal form.
type runeKind uint8

const (
	runeDropped   runeKind = iota // vanishes without splitting the word
	runeSeparator                 // splits words
	runeJoiner                    // the joiner out ('\'' or '-')
	runeWord                      // word text: s, or the rune out when s is ""
)

// mapRune decides what one non-ASCII rune (size bytes in the input)
// becomes.
func mapRune(r rune, size int) (kind runeKind, out rune, s string) {
	if r == utf8.RuneError && size == 1 {
		return runeSeparator, 0, "" // invalid UTF-8 byte
	}
	switch r {
	case '\u2018', '\u2019', '\u02BC', '\u00B4', '\u02B9', '\u2032':
		return runeJoiner, '\'', ""
	case '\u2010', '\u2011':
		return runeJoiner, '-', ""
	}
	if r >= 0x400 && r < 0x460 {
		// Basic Cyrillic (Russian, Ukrainian, Belarusian, Serbian): all
		// letters, with fixed case offsets; skips the generic table searches.
		switch {
		case r < 0x410:
			r += 0x50
		case r < 0x430:
			r += 0x20
		}
		return runeWord, r, ""
	}
	// Lower first: some case mappings land in the fold tables (the Kelvin
	// and Ångström signs, title-case digraphs).
	lr := unicode.ToLower(r)
	if s, ok := fold(lr); ok {
		if s == "" {
			return runeSeparator, 0, ""
		}
		return runeWord, 0, s
	}
	switch {
	case lr < utf8.RuneSelf:
		// Case mapping to ASCII (Kelvin sign → k): handle like input ASCII.
		if c := byte(lr); c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			return runeWord, lr, ""
		}
		return runeSeparator, 0, ""
	case unicode.IsLetter(lr) || unicode.IsDigit(lr):
		return runeWord, lr, ""
	case unicode.In(lr, unicode.Mn, unicode.Me, unicode.Cf):
		// Combining accents and invisible format characters (soft hyphen,
		// zero-width joiner) vanish without splitting the word.
		return runeDropped, 0, ""
	case unicode.Is(unicode.Mc, lr):
		return runeWord, lr, ""
	}
	return runeSeparator, 0, ""
}

// isNormalASCII reports whether s is already in normal form and pure ASCII:
// lower-case letters and digits, single inner spaces, joiners only between
// word characters.
func isNormalASCII(s string) bool {
	prevWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			prevWord = true
		case c == ' ' || c == '\'' || c == '-':
			if !prevWord || i+1 == len(s) {
				return false
			}
			prevWord = false
		default:
			return false
		}
	}
	return true
}

// Tokens splits a normalised name into its words.
func Tokens(norm string) []string {
	return strings.Fields(norm)
}

// SortedTokens normalises name and sorts its words, so that matching does
// not depend on word order ("KOWALSKI Jan" and "Jan Kowalski" both give
// "jan kowalski").
func SortedTokens(name string) string {
	norm := Normalize(name)
	var buf [256]byte
	if b := AppendSortedTokens(buf[:0], norm); string(b) != norm {
		return string(b)
	}
	return norm
}

// AppendSortedTokens appends to dst the words of the normalised name norm
// (Normalize output: words separated by single spaces) in sorted order, as
// SortedTokens does, and returns the extended buffer. It does not allocate
// for a name of up to 16 words when dst has room, so a caller can look the
// result up in a map by string(b) without a copy.
func AppendSortedTokens(dst []byte, norm string) []byte {
	if strings.IndexByte(norm, ' ') < 0 {
		return append(dst, norm...)
	}
	var arr [16]string
	toks := arr[:0]
	for rest := norm; ; {
		w, after, more := strings.Cut(rest, " ")
		toks = append(toks, w)
		if !more {
			break
		}
		rest = after
	}
	if slices.IsSorted(toks) {
		return append(dst, norm...)
	}
	slices.Sort(toks)
	for i, w := range toks {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, w...)
	}
	return dst
}
