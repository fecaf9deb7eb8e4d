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
	var w writer
	w.b.Grow(len(name))
	for i := 0; i < len(name); {
		c := name[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
				w.word(c)
			case c >= 'A' && c <= 'Z':
				w.word(c + 'a' - 'A')
			case c == '\'' || c == '`':
				w.joiner('\'')
			case c == '-':
				w.joiner('-')
			default:
				w.separator()
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(name[i:])
		i += size
		w.rune(r, size)
	}
	return w.b.String()
}

// writer builds the normal form. Separators and joiners are held back until
// the next word character, so output never starts or ends with one, never
// repeats a space, and keeps a joiner only between two word characters.
type writer struct {
	b        strings.Builder
	pendSep  bool // a separator came after the last word character
	pendJoin byte // a joiner came directly after a word character
}

func (w *writer) flush() {
	switch {
	case w.b.Len() == 0:
	case w.pendSep:
		w.b.WriteByte(' ')
	case w.pendJoin != 0:
		w.b.WriteByte(w.pendJoin)
	}
	w.pendSep, w.pendJoin = false, 0
}

func (w *writer) word(c byte) {
	w.flush()
	w.b.WriteByte(c)
}

func (w *writer) wordString(s string) {
	w.flush()
	w.b.WriteString(s)
}

func (w *writer) separator() { w.pendSep = true }

func (w *writer) joiner(j byte) {
	// Only a single joiner right after a word character survives; "a--b"
	// and "a -b" become "a b".
	if w.b.Len() == 0 || w.pendSep || w.pendJoin != 0 {
		w.pendSep = true
		return
	}
	w.pendJoin = j
}

// rune handles one non-ASCII rune (size bytes in the input).
func (w *writer) rune(r rune, size int) {
	if r == utf8.RuneError && size == 1 {
		w.separator() // invalid UTF-8 byte
		return
	}
	switch r {
	case '\u2018', '\u2019', '\u02BC', '\u00B4', '\u02B9', '\u2032':
		w.joiner('\'')
		return
	case '\u2010', '\u2011':
		w.joiner('-')
		return
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
		w.flush()
		w.b.WriteRune(r)
		return
	}
	// Lower first: some case mappings land in the fold tables (the Kelvin
	// and Ångström signs, title-case digraphs).
	lr := unicode.ToLower(r)
	if s, ok := fold(lr); ok {
		if s == "" {
			w.separator()
		} else {
			w.wordString(s)
		}
		return
	}
	switch {
	case lr < utf8.RuneSelf:
		// Case mapping to ASCII (Kelvin sign → k): handle like input ASCII.
		c := byte(lr)
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			w.word(c)
		} else {
			w.separator()
		}
	case unicode.IsLetter(lr) || unicode.IsDigit(lr):
		w.flush()
		w.b.WriteRune(lr)
	case unicode.In(lr, unicode.Mn, unicode.Me, unicode.Cf):
		// Combining accents and invisible format characters (soft hyphen,
		// zero-width joiner) vanish without splitting the word.
	case unicode.Is(unicode.Mc, lr):
		w.flush()
		w.b.WriteRune(lr)
	default:
		w.separator()
	}
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
