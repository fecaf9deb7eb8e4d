package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Pack is a parsed (not yet compiled) rule pack: the declarations of every
// YAML file of one directory (or one file), each remembering where it was
// written.
type Pack struct {
	Files      []string
	Lists      []*ListDecl
	Aggregates []*AggregateDecl
	Rules      []*RuleDecl
	Settings   Settings
	// digests are the SHA-256 of every file the pack read (rule files
	// here, list files in List), for RuleSet.Hash: what was hashed is what
	// was loaded, read once.
	digests map[string][sha256.Size]byte
}

func (p *Pack) sum(file string, data []byte) {
	if p.digests == nil {
		p.digests = map[string][sha256.Size]byte{}
	}
	p.digests[file] = sha256.Sum256(data)
}

// hash identifies the pack's content: every rule file and list file read.
func (p *Pack) hash(lists map[string]*List) string {
	sums := map[string][sha256.Size]byte{}
	for f, s := range p.digests {
		sums[f] = s
	}
	for _, l := range lists {
		if l.Source != "inline" {
			sums[l.Source] = l.digest
		}
	}
	names := make([]string, 0, len(sums))
	for f := range sums {
		names = append(names, f)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, f := range names {
		s := sums[f]
		h.Write([]byte(f))
		h.Write(s[:])
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// Fingerprint hashes names, sizes and modification times of every file
// under path: cheap enough to poll (socwatch run's reloads, the
// console's), and it changes on any edit.
func Fingerprint(path string) string {
	h := sha256.New()
	filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			h.Write([]byte(p))
			h.Write([]byte(info.ModTime().String()))
			h.Write([]byte{byte(info.Size()), byte(info.Size() >> 8), byte(info.Size() >> 16)})
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))
}

// Settings are pack-wide options.
type Settings struct {
	// Lateness is how far behind an account's newest event an event may
	// arrive and still be placed in its windows (default 1h).
	Lateness string `yaml:"lateness"`
}

// ListDecl declares a named list: a file (one value per line, '#'
// comments; CSV takes the first column) or inline values.
type ListDecl struct {
	Name   string
	File   string   `yaml:"file"`
	Values []string `yaml:"values"`
	// Kind "names" normalises entries like party names (case, diacritics,
	// whitespace) so name_match compares like with like.
	Kind string `yaml:"kind"`
	Pos
}

// AggregateDecl declares a per-key sliding window.
type AggregateDecl struct {
	Name  string
	By    string `yaml:"by"`
	Flow  string `yaml:"flow"`
	Over  string `yaml:"over"`
	Fn    string `yaml:"fn"`
	Where string `yaml:"where"`
	Pos
	WhereLine int `yaml:"-"`
}

// RuleDecl is one rule as written.
type RuleDecl struct {
	ID          string `yaml:"id"`
	Version     int    `yaml:"version"`
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Severity    string `yaml:"severity"`
	Score       int    `yaml:"score"`
	Typology    string `yaml:"typology"`
	Mode        string `yaml:"mode"`
	Perspective string `yaml:"perspective"`
	When        string `yaml:"when"`
	Pos
	WhenLine int `yaml:"-"`
}

// Pos is where a declaration was written.
type Pos struct {
	File string `yaml:"-"`
	Line int    `yaml:"-"`
}

// IsRuleFile reports whether name is a rule file (YAML, not a fixture).
func IsRuleFile(name string) bool {
	ext := filepath.Ext(name)
	if ext != ".yaml" && ext != ".yml" {
		return false
	}
	return !IsFixtureFile(name)
}

// IsFixtureFile reports whether name is a rule test fixture (*_test.yaml).
func IsFixtureFile(name string) bool {
	base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(name), ".yaml"), ".yml")
	return strings.HasSuffix(base, "_test")
}

// FindPacks returns the pack directories under path: every directory that
// holds at least one rule file. A file path is a pack of its own.
func FindPacks(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("find packs: %w", err)
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	seen := map[string]bool{}
	var dirs []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && IsRuleFile(p) {
			dir := filepath.Dir(p)
			if !seen[dir] {
				seen[dir] = true
				dirs = append(dirs, dir)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find packs in %s: %w", path, err)
	}
	sort.Strings(dirs)
	if len(dirs) == 0 {
		return nil, fmt.Errorf("find packs: no rule files (*.yaml) under %s", path)
	}
	return dirs, nil
}

// Parse reads a pack with the default Limits; see ParseLimits.
func Parse(path string) (*Pack, error) { return ParseLimits(path, Limits{}) }

// ParseLimits reads a pack: a single YAML file, or every rule file directly
// in a directory. Each file must be a regular file under the pack directory
// within lim.MaxRuleFileBytes. Unreadable files, syntax and structure
// errors are returned as Problems.
func ParseLimits(path string, lim Limits) (*Pack, error) {
	lim = lim.withDefaults()
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load pack: %w", err)
	}
	var files []string
	if st.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("load pack %s: %w", path, err)
		}
		for _, e := range entries {
			if !e.IsDir() && IsRuleFile(e.Name()) {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("load pack %s: no rule files", path)
		}
	} else {
		files = []string{path}
	}
	p := &Pack{Files: files}
	var probs Problems
	for _, f := range files {
		data, err := ReadRuleFile(f, lim)
		if err != nil {
			probs.add(f, 1, "", "%v", err)
			continue
		}
		parseFile(p, f, data, &probs)
	}
	if err := probs.err(); err != nil {
		return p, err
	}
	return p, nil
}

// ReadRuleFile reads a rule or fixture file: a regular file within
// lim.MaxRuleFileBytes, read within lim.ReadTimeout, that does not lead out
// of its directory through a symlink.
func ReadRuleFile(path string, lim Limits) ([]byte, error) {
	lim = lim.withDefaults()
	return readPackFile(filepath.Dir(path), path, lim.MaxRuleFileBytes, lim.ReadTimeout)
}

// ParseBytes parses one pack file's content, for fuzzing and tests.
func ParseBytes(file string, data []byte) (*Pack, error) {
	p := &Pack{Files: []string{file}}
	var probs Problems
	parseFile(p, file, data, &probs)
	return p, probs.err()
}

var (
	ruleKeys = keySet("id", "version", "name", "description", "severity", "score", "typology", "mode", "perspective", "when")
	aggKeys  = keySet("by", "flow", "over", "fn", "where")
	listKeys = keySet("file", "values", "kind")
	topKeys  = keySet("lists", "aggregates", "rules", "settings")
)

func keySet(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

func parseFile(p *Pack, file string, data []byte, probs *Problems) {
	p.sum(file, data)
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		// Some yaml errors carry no line (exceeded max depth, excessive
		// aliasing): they concern the file, reported at line 1.
		probs.add(file, max(1, yamlErrLine(err)), "", "%v", err)
		return
	}
	if len(doc.Content) == 0 {
		return // empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		probs.add(file, root.Line, "", "top level must be a mapping with lists, aggregates, rules")
		return
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if !topKeys[k.Value] {
			probs.add(file, k.Line, "", "unknown top-level key %q (want lists, aggregates, rules, settings)", k.Value)
			continue
		}
		switch k.Value {
		case "settings":
			if err := v.Decode(&p.Settings); err != nil {
				probs.add(file, v.Line, "settings", "%v", err)
			}
		case "lists":
			eachMapping(file, v, "lists", probs, func(name *yaml.Node, body *yaml.Node) {
				d := &ListDecl{Name: name.Value, Pos: Pos{file, name.Line}}
				if body.Kind == yaml.ScalarNode { // shorthand: name: path
					d.File = body.Value
				} else if checkKeys(file, body, listKeys, "list "+d.Name, probs) {
					if err := body.Decode(d); err != nil {
						probs.add(file, body.Line, "list "+d.Name, "%v", err)
						return
					}
				}
				p.Lists = append(p.Lists, d)
			})
		case "aggregates":
			eachMapping(file, v, "aggregates", probs, func(name *yaml.Node, body *yaml.Node) {
				d := &AggregateDecl{Name: name.Value, Pos: Pos{file, name.Line}}
				if !checkKeys(file, body, aggKeys, "aggregate "+d.Name, probs) {
					return
				}
				if err := body.Decode(d); err != nil {
					probs.add(file, body.Line, "aggregate "+d.Name, "%v", err)
					return
				}
				d.WhereLine = valueLine(body, "where", d.Line)
				p.Aggregates = append(p.Aggregates, d)
			})
		case "rules":
			if v.Kind != yaml.SequenceNode {
				probs.add(file, v.Line, "", "rules must be a list")
				continue
			}
			for _, body := range v.Content {
				d := &RuleDecl{Pos: Pos{file, body.Line}}
				what := fmt.Sprintf("rule #%d", len(p.Rules)+1)
				if body.Kind == yaml.MappingNode {
					if id := valueOf(body, "id"); id != "" {
						what = "rule " + id
					}
				}
				if !checkKeys(file, body, ruleKeys, what, probs) {
					continue
				}
				if err := body.Decode(d); err != nil {
					probs.add(file, body.Line, what, "%v", err)
					continue
				}
				d.WhenLine = valueLine(body, "when", d.Line)
				p.Rules = append(p.Rules, d)
			}
		}
	}
}

func eachMapping(file string, v *yaml.Node, what string, probs *Problems, fn func(k, v *yaml.Node)) {
	if v.Kind != yaml.MappingNode {
		probs.add(file, v.Line, "", "%s must be a mapping of name to declaration", what)
		return
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		fn(v.Content[i], v.Content[i+1])
	}
}

func checkKeys(file string, body *yaml.Node, allowed map[string]bool, what string, probs *Problems) bool {
	if body.Kind != yaml.MappingNode {
		probs.add(file, body.Line, what, "must be a mapping")
		return false
	}
	ok := true
	for i := 0; i+1 < len(body.Content); i += 2 {
		if k := body.Content[i]; !allowed[k.Value] {
			probs.add(file, k.Line, what, "unknown key %q", k.Value)
			ok = false
		}
	}
	return ok
}

func valueOf(body *yaml.Node, key string) string {
	for i := 0; i+1 < len(body.Content); i += 2 {
		if body.Content[i].Value == key {
			return body.Content[i+1].Value
		}
	}
	return ""
}

// valueLine returns the line where key's value starts (a block scalar's
// text starts one line below its indicator).
func valueLine(body *yaml.Node, key string, def int) int {
	for i := 0; i+1 < len(body.Content); i += 2 {
		if body.Content[i].Value == key {
			v := body.Content[i+1]
			if v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				return v.Line + 1
			}
			return v.Line
		}
	}
	return def
}

func yamlErrLine(err error) int {
	var line int
	if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
		fmt.Sscanf(te.Errors[0], "line %d", &line)
		return line
	}
	fmt.Sscanf(strings.TrimPrefix(err.Error(), "yaml: "), "line %d", &line)
	return line
}
