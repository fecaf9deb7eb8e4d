package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// runCLI runs one command and returns its exit code and output.
func runCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	err := dispatch(args, &out, &errOut)
	code := 0
	var ee exitError
	if errors.As(err, &ee) {
		code = ee.code
	} else if err != nil {
		code = 1
		errOut.WriteString(err.Error())
	}
	return code, out.String(), errOut.String()
}

func TestEvalCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	feed := filepath.Join(dir, "feed.jsonl")
	if code, _, e := runCLI("gen", "--seed", "4", "--count", "20000", "--out", feed); code != 0 {
		t.Fatalf("gen: %s", e)
	}
	labels := feed + ".labels.csv"
	pack := "../../rules/packs/aml-core"

	t.Run("generated feed", func(t *testing.T) {
		code, out, e := runCLI("eval", "--rules", pack, "--input", feed, "--labels", labels)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, e)
		}
		// Every typology of the vocabulary is a row, with its attempts.
		for _, typ := range []string{"fan_out", "structuring", "dormant_reactivation", "corridor"} {
			if !regexp.MustCompile(`(?m)^` + typ + ` +\d+ +\d+ `).MatchString(out) {
				t.Errorf("no %s row:\n%s", typ, out)
			}
		}
		if !regexp.MustCompile(`transactions 20000: laundering \d+ in \d+ attempts, legit \d+`).MatchString(out) {
			t.Errorf("no totals line:\n%s", out)
		}
		if !strings.Contains(out, "AML-FANOUT-001") || !strings.Contains(out, "legit alerted") {
			t.Errorf("no per-rule table:\n%s", out)
		}
	})

	t.Run("sweep", func(t *testing.T) {
		plot := filepath.Join(dir, "fan.svg")
		code, out, e := runCLI("eval", "--rules", pack, "--input", feed, "--labels", labels,
			"--sweep", "AML-FANOUT-001", "--grid", "0.5,2", "--plot", plot)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, e)
		}
		for _, want := range []string{"(as written)", "when 5 ", " 3 ", " 10 ", "when 5000 ", "10000"} {
			if !strings.Contains(out, want) {
				t.Errorf("sweep table lacks %q:\n%s", want, out)
			}
		}
		svg, err := os.ReadFile(plot)
		if err != nil || !bytes.HasPrefix(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("<circle")) {
			t.Errorf("plot %s (%v): %.200s", plot, err, svg)
		}
	})

	t.Run("IBM files label themselves", func(t *testing.T) {
		td := "../../connectors/ibmcsv/testdata/"
		code, out, e := runCLI("eval", "--rules", pack, "--format", "ibm-csv", "--min-attempt-tx", "2",
			"--input", td+"patterns_flat_head.csv", "--input", td+"transactions_head.csv")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, e)
		}
		if !regexp.MustCompile(`(?m)^FAN-OUT +[1-9]`).MatchString(out) || !strings.Contains(out, "of >= 2 tx") {
			t.Errorf("no FAN-OUT attempts:\n%s", out)
		}
	})

	t.Run("AMLSim accounts", func(t *testing.T) {
		nodes := filepath.Join(dir, "nodes.csv")
		os.WriteFile(nodes, []byte("nodeid,isFraud\n216,1\n14730,0\n"), 0o644)
		code, out, e := runCLI("eval", "--rules", pack, "--format", "amlsim",
			"--input", "../../connectors/amlsim/testdata/transactions_head.csv", "--labels", nodes)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, e)
		}
		if !strings.Contains(out, "1 labelled laundering") || !strings.Contains(out, "acct recall") {
			t.Errorf("no account-level figures:\n%s", out)
		}
	})

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"labels required for jsonl", []string{"eval", "--rules", pack, "--input", feed}, "--labels is required"},
		{"unknown sweep rule", []string{"eval", "--rules", pack, "--input", feed, "--labels", labels, "--sweep", "NOPE"}, `no rule "NOPE"`},
		{"bad grid", []string{"eval", "--rules", pack, "--input", feed, "--labels", labels, "--sweep", "AML-FANOUT-001", "--grid", "0"}, "not a positive multiplier"},
		{"no input", []string{"eval", "--rules", pack}, "Usage: socwatch eval"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, e := runCLI(tc.args...)
			if code == 0 || !strings.Contains(out+e, tc.want) {
				t.Fatalf("exit %d, output lacks %q:\n%s%s", code, tc.want, out, e)
			}
		})
	}
}
