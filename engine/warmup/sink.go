package warmup

import (
	"context"
	"time"

	"github.com/socwatch/socwatch/engine"
)

// Sink passes on to Next the alerts of transactions dated at or after From
// and withholds the others. The zero From withholds nothing.
type Sink struct {
	Next engine.Sink
	From time.Time
	// OnWithheld, when set, is called once per withheld alert (to count
	// it); it must be safe for concurrent use, as partitions write in
	// parallel.
	OnWithheld func(a *engine.Alert)
}

// Wrap returns next withholding the alerts dated before from, calling
// onWithheld (may be nil) for each; with the zero from it returns next.
func Wrap(next engine.Sink, from time.Time, onWithheld func(*engine.Alert)) engine.Sink {
	if from.IsZero() {
		return next
	}
	return &Sink{Next: next, From: from, OnWithheld: onWithheld}
}

// Write drops the withheld alerts (dated before From; one dated exactly
// at From alerts) from alerts (Sink owns the slice, as
// engine.Sink says) and always hands the rest, possibly none, to Next, so
// the batch is acknowledged by Next in its usual order.
func (s *Sink) Write(ctx context.Context, alerts []engine.Alert, done engine.Done) {
	kept := alerts[:0]
	for i := range alerts {
		if !alerts[i].TS.Before(s.From) {
			kept = append(kept, alerts[i])
			continue
		}
		if s.OnWithheld != nil {
			s.OnWithheld(&alerts[i])
		}
	}
	// Clear the tail so the withheld alerts' explanations are not kept
	// alive by the backing array Next now owns.
	clear(alerts[len(kept):])
	s.Next.Write(ctx, kept, done)
}

// Close closes Next.
func (s *Sink) Close(ctx context.Context) error { return s.Next.Close(ctx) }
