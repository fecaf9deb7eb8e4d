package intern

const (
	// maxCodeLen and maxCodes bound the table of interned short values so a
	// hostile feed cannot grow it without limit; when it is full it is
	// cleared and refilled.
	maxCodeLen = 64
	maxCodes   = 4096
)

// Strings remembers the last value of each field slot and a bounded table
// of short codes. The zero value is ready to use; it is not safe for
// concurrent use (one per decoder).
type Strings struct {
	last  []string
	codes map[string]string
}

// Kept returns b as a string for field slot (a small index the caller
// assigns to each field), reusing the slot's previous value when it is
// equal. shared marks short values that repeat across records in no
// particular order (codes), which also go through the table.
func (s *Strings) Kept(slot int, b []byte, shared bool) string {
	if slot >= len(s.last) {
		s.last = append(s.last, make([]string, slot+1-len(s.last))...)
	}
	if v := s.last[slot]; v == string(b) { // compare without allocating
		return v
	}
	var v string
	if shared {
		v = s.Intern(b)
	} else {
		v = string(b)
	}
	s.last[slot] = v
	return v
}

// Intern returns b as a string from the bounded table, so values that
// alternate between records (PL/NO, EUR/PLN) are not allocated again.
func (s *Strings) Intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > maxCodeLen {
		return string(b)
	}
	if v, ok := s.codes[string(b)]; ok {
		return v
	}
	if s.codes == nil {
		s.codes = make(map[string]string, 64)
	} else if len(s.codes) >= maxCodes {
		clear(s.codes)
	}
	v := string(b)
	s.codes[v] = v
	return v
}
