package rules

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Limits bound what loading a pack may cost, so that a careless or hostile
// pack is refused with file:line instead of exhausting the stack, the heap
// or the reload goroutine. The zero value means the defaults.
type Limits struct {
	// MaxRuleFileBytes caps one rule file (default 1 MiB). yaml.v3 builds
	// a node per scalar: a 4 MiB file of one-letter scalars costs ~500 MB
	// of allocation, a 1 MiB file ~125 MB; aml-core's largest file is 2 KB.
	MaxRuleFileBytes int64
	// MaxListBytes caps a list file, and a compressed list's content after
	// decompression (default 16 MiB).
	MaxListBytes int64
	// ReadTimeout bounds reading one file (default 10 s): a file on a hung
	// network mount fails the load instead of blocking it.
	ReadTimeout time.Duration
	// MaxExprBytes caps one expression (default 16 KiB; the 500-node cap
	// is reached well before).
	MaxExprBytes int
	// MaxNesting caps how deep an expression nests (default 64): brackets,
	// runs of unary operators (! - + not) and right-recursive chains (**,
	// ^, ?:, let, if). expr's parser recurses once per level before its
	// node cap applies, so this is checked before the parser runs.
	MaxNesting int
}

// Default limits; see Limits.
const (
	DefaultMaxRuleFileBytes = 1 << 20
	DefaultMaxListBytes     = 16 << 20
	DefaultReadTimeout      = 10 * time.Second
	DefaultMaxExprBytes     = 16 << 10
	DefaultMaxNesting       = 64
)

func (l Limits) withDefaults() Limits {
	if l.MaxRuleFileBytes <= 0 {
		l.MaxRuleFileBytes = DefaultMaxRuleFileBytes
	}
	if l.MaxListBytes <= 0 {
		l.MaxListBytes = DefaultMaxListBytes
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = DefaultReadTimeout
	}
	if l.MaxExprBytes <= 0 {
		l.MaxExprBytes = DefaultMaxExprBytes
	}
	if l.MaxNesting <= 0 {
		l.MaxNesting = DefaultMaxNesting
	}
	return l
}

// checkExpr measures src before expr's parser sees it: its length, and how
// deep the parser would recurse. It is a light lexer, not a parser: it
// skips string literals and comments, and counts
//   - brackets ( [ { as one level each, plus whatever was pending before them;
//   - a run of unary operators (! - + not) since the last operand;
//   - right-recursive operators (** ^ ? let if), which stay open until the
//     enclosing bracket closes.
//
// The measure over-estimates the parser's depth by at most a small factor,
// so MaxNesting bounds the stack whatever the input.
func (l Limits) checkExpr(src string) error {
	l = l.withDefaults()
	if len(src) > l.MaxExprBytes {
		return fmt.Errorf("expression of %d bytes exceeds the limit of %d", len(src), l.MaxExprBytes)
	}
	type frame struct{ base, chain int }
	var stack []frame
	base, chain, run := 0, 0, 0
	operand := false // the last token ended an operand: a following - or + is binary
	deeper := func(i int) error {
		if base+chain+run <= l.MaxNesting {
			return nil
		}
		line := 1 + strings.Count(src[:i], "\n")
		col := i - strings.LastIndexByte(src[:i], '\n')
		return fmt.Errorf("expression nests deeper than %d levels (brackets, unary operators, ** ^ ?: chains) at line %d, column %d of the expression", l.MaxNesting, line, col)
	}
	for i := 0; i < len(src); {
		c := src[i]
		next := byte(0)
		if i+1 < len(src) {
			next = src[i+1]
		}
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"' || c == '\'':
			i = skipQuoted(src, i)
			operand, run = true, 0
		case c == '`':
			if j := strings.IndexByte(src[i+1:], '`'); j >= 0 {
				i += j + 2
			} else {
				i = len(src)
			}
			operand, run = true, 0
		case c == '/' && next == '/':
			if j := strings.IndexByte(src[i:], '\n'); j >= 0 {
				i += j
			} else {
				i = len(src)
			}
		case c == '/' && next == '*':
			if j := strings.Index(src[i+2:], "*/"); j >= 0 {
				i += j + 4
			} else {
				i = len(src)
			}
		case c == '(' || c == '[' || c == '{':
			stack = append(stack, frame{base, chain})
			base, chain, run = base+chain+run+1, 0, 0
			operand = false
			if err := deeper(i); err != nil {
				return err
			}
			i++
		case c == ')' || c == ']' || c == '}':
			if n := len(stack); n > 0 {
				base, chain = stack[n-1].base, stack[n-1].chain
				stack = stack[:n-1]
			}
			operand, run = true, 0
			i++
		case isWordByte(c):
			j := i + 1
			for j < len(src) && isWordByte(src[j]) {
				j++
			}
			switch src[i:j] {
			case "not":
				run++
				operand = false
			case "let", "if":
				chain++
				operand = false
			case "and", "or", "in", "matches", "contains", "startsWith", "endsWith", "else":
				operand = false
			default:
				operand, run = true, 0
			}
			if err := deeper(i); err != nil {
				return err
			}
			i = j
		case c == '!' && next != '=', (c == '-' || c == '+') && !operand:
			run++
			operand = false
			if err := deeper(i); err != nil {
				return err
			}
			i++
		case c == '*' && next == '*', c == '^', c == '?' && next != '?' && next != '.':
			chain++
			operand = false
			if err := deeper(i); err != nil {
				return err
			}
			if c == '*' {
				i++
			}
			i++
		case c == '?':
			// ?? (left-associative) or ?. (member access): an operand
			// follows, not a new level.
			operand = false
			i += 2
		default:
			operand = false
			i++
		}
	}
	return nil
}

// skipQuoted returns the index after the string literal starting at i,
// honouring backslash escapes (an unterminated literal runs to the end).
func skipQuoted(src string, i int) int {
	q := src[i]
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case q:
			return j + 1
		}
	}
	return len(src)
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c == '#' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// readPackFile reads a file that is part of the pack whose directory is
// root: after resolving symlinks it must lie under root and be a regular
// file (not a named pipe, device, socket or directory) of at most max
// bytes, read within timeout. A named pipe is never opened: the mode is
// checked first, and the open is non-blocking and re-checked in case the
// file was swapped in between.
func readPackFile(root, path string, max int64, timeout time.Duration) ([]byte, error) {
	real, err := resolveInPack(root, path)
	if err != nil {
		return nil, err
	}
	st, err := os.Lstat(real)
	if err != nil {
		return nil, err
	}
	if err := regularWithin(path, st, max); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(real, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := regularWithin(path, st, max); err != nil {
		return nil, err
	}
	b, err := readWithin(f, st.Size(), max, timeout)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// resolveInPack returns path with every symlink resolved, or an error if
// it lies outside root: written as an escape (../, an absolute path
// elsewhere), or through a symlink that leads out. The lexical check comes
// first, so nothing outside the pack is even looked at.
func resolveInPack(root, path string) (string, error) {
	rootAbs, err := filepath.Abs(root)
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if !under(rootAbs, abs) {
		return "", fmt.Errorf("%s is outside the pack directory %s", path, rootAbs)
	}
	rootReal, err := filepath.EvalSymlinks(rootAbs)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", err
	}
	if !under(rootReal, real) {
		return "", fmt.Errorf("%s resolves through a symlink to %s, outside the pack directory %s", path, real, rootReal)
	}
	return real, nil
}

// under reports whether the absolute, clean path p is dir or inside it.
func under(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// regularWithin checks that st is a regular file of at most max bytes.
func regularWithin(path string, st fs.FileInfo, max int64) error {
	m := st.Mode()
	kind := ""
	switch {
	case m.IsRegular():
		if st.Size() > max {
			return fmt.Errorf("%s is %d bytes, over the limit of %d", path, st.Size(), max)
		}
		return nil
	case m&fs.ModeNamedPipe != 0:
		kind = "a named pipe"
	case m&fs.ModeDevice != 0 || m&fs.ModeCharDevice != 0:
		kind = "a device"
	case m&fs.ModeSocket != 0:
		kind = "a socket"
	case m.IsDir():
		kind = "a directory"
	default:
		kind = "not a regular file (" + m.String() + ")"
	}
	return fmt.Errorf("%s is %s; a pack reads regular files only", path, kind)
}

// readWithin reads r to the end: at most max bytes (more is an error, and
// no more than max+1 are ever held) within timeout. hint is the expected
// size, to allocate once. On timeout the reading goroutine is abandoned
// (the caller closes the file under it); it holds at most max+1 bytes.
func readWithin(r io.Reader, hint, max int64, timeout time.Duration) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		var buf bytes.Buffer
		buf.Grow(int(min(hint, max)) + bytes.MinRead)
		_, err := buf.ReadFrom(io.LimitReader(r, max+1))
		done <- result{buf.Bytes(), err}
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case res := <-done:
		switch {
		case res.err != nil:
			return nil, res.err
		case int64(len(res.b)) > max:
			return nil, fmt.Errorf("more than the limit of %d bytes", max)
		}
		return res.b, nil
	case <-t.C:
		return nil, fmt.Errorf("read did not finish within %s", timeout)
	}
}
