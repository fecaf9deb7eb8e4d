package lines

// Helpers shared by the CSV decoders (ibmcsv, amlsim) and the JSON one.

// HeaderKey folds a CSV header name for matching: lower case, letters and
// digits only ("From Bank", "from_bank" → "frombank").
func HeaderKey(name []byte) string {
	b := make([]byte, 0, len(name))
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b = append(b, c)
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b)
}

// TrimBOM drops a UTF-8 byte order mark.
func TrimBOM(b []byte) []byte {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return b[3:]
	}
	return b
}

// TrimEOL drops trailing line-ending bytes, so ids derived from a line do
// not depend on LF vs CRLF files.
func TrimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// Clip shortens a value quoted in an error message.
func Clip(b []byte) []byte {
	const max = 40
	if len(b) > max {
		return b[:max]
	}
	return b
}
