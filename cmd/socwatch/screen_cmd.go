package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/socwatch/socwatch/connectors/file"
	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/connectors/pacs008"
	"github.com/socwatch/socwatch/engine/enrich"
	"github.com/socwatch/socwatch/engine/eventtime"
	"github.com/socwatch/socwatch/engine/fx"
	"github.com/socwatch/socwatch/engine/screen"
	"github.com/socwatch/socwatch/internal/lines"
	"github.com/socwatch/socwatch/rules"
)

// defaultPack is the rule pack used when --rules is not given.
const defaultPack = "rules/packs/aml-core"

// ScreenConfig is the configuration block `screen`, shared by run, demo
// and screen (same flags, same defaults) so that a file and a topic holding
// the same records reject the same ones: the bounds beyond which a record
// is dated too far ahead and is rejected as ts_future.
type ScreenConfig struct {
	FutureBound    time.Duration
	WallClockBound time.Duration
}

// RegisterFlags registers the block's keys on fs (--screen-future-bound,
// --screen-wall-clock-bound) with their defaults.
func (c *ScreenConfig) RegisterFlags(fs *flag.FlagSet) {
	fs.DurationVar(&c.FutureBound, "screen-future-bound", eventtime.DefaultAhead,
		"reject records dated more than this ahead of the stream's event time as ts_future (0: no bound)")
	fs.DurationVar(&c.WallClockBound, "screen-wall-clock-bound", 0,
		"reject records dated more than this ahead of the clock as ts_future (0: no bound; 24h suits a live feed)")
}

// timeBounds checks the block; 0 turns a bound off.
func (c ScreenConfig) timeBounds() (screen.TimeBounds, error) {
	if c.FutureBound < 0 {
		return screen.TimeBounds{}, fmt.Errorf("config screen.future_bound: %s, must be >= 0", c.FutureBound)
	}
	if c.WallClockBound < 0 {
		return screen.TimeBounds{}, fmt.Errorf("config screen.wall_clock_bound: %s, must be >= 0", c.WallClockBound)
	}
	b := screen.TimeBounds{Ahead: c.FutureBound, WallClock: c.WallClockBound}
	if b.Ahead == 0 {
		b.Ahead = -1 // screen.TimeBounds reads 0 as the default
	}
	return b, nil
}

func cmdScreen(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("screen", "screen --rules PATH --input FILE|- [--format jsonl|ibm-csv|amlsim|pacs008] [--out FILE] [--rejects FILE]", stderr)
	rulesPath := fs.String("rules", defaultPack, "rule pack directory or file")
	input := fs.String("input", "-", "input file, or - for stdin")
	format := fs.String("format", "jsonl", "input format: jsonl, ibm-csv, amlsim, or pacs008 (one ISO 20022 message, any number of transactions)")
	out := fs.String("out", "", "alerts output file (JSON lines); default stdout")
	rejects := fs.String("rejects", "", "write rejected records here (JSON lines with position and reason)")
	fxFile := fs.String("fx", "", "FX rate table (ECB CSV layout); default the embedded table")
	maxBytes := fs.Int("max-record-bytes", lines.DefaultMaxBytes, "reject records longer than this")
	var sc ScreenConfig
	sc.RegisterFlags(fs)
	quiet := fs.Bool("quiet", false, "no summary on stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	bounds, err := sc.timeBounds()
	if err != nil {
		return err
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
	in, closeIn, err := openInput(*input)
	if err != nil {
		return err
	}
	defer closeIn()
	alertsOut := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("create alerts file: %w", err)
		}
		defer f.Close()
		alertsOut = f
	}
	var rejectsOut io.Writer
	if *rejects != "" {
		f, err := os.Create(*rejects)
		if err != nil {
			return fmt.Errorf("create rejects file: %w", err)
		}
		defer f.Close()
		rejectsOut = f
	}
	sink := file.NewAlertWriter(alertsOut)
	dlq := file.NewRejectWriter(stderr, rejectsOut)
	if *format == "pacs008" {
		// A pacs.008 message is one XML document holding one or more
		// transactions: decode it whole, then screen its transactions in
		// message order as canonical records.
		if in, err = pacs008Lines(in); err != nil {
			return err
		}
		*format = "jsonl"
	}
	sum, err := file.Replay(in, file.ReplayOptions{Format: *format, MaxBytes: *maxBytes, Rules: rs,
		Enricher: enrich.New(rates), Sink: sink, Rejects: dlq, TimeBounds: bounds})
	if cerr := sink.Close(context.Background()); cerr != nil && err == nil {
		err = cerr
	}
	if cerr := dlq.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if !*quiet {
		printSummary(stderr, sum)
	}
	return nil
}

func printSummary(w io.Writer, s *file.Summary) {
	total := 0
	for _, n := range s.Alerts {
		total += n
	}
	rate := float64(s.Records) / s.Elapsed.Seconds()
	fmt.Fprintf(w, "screened %d records (%d rejected) in %s, %.0f records/s; %d alerts\n",
		s.Records, s.Rejects, s.Elapsed.Round(time.Millisecond), rate, total)
	printCounts(w, "by rule", s.Alerts)
	printCounts(w, "by typology", s.Typologies)
}

func printCounts(w io.Writer, title string, m map[string]int) {
	if len(m) == 0 {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "  %s:\n", title)
	for _, k := range keys {
		fmt.Fprintf(w, "    %-28s %d\n", k, m[k])
	}
}

func openInput(path string) (io.Reader, func(), error) {
	if path == "-" || path == "" {
		return os.Stdin, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open input: %w", err)
	}
	return f, func() { f.Close() }, nil
}

func loadFX(path string) (*fx.Table, error) {
	if path == "" {
		return fx.Default(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open fx table: %w", err)
	}
	defer f.Close()
	t, err := fx.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("fx table %s: %w", path, err)
	}
	return t, nil
}

// pacs008Lines decodes one pacs.008 message into canonical JSON lines.
func pacs008Lines(in io.Reader) (io.Reader, error) {
	data, err := io.ReadAll(in)
	if err != nil {
		return nil, fmt.Errorf("read pacs.008 message: %w", err)
	}
	txs, err := pacs008.DecodeAll(data)
	if err != nil {
		return nil, fmt.Errorf("pacs.008: %w", err)
	}
	var buf bytes.Buffer
	for i := range txs {
		buf.Write(jsonl.Encode(nil, &txs[i]))
		buf.WriteByte('\n')
	}
	return &buf, nil
}
