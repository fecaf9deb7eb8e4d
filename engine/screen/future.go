package screen

import (
	"time"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/eventtime"
)

// TimeBounds are how far ahead an event may be before it is refused with
// reason ts_future (see Screener.Admit).
type TimeBounds struct {
	// Ahead bounds an event against the stream's watermark; 0 means
	// eventtime.DefaultAhead, a negative value no check (rule fixtures:
	// a handful of transactions months apart are not a feed).
	Ahead time.Duration
	// WallClock bounds an event against Now; 0 means no wall-clock check
	// (the default: replays and synthetic feeds are legitimately dated
	// after the day they are screened, and the clock is the one input of
	// the decision that is not in the record sequence).
	WallClock time.Duration
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

func (b TimeBounds) guard() *eventtime.Guard {
	if b.Ahead == 0 {
		b.Ahead = eventtime.DefaultAhead
	}
	if b.Now == nil {
		b.Now = time.Now
	}
	return eventtime.NewGuard(b.Ahead, b.WallClock, b.Now)
}

// SetTimeBounds replaces the future bounds and forgets the watermark: call
// it before the first record.
func (s *Screener) SetTimeBounds(b TimeBounds) { s.clock = b.guard() }

// Admit judges a transaction's event time before it is screened. It
// returns a ts_future RejectError when ts is more than the bound ahead of
// the watermark (the newest event time screened so far) or of the wall
// clock; the caller then must not Screen the transaction, so it touches no
// window, no watermark and no eviction. A run of eventtime.RecoverAfter
// consistent future transactions moves the watermark to the earliest of
// them (they stay refused), so a feed that resumes after a long silence is
// screened again.
func (s *Screener) Admit(ts time.Time) error {
	wm, _ := s.clock.Watermark()
	jumps := s.clock.Jumps()
	// Formatted only for a refusal: Admit runs on every record.
	at := func() string { return ts.UTC().Format(time.RFC3339Nano) }
	switch s.clock.Check(eventtime.UnixNano(ts)) {
	case eventtime.AheadOfWatermark:
		ref := time.Unix(0, wm).UTC().Format(time.RFC3339Nano)
		if s.clock.Jumps() > jumps {
			return engine.Reject(engine.ReasonTSFuture, "ts %s is more than %s ahead of the stream's event time %s; %d such records in a row: the stream's event time moves to the earliest of them",
				at(), s.clock.Ahead(), ref, eventtime.RecoverAfter)
		}
		return engine.Reject(engine.ReasonTSFuture, "ts %s is more than %s ahead of the stream's event time %s", at(), s.clock.Ahead(), ref)
	case eventtime.AheadOfWallClock:
		return engine.Reject(engine.ReasonTSFuture, "ts %s is more than %s ahead of the clock", at(), s.clock.WallClock())
	}
	return nil
}
