package sanctions

// maxJaroLen bounds the strings jaroWinkler compares on the stack; longer
// inputs are compared on their first maxJaroLen bytes (names' tokens and
// concatenated forms are far shorter).
const maxJaroLen = 64

// jaroWinkler returns the Jaro-Winkler similarity of a and b in [0,1]
// (prefix scale 0.1, prefix up to 4, no prefix bonus when the lengths
// differ by more than two), byte-wise and without allocating.
// Tokens are ASCII after transliteration and normalisation, so bytes are
// letters.
func jaroWinkler(a, b string) float64 { return jaroWinklerAbove(a, b, 0) }

// jaroWinklerAbove is jaroWinkler(a, b) when that may exceed floor, and 0
// when it cannot: letters can only match letters the other string has, so
// the count of such letters bounds the matches, and with them the
// similarity, before any match is sought (the letter-set bound; most
// pairs of unrelated words share too few letters to pass it). The bound
// is checked again once the matches are counted, before the
// transpositions. Word similarities at or below adjustSim's floor count
// as nothing, so tokenSim asks only for those above it.
func jaroWinklerAbove(a, b string, floor float64) float64 {
	if a == b {
		if a == "" {
			return 0
		}
		return 1
	}
	if len(a) > maxJaroLen {
		a = a[:maxJaroLen]
	}
	if len(b) > maxJaroLen {
		b = b[:maxJaroLen]
	}
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	// Prefix bonus the pair can get, for the bounds and the result. The
	// prefix bonus is for variants of one word, not for a short word that
	// begins a longer one (melnyk, melnychuk): none when the lengths differ
	// by more than two.
	prefix := 0
	if len(b)-len(a) <= 2 {
		for prefix < 4 && prefix < len(a) && a[prefix] == b[prefix] {
			prefix++
		}
	}
	if floor > 0 && jaroBound(letterSetMatches(a, b), len(a), len(b), prefix) <= floor-boundMargin {
		return 0
	}
	window := len(b)/2 - 1
	if window < 0 {
		window = 0
	}
	// Matched positions as bit sets: no arrays to clear per call.
	var ma, mb uint64
	matches := 0
	for i := 0; i < len(a); i++ {
		lo, hi := i-window, i+window+1
		if lo < 0 {
			lo = 0
		}
		if hi > len(b) {
			hi = len(b)
		}
		c := a[i]
		for j := lo; j < hi; j++ {
			if b[j] == c && mb&(1<<uint(j)) == 0 {
				ma |= 1 << uint(i)
				mb |= 1 << uint(j)
				matches++
				break
			}
		}
	}
	if matches == 0 || jaroBound(matches, len(a), len(b), prefix) <= floor-boundMargin {
		return 0
	}
	trans, j := 0, 0
	for i := 0; i < len(a); i++ {
		if ma&(1<<uint(i)) == 0 {
			continue
		}
		for mb&(1<<uint(j)) == 0 {
			j++
		}
		if a[i] != b[j] {
			trans++
		}
		j++
	}
	m := float64(matches)
	jaro := (m/float64(len(a)) + m/float64(len(b)) + (m-float64(trans)/2)/m) / 3
	return jaro + float64(prefix)*0.1*(1-jaro)
}

// boundMargin is subtracted from a floor before a bound is compared with
// it: far above the rounding error of a few float64 operations, far below
// any difference between two similarities that matters.
const boundMargin = 1e-9

// jaroBound is the Jaro-Winkler similarity of strings of lengths la and lb
// with at most m matching letters, no transpositions and the given prefix
// bonus: an upper bound of the real one.
func jaroBound(m, la, lb, prefix int) float64 {
	fm := float64(m)
	jaro := (fm/float64(la) + fm/float64(lb) + 1) / 3
	return jaro + float64(prefix)*0.1*(1-jaro)
}

// letterSetMatches bounds the Jaro matches of a and b: the letters of a
// that b has at all, and of b that a has (each letter hashed to one of 64
// bits; a collision only loosens the bound).
func letterSetMatches(a, b string) int {
	var sa, sb uint64
	for i := 0; i < len(a); i++ {
		sa |= 1 << (a[i] & 63)
	}
	for i := 0; i < len(b); i++ {
		sb |= 1 << (b[i] & 63)
	}
	na, nb := 0, 0
	for i := 0; i < len(a); i++ {
		na += int(sb >> (a[i] & 63) & 1)
	}
	for i := 0; i < len(b); i++ {
		nb += int(sa >> (b[i] & 63) & 1)
	}
	return min(na, nb)
}
