package deploytest

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// ExpectedEmpty is one entry of deploy/grafana/expected-empty.txt: a panel
// title or a PromQL expression whose query may return no data, and why.
type ExpectedEmpty struct {
	Line   int
	Entry  string
	Reason string
}

// ParseExpectedEmpty reads expected-empty.txt: "#" comment lines give the
// reason for the entry lines that follow them; a blank line ends a group, so
// a file header is nobody's reason. An entry without a reason right above it,
// or listed twice, is an error: nothing is excused silently.
func ParseExpectedEmpty(r io.Reader) ([]ExpectedEmpty, error) {
	var (
		out    []ExpectedEmpty
		reason []string
		line   int
		seen   = map[string]int{}
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		switch {
		case text == "":
			reason = nil
		case strings.HasPrefix(text, "#"):
			reason = append(reason, strings.TrimSpace(strings.TrimPrefix(text, "#")))
		default:
			why := strings.TrimSpace(strings.Join(reason, " "))
			if why == "" {
				return nil, fmt.Errorf("expected-empty line %d %q: no reason (a # comment right above it)", line, text)
			}
			if prev, dup := seen[text]; dup {
				return nil, fmt.Errorf("expected-empty line %d %q: already listed on line %d", line, text, prev)
			}
			seen[text] = line
			out = append(out, ExpectedEmpty{Line: line, Entry: text, Reason: why})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read expected-empty: %w", err)
	}
	return out, nil
}
