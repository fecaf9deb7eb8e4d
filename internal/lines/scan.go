package lines

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/socwatch/socwatch/engine"
)

// DefaultMaxBytes is the line limit used when Scan is given maxBytes <= 0.
const DefaultMaxBytes = 1 << 20

// Scan reads r line by line and calls fn for every non-blank line with its
// 1-based line number and its bytes without the line ending ("\n" or
// "\r\n"); a final line without a newline is delivered too. line is only
// valid during the call: fn must copy what it keeps.
//
// A line longer than maxBytes (<= 0 means DefaultMaxBytes) does not abort
// the scan: its bytes are skipped and fn is called with a nil line, so the
// caller can dead-letter it (see TooLong and TooLongError) and go on. Blank
// lines are skipped (their number still counts), which is what makes a nil
// line unambiguous.
//
// Scan stops at the first error fn returns and returns it wrapped with the
// line number; a read error is returned the same way.
func Scan(r io.Reader, maxBytes int, fn func(lineNo int, line []byte) error) error {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	// Room for the limit plus "\r\n", so a line of exactly maxBytes fits in
	// one ReadSlice.
	br := bufio.NewReaderSize(r, maxBytes+2)
	lineNo := 0
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) == 0 && err == io.EOF {
			return nil
		}
		lineNo++
		tooLong := false
		if errors.Is(err, bufio.ErrBufferFull) {
			tooLong = true
			if err = skipRest(br); err != nil && err != io.EOF {
				return fmt.Errorf("read line %d: %w", lineNo, err)
			}
		} else if err != nil && err != io.EOF {
			return fmt.Errorf("read line %d: %w", lineNo, err)
		}
		atEOF := err == io.EOF
		line := TrimEOL(chunk)
		if len(line) > maxBytes {
			tooLong = true
		}
		switch {
		case tooLong:
			line = nil
		case len(line) == 0:
			if atEOF {
				return nil
			}
			continue
		}
		if ferr := fn(lineNo, line); ferr != nil {
			return fmt.Errorf("line %d: %w", lineNo, ferr)
		}
		if atEOF {
			return nil
		}
	}
}

// skipRest discards the remainder of an over-long line, up to and including
// its newline.
func skipRest(br *bufio.Reader) error {
	for {
		_, err := br.ReadSlice('\n')
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
}

// TooLong reports whether Scan delivered line as the marker of a line over
// the limit.
func TooLong(line []byte) bool { return line == nil }

// TooLongError is the reject for a line over the limit, with the reason
// engine.ReasonTooLarge.
func TooLongError(lineNo, maxBytes int) error {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return engine.Reject(engine.ReasonTooLarge, "line %d is longer than %d bytes", lineNo, maxBytes)
}
