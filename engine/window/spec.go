package window

import (
	"fmt"
	"time"
)

// Fn is an aggregate function. The values mirror engine.AggFn so the engine
// can convert with Fn(aggFn); this package does not import engine to stay
// dependency-free.
type Fn uint8

const (
	Count     Fn = iota + 1 // number of events in the window
	Sum                     // sum of the numeric input
	Avg                     // mean of the numeric input, 0 when empty
	Min                     // minimum of the numeric input, 0 when empty
	Max                     // maximum of the numeric input, 0 when empty
	Distinct                // number of distinct hashes in the window
	SinceLast               // seconds since the key's previous event in the window, -1 if none
	// Behaviour features (behaviour.go and doc.go give their exact semantics).
	NewDistinct // distinct hashes in the window not seen in Spec.Lookback before it
	HistMean    // mean of the input over the key's history, recent span excluded
	HistP95     // 95th percentile (nearest rank) of the input over the history
	HistMax     // maximum of the input over the history
	HistCount   // number of events in the history
	Age         // seconds since the key's first event, history forgotten after Over of silence
	InflowMatch // amount of the key's recent inflow the queried amount forwards, 0 if none
)

// lastFn is the highest valid Fn.
const lastFn = InflowMatch

var fnNames = [...]string{"invalid", "count", "sum", "avg", "min", "max", "distinct", "since_last",
	"new_distinct", "hist_mean", "hist_p95", "hist_max", "hist_count", "age", "inflow_match"}

// String returns the aggregate function's rule-file name.
func (f Fn) String() string {
	if int(f) < len(fnNames) {
		return fnNames[f]
	}
	return fmt.Sprintf("Fn(%d)", uint8(f))
}

// DefaultMaxEvents is the per-key event cap used when Spec.MaxEvents is 0.
const DefaultMaxEvents = 1024

// Spec describes one aggregate's window.
type Spec struct {
	Fn Fn
	// Over is the window length: an event at ts sees events in (ts-Over, ts].
	// For SinceLast it is the dormancy horizon: a previous event Over or more
	// before ts is not seen, and the value is -1.
	Over time.Duration
	// Lateness is how far behind the key's newest event an event may be and
	// still be placed in the window. Older events are late: their value is
	// computed and returned, but they are not stored.
	Lateness time.Duration
	// MaxEvents caps the events kept per key (0 = DefaultMaxEvents). When a
	// key is full, the oldest event is dropped to make room and counted in
	// Store.Overflow.
	MaxEvents int
	// Lookback is how far before the window NewDistinct looks for an earlier
	// event with the same hash (required for NewDistinct, unused otherwise).
	Lookback time.Duration
	// Recent is the newest span the Hist functions leave out of the history:
	// at ts they cover events in about (ts-Over, ts-Recent] (required for
	// them, unused otherwise).
	Recent time.Duration
	// Tolerance is InflowMatch's relative amount tolerance: an inflow of a
	// matches a queried amount x when |x-a| <= Tolerance*a (in (0, 1)).
	Tolerance float64
	// SameOrigin makes InflowMatch match only inflows from the reading
	// transfer's own counterparty (money going back where it came from)
	// instead of only from others.
	SameOrigin bool
}

// Validate reports a spec that NewStore would have to correct; rule loading
// should refuse such an aggregate instead of running it.
func (s Spec) Validate() error {
	switch {
	case s.Fn < Count || s.Fn > lastFn:
		return fmt.Errorf("window spec: unknown aggregate function %d", uint8(s.Fn))
	case s.Over <= 0:
		return fmt.Errorf("window spec %s: window length %v must be positive", s.Fn, s.Over)
	case s.Lateness < 0:
		return fmt.Errorf("window spec %s: lateness %v must not be negative", s.Fn, s.Lateness)
	case s.MaxEvents < 0 || s.MaxEvents > maxEventsLimit:
		return fmt.Errorf("window spec %s: max events %d must be in [0, %d]", s.Fn, s.MaxEvents, maxEventsLimit)
	case s.Fn == NewDistinct && s.Lookback <= 0:
		return fmt.Errorf("window spec %s: lookback %v must be positive", s.Fn, s.Lookback)
	case s.Fn.hist() && (s.Recent <= 0 || s.Recent >= s.Over):
		return fmt.Errorf("window spec %s: recent %v must be positive and shorter than the history %v", s.Fn, s.Recent, s.Over)
	case s.Fn == InflowMatch && !(s.Tolerance > 0 && s.Tolerance < 1):
		return fmt.Errorf("window spec %s: tolerance %v must be in (0, 1)", s.Fn, s.Tolerance)
	}
	return nil
}

// maxEventsLimit keeps ring indexes in uint32 with room to double.
const maxEventsLimit = 1 << 24

// Normalized returns the spec NewStore runs: invalid fields are replaced by
// the nearest valid value so a Store never panics on its configuration.
func (s Spec) Normalized() Spec {
	if s.Fn < Count || s.Fn > lastFn {
		s.Fn = Count
	}
	if s.Over <= 0 {
		s.Over = 1
	}
	if s.Lateness < 0 {
		s.Lateness = 0
	}
	if s.MaxEvents <= 0 {
		s.MaxEvents = DefaultMaxEvents
	}
	if s.MaxEvents > maxEventsLimit {
		s.MaxEvents = maxEventsLimit
	}
	if s.Lookback <= 0 {
		s.Lookback = s.Over
	}
	if s.Fn.hist() && (s.Recent <= 0 || s.Recent >= s.Over) {
		s.Recent = max(s.Over/2, 1)
	}
	if !(s.Tolerance > 0 && s.Tolerance < 1) {
		s.Tolerance = 0.1
	}
	return s
}

// hist reports whether f is one of the history (baseline) functions.
func (f Fn) hist() bool { return f >= HistMean && f <= HistCount }

// behaviour reports whether f is kept by a behaviour store (behaviour.go)
// rather than the exact event ring.
func (f Fn) behaviour() bool { return f >= NewDistinct && f <= lastFn }

// Reach is how far before an event's time the state that event reads can
// go back: Over, plus Lookback for NewDistinct, plus one history bucket for
// the Hist functions. A restarted worker replays this much to rebuild it.
func (s Spec) Reach() time.Duration {
	s = s.Normalized()
	switch {
	case s.Fn == NewDistinct:
		return s.Over + s.Lookback
	case s.Fn.hist():
		return s.Over + s.Over/histBuckets
	}
	return s.Over
}

// StateKey identifies the state a spec keeps. Specs with one key read the
// same state through different functions (hist_count and hist_max over one
// history; inflow_match with two tolerances or origins), so one Store can
// serve them all through ValueWith.
func (s Spec) StateKey() string {
	s = s.Normalized()
	switch {
	case s.Fn.hist():
		return fmt.Sprintf("hist|%d|%d|%d|%d", s.Over, s.Recent, s.Lateness, s.MaxEvents)
	case s.Fn == InflowMatch:
		return fmt.Sprintf("inflow|%d|%d|%d", s.Over, s.Lateness, s.MaxEvents)
	}
	return fmt.Sprintf("%+v", s)
}
