package sanctions

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"
	"github.com/mozillazg/go-unidecode"
)

// Transliterate rewrites letters of non-Latin scripts in Latin letters, so
// that names.Normalize and the Latin-spelled list entries can be compared
// with them. It covers Cyrillic (Russian, Ukrainian, Belarusian, Serbian,
// Macedonian letters; a BGN/PCGN-like scheme), Greek (ELOT-like), Arabic
// with the Persian and Urdu letters, Hebrew, Armenian, Georgian, Thai,
// Hangul (Revised Romanisation), kana (Hepburn), the Brahmic scripts of
// India (one table by offset within the block: Devanagari, Bengali,
// Gurmukhi, Gujarati, Oriya, Tamil, Telugu, Kannada, Malayalam) and Han
// characters (Mandarin pinyin, first reading, one word per run of
// characters). Scripts without a short vowel notation (Arabic, Hebrew) come
// out as consonant skeletons; the matcher compares those on consonants.
// Letters and marks of scripts without a table here (Khmer, Burmese, Lao,
// Sinhala, Tibetan, Ethiopic, Mongolian, Thaana, …) and letters a table
// lacks fall back to github.com/mozillazg/go-unidecode (the Unidecode
// tables), which is rough but puts them on the Latin side instead of
// leaving them unmatched. Latin, digits and other characters pass through
// unchanged; the result may still need names.Normalize (case, accents,
// punctuation). A string without any letter at or above U+0370 is returned
// as is, without allocating.
func Transliterate(s string) string {
	i := 0
	for ; i < len(s); i++ {
		if s[i] >= 0xCD { // first byte of U+0340 and above
			break
		}
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/2)
	b.WriteString(s[:i])
	var prev rune // previous rune of the input, for context rules
	inHan := false
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		next, _ := utf8.DecodeRuneInString(s[i+size:])
		i += size
		han := unicode.Is(unicode.Han, r)
		if inHan && !han {
			b.WriteByte(' ')
		}
		if han && !inHan && b.Len() > 0 {
			b.WriteByte(' ')
		}
		inHan = han
		switch {
		case r < 0x370:
			b.WriteRune(r)
		case r < 0x400:
			writeGreek(&b, r, prev, next)
		case r < 0x530:
			writeCyrillic(&b, r)
		case r < 0x590:
			writeArmenian(&b, r, next)
		case r < 0x600:
			writeHebrew(&b, r, prev)
		case r < 0x700:
			writeArabic(&b, r, prev)
		case r >= 0x900 && r < 0xD80: // Devanagari … Malayalam, not Sinhala
			writeBrahmic(&b, r, next)
		case r >= 0xE00 && r < 0xE80:
			writeThai(&b, r)
		case r >= 0x10A0 && r < 0x1100:
			writeGeorgian(&b, r)
		case r >= 0xAC00 && r <= 0xD7A3:
			writeHangul(&b, r, prev)
		case r == 0x30FB: // katakana middle dot separates names
			b.WriteByte(' ')
		case r >= 0x3040 && r < 0x3100:
			writeKana(&b, r, next)
		case han:
			if p, ok := pinyin.PinyinDict[int(r)]; ok {
				if j := strings.IndexByte(p, ','); j >= 0 {
					p = p[:j]
				}
				b.WriteString(p) // tone marks fold in names.Normalize
			} else {
				writeFallback(&b, r)
			}
		default:
			writeFallback(&b, r)
		}
		prev = r
	}
	return b.String()
}

// writeMapped writes m[r], or r's fallback when the table has no entry.
func writeMapped(b *strings.Builder, m map[rune]string, r rune) {
	if t, ok := m[r]; ok {
		b.WriteString(t)
		return
	}
	writeFallback(b, r)
}

// writeFallback writes the Unidecode transliteration of a letter or mark no
// table here covers, and any other rune (digits, punctuation, symbols) as
// it is, for names.Normalize to handle. A mark Unidecode has nothing for
// (a virama, a tone or register sign) is dropped, as the tables here drop
// them; a letter it has nothing for is kept.
func writeFallback(b *strings.Builder, r rune) {
	mark := unicode.IsMark(r)
	if r < 0x370 || !(mark || unicode.IsLetter(r)) {
		b.WriteRune(r)
		return
	}
	if t := unidecode.Unidecode(string(r)); t != "" {
		b.WriteString(t)
	} else if !mark {
		b.WriteRune(r)
	}
}

var cyrillic = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh",
	'з': "z", 'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o",
	'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts",
	'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu",
	'я': "ya", 'і': "i", 'ї': "yi", 'є': "ye", 'ґ': "g", 'ў': "u", 'ђ': "dj", 'ј': "j",
	'љ': "lj", 'њ': "nj", 'ћ': "c", 'џ': "dz", 'ѓ': "g", 'ќ': "k", 'ѕ': "dz",
}

func writeCyrillic(b *strings.Builder, r rune) {
	writeMapped(b, cyrillic, unicode.ToLower(r))
}

var greek = map[rune]string{
	'α': "a", 'β': "v", 'γ': "g", 'δ': "d", 'ε': "e", 'ζ': "z", 'η': "i", 'θ': "th",
	'ι': "i", 'κ': "k", 'λ': "l", 'μ': "m", 'ν': "n", 'ξ': "x", 'ο': "o", 'π': "p",
	'ρ': "r", 'σ': "s", 'ς': "s", 'τ': "t", 'υ': "y", 'φ': "f", 'χ': "ch", 'ψ': "ps",
	'ω': "o", 'ά': "a", 'έ': "e", 'ή': "i", 'ί': "i", 'ό': "o", 'ύ': "y", 'ώ': "o",
	'ϊ': "i", 'ϋ': "y", 'ΐ': "i", 'ΰ': "y",
}

func writeGreek(b *strings.Builder, r, prev, next rune) {
	r = unicode.ToLower(r)
	prev = unicode.ToLower(prev)
	// ου is u; υ after α/ε is v (αυ = av, ευ = ev).
	if (r == 'υ' || r == 'ύ') && (prev == 'ο' || prev == 'ό') {
		b.WriteString("u")
		return
	}
	if (r == 'ο' || r == 'ό') && (next == 'υ' || next == 'ύ' || next == 'Υ') {
		return
	}
	if (r == 'υ' || r == 'ύ') && (prev == 'α' || prev == 'ε' || prev == 'ά' || prev == 'έ') {
		b.WriteString("v")
		return
	}
	writeMapped(b, greek, r)
}

var armenian = map[rune]string{
	'ա': "a", 'բ': "b", 'գ': "g", 'դ': "d", 'ե': "e", 'զ': "z", 'է': "e", 'ը': "y",
	'թ': "t", 'ժ': "zh", 'ի': "i", 'լ': "l", 'խ': "kh", 'ծ': "ts", 'կ': "k", 'հ': "h",
	'ձ': "dz", 'ղ': "gh", 'ճ': "ch", 'մ': "m", 'յ': "y", 'ն': "n", 'շ': "sh", 'ո': "o",
	'չ': "ch", 'պ': "p", 'ջ': "j", 'ռ': "r", 'ս': "s", 'վ': "v", 'տ': "t", 'ր': "r",
	'ց': "ts", 'ւ': "v", 'փ': "p", 'ք': "k", 'օ': "o", 'ֆ': "f", 'և': "ev",
}

func writeArmenian(b *strings.Builder, r, next rune) {
	r = unicode.ToLower(r)
	if r == 'ո' && unicode.ToLower(next) == 'ւ' {
		b.WriteString("u")
		return
	}
	if r == 'ւ' {
		return // second half of ու, written with the ո
	}
	writeMapped(b, armenian, r)
}

var hebrew = map[rune]string{
	'א': "a", 'ב': "v", 'ג': "g", 'ד': "d", 'ה': "h", 'ז': "z", 'ח': "kh", 'ט': "t",
	'כ': "k", 'ך': "k", 'ל': "l", 'מ': "m", 'ם': "m", 'נ': "n", 'ן': "n", 'ס': "s",
	'ע': "a", 'פ': "p", 'ף': "f", 'צ': "ts", 'ץ': "ts", 'ק': "k", 'ר': "r", 'ש': "sh",
	'ת': "t",
}

// isWordStart reports whether a letter following prev begins a word.
func isWordStart(prev rune) bool {
	return prev == 0 || !unicode.IsLetter(prev) && !unicode.Is(unicode.Mn, prev)
}

func writeHebrew(b *strings.Builder, r, prev rune) {
	switch r {
	case 'ו': // consonant v at the start of a word, else the vowel o/u
		if isWordStart(prev) {
			b.WriteString("v")
		} else {
			b.WriteString("u")
		}
	case 'י':
		if isWordStart(prev) {
			b.WriteString("y")
		} else {
			b.WriteString("i")
		}
	default:
		if r >= 0x591 && r <= 0x5C7 {
			return // points and cantillation
		}
		writeMapped(b, hebrew, r)
	}
}

var arabic = map[rune]string{
	'ا': "a", 'أ': "a", 'إ': "i", 'آ': "a", 'ٱ': "a", 'ء': "", 'ؤ': "u", 'ئ': "i",
	'ب': "b", 'ة': "a", 'ت': "t", 'ث': "th", 'ج': "j", 'ح': "h", 'خ': "kh", 'د': "d",
	'ذ': "dh", 'ر': "r", 'ز': "z", 'س': "s", 'ش': "sh", 'ص': "s", 'ض': "d", 'ط': "t",
	'ظ': "z", 'ع': "a", 'غ': "gh", 'ف': "f", 'ق': "q", 'ك': "k", 'ل': "l", 'م': "m",
	'ن': "n", 'ه': "h", 'ى': "a", 'پ': "p", 'چ': "ch", 'ژ': "zh", 'ک': "k", 'گ': "g",
	'ٹ': "t", 'ڈ': "d", 'ڑ': "r", 'ں': "n", 'ھ': "h", 'ہ': "h", 'ۃ': "a", 'ے': "e",
	'ـ': "", // tatweel
}

func writeArabic(b *strings.Builder, r, prev rune) {
	switch r {
	case 'و': // w at the start of a word, else the long vowel u
		if isWordStart(prev) {
			b.WriteString("w")
		} else {
			b.WriteString("u")
		}
	case 'ي', 'ی', 'ې':
		if isWordStart(prev) {
			b.WriteString("y")
		} else {
			b.WriteString("i")
		}
	default:
		if r >= 0x64B && r <= 0x65F || r == 0x670 {
			return // harakat: short vowels are rarely written, drop them
		}
		writeMapped(b, arabic, r)
	}
}

var georgian = map[rune]string{
	'ა': "a", 'ბ': "b", 'გ': "g", 'დ': "d", 'ე': "e", 'ვ': "v", 'ზ': "z", 'თ': "t",
	'ი': "i", 'კ': "k", 'ლ': "l", 'მ': "m", 'ნ': "n", 'ო': "o", 'პ': "p", 'ჟ': "zh",
	'რ': "r", 'ს': "s", 'ტ': "t", 'უ': "u", 'ფ': "p", 'ქ': "k", 'ღ': "gh", 'ყ': "q",
	'შ': "sh", 'ჩ': "ch", 'ც': "ts", 'ძ': "dz", 'წ': "ts", 'ჭ': "ch", 'ხ': "kh", 'ჯ': "j",
	'ჰ': "h",
}

func writeGeorgian(b *strings.Builder, r rune) { writeMapped(b, georgian, r) }

var thai = map[rune]string{
	'ก': "k", 'ข': "kh", 'ฃ': "kh", 'ค': "kh", 'ฅ': "kh", 'ฆ': "kh", 'ง': "ng", 'จ': "ch",
	'ฉ': "ch", 'ช': "ch", 'ซ': "s", 'ฌ': "ch", 'ญ': "y", 'ฎ': "d", 'ฏ': "t", 'ฐ': "th",
	'ฑ': "th", 'ฒ': "th", 'ณ': "n", 'ด': "d", 'ต': "t", 'ถ': "th", 'ท': "th", 'ธ': "th",
	'น': "n", 'บ': "b", 'ป': "p", 'ผ': "ph", 'ฝ': "f", 'พ': "ph", 'ฟ': "f", 'ภ': "ph",
	'ม': "m", 'ย': "y", 'ร': "r", 'ฤ': "rue", 'ล': "l", 'ฦ': "lue", 'ว': "w", 'ศ': "s",
	'ษ': "s", 'ส': "s", 'ห': "h", 'ฬ': "l", 'อ': "o", 'ฮ': "h",
	'ะ': "a", 'ั': "a", 'า': "a", 'ำ': "am", 'ิ': "i", 'ี': "i", 'ึ': "ue", 'ื': "ue",
	'ุ': "u", 'ู': "u", 'เ': "e", 'แ': "ae", 'โ': "o", 'ใ': "ai", 'ไ': "ai",
}

func writeThai(b *strings.Builder, r rune) {
	if t, ok := thai[r]; ok {
		b.WriteString(t)
	}
	// Tone marks, the silencer and other signs are dropped.
}

// Hangul jamo in Revised Romanisation, indexed as in the Unicode syllable
// composition formula.
var (
	hangulLead = [19]string{"g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"}
	hangulVow  = [21]string{"a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu", "ui", "i"}
	hangulTail = [28]string{"", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t"}
)

func writeHangul(b *strings.Builder, r, prev rune) {
	idx := int(r - 0xAC00)
	lead, vow, tail := idx/(21*28), idx/28%21, idx%28
	if lead == 5 && prev >= 0xAC00 && prev <= 0xD7A3 && int(prev-0xAC00)%28 == 8 {
		b.WriteString("l") // ㄹ after a final ㄹ is l: 블라 = bulla, not bulra
	} else {
		b.WriteString(hangulLead[lead])
	}
	// Loanwords insert ㅡ (eu) to break foreign consonant clusters
	// ("블라디미르" = Vladimir); after a consonant it is dropped, so the
	// cluster comes back. After the silent ㅇ it is a real vowel (은 = eun).
	if !(vow == 18 && hangulLead[lead] != "") {
		b.WriteString(hangulVow[vow])
	}
	b.WriteString(hangulTail[tail])
}

// kana maps hiragana and katakana (katakana is hiragana + 0x60) to Hepburn.
var kana = [...]string{
	"a", "a", "i", "i", "u", "u", "e", "e", "o", "o", // ぁ..お
	"ka", "ga", "ki", "gi", "ku", "gu", "ke", "ge", "ko", "go",
	"sa", "za", "shi", "ji", "su", "zu", "se", "ze", "so", "zo",
	"ta", "da", "chi", "ji", "", "tsu", "zu", "te", "de", "to", "do", // っ is ""
	"na", "ni", "nu", "ne", "no",
	"ha", "ba", "pa", "hi", "bi", "pi", "fu", "bu", "pu", "he", "be", "pe", "ho", "bo", "po",
	"ma", "mi", "mu", "me", "mo",
	"ya", "ya", "yu", "yu", "yo", "yo",
	"ra", "ri", "ru", "re", "ro",
	"wa", "wa", "i", "e", "o", "n", "vu",
}

func writeKana(b *strings.Builder, r, next rune) {
	k := r
	if k >= 0x30A1 {
		k -= 0x60
	}
	i := int(k - 0x3041)
	if i < 0 || i >= len(kana) {
		return // long-vowel mark, iteration marks, middle dot: drop
	}
	t := kana[i]
	// Small ゃゅょ after an i-syllable: ki+ya = kya, shi+ya = sha.
	switch next {
	case 'ゃ', 'ゅ', 'ょ', 'ャ', 'ュ', 'ョ':
		if strings.HasSuffix(t, "i") {
			t = t[:len(t)-1]
			if !strings.HasSuffix(t, "sh") && !strings.HasSuffix(t, "ch") && t != "j" {
				t += "y"
			}
			// the small kana itself is written next, as ya/yu/yo
			if strings.HasSuffix(t, "y") {
				t = t[:len(t)-1]
			}
		}
	}
	b.WriteString(t)
}

// brahmic maps the offset of a letter within its 128-code-point block;
// the Indic blocks share the ISCII-derived layout.
var brahmicCons = map[int]string{
	0x15: "k", 0x16: "kh", 0x17: "g", 0x18: "gh", 0x19: "n", 0x1A: "ch", 0x1B: "chh",
	0x1C: "j", 0x1D: "jh", 0x1E: "n", 0x1F: "t", 0x20: "th", 0x21: "d", 0x22: "dh",
	0x23: "n", 0x24: "t", 0x25: "th", 0x26: "d", 0x27: "dh", 0x28: "n", 0x29: "n",
	0x2A: "p", 0x2B: "ph", 0x2C: "b", 0x2D: "bh", 0x2E: "m", 0x2F: "y", 0x30: "r",
	0x31: "r", 0x32: "l", 0x33: "l", 0x34: "l", 0x35: "v", 0x36: "sh", 0x37: "sh",
	0x38: "s", 0x39: "h",
}

var brahmicVowel = map[int]string{
	0x05: "a", 0x06: "a", 0x07: "i", 0x08: "i", 0x09: "u", 0x0A: "u", 0x0B: "ri",
	0x0E: "e", 0x0F: "e", 0x10: "ai", 0x12: "o", 0x13: "o", 0x14: "au",
	// dependent vowel signs
	0x3E: "a", 0x3F: "i", 0x40: "i", 0x41: "u", 0x42: "u", 0x43: "ri",
	0x46: "e", 0x47: "e", 0x48: "ai", 0x4A: "o", 0x4B: "o", 0x4C: "au",
	0x01: "n", 0x02: "n", 0x03: "h",
}

func writeBrahmic(b *strings.Builder, r, next rune) {
	off := int(r & 0x7F)
	if c, ok := brahmicCons[off]; ok {
		b.WriteString(c)
		// The inherent vowel a is spoken unless a vowel sign or virama
		// follows in the same block; at the end of a word it is dropped
		// (schwa deletion), as in पुतिन = putin.
		if next>>7 == r>>7 {
			switch noff := int(next & 0x7F); {
			case noff == 0x4D || noff == 0x3C:
				return
			case noff >= 0x3E && noff <= 0x4C:
				return
			case noff >= 0x15 && noff <= 0x39 || noff <= 0x03:
				b.WriteString("a")
			}
		}
		return
	}
	if v, ok := brahmicVowel[off]; ok {
		b.WriteString(v)
	}
	// virama, nukta, digits and signs: dropped
}
