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
)

var fnNames = [...]string{"invalid", "count", "sum", "avg", "min", "max", "distinct", "since_last"}

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
}

// Validate reports a spec that NewStore would have to correct; rule loading
// should refuse such an aggregate instead of running it.
func (s Spec) Validate() error {
	switch {
	case s.Fn < Count || s.Fn > SinceLast:
		return fmt.Errorf("window spec: unknown aggregate function %d", uint8(s.Fn))
	case s.Over <= 0:
		return fmt.Errorf("window spec %s: window length %v must be positive", s.Fn, s.Over)
	case s.Lateness < 0:
		return fmt.Errorf("window spec %s: lateness %v must not be negative", s.Fn, s.Lateness)
	case s.MaxEvents < 0 || s.MaxEvents > maxEventsLimit:
		return fmt.Errorf("window spec %s: max events %d must be in [0, %d]", s.Fn, s.MaxEvents, maxEventsLimit)
	}
	return nil
}

// maxEventsLimit keeps ring indexes in uint32 with room to double.
const maxEventsLimit = 1 << 24

// normalized returns the spec NewStore runs: invalid fields are replaced by
// the nearest valid value so a Store never panics on its configuration.
func (s Spec) normalized() Spec {
	if s.Fn < Count || s.Fn > SinceLast {
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
	return s
}
