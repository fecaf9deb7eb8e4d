package iban

// entry is one registered country: its code (kept as a string so Country can
// return it without allocating) and the total IBAN length.
type entry struct {
	code   string
	length uint8
}

// lengths lists IBAN lengths from the SWIFT IBAN registry: all SEPA
// countries plus the non-SEPA countries banks in the Polish–Norwegian feeds
// most often see (UA, TR, AE, SA, IL, …).
var lengths = map[string]uint8{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16,
	"BG": 22, "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22,
	"CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20,
	"EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22,
	"GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21,
	"HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30,
	"KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
	"LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
	"MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
	"PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
	"RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24,
	"SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26,
	"UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

// table indexes lengths by the two letters so the hot path does an array
// read instead of a map look-up with a string built from lower-case input.
var table = func() (t [26 * 26]entry) {
	for code, n := range lengths {
		t[int(code[0]-'A')*26+int(code[1]-'A')] = entry{code: code, length: n}
	}
	return t
}()

// maxLen is the longest IBAN ISO 13616 allows. The longest in the registry
// (and in lengths) is Russia's, 33; a buffer of the standard's maximum keeps
// Country right when the registry adds a longer one.
const maxLen = 34

// Length returns the registered IBAN length for an ISO country code, or 0.
func Length(country string) int {
	e, ok := lookup(country)
	if !ok {
		return 0
	}
	return int(e.length)
}

func lookup(country string) (entry, bool) {
	if len(country) != 2 {
		return entry{}, false
	}
	a, b := upper(country[0]), upper(country[1])
	if a < 'A' || a > 'Z' || b < 'A' || b > 'Z' {
		return entry{}, false
	}
	e := table[int(a-'A')*26+int(b-'A')]
	return e, e.length != 0
}

// Country returns the ISO 3166 country code of account if it is a
// structurally valid IBAN. Spaces are ignored and letters may be lower case.
// It does not allocate.
func Country(account string) (string, bool) {
	// Collect the significant characters (upper-cased) in a fixed buffer:
	// anything longer than the longest IBAN cannot be one.
	var buf [maxLen]byte
	n := 0
	for i := 0; i < len(account); i++ {
		c := account[i]
		if c == ' ' {
			continue
		}
		if n == maxLen {
			return "", false
		}
		c = upper(c)
		if !isAlnum(c) {
			return "", false
		}
		buf[n] = c
		n++
	}
	if n < 5 {
		return "", false
	}
	e, ok := lookup(string(buf[:2])) // string(buf[:2]) in a call argument does not escape
	if !ok || int(e.length) != n {
		return "", false
	}
	if !isDigit(buf[2]) || !isDigit(buf[3]) {
		return "", false
	}
	if check := (buf[2]-'0')*10 + (buf[3] - '0'); check < 2 || check > 98 {
		return "", false
	}
	// Mod 97 of BBAN + country + check digits, letters as 10..35.
	rem := mod97(0, buf[4:n])
	rem = mod97(rem, buf[:4])
	if rem != 1 {
		return "", false
	}
	return e.code, true
}

// Valid reports whether account is a structurally valid IBAN.
func Valid(account string) bool {
	_, ok := Country(account)
	return ok
}

// Generate returns the IBAN for a country code and a national BBAN,
// computing the check digits. Spaces in bban are dropped and letters
// upper-cased. It returns "" when country is not two letters or bban holds
// anything but letters and digits. The length is not checked against the
// registry, so a test can also build deliberately wrong IBANs.
func Generate(country string, bban string) string {
	if len(country) != 2 {
		return ""
	}
	out := make([]byte, 4, 4+len(bban))
	out[0], out[1] = upper(country[0]), upper(country[1])
	if out[0] < 'A' || out[0] > 'Z' || out[1] < 'A' || out[1] > 'Z' {
		return ""
	}
	out[2], out[3] = '0', '0'
	for i := 0; i < len(bban); i++ {
		c := bban[i]
		if c == ' ' {
			continue
		}
		c = upper(c)
		if !isAlnum(c) {
			return ""
		}
		out = append(out, c)
	}
	rem := mod97(0, out[4:])
	rem = mod97(rem, out[:4])
	check := 98 - rem
	out[2], out[3] = byte('0'+check/10), byte('0'+check%10)
	return string(out)
}

// mod97 continues a mod-97 remainder over upper-case alphanumeric chars.
// It reduces only when the accumulator nears the uint64 limit: one division
// per ~16 digits instead of one per character.
func mod97(rem uint32, s []byte) uint32 {
	acc := uint64(rem)
	for _, c := range s {
		if acc >= 1e16 {
			acc %= 97
		}
		if c <= '9' {
			acc = acc*10 + uint64(c-'0')
		} else {
			acc = acc*100 + uint64(c-'A'+10)
		}
	}
	return uint32(acc % 97)
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool { return isDigit(c) || (c >= 'A' && c <= 'Z') }
