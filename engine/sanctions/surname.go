package sanctions

import "strings"

// East Slavic and Polish surnames are made of a stem and an ending that
// many surnames share: Kravchenko and Kurchenko share "-chenko" and
// nothing else, and Jaro-Winkler, which counts every matching letter
// alike, rates them 0.91. A surname with an ending added to another is
// another surname too: Melnychuk and Melnikov are the son's names of
// Melnyk (miller), and Jaro-Winkler rates a word found whole at the start
// of a longer one 0.89–0.92. Transliteration does not change an ending's
// phonetic form (-ov, -ow, -off are all "op"), so two spellings of one
// surname have the same ending and the same stem. tokenSim therefore
// compares two words that end in one surname ending by their stems, and
// counts a word and the same word with a surname ending added as
// different names.

// suffixClass numbers a surname ending (0: none); the endings of one
// class are one ending (masculine and feminine forms).
type suffixClass uint8

// surnameEndings are the endings in phonetic form (makeToken: v and w are
// p, ch and sh are s, y is i, doubled letters are one): the possessive
// -ov/-ova (-ow, -off) and -ev/-eva, the Ukrainian -enko, -chuk (-czuk,
// -shchuk) and -yuk (-iuk), and the adjectival -ski/-sky/-ska/-skaya.
// Patronymics (-ovich, -ovna) are not among them: a listed patronymic is
// often left out of a spelling, and matched to the given name it derives
// from, not to another person's. Neither are case endings (Lithuanian
// Putinas, Latvian Putins): they change the form of one name.
var surnameEndings = [...]struct {
	phon  string
	class suffixClass
}{
	{"op", 1}, {"opa", 1},
	{"ep", 2}, {"epa", 2},
	{"enko", 3},
	{"suk", 4},
	{"iuk", 5},
	{"ski", 6}, {"ska", 6}, {"skaia", 6},
}

// minStem is the shortest stem an ending is split from: a word of a
// stem of three letters or fewer and such an ending is not taken for a derived surname
// ("Suk", "Popov", Arabic "Tayeb").
const minStem = 4

// surnameEnding returns the class of phon's surname ending and the length
// of its stem (0, len(phon) when it has none).
func surnameEnding(phon string) (suffixClass, int) {
	for _, e := range surnameEndings {
		if len(phon)-len(e.phon) >= minStem && strings.HasSuffix(phon, e.phon) {
			return e.class, len(phon) - len(e.phon)
		}
	}
	return 0, len(phon)
}

// surnameSim bounds tokenSim of a and b, at least one of which has a
// surname ending: by the similarity of their stems when both have the
// same ending, by simFloor (no evidence) when one is the other with an
// ending added, 1 (no bound) otherwise.
func surnameSim(a, b *token) float64 {
	switch {
	case a.sfx == b.sfx:
		sa, sb := a.phon[:a.stem], b.phon[:b.stem]
		if sa == sb {
			return 1
		}
		return jaroWinkler(sa, sb)
	case extends(a, b) || extends(b, a):
		return simFloor
	}
	return 1
}

// extends reports whether ext is base with a surname ending added: base
// has none, and is ext's stem, or that stem and one letter more
// (Melnyk, Melnych-uk: the k of the stem turns into ch before the
// ending).
func extends(ext, base *token) bool {
	if ext.sfx == 0 || base.sfx != 0 {
		return false
	}
	stem := ext.phon[:ext.stem]
	return len(base.phon) <= len(stem)+1 && strings.HasPrefix(base.phon, stem)
}
