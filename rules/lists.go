package rules

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
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
	// words holds every word of a names list's entries (Names): a name
	// with a word outside it matches no entry in any order, which
	// MatchName tells with a look-up of a short word or two (most names)
	// instead of sorting the name's words and looking both forms up.
	words map[string]struct{}
	// listed maps a names list's normalised entries, in written and in
	// sorted word order, to the entry as written (ListedName).
	listed map[string]string
	// Matcher screens names against the entities of a sanctions list.
	Matcher *sanctions.Matcher
	digest  [sha256.Size]byte // of the file's content, for RuleSet.Hash
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
// It runs for both parties of every record a rule screens by name, and is
// passed the enriched, already normalised name (Party.NameNorm), which
// normalises to itself without allocating; the sorted tokens are built in a
// stack buffer and looked up by string(bytes), which does not copy.
func (l *List) MatchName(name string) bool {
	_, ok := l.ListedName(name)
	return ok
}

// ListedName is MatchName's entry: the list's spelling of the name a party
// name matched, as the file or pack wrote it, for the alert's explanation.
func (l *List) ListedName(name string) (string, bool) {
	n := names.Normalize(name)
	if n == "" || !l.Names {
		return "", false
	}
	for rest, more := n, true; more; {
		var w string
		w, rest, more = strings.Cut(rest, " ")
		if _, ok := l.words[w]; !ok {
			return "", false
		}
	}
	if listed, ok := l.listed[n]; ok {
		return listed, true
	}
	var buf [256]byte
	listed, ok := l.listed[string(names.AppendSortedTokens(buf[:0], n))]
	return listed, ok
}

// newList returns an empty list of values (names: of party names) to add
// to.
func newList(name string, names bool) *List {
	return &List{Name: name, Names: names, values: map[string]struct{}{}, words: map[string]struct{}{}, listed: map[string]string{}}
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
		sorted := names.SortedTokens(n)
		l.values[n] = struct{}{}
		l.values[sorted] = struct{}{}
		// The first spelling of a name is the one explanations give.
		for _, k := range [2]string{n, sorted} {
			if _, seen := l.listed[k]; !seen {
				l.listed[k] = v
			}
		}
		for _, w := range strings.Split(n, " ") {
			l.words[w] = struct{}{}
		}
		return
	}
	l.values[v] = struct{}{}
}

// loadList reads a declared list; a file path is relative to the pack file
// that declares it and must stay inside that file's directory (see
// readPackFile).
func loadList(d *ListDecl, lim Limits) (*List, error) {
	l := newList(d.Name, d.Kind == "names")
	switch d.Kind {
	case "", "values", "names":
	case "sanctions":
		return loadSanctions(d, lim)
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
	data, err := readListFile(d, l, lim)
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	csv := strings.HasSuffix(l.Source, ".csv")
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
		return nil, fmt.Errorf("read %s: %w", l.Source, err)
	}
	return l, nil
}

// readListFile reads d's file within lim and records its path and digest
// in l.
func readListFile(d *ListDecl, l *List, lim Limits) ([]byte, error) {
	lim = lim.withDefaults()
	root := filepath.Dir(d.File0())
	path := d.File
	if !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
	}
	data, err := readPackFile(root, path, lim.MaxListBytes, lim.ReadTimeout)
	if err != nil {
		return nil, err
	}
	l.Source, l.digest = path, sha256.Sum256(data)
	return data, nil
}

// File0 is the pack file the declaration was written in.
func (d *ListDecl) File0() string { return d.Pos.File }

// loadSanctions reads a compact sanctions list (see sanctions.LoadCompact)
// and builds its matcher. A gzip-compressed list is inflated here, within
// lim.MaxListBytes, so a small file cannot expand without bound.
func loadSanctions(d *ListDecl, lim Limits) (*List, error) {
	if d.File == "" {
		return nil, fmt.Errorf("kind sanctions needs file (a compact list built with cmd/sanctions-buildlist)")
	}
	l := &List{Name: d.Name}
	data, err := readListFile(d, l, lim)
	if err != nil {
		return nil, err
	}
	l.Matcher, err = matchers.get(l.digest, func() (*sanctions.Matcher, error) {
		plain, err := gunzipWithin(data, lim.withDefaults())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", l.Source, err)
		}
		ents, err := sanctions.LoadCompact(bytes.NewReader(plain))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", l.Source, err)
		}
		return sanctions.NewMatcher(ents, sanctions.Options{}), nil
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// gunzipWithin inflates gzip data (anything else is returned as is) to at
// most lim.MaxListBytes within lim.ReadTimeout.
func gunzipWithin(data []byte, lim Limits) ([]byte, error) {
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	plain, err := readWithin(zr, int64(len(data))*4, lim.MaxListBytes, lim.ReadTimeout)
	if err != nil {
		return nil, fmt.Errorf("inflated: %w", err)
	}
	return plain, nil
}

// maxMatchers is how many built sanctions matchers are kept: enough for a
// pack's lists and the pack that replaces it on reload, so a fixture run
// or a reload that leaves a list unchanged does not rebuild its index,
// while every changed list file no longer adds an entry for good.
const maxMatchers = 4

// matchers caches built matchers by the list file's content digest, least
// recently used first out.
var matchers = &matcherCache{max: maxMatchers}

type matcherCache struct {
	mu      sync.Mutex
	max     int
	entries []matcherEntry // least recently used first
}

type matcherEntry struct {
	digest [sha256.Size]byte
	m      *sanctions.Matcher
}

// get returns the matcher cached for digest, or builds and caches it.
func (c *matcherCache) get(digest [sha256.Size]byte, build func() (*sanctions.Matcher, error)) (*sanctions.Matcher, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, e := range c.entries {
		if e.digest == digest {
			c.entries = append(append(c.entries[:i:i], c.entries[i+1:]...), e)
			return e.m, nil
		}
	}
	m, err := build()
	if err != nil {
		return nil, err
	}
	if len(c.entries) >= c.max {
		c.entries = append(c.entries[:0:0], c.entries[len(c.entries)-c.max+1:]...)
	}
	c.entries = append(c.entries, matcherEntry{digest, m})
	return m, nil
}
