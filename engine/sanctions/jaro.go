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
func jaroWinkler(a, b string) float64 {
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
	if matches == 0 {
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
	// The prefix bonus is for variants of one word, not for a short word
	// that begins a longer one (melnyk, melnychuk).
	if len(b)-len(a) > 2 {
		return jaro
	}
	prefix := 0
	for prefix < 4 && prefix < len(a) && a[prefix] == b[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}
