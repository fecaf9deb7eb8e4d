package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/socwatch/socwatch/engine/enrich"
	"github.com/socwatch/socwatch/internal/eval"
	"github.com/socwatch/socwatch/rules"
)

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func cmdEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", "eval --rules PACK --input FEED [--input FEED…] [--format jsonl|ibm-csv|amlsim] [--labels FILE…] [--sweep RULE_ID [--grid …] [--plot FILE]]", stderr)
	rulesPath := fs.String("rules", defaultPack, "rule pack directory or file")
	var inputs, labels repeated
	fs.Var(&inputs, "input", "feed to screen; repeat to merge several files by event time (e.g. IBM patterns and its legitimate sample)")
	format := fs.String("format", "jsonl", "input format of every --input: jsonl, ibm-csv or amlsim")
	fs.Var(&labels, "labels", "ground truth: tx_id,typology[,attempt] CSV (socwatch gen), an IBM CSV with Is Laundering, or AMLSim nodes.csv; repeatable; default for ibm-csv: the inputs' own columns")
	minAttempt := fs.Int("min-attempt-tx", 1, "count attempt recall only over laundering attempts with at least this many transactions in the feed (2 for IBM: a lone transfer shows no pattern)")
	warmup := fs.String("warmup", "0", "screen but do not count the feed's first DURATION (e.g. 30d), so histories fill as they would in production")
	fxFile := fs.String("fx", "", "FX rate table (ECB CSV layout); default the embedded table")
	sweep := fs.String("sweep", "", "rule id: vary each numeric literal of the rule and of the aggregates it reads, print the precision/recall table")
	grid := fs.String("grid", "0.5,0.75,0.9,1.1,1.25,1.5,2", "sweep multipliers of each literal")
	plot := fs.String("plot", "", "sweep plot (SVG); default sweep-RULE_ID.svg")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if len(inputs) == 0 {
		fs.Usage()
		return exitError{2}
	}
	warm, err := rules.ParseDuration(*warmup)
	if err != nil || warm < 0 {
		return fmt.Errorf("eval: --warmup %q: want a duration such as 30d or 72h", *warmup)
	}
	rates, err := loadFX(*fxFile)
	if err != nil {
		return err
	}
	rs, err := rules.Load(*rulesPath, rules.Options{FX: rates})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitError{1}
	}
	ins := make([]eval.Input, len(inputs))
	for i, path := range inputs {
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}
		ins[i] = eval.Input{Name: path, Format: *format, Data: data}
	}
	truth, err := loadTruth(labels, ins)
	if err != nil {
		return err
	}
	prep, err := eval.Prepare(ins)
	if err != nil {
		return err
	}
	if prep.Rejected > 0 {
		fmt.Fprintf(stderr, "eval: %d records do not decode and are left out\n", prep.Rejected)
	}
	en := enrich.New(rates)
	opts := eval.Options{MinAttemptTx: *minAttempt, Warmup: warm}
	if *sweep != "" {
		mults, err := eval.ParseGrid(*grid)
		if err != nil {
			return err
		}
		pack, err := rules.Parse(*rulesPath)
		if err != nil {
			return err
		}
		res, err := eval.RunSweep(pack, *sweep, mults, rules.Options{FX: rates}, prep, truth, en, opts)
		if err != nil {
			return err
		}
		if err := eval.PrintSweep(stdout, res); err != nil {
			return err
		}
		if *plot == "" {
			*plot = "sweep-" + *sweep + ".svg"
		}
		var svg bytes.Buffer
		eval.PlotSweep(&svg, res)
		if err := os.WriteFile(*plot, svg.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write plot: %w", err)
		}
		fmt.Fprintf(stderr, "eval: plot written to %s\n", *plot)
		return nil
	}
	rep, err := eval.Evaluate(rs, prep, truth, en, opts)
	if err != nil {
		return err
	}
	return eval.Print(stdout, rep)
}

// loadTruth reads every labels file; with none, IBM CSV inputs label
// themselves (Is Laundering, Pattern ID, Pattern Family).
func loadTruth(files []string, inputs []eval.Input) (*eval.Truth, error) {
	t := &eval.Truth{Tx: map[string]eval.Label{}}
	if len(files) == 0 {
		for _, in := range inputs {
			if in.Format != "ibm-csv" {
				return nil, fmt.Errorf("--labels is required for %s input %s", in.Format, in.Name)
			}
			l, err := eval.ReadIBMLabels(bytes.NewReader(in.Data))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", in.Name, err)
			}
			t.Merge(l)
		}
		return t, nil
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read labels: %w", err)
		}
		l, err := eval.ReadLabels(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		t.Merge(l)
	}
	return t, nil
}
