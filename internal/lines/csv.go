package lines

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrCSVQuote is wrapped by SplitCSV errors about misplaced quotes.
var ErrCSVQuote = errors.New("bad quoting")

// CSVSplitter splits single CSV lines into fields, reusing its buffers
// between calls. It follows encoding/csv (RFC 4180) on one line: fields are
// separated by commas; a field that starts with a double quote runs to the
// closing quote, with "" standing for one quote; a quote anywhere else is an
// error. Fields spanning lines are not supported (each record is one line).
// The zero value is ready to use; it is not safe for concurrent use.
type CSVSplitter struct {
	fields  [][]byte
	unquote []byte
}

// Split returns the fields of line. The returned slices alias line or the
// splitter's buffer and are valid until the next call.
func (s *CSVSplitter) Split(line []byte) ([][]byte, error) {
	s.fields = s.fields[:0]
	s.unquote = s.unquote[:0]
	i := 0
	for {
		if i < len(line) && line[i] == '"' {
			start := len(s.unquote)
			j := i + 1
			for {
				k := bytes.IndexByte(line[j:], '"')
				if k < 0 {
					return nil, fmt.Errorf("field %d: %w: unterminated quoted field", len(s.fields)+1, ErrCSVQuote)
				}
				s.unquote = append(s.unquote, line[j:j+k]...)
				j += k + 1
				if j < len(line) && line[j] == '"' {
					s.unquote = append(s.unquote, '"')
					j++
					continue
				}
				break
			}
			// Slice with a capped capacity so a later append to the buffer
			// cannot be seen through this field.
			end := len(s.unquote)
			s.fields = append(s.fields, s.unquote[start:end:end])
			if j == len(line) {
				return s.fields, nil
			}
			if line[j] != ',' {
				return nil, fmt.Errorf("field %d: %w: %q after closing quote", len(s.fields), ErrCSVQuote, line[j])
			}
			i = j + 1
			continue
		}
		k := bytes.IndexByte(line[i:], ',')
		var f []byte
		if k < 0 {
			f = line[i:]
		} else {
			f = line[i : i+k]
		}
		if bytes.IndexByte(f, '"') >= 0 {
			return nil, fmt.Errorf("field %d: %w: quote in unquoted field", len(s.fields)+1, ErrCSVQuote)
		}
		s.fields = append(s.fields, f)
		if k < 0 {
			return s.fields, nil
		}
		i += k + 1
	}
}
