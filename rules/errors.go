package rules

import (
	"fmt"
	"strings"
)

// Problem is one error in a pack, located at file:line.
type Problem struct {
	File string
	Line int
	What string // "rule AML-X-001", "aggregate near_48h", "list fatf" or ""
	Err  error
}

func (p Problem) Error() string {
	loc := p.File
	if p.Line > 0 {
		loc = fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	if p.What != "" {
		return fmt.Sprintf("%s: %s: %v", loc, p.What, p.Err)
	}
	return fmt.Sprintf("%s: %v", loc, p.Err)
}

func (p Problem) Unwrap() error { return p.Err }

// Problems is every error found in a pack; lint prints them all, not just
// the first.
type Problems []Problem

func (ps Problems) Error() string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

func (ps *Problems) add(file string, line int, what string, format string, args ...any) {
	*ps = append(*ps, Problem{File: file, Line: line, What: what, Err: fmt.Errorf(format, args...)})
}

func (ps Problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}
