package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLI(t *testing.T) {
	broken := filepath.Join(t.TempDir(), "broken.yaml")
	os.WriteFile(broken, []byte("rules:\n  - id: X\n    version: 1\n    name: x\n    severity: low\n    score: 1\n    typology: threshold\n    when: amount_eur +\n"), 0o644)
	feed := filepath.Join(t.TempDir(), "feed.jsonl")
	tests := []struct {
		name     string
		args     []string
		code     int
		contains string // in stdout+stderr
	}{
		{"lint shipped packs", []string{"rules", "lint", "../../rules/packs"}, 0, "ok   ../../rules/packs/aml-core"},
		{"lint broken pack names file:line", []string{"rules", "lint", broken}, 1, broken + ":8: rule X: when:"},
		{"rules test shipped fixtures", []string{"rules", "test", "../../rules/packs"}, 0, " 0 failed"},
		{"gen", []string{"gen", "--seed", "3", "--count", "2000", "--out", feed}, 0, "wrote 2000 transactions"},
		{"screen pacs.008", []string{"screen", "--rules", "../../rules/packs/aml-core", "--format", "pacs008",
			"--input", "../../connectors/pacs008/testdata/cbprplus-ballerina/CBPR__c.105.1.1_pacs.008_AtoB.xml"}, 0, "screened 1 records (0 rejected)"},
		// The IBM sample is a few lines picked from a large file, days
		// apart: not a feed, so no future bound.
		{"screen IBM csv", []string{"screen", "--rules", "../../rules/packs/aml-core", "--format", "ibm-csv", "--quiet=false", "--screen-future-bound", "0",
			"--input", "../../connectors/ibmcsv/testdata/" + firstFile(t, "../../connectors/ibmcsv/testdata", ".csv")}, 0, "screened"},
		{"screen --alerts-from wants a zone", []string{"screen", "--alerts-from", "2026-03-01T00:00:00", "--input", feed}, 2, `"2026-03-01T00:00:00" is not an RFC 3339 time with its zone`},
		{"unknown flag", []string{"gen", "--frobnicate"}, 2, "flag provided but not defined: -frobnicate"},
		{"help", []string{"gen", "--help"}, 0, "Usage: socwatch gen"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := dispatch(tc.args, &out, &errOut)
			code := exitCode(err)
			var ee exitError
			if err != nil && !errors.As(err, &ee) {
				errOut.WriteString(err.Error())
			}
			all := out.String() + errOut.String()
			if code != tc.code || !strings.Contains(all, tc.contains) {
				t.Fatalf("exit %d (want %d), output lacks %q:\n%s", code, tc.code, tc.contains, tailOf(all))
			}
		})
	}
	// The generated feed screens without rejects and raises alerts.
	var out, errOut bytes.Buffer
	if err := dispatch([]string{"screen", "--rules", "../../rules/packs/aml-core", "--input", feed}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "(0 rejected)") || strings.Count(out.String(), "\n") == 0 {
		t.Fatalf("screen of a generated feed: %s / %d alert lines", errOut.String(), strings.Count(out.String(), "\n"))
	}
}

func firstFile(t *testing.T, dir, ext string) string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if strings.HasSuffix(e.Name(), ext) {
			return e.Name()
		}
	}
	t.Fatalf("no %s file in %s", ext, dir)
	return ""
}

func tailOf(s string) string {
	if len(s) > 2000 {
		return s[len(s)-2000:]
	}
	return s
}
