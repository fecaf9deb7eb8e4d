package rulegen

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/socwatch/socwatch/rules"
)

// countries are rotated into variants' country literals: the PL–NO
// corridor becomes DE–SE, CZ–LT and so on.
var countries = []string{"PL", "NO", "DE", "SE", "LT", "CZ", "DK", "FI", "EE", "LV", "SK", "NL", "FR", "IT", "ES", "AT"}

// thresholdRe finds a number compared against: `>= 15000`, `< 0.8`.
var thresholdRe = regexp.MustCompile(`(>=|<=|==|!=|<|>)(\s*)(\d+(?:\.\d+)?)`)

// countryRe finds a two-letter upper-case string literal.
var countryRe = regexp.MustCompile(`"([A-Z]{2})"`)

// Mutate returns the when expression of variant k of a rule: variant 0 is
// the expression unchanged; variant k scales every compared number by
// 1 + 0.03k (integers stay integers) and moves every two-letter country
// literal k places along a fixed country list.
func Mutate(when string, k int) string {
	if k <= 0 {
		return when
	}
	factor := 1 + 0.03*float64(k)
	out := thresholdRe.ReplaceAllStringFunc(when, func(m string) string {
		parts := thresholdRe.FindStringSubmatch(m)
		op, space, num := parts[1], parts[2], parts[3]
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return m
		}
		scaled := v * factor
		if !strings.Contains(num, ".") {
			return op + space + strconv.FormatInt(int64(math.Round(scaled)), 10)
		}
		return op + space + strconv.FormatFloat(math.Round(scaled*1000)/1000, 'f', -1, 64)
	})
	return countryRe.ReplaceAllStringFunc(out, func(m string) string {
		c := m[1:3]
		i := indexOf(countries, c)
		if i < 0 {
			i = int(c[0]) + int(c[1])
		}
		return `"` + countries[(i+k)%len(countries)] + `"`
	})
}

func indexOf(xs []string, s string) int {
	for i, x := range xs {
		if x == s {
			return i
		}
	}
	return -1
}

// Variants returns n rules cycling over base: rule i is variant i/len(base)
// of base[i%len(base)], with a unique id.
func Variants(base []*rules.RuleDecl, n int) ([]rules.RuleDecl, error) {
	if len(base) == 0 {
		return nil, fmt.Errorf("generate %d rules: the source pack has no rules", n)
	}
	if n < 1 {
		return nil, fmt.Errorf("generate %d rules: want at least 1", n)
	}
	out := make([]rules.RuleDecl, n)
	for i := range out {
		b := base[i%len(base)]
		k := i / len(base)
		r := *b
		r.ID = fmt.Sprintf("%s-G%04d", b.ID, i)
		r.Name = fmt.Sprintf("%s (generated variant %d)", b.Name, k)
		r.Description = fmt.Sprintf("Variant %d of %s for the rule-count benchmark.", k, b.ID)
		r.When = Mutate(b.When, k)
		out[i] = r
	}
	return out, nil
}

// packFile is the YAML shape of a rule file, in the field order the
// analysts' files use.
type packFile struct {
	Lists      map[string]listYAML      `yaml:"lists,omitempty"`
	Aggregates map[string]aggregateYAML `yaml:"aggregates,omitempty"`
	Rules      []ruleYAML               `yaml:"rules"`
	Settings   *rules.Settings          `yaml:"settings,omitempty"`
}

type listYAML struct {
	File   string   `yaml:"file,omitempty"`
	Values []string `yaml:"values,omitempty"`
	Kind   string   `yaml:"kind,omitempty"`
}

type aggregateYAML struct {
	By    string `yaml:"by"`
	Flow  string `yaml:"flow,omitempty"`
	Over  string `yaml:"over"`
	Fn    string `yaml:"fn"`
	Where string `yaml:"where,omitempty"`
}

type ruleYAML struct {
	ID          string `yaml:"id"`
	Version     int    `yaml:"version"`
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	Severity    string `yaml:"severity"`
	Score       int    `yaml:"score"`
	Typology    string `yaml:"typology"`
	Mode        string `yaml:"mode,omitempty"`
	Perspective string `yaml:"perspective,omitempty"`
	When        string `yaml:"when"`
}

// listFile is where a generated pack keeps a copy of the source's list:
// lists/<name><ext>, inside the pack, since a pack may read only files
// under its own directory (see rules.Limits).
func listFile(l *rules.ListDecl) string {
	if l.File == "" {
		return ""
	}
	return "lists/" + l.Name + filepath.Ext(l.File)
}

// listSource is the source list's file as the source pack reads it.
func listSource(l *rules.ListDecl) string {
	if filepath.IsAbs(l.File) {
		return l.File
	}
	return filepath.Join(filepath.Dir(l.File0()), l.File)
}

// Marshal renders a one-file pack of n rule variants of src. List files are
// referenced as lists/<name><ext>; WritePack copies them there.
func Marshal(src *rules.Pack, n int) ([]byte, error) {
	vs, err := Variants(src.Rules, n)
	if err != nil {
		return nil, err
	}
	f := packFile{Lists: map[string]listYAML{}, Aggregates: map[string]aggregateYAML{}}
	for _, l := range src.Lists {
		f.Lists[l.Name] = listYAML{File: listFile(l), Values: l.Values, Kind: l.Kind}
	}
	for _, a := range src.Aggregates {
		f.Aggregates[a.Name] = aggregateYAML{By: a.By, Flow: a.Flow, Over: a.Over, Fn: a.Fn, Where: a.Where}
	}
	if src.Settings != (rules.Settings{}) {
		s := src.Settings
		f.Settings = &s
	}
	for _, r := range vs {
		f.Rules = append(f.Rules, ruleYAML{
			ID: r.ID, Version: r.Version, Name: r.Name, Description: r.Description,
			Severity: r.Severity, Score: r.Score, Typology: r.Typology, Mode: r.Mode,
			Perspective: r.Perspective, When: r.When,
		})
	}
	out, err := yaml.Marshal(&f)
	if err != nil {
		return nil, fmt.Errorf("marshal generated pack: %w", err)
	}
	return out, nil
}

// WritePack writes the n-rule pack derived from src into dir/rules.yaml,
// with copies of the source's list files under dir/lists, and returns the
// file's path, which rules.Load accepts.
func WritePack(src *rules.Pack, n int, dir string) (string, error) {
	data, err := Marshal(src, n)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Join(dir, "lists"), 0o755); err != nil {
		return "", fmt.Errorf("create pack dir %s: %w", dir, err)
	}
	for _, l := range src.Lists {
		if l.File == "" {
			continue
		}
		b, err := os.ReadFile(listSource(l))
		if err != nil {
			return "", fmt.Errorf("list %s: %w", l.Name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, listFile(l)), b, 0o644); err != nil {
			return "", fmt.Errorf("list %s: %w", l.Name, err)
		}
	}
	path := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return "", fmt.Errorf("write generated pack %s: %w", path, err)
	}
	return path, nil
}
