package file

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/socwatch/socwatch/connectors/amlsim"
	"github.com/socwatch/socwatch/connectors/ibmcsv"
	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/enrich"
	"github.com/socwatch/socwatch/engine/screen"
	"github.com/socwatch/socwatch/engine/warmup"
	"github.com/socwatch/socwatch/internal/lines"
)

// Formats are the input formats Replay reads.
var Formats = []string{"jsonl", "ibm-csv", "amlsim"}

// replayBatch is how many records go through the engine per Process call.
const replayBatch = 1024

// ReplayOptions configure Replay.
type ReplayOptions struct {
	Format   string // jsonl (default), ibm-csv or amlsim
	MaxBytes int    // longest accepted line (0 = lines.DefaultMaxBytes)
	Rules    *engine.RuleSet
	Enricher *enrich.Enricher
	Sink     engine.Sink
	Rejects  *RejectWriter
	// TimeBounds reject records dated too far ahead (ts_future); the
	// zero value is screen's default, as in `socwatch run`.
	TimeBounds screen.TimeBounds
	// Position names the record on line n in rejects (nil: "line n"),
	// e.g. the transaction of a message the lines were made from.
	Position func(n int) string
	// AlertsFrom withholds the alerts of transactions dated before it
	// (engine/warmup, --alerts-from); the records are still screened.
	// Zero withholds none.
	AlertsFrom time.Time
}

// Summary is what a replay did.
type Summary struct {
	Records, Rejects int
	Alerts           map[string]int // written, by rule id
	Typologies       map[string]int // written, by typology
	Withheld         map[string]int // withheld before AlertsFrom, by rule id
	Elapsed          time.Duration
}

// Replay screens a file in order through one screen.Stream — the code path
// `socwatch run` uses per partition, so a file and the same records from
// Kafka give the same alerts. CSV formats take their header from the first
// line.
func Replay(in io.Reader, o ReplayOptions) (*Summary, error) {
	sum := &Summary{Alerts: map[string]int{}, Typologies: map[string]int{}, Withheld: map[string]int{}}
	start := time.Now()
	if o.Format == "" {
		o.Format = "jsonl"
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = lines.DefaultMaxBytes
	}
	if o.Enricher == nil {
		o.Enricher = enrich.New(nil)
	}
	header := o.Format != "jsonl"
	if o.Format != "jsonl" && o.Format != "ibm-csv" && o.Format != "amlsim" {
		return nil, fmt.Errorf("unknown format %q (want jsonl, ibm-csv or amlsim)", o.Format)
	}
	newDecoder := func() engine.Decoder { return &jsonl.Decoder{MaxBytes: o.MaxBytes} }
	ctx := context.Background()
	var stream *screen.Stream
	var batch []engine.Record
	var lineNos []int // the line of each record of batch
	var arena []byte
	var pos batchPositions
	var procErr error
	flush := func() {
		if len(batch) == 0 {
			return
		}
		pos.set(batch, lineNos, o.Position)
		// Values point into arena; Process is synchronous with file
		// outputs (they acknowledge before returning), so reuse is safe.
		stream.Process(ctx, batch, func(err error) {
			if err != nil && procErr == nil {
				procErr = err
			}
		})
		batch, lineNos, arena = batch[:0], lineNos[:0], arena[:0]
	}
	err := lines.Scan(in, o.MaxBytes, func(n int, line []byte) error {
		if lines.TooLong(line) {
			sum.Records++
			o.Rejects.Reject(ctx, []engine.Rejected{{Record: engine.Record{Position: position(n, o.Position)},
				Err: lines.TooLongError(n, o.MaxBytes)}}, func(error) {})
			return nil
		}
		if stream == nil {
			if header {
				var err error
				if newDecoder, err = csvDecoderFactory(o.Format, append([]byte(nil), line...)); err != nil {
					return err
				}
			}
			p := &screen.Pipeline{
				Rules:      screen.NewRules(o.Rules),
				NewDecoder: newDecoder,
				Enricher:   o.Enricher,
				// The stream writes synchronously from this goroutine, so
				// the summary's maps need no lock.
				Sink: warmup.Wrap(countingSink{Sink: o.Sink, sum: sum}, o.AlertsFrom,
					func(a *engine.Alert) { sum.Withheld[a.RuleID]++ }),
				DeadLetter:     o.Rejects,
				MaxRecordBytes: o.MaxBytes,
				TimeBounds:     o.TimeBounds,
			}
			stream = p.NewStream("file")
			if header {
				return nil
			}
		}
		sum.Records++
		off := len(arena)
		arena = append(arena, line...)
		batch = append(batch, engine.Record{Value: arena[off:len(arena):len(arena)]})
		lineNos = append(lineNos, n)
		if len(batch) == replayBatch {
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
	sum.Rejects = o.Rejects.Count()
	sum.Elapsed = time.Since(start)
	return sum, nil
}

// position names line n: by custom when given, otherwise "line n".
func position(n int, custom func(int) string) string {
	if custom != nil {
		return custom(n)
	}
	return "line " + strconv.Itoa(n)
}

// batchPositions names the records of a batch by their lines. The default
// names ("line n") of a whole batch are made in one string, which the
// records' Positions are parts of: one allocation per batch instead of one
// per record. (A reject keeps its Position only while it is written.)
type batchPositions struct {
	buf  []byte
	ends []int
}

func (p *batchPositions) set(batch []engine.Record, lineNos []int, custom func(int) string) {
	if custom != nil {
		for i, n := range lineNos {
			batch[i].Position = custom(n)
		}
		return
	}
	p.buf, p.ends = p.buf[:0], p.ends[:0]
	for _, n := range lineNos {
		p.buf = strconv.AppendInt(append(p.buf, "line "...), int64(n), 10)
		p.ends = append(p.ends, len(p.buf))
	}
	all, start := string(p.buf), 0
	for i, end := range p.ends {
		batch[i].Position, start = all[start:end], end
	}
}

// countingSink counts alerts by rule and typology on their way out.
type countingSink struct {
	engine.Sink
	sum *Summary
}

func (c countingSink) Write(ctx context.Context, alerts []engine.Alert, done engine.Done) {
	for i := range alerts {
		c.sum.Alerts[alerts[i].RuleID]++
		c.sum.Typologies[alerts[i].Typology]++
	}
	c.Sink.Write(ctx, alerts, done)
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
