package packs

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/socwatch/socwatch/rules"
	"github.com/socwatch/socwatch/rules/ruletest"
)

// TestPacksCompile loads every shipped pack as the engine would.
func TestPacksCompile(t *testing.T) {
	dirs, err := rules.FindPacks(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		t.Run(dir, func(t *testing.T) {
			rs, err := rules.Load(dir, rules.Options{})
			if err != nil {
				t.Fatalf("load %s: %v", dir, err)
			}
			if len(rs.Rules) == 0 {
				t.Fatalf("pack %s has no rules", dir)
			}
		})
	}
}

// TestFixtures runs every *_test.yaml fixture of every pack.
func TestFixtures(t *testing.T) {
	files, err := ruletest.FindFixtures(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no fixtures found")
	}
	for _, f := range files {
		t.Run(filepath.ToSlash(f), func(t *testing.T) {
			results, err := ruletest.RunFile(f, rules.Options{})
			if err != nil {
				t.Fatalf("run %s: %v", f, err)
			}
			if len(results) == 0 {
				t.Fatalf("%s has no test cases", f)
			}
			for _, r := range results {
				if !r.OK() {
					t.Error(r.String())
				}
			}
		})
	}
}

// TestEveryRuleHasFixtures checks the pack's own contract: every rule has
// a fixture beside its file with at least one case that expects it to
// alert and at least two cases that check it and expect no alert from it.
func TestEveryRuleHasFixtures(t *testing.T) {
	dirs, err := rules.FindPacks(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		p, err := rules.Parse(dir)
		if err != nil {
			t.Fatalf("parse %s: %v", dir, err)
		}
		for _, r := range p.Rules {
			fixture := strings.TrimSuffix(r.File, filepath.Ext(r.File)) + "_test.yaml"
			cases, err := readCases(fixture)
			if err != nil {
				t.Errorf("rule %s: %v", r.ID, err)
				continue
			}
			alerting, quiet := 0, 0
			for _, c := range cases {
				expects := false
				for _, a := range c.Alerts {
					expects = expects || a.RuleID == r.ID
				}
				checked := len(c.Rules) == 0 || slices.Contains(c.Rules, r.ID)
				switch {
				case expects:
					alerting++
				case checked:
					quiet++
				}
			}
			if alerting < 1 || quiet < 2 {
				t.Errorf("rule %s: %s has %d case(s) expecting an alert (want >= 1) and %d expecting none (want >= 2)",
					r.ID, fixture, alerting, quiet)
			}
		}
	}
}

func readCases(path string) ([]ruletest.Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read fixture: %w", err)
	}
	var f ruletest.File
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("parse fixture %s: %w", path, err)
	}
	return f.Tests, nil
}
