package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/socwatch/socwatch/connectors/amlsim"
	"github.com/socwatch/socwatch/connectors/file"
	"github.com/socwatch/socwatch/connectors/ibmcsv"
	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/connectors/lines"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/enrich"
	"github.com/socwatch/socwatch/engine/fx"
	"github.com/socwatch/socwatch/engine/screen"
	"github.com/socwatch/socwatch/rules"
)

// defaultPack is the rule pack used when --rules is not given.
const defaultPack = "rules/packs/aml-core"

// screenBatch is how many records go through the engine per Process call.
const screenBatch = 1024

func cmdScreen(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("screen", "screen --rules PATH --input FILE|- [--format jsonl|ibm-csv|amlsim] [--out FILE] [--rejects FILE]", stderr)
	rulesPath := fs.String("rules", defaultPack, "rule pack directory or file")
	input := fs.String("input", "-", "input file, or - for stdin")
	format := fs.String("format", "jsonl", "input format: jsonl, ibm-csv or amlsim")
	out := fs.String("out", "", "alerts output file (JSON lines); default stdout")
	rejects := fs.String("rejects", "", "write rejected records here (JSON lines with position and reason)")
	fxFile := fs.String("fx", "", "FX rate table (ECB CSV layout); default the embedded table")
	maxBytes := fs.Int("max-record-bytes", lines.DefaultMaxBytes, "reject records longer than this")
	quiet := fs.Bool("quiet", false, "no summary on stderr")
	if err := fs.Parse(args); err != nil {
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
	sum, err := screenFile(in, *format, *maxBytes, rs, rates, sink, dlq)
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
		sum.print(stderr)
	}
	return nil
}

// screenSummary is what `screen` reports on stderr.
type screenSummary struct {
	Records, Rejects int
	Alerts           map[string]int // by rule
	Typologies       map[string]int
	Elapsed          time.Duration
}

func (s *screenSummary) print(w io.Writer) {
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

// countingSink counts alerts by rule and typology on the way to the real
// sink, for the summary.
type countingSink struct {
	engine.Sink
	sum *screenSummary
}

func (c countingSink) Write(ctx context.Context, alerts []engine.Alert, done engine.Done) {
	for i := range alerts {
		c.sum.Alerts[alerts[i].RuleID]++
		c.sum.Typologies[alerts[i].Typology]++
	}
	c.Sink.Write(ctx, alerts, done)
}

// screenFile replays a file through one Stream in file order: the same
// code path `socwatch run` uses per partition.
func screenFile(in io.Reader, format string, maxBytes int, rs *engine.RuleSet, rates *fx.Table,
	sink engine.Sink, dlq interface {
		engine.DeadLetter
		Count() int
	}) (*screenSummary, error) {
	sum := &screenSummary{Alerts: map[string]int{}, Typologies: map[string]int{}}
	start := time.Now()
	var newDecoder func() engine.Decoder
	header := format != "jsonl"
	switch format {
	case "jsonl", "ibm-csv", "amlsim":
	default:
		return nil, fmt.Errorf("unknown --format %q (want jsonl, ibm-csv or amlsim)", format)
	}
	if !header {
		newDecoder = func() engine.Decoder { return &jsonl.Decoder{MaxBytes: maxBytes} }
	}
	var stream *screen.Stream
	var batch []engine.Record
	var arena []byte
	var procErr error
	flush := func() {
		if len(batch) == 0 {
			return
		}
		stream.Process(context.Background(), batch, func(err error) {
			if err != nil && procErr == nil {
				procErr = err
			}
		})
		batch, arena = batch[:0], arena[:0]
	}
	ctx := context.Background()
	err := lines.Scan(in, maxBytes, func(n int, line []byte) error {
		if lines.TooLong(line) {
			sum.Records++
			dlq.Reject(ctx, []engine.Rejected{{Record: engine.Record{Position: fmt.Sprintf("line %d", n)},
				Err: lines.TooLongError(n, maxBytes)}}, func(error) {})
			return nil
		}
		if stream == nil {
			if header {
				var err error
				if newDecoder, err = csvDecoderFactory(format, append([]byte(nil), line...)); err != nil {
					return err
				}
			}
			p := &screen.Pipeline{
				Rules:          screen.NewRules(rs),
				NewDecoder:     newDecoder,
				Enricher:       enrich.New(rates),
				Sink:           countingSink{Sink: sink, sum: sum},
				DeadLetter:     dlq,
				MaxRecordBytes: maxBytes,
			}
			stream = p.NewStream("file")
			if header {
				return nil
			}
		}
		sum.Records++
		off := len(arena)
		arena = append(arena, line...)
		batch = append(batch, engine.Record{Value: arena[off:len(arena):len(arena)], Position: fmt.Sprintf("line %d", n)})
		if len(batch) == screenBatch {
			// Values point into arena; Process is synchronous in file mode
			// (file sinks acknowledge before returning), so reuse is safe.
			flush()
		}
		return procErr
	})
	if stream != nil {
		flush()
		stream.Close()
	}
	if err != nil {
		return nil, err
	}
	if procErr != nil {
		return nil, procErr
	}
	sum.Rejects = dlq.Count()
	sum.Elapsed = time.Since(start)
	return sum, nil
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

// csvDecoderFactory checks a CSV header once and returns a factory of
// decoders bound to it.
func csvDecoderFactory(format string, header []byte) (func() engine.Decoder, error) {
	switch format {
	case "ibm-csv":
		if _, err := ibmcsv.NewDecoder(header); err != nil {
			return nil, fmt.Errorf("ibm-csv header: %w", err)
		}
		return func() engine.Decoder { d, _ := ibmcsv.NewDecoder(header); return d }, nil
	case "amlsim":
		if _, err := amlsim.NewDecoder(header, amlsim.Options{}); err != nil {
			return nil, fmt.Errorf("amlsim header: %w", err)
		}
		return func() engine.Decoder { d, _ := amlsim.NewDecoder(header, amlsim.Options{}); return d }, nil
	}
	return nil, fmt.Errorf("unknown format %q", format)
}
