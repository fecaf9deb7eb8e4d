package eventtime

import (
	"math"
	"time"
)

const (
	// DefaultAhead is how far ahead of the watermark an event may be.
	// Four days covers a long weekend of a feed that reports late plus
	// ordinary clock skew; a mis-dated record is usually months or years
	// off.
	DefaultAhead = 96 * time.Hour
	// RecoverAfter is how many consecutive, mutually consistent events
	// ahead of the watermark move it (see the package doc). Small enough
	// that a genuine jump costs a handful of records per stream, large
	// enough that a burst of identically mis-dated records from one
	// producer batch is unlikely to reach it.
	RecoverAfter = 8
)

// Verdict is a Guard's judgement of one event.
type Verdict uint8

const (
	// Accept: the event may be used; the caller reports it with Advance.
	Accept Verdict = iota
	// AheadOfWatermark: more than the bound ahead of the watermark.
	AheadOfWatermark
	// AheadOfWallClock: more than the wall-clock bound ahead of the clock.
	AheadOfWallClock
)

// Guard tracks a watermark and judges event times against it. The zero
// value checks nothing; use NewGuard. Not safe for concurrent use.
type Guard struct {
	ahead, wall int64 // bounds in ns; <= 0 disables the check
	now         func() time.Time

	watermark int64
	started   bool // watermark holds an accepted event time
	run       run
	jumps     uint64
}

// run is the current sequence of consecutive events ahead of the watermark.
type run struct {
	n        int
	min, max int64
}

// NewGuard returns a Guard with no watermark. ahead bounds events against
// the watermark and wall against now(); a bound <= 0 (or a nil now for
// wall) disables that check.
func NewGuard(ahead, wall time.Duration, now func() time.Time) *Guard {
	g := &Guard{ahead: int64(ahead), wall: int64(wall), now: now}
	if now == nil {
		g.wall = 0
	}
	return g
}

// Check judges an event at ts (unix nanoseconds). A refused event counts
// towards recovery: the RecoverAfter-th consistent one in a row moves the
// watermark to the earliest of the run (it is still refused).
func (g *Guard) Check(ts int64) Verdict {
	if g.wall > 0 && ts > satAdd(g.now().UnixNano(), g.wall) {
		return AheadOfWallClock
	}
	if g.ahead <= 0 || !g.started || ts <= satAdd(g.watermark, g.ahead) {
		g.run = run{}
		return Accept
	}
	lo, hi := min(g.run.min, ts), max(g.run.max, ts)
	if g.run.n == 0 || hi-lo > g.ahead {
		g.run = run{n: 1, min: ts, max: ts}
	} else {
		g.run = run{n: g.run.n + 1, min: lo, max: hi}
	}
	if g.run.n >= RecoverAfter {
		g.watermark = g.run.min
		g.run = run{}
		g.jumps++
	}
	return AheadOfWatermark
}

// Advance raises the watermark to ts if ts is newer: the caller used an
// event at ts.
func (g *Guard) Advance(ts int64) {
	if !g.started || ts > g.watermark {
		g.watermark, g.started = ts, true
	}
}

// Watermark returns the newest accepted event time, false before any.
func (g *Guard) Watermark() (int64, bool) { return g.watermark, g.started }

// Jumps is how many times a run of consistent future events moved the
// watermark.
func (g *Guard) Jumps() uint64 { return g.jumps }

// Ahead is the bound against the watermark (0: none).
func (g *Guard) Ahead() time.Duration { return time.Duration(max(g.ahead, 0)) }

// WallClock is the bound against the clock (0: none).
func (g *Guard) WallClock() time.Duration { return time.Duration(max(g.wall, 0)) }

func satAdd(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

var (
	maxNanoTime = time.Unix(0, math.MaxInt64)
	minNanoTime = time.Unix(0, math.MinInt64)
)

// UnixNano is t.UnixNano, saturated outside the years 1678–2262 that an
// int64 of nanoseconds holds (t.UnixNano is undefined there, and a record
// dated 9999 must compare as far in the future, not wrap into the past).
func UnixNano(t time.Time) int64 {
	switch {
	case t.After(maxNanoTime):
		return math.MaxInt64
	case t.Before(minNanoTime):
		return math.MinInt64
	}
	return t.UnixNano()
}

// State is what a Guard learned from the events it judged, for a state
// checkpoint; its bounds are configuration and not part of it.
type State struct {
	Watermark      int64
	Started        bool
	RunN           int
	RunMin, RunMax int64
	Jumps          uint64
}

// State returns the Guard's learned state.
func (g *Guard) State() State {
	return State{Watermark: g.watermark, Started: g.started, RunN: g.run.n, RunMin: g.run.min, RunMax: g.run.max, Jumps: g.jumps}
}

// Restore sets the learned state State returned; the bounds are kept.
func (g *Guard) Restore(st State) {
	g.watermark, g.started, g.jumps = st.Watermark, st.Started, st.Jumps
	g.run = run{n: st.RunN, min: st.RunMin, max: st.RunMax}
}
