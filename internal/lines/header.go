package lines

import (
	"fmt"
	"strings"
)

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

// TrimEOL drops every trailing "\n" and "\r": the line ending of LF and
// CRLF files, a lone "\r" before EOF (a CRLF file whose last newline was
// cut), and stray carriage returns, which no field of the line formats
// means. Scan and the decoders (for records that come from Kafka with their
// newline) use this one definition, so ids derived from a line do not
// depend on how it was read.
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

// HeaderColumns reads a CSV header line (a BOM and the line ending are
// dropped) and finds the column of each role a format needs. role(i, key)
// names the role of column i from its folded name key (HeaderKey), or
// returns false for a column the format ignores; roleNames are the roles'
// display names for errors, in role order. It returns cols[role] = column
// index and the folded key of every column. A role claimed by two columns,
// or by none, is an error that names format, the columns and the roles.
func HeaderColumns(format string, header []byte, roleNames []string, role func(i int, key string) (int, bool)) (cols []int, keys []string, err error) {
	header = TrimBOM(TrimEOL(header))
	var sp CSVSplitter
	names, err := sp.Split(header)
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s header: %w", format, err)
	}
	cols = make([]int, len(roleNames))
	for r := range cols {
		cols[r] = -1
	}
	keys = make([]string, len(names))
	for i, raw := range names {
		keys[i] = HeaderKey(raw)
		r, ok := role(i, keys[i])
		if !ok {
			continue
		}
		if cols[r] >= 0 {
			return nil, nil, fmt.Errorf("%s header: column %d %q duplicates %s (column %d)", format, i+1, raw, roleNames[r], cols[r]+1)
		}
		cols[r] = i
	}
	var missing []string
	for r, c := range cols {
		if c < 0 {
			missing = append(missing, roleNames[r])
		}
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("%s header %q: missing required columns: %s", format, Clip(header), strings.Join(missing, ", "))
	}
	return cols, keys, nil
}
