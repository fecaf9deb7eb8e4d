package rules

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/socwatch/socwatch/engine/names"
	"github.com/socwatch/socwatch/engine/sanctions"
)

// List is a loaded list: a set of values, looked up in O(1), or (kind
// sanctions) a fuzzy name matcher over sanctioned entities.
type List struct {
	Name   string
	Source string // file it came from, or "inline"
	AsOf   string // from a "# as-of: YYYY-MM-DD" header line, when present
	Names  bool   // entries are normalised party names
	values map[string]struct{}
	// Matcher screens names against the entities of a sanctions list.
	Matcher *sanctions.Matcher
}

// Contains reports whether v is on the list (exact match).
func (l *List) Contains(v string) bool {
	_, ok := l.values[v]
	return ok
}

// Len is the number of distinct entries.
func (l *List) Len() int { return len(l.values) }

// MatchName reports whether a party name is on a names list: the normalised
// name equals an entry, or its tokens sorted equal an entry's sorted tokens
// ("KOWALSKI Jan" matches "Jan Kowalski"). Fuzzy screening is separate.
func (l *List) MatchName(name string) bool {
	n := names.Normalize(name)
	if n == "" {
		return false
	}
	if _, ok := l.values[n]; ok {
		return true
	}
	_, ok := l.values[names.SortedTokens(n)]
	return ok
}

func (l *List) add(v string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	if l.Names {
		n := names.Normalize(v)
		if n == "" {
			return
		}
		l.values[n] = struct{}{}
		l.values[names.SortedTokens(n)] = struct{}{}
		return
	}
	l.values[v] = struct{}{}
}

// loadList reads a declared list; a file path is relative to the pack file
// that declares it.
func loadList(d *ListDecl) (*List, error) {
	l := &List{Name: d.Name, Names: d.Kind == "names", values: map[string]struct{}{}}
	switch d.Kind {
	case "", "values", "names":
	case "sanctions":
		return loadSanctions(d)
	default:
		return nil, fmt.Errorf("kind %q: want values, names or sanctions", d.Kind)
	}
	if d.File == "" && d.Values == nil {
		return nil, fmt.Errorf("needs file or values")
	}
	for _, v := range d.Values {
		l.add(v)
	}
	l.Source = "inline"
	if d.File == "" {
		return l, nil
	}
	path := d.File
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(d.File0()), path)
	}
	l.Source = path
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	csv := strings.HasSuffix(path, ".csv")
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line[1:]), "as-of:"); ok {
				l.AsOf = strings.TrimSpace(rest)
			}
			continue
		}
		if csv {
			line, _, _ = strings.Cut(line, ",")
			line = strings.Trim(line, `"`)
		} else if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i] // trailing comment
		}
		l.add(line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return l, nil
}

// File0 is the pack file the declaration was written in.
func (d *ListDecl) File0() string { return d.Pos.File }

// sanctionsCache keeps built matchers by file identity: a fixture run or a
// reload that does not change the list file does not rebuild the index.
var sanctionsCache = struct {
	sync.Mutex
	m map[string]*sanctions.Matcher
}{m: map[string]*sanctions.Matcher{}}

// loadSanctions reads a compact sanctions list (see sanctions.LoadCompact)
// and builds its matcher.
func loadSanctions(d *ListDecl) (*List, error) {
	if d.File == "" {
		return nil, fmt.Errorf("kind sanctions needs file (a compact list built with cmd/sanctions-buildlist)")
	}
	path := d.File
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(d.File0()), path)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s|%d|%d", path, st.Size(), st.ModTime().UnixNano())
	sanctionsCache.Lock()
	defer sanctionsCache.Unlock()
	m := sanctionsCache.m[key]
	if m == nil {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		ents, err := sanctions.LoadCompact(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		m = sanctions.NewMatcher(ents, sanctions.Options{})
		sanctionsCache.m[key] = m
	}
	return &List{Name: d.Name, Source: path, Matcher: m}, nil
}
