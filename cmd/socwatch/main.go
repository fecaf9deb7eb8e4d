// Command socwatch is SOC-Watch's one binary: it screens transaction
// streams against AML rule packs (run, demo), replays files (screen), checks
// rule packs (rules lint, rules test) and generates a synthetic
// cross-border feed (gen) and measures detection quality against labels
// (eval).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
)

const usage = `socwatch — streaming AML transaction screening

Usage:
  socwatch demo   [flags]            embedded broker + synthetic feed + real screening
  socwatch run    [flags]            screen a Kafka topic, alerts to ClickHouse
  socwatch screen [flags]            screen a file (JSON lines, IBM CSV, AMLSim CSV)
  socwatch rules lint PATH...        check rule packs; exit 1 with file:line errors
  socwatch rules test PATH...        run rule fixtures (*_test.yaml); exit 1 on failure
  socwatch gen    [flags]            write a synthetic cross-border feed with labels
  socwatch eval   [flags]            recall, precision and legit alerted share against labels; threshold sweeps
  socwatch console [flags]           analyst console (alert triage, cases, backtests, goAML)
  socwatch console adduser [flags]   add a console user (password on stdin)
  socwatch goaml  --case ID --out F  write a case's goAML STR report

Run 'socwatch COMMAND --help' for a command's flags.
`

// exitError carries a process exit code through the command functions.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	err := dispatch(os.Args[1:], os.Stdout, os.Stderr)
	var ee exitError
	if err != nil && !errors.As(err, &ee) && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "socwatch:", err)
	}
	os.Exit(exitCode(err))
}

// exitCode is the process exit code of dispatch's error: 0 for none or
// --help, an exitError's own code (2: usage), else 1.
func exitCode(err error) int {
	var ee exitError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	return 1
}

func dispatch(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError{2}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "screen":
		return cmdScreen(rest, stdout, stderr)
	case "rules":
		return cmdRules(rest, stdout, stderr)
	case "gen":
		return cmdGen(rest, stdout, stderr)
	case "eval":
		return cmdEval(rest, stdout, stderr)
	case "run":
		return cmdRun(rest, stdout, stderr)
	case "demo":
		return cmdDemo(rest, stdout, stderr)
	case "console":
		return cmdConsole(rest, os.Stdin, stdout, stderr)
	case "goaml":
		return cmdGoAML(rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
	return exitError{2}
}

// parseFlags parses args into fs. A flag it cannot parse is a usage error,
// exit 2 as for an unknown command; fs has printed the error and its usage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		return exitError{2}
	}
	return err
}

// newFlags returns a FlagSet that prints its usage to stderr.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: socwatch %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}
