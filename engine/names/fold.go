package names

// latin1 folds U+00C0..U+00FF; "" for × and ÷, which are separators.
var latin1 = [64]string{
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", // À..Ï
	"d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "ss", // Ð..ß
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", // à..ï
	"d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y", // ð..ÿ
}

// latinExtA folds U+0100..U+017F (Latin Extended-A: Central European,
// Baltic, Turkish, Maltese, Esperanto letters), one entry per code point.
var latinExtA = [128]string{
	"a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d", // Ā..ď
	"d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g", // Đ..ğ
	"g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i", // Ġ..į
	"i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l", // İ..Ŀ
	"l", "l", "l", "n", "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o", // ŀ..ŏ
	"o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s", // Ő..ş
	"s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u", // Š..ů
	"u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s", // Ű..ſ
}

// latinExtAdditional folds U+1E00..U+1EFF (Latin Extended Additional:
// Vietnamese and Welsh letters with stacked diacritics) to the base letter of
// their Unicode canonical decomposition; "" means no folding. Generated once
// from the Unicode decomposition data (golang.org/x/text/unicode/norm NFD,
// first rune lower-cased) and pasted here to avoid the dependency.
var latinExtAdditional = [256]string{
	"a", "a", "b", "b", "b", "b", "b", "b", "c", "c", "d", "d", "d", "d", "d", "d", // Ḁ..ḏ
	"d", "d", "d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "f", "f", // Ḑ..ḟ
	"g", "g", "h", "h", "h", "h", "h", "h", "h", "h", "h", "h", "i", "i", "i", "i", // Ḡ..ḯ
	"k", "k", "k", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l", "l", "m", "m", // Ḱ..ḿ
	"m", "m", "m", "m", "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o", // Ṁ..ṏ
	"o", "o", "o", "o", "p", "p", "p", "p", "r", "r", "r", "r", "r", "r", "r", "r", // Ṑ..ṟ
	"s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "t", "t", "t", "t", "t", "t", // Ṡ..ṯ
	"t", "t", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "v", "v", "v", "v", // Ṱ..ṿ
	"w", "w", "w", "w", "w", "w", "w", "w", "w", "w", "x", "x", "x", "x", "y", "y", // Ẁ..ẏ
	"z", "z", "z", "z", "z", "z", "h", "t", "w", "y", "", "", "", "", "", "", // Ẑ..ẟ
	"a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", // Ạ..ắ
	"a", "a", "a", "a", "a", "a", "a", "a", "e", "e", "e", "e", "e", "e", "e", "e", // Ằ..ế
	"e", "e", "e", "e", "e", "e", "e", "e", "i", "i", "i", "i", "o", "o", "o", "o", // Ề..ỏ
	"o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o", // Ố..ở
	"o", "o", "o", "o", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", // Ỡ..ữ
	"u", "u", "y", "y", "y", "y", "y", "y", "y", "y", "", "", "", "", "", "", // Ự..ỿ
}

// other folds selected letters outside those two blocks: Latin Extended-B
// (Romanian comma-below, pinyin caron vowels, Vietnamese horn letters,
// digraphs), the capital sharp s, and IPA letters used in African names.
var other = map[rune]string{
	'ƀ': "b", 'Ɓ': "b", 'Ƈ': "c", 'ƈ': "c", 'Ɖ': "d", 'Ɗ': "d", 'Ƒ': "f", 'ƒ': "f",
	'Ɠ': "g", 'Ɨ': "i", 'Ƙ': "k", 'ƙ': "k", 'ƚ': "l", 'Ɲ': "n", 'ƞ': "n", 'Ɵ': "o",
	'Ơ': "o", 'ơ': "o", 'Ƥ': "p", 'ƥ': "p", 'Ƭ': "t", 'ƭ': "t", 'Ư': "u", 'ư': "u",
	'Ʋ': "v", 'Ƴ': "y", 'ƴ': "y", 'Ƶ': "z", 'ƶ': "z",
	'Ǆ': "dz", 'ǅ': "dz", 'ǆ': "dz", 'Ǉ': "lj", 'ǈ': "lj", 'ǉ': "lj", 'Ǌ': "nj", 'ǋ': "nj", 'ǌ': "nj",
	'Ǎ': "a", 'ǎ': "a", 'Ǐ': "i", 'ǐ': "i", 'Ǒ': "o", 'ǒ': "o", 'Ǔ': "u", 'ǔ': "u",
	'Ǖ': "u", 'ǖ': "u", 'Ǘ': "u", 'ǘ': "u", 'Ǚ': "u", 'ǚ': "u", 'Ǜ': "u", 'ǜ': "u",
	'Ǟ': "a", 'ǟ': "a", 'Ǡ': "a", 'ǡ': "a", 'Ǣ': "ae", 'ǣ': "ae", 'Ǥ': "g", 'ǥ': "g",
	'Ǧ': "g", 'ǧ': "g", 'Ǩ': "k", 'ǩ': "k", 'Ǫ': "o", 'ǫ': "o", 'Ǭ': "o", 'ǭ': "o",
	'ǰ': "j", 'Ǳ': "dz", 'ǲ': "dz", 'ǳ': "dz", 'Ǵ': "g", 'ǵ': "g", 'Ǹ': "n", 'ǹ': "n",
	'Ǻ': "a", 'ǻ': "a", 'Ǽ': "ae", 'ǽ': "ae", 'Ǿ': "o", 'ǿ': "o",
	'Ș': "s", 'ș': "s", 'Ț': "t", 'ț': "t", 'Ȟ': "h", 'ȟ': "h", 'Ȧ': "a", 'ȧ': "a",
	'Ȩ': "e", 'ȩ': "e", 'Ȯ': "o", 'ȯ': "o", 'Ȳ': "y", 'ȳ': "y",
	'ɖ': "d", 'ɨ': "i", 'ɲ': "n", 'ɠ': "g", 'ɵ': "o", 'ʋ': "v",
	'ẞ': "ss", 'ɓ': "b", 'ɗ': "d", 'ɛ': "e", 'Ɛ': "e", 'ɔ': "o", 'Ɔ': "o",
}

// fold returns the ASCII replacement of a Latin letter with diacritics, or
// "", false when r has none.
func fold(r rune) (string, bool) {
	switch {
	case r < 0xC0:
		return "", false
	case r < 0x100:
		return latin1[r-0xC0], true
	case r < 0x180:
		return latinExtA[r-0x100], true
	case r >= 0x1E00 && r < 0x1F00:
		if s := latinExtAdditional[r-0x1E00]; s != "" {
			return s, true
		}
	case r >= 0x2B0:
		// Past the IPA block nothing but ẞ needs the map; skipping it keeps
		// Cyrillic, Greek and CJK names off the map look-up.
		if r != 'ẞ' {
			return "", false
		}
	}
	s, ok := other[r]
	return s, ok
}
