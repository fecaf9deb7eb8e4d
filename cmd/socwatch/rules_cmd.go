package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/socwatch/socwatch/rules"
	"github.com/socwatch/socwatch/rules/ruletest"
)

func cmdRules(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stderr, "Usage: socwatch rules lint|test PATH...\n\n  lint  parse and compile every pack under PATH; print file:line errors\n  test  run every *_test.yaml fixture under PATH\n")
		if len(args) == 0 {
			return exitError{2}
		}
		return nil
	}
	sub, paths := args[0], args[1:]
	if len(paths) == 0 {
		paths = []string{"rules/packs"}
	}
	switch sub {
	case "lint":
		return rulesLint(paths, stdout, stderr)
	case "test":
		return rulesTest(paths, stdout, stderr)
	}
	fmt.Fprintf(stderr, "unknown rules subcommand %q (want lint or test)\n", sub)
	return exitError{2}
}

func rulesLint(paths []string, stdout, stderr io.Writer) error {
	bad := 0
	for _, path := range paths {
		packs, err := rules.FindPacks(path)
		if err != nil {
			fmt.Fprintln(stderr, err)
			bad++
			continue
		}
		for _, dir := range packs {
			rs, err := rules.Load(dir, rules.Options{})
			if err != nil {
				var probs rules.Problems
				if errors.As(err, &probs) {
					for _, p := range probs {
						fmt.Fprintln(stderr, p.Error())
					}
				} else {
					fmt.Fprintln(stderr, err)
				}
				bad++
				continue
			}
			fmt.Fprintf(stdout, "ok   %s: %d rules, %d aggregates, perspectives %v (hash %s)\n",
				dir, len(rs.Rules), len(rs.Aggregates), rs.Perspectives, rs.Hash)
		}
	}
	if bad > 0 {
		return exitError{1}
	}
	return nil
}

func rulesTest(paths []string, stdout, stderr io.Writer) error {
	var failed, passed int
	for _, path := range paths {
		files, err := ruletest.FindFixtures(path)
		if err != nil {
			return fmt.Errorf("find fixtures: %w", err)
		}
		if len(files) == 0 {
			fmt.Fprintf(stderr, "no *_test.yaml fixtures under %s\n", path)
			failed++
		}
		for _, f := range files {
			results, err := ruletest.RunFile(f, rules.Options{})
			if err != nil {
				fmt.Fprintf(stderr, "FAIL %v\n", err)
				failed++
				continue
			}
			for _, r := range results {
				if r.OK() {
					passed++
					fmt.Fprintln(stdout, r.String())
				} else {
					failed++
					fmt.Fprintln(stderr, r.String())
				}
			}
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return exitError{1}
	}
	return nil
}
