package eval

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/socwatch/socwatch/connectors/file"
	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/enrich"
)

// Input is one file to evaluate on.
type Input struct {
	Name   string // for messages
	Format string // jsonl, ibm-csv or amlsim
	Data   []byte
}

// Prepared is a feed ready to be screened, as often as a sweep needs.
type Prepared struct {
	Data     []byte
	Format   string
	Feed     *Feed
	Rejected int // records that do not decode (screening rejects them)
}

// Prepare reads the inputs. One input is screened as it is. Several are
// decoded, merged by event time (stable, so each file keeps its order)
// and re-encoded as canonical JSON lines — the way to screen IBM's
// laundering patterns together with its legitimate sample, whose headers
// differ; tx ids survive the round trip, so labels still join.
func Prepare(inputs []Input) (*Prepared, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("no input")
	}
	if len(inputs) == 1 {
		in := inputs[0]
		p := &Prepared{Data: in.Data, Format: in.Format, Feed: &Feed{}}
		n, err := file.Decode(bytes.NewReader(in.Data), in.Format, 0, func(tx *engine.Tx) error {
			p.Feed.Add(tx)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", in.Name, err)
		}
		p.Rejected = n
		return p, nil
	}
	var txs []engine.Tx
	p := &Prepared{Format: "jsonl", Feed: &Feed{}}
	for _, in := range inputs {
		n, err := file.Decode(bytes.NewReader(in.Data), in.Format, 0, func(tx *engine.Tx) error {
			txs = append(txs, *tx)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", in.Name, err)
		}
		p.Rejected += n
	}
	sort.SliceStable(txs, func(i, j int) bool { return txs[i].TS.Before(txs[j].TS) })
	var buf []byte
	for i := range txs {
		buf = jsonl.Encode(buf, &txs[i])
		buf = append(buf, '\n')
		p.Feed.Add(&txs[i])
	}
	p.Data = buf
	return p, nil
}

// collector is an engine.Sink keeping every alert.
type collector struct {
	mu     sync.Mutex
	alerts []engine.Alert
}

func (c *collector) Write(_ context.Context, a []engine.Alert, done engine.Done) {
	c.mu.Lock()
	c.alerts = append(c.alerts, a...)
	c.mu.Unlock()
	done(nil)
}

func (c *collector) Close(context.Context) error { return nil }

// Screen replays the prepared feed through rs with file.Replay — the code
// path of `socwatch screen` — and returns the alerts. en may be nil (the
// embedded FX table).
func Screen(rs *engine.RuleSet, p *Prepared, en *enrich.Enricher) ([]engine.Alert, error) {
	return ScreenFrom(rs, p, en, time.Time{})
}

// ScreenFrom is Screen as `socwatch screen --alerts-from` runs it: every
// transaction is screened, only the alerts of those dated at or after
// alertsFrom are returned (zero: all).
func ScreenFrom(rs *engine.RuleSet, p *Prepared, en *enrich.Enricher, alertsFrom time.Time) ([]engine.Alert, error) {
	sink := &collector{}
	_, err := file.Replay(bytes.NewReader(p.Data), file.ReplayOptions{Format: p.Format, Rules: rs,
		Enricher: en, Sink: sink, Rejects: file.NewRejectWriter(nil, nil), AlertsFrom: alertsFrom})
	if err != nil {
		return nil, fmt.Errorf("screen: %w", err)
	}
	return sink.alerts, nil
}

// Evaluate screens the prepared feed with rs and scores the alerts.
func Evaluate(rs *engine.RuleSet, p *Prepared, t *Truth, en *enrich.Enricher, o Options) (*Report, error) {
	alerts, err := Screen(rs, p, en)
	if err != nil {
		return nil, err
	}
	return Compute(p.Feed, t, Rules(rs), alerts, o), nil
}
