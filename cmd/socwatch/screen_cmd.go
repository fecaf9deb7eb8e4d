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
	"github.com/socwatch/socwatch/engine"
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
// the same records reject and alert on the same ones: the bounds beyond
// which a record is dated too far ahead and is rejected as ts_future, and
// the warm-up cut before which alerts are withheld.
type ScreenConfig struct {
	FutureBound    time.Duration
	WallClockBound time.Duration
	// AlertsFrom withholds the alerts of transactions dated before it
	// (engine/warmup); zero withholds none.
	AlertsFrom time.Time
}

// alertsFromKey is the warm-up cut's key; run, demo and screen also take
// it as --alerts-from.
const alertsFromKey = "screen.alerts_from"

// RegisterFlags registers the block's keys on fs (--screen-future-bound,
// --screen-wall-clock-bound, --screen-alerts-from) with their defaults.
func (c *ScreenConfig) RegisterFlags(fs *flag.FlagSet) {
	fs.DurationVar(&c.FutureBound, "screen-future-bound", eventtime.DefaultAhead,
		"reject records dated more than this ahead of the stream's event time as ts_future (0: no bound)")
	fs.DurationVar(&c.WallClockBound, "screen-wall-clock-bound", 0,
		"reject records dated more than this ahead of the clock as ts_future (0: no bound; 24h suits a live feed)")
	fs.Var((*rfc3339)(&c.AlertsFrom), "screen-alerts-from",
		"warm-up: screen every record but write alerts only of transactions dated at or after this RFC 3339 time, e.g. 2026-03-01T00:00:00Z (unset: every alert is written)")
}

// rfc3339 is a time flag: an RFC 3339 time with its zone, unset by
// default (the zero time prints as nothing).
type rfc3339 time.Time

// wantRFC3339 says what a time key takes.
const wantRFC3339 = "an RFC 3339 time with its zone (e.g. 2026-03-01T00:00:00Z)"

func (t *rfc3339) Set(s string) error {
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("%q is not %s", s, wantRFC3339)
	}
	*t = rfc3339(v)
	return nil
}

func (t *rfc3339) String() string {
	if t == nil || time.Time(*t).IsZero() {
		return ""
	}
	return time.Time(*t).Format(time.RFC3339Nano)
}

// Get lets checkType tell a time key from the others.
func (t *rfc3339) Get() any { return t }

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
	fs := newFlags("screen", "screen --rules PATH --input FILE|- [--format jsonl|ibm-csv|amlsim|pacs008] [--out FILE] [--rejects FILE] [--alerts-from TIME]\n\n"+
		"--alerts-from is --screen-alerts-from: screen the whole input (history builds the state), write\n"+
		"only the alerts of transactions dated at or after TIME, count the others in the summary.\n\n"+
		"Exit status: 0 every record screened; 3 screened to the end but some records (or a whole\n"+
		"pacs.008 message) refused, each on stderr and in --rejects; 1 error; 2 usage.", stderr)
	rulesPath := fs.String("rules", defaultPack, "rule pack directory or file")
	input := fs.String("input", "-", "input file, or - for stdin")
	format := fs.String("format", "jsonl", "input format: jsonl, ibm-csv, amlsim, or pacs008 (one ISO 20022 message, any number of transactions)")
	out := fs.String("out", "", "alerts output file (JSON lines); default stdout")
	rejects := fs.String("rejects", "", "write rejected records here (JSON lines with position and reason)")
	fxFile := fs.String("fx", "", "FX rate table (ECB CSV layout); default the embedded table")
	maxBytes := fs.Int("max-record-bytes", lines.DefaultMaxBytes, "reject records longer than this")
	var sc ScreenConfig
	sc.RegisterFlags(fs)
	var limits rules.Limits
	limits.RegisterFlags(fs)
	quiet := fs.Bool("quiet", false, "no summary on stderr")
	if err := parseFlags(fs, expandShortcuts(args, flagNames(map[string]string{"alerts-from": alertsFromKey}))); err != nil {
		return err
	}
	bounds, err := sc.timeBounds()
	if err != nil {
		return err
	}
	if err := limits.Validate(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	rates, err := loadFX(*fxFile)
	if err != nil {
		return err
	}
	rs, err := rules.Load(*rulesPath, rules.Options{FX: rates, Limits: limits})
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
	opts := file.ReplayOptions{Format: *format, MaxBytes: *maxBytes, Rules: rs,
		Enricher: enrich.New(rates), Sink: sink, Rejects: dlq, TimeBounds: bounds, AlertsFrom: sc.AlertsFrom}
	refused := 0
	if *format == "pacs008" {
		// A pacs.008 message is one XML document holding one or more
		// transactions: the invalid ones (or the whole message, if it
		// cannot be split) go to the rejects, the valid ones are screened
		// in message order as canonical records.
		msg, err := readPacs008(in)
		if err != nil {
			return err
		}
		refused = len(msg.refused)
		dlq.Reject(context.Background(), msg.refused, func(error) {})
		in, opts.Format, opts.Position = msg.lines, "jsonl", msg.position
	}
	sum, err := file.Replay(in, opts)
	if cerr := sink.Close(context.Background()); cerr != nil && err == nil {
		err = cerr
	}
	if cerr := dlq.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	sum.Records += refused
	if !*quiet {
		printSummary(stderr, sum, sc.AlertsFrom)
	}
	if sum.Rejects > 0 {
		return exitError{exitRejected}
	}
	return nil
}

// exitRejected is screen's exit code when the input was screened to the
// end but some records (or a whole pacs.008 message) were refused: they
// are on stderr and in --rejects. 1 means screen could not do its job.
const exitRejected = 3

func printSummary(w io.Writer, s *file.Summary, alertsFrom time.Time) {
	rate := float64(s.Records) / s.Elapsed.Seconds()
	fmt.Fprintf(w, "screened %d records (%d rejected) in %s, %.0f records/s; %d alerts\n",
		s.Records, s.Rejects, s.Elapsed.Round(time.Millisecond), rate, total(s.Alerts))
	printCounts(w, "by rule", s.Alerts)
	printCounts(w, "by typology", s.Typologies)
	if !alertsFrom.IsZero() {
		fmt.Fprintf(w, "withheld %d alerts of transactions before %s (--alerts-from)\n",
			total(s.Withheld), alertsFrom.Format(time.RFC3339Nano))
		printCounts(w, "withheld by rule", s.Withheld)
	}
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
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

// pacs008Message is one pacs.008 message made ready for file.Replay.
type pacs008Message struct {
	lines   io.Reader // the valid transactions as canonical JSON lines
	ids     []string  // "transaction N (tx id)" of each line
	refused []engine.Rejected
}

// position names line n of lines for file.Replay's rejects.
func (m *pacs008Message) position(n int) string { return m.ids[n-1] }

// readPacs008 splits one pacs.008 message into its transactions: valid
// ones become canonical JSON lines, invalid ones rejects holding their
// CdtTrfTxInf element; a message that cannot be split is one reject
// holding the whole message.
func readPacs008(in io.Reader) (*pacs008Message, error) {
	data, err := io.ReadAll(io.LimitReader(in, pacs008.MaxMessageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read pacs.008 message: %w", err)
	}
	m := &pacs008Message{}
	each, err := pacs008.DecodeEach(data)
	if err != nil {
		m.refused = []engine.Rejected{{Record: engine.Record{Value: data, Position: "message"}, Err: err}}
		m.lines = bytes.NewReader(nil)
		return m, nil
	}
	var buf bytes.Buffer
	for _, t := range each {
		pos := fmt.Sprintf("transaction %d", t.Index)
		if t.Err != nil {
			m.refused = append(m.refused, engine.Rejected{Record: engine.Record{Value: t.Raw, Position: pos}, Err: t.Err})
			continue
		}
		m.ids = append(m.ids, fmt.Sprintf("%s (%s)", pos, t.Tx.TxID))
		buf.Write(jsonl.Encode(nil, &t.Tx))
		buf.WriteByte('\n')
	}
	m.lines = &buf
	return m, nil
}
