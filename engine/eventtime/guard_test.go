package eventtime

import (
	"math"
	"testing"
	"time"
)

var base = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func at(d time.Duration) int64 { return base.Add(d).UnixNano() }

// step is one event fed to a Guard: Accept events are also Advanced, as a
// stream does with the events it uses.
type step struct {
	ts   int64
	want Verdict
}

func TestGuard(t *testing.T) {
	const ahead, wall = 96 * time.Hour, 24 * time.Hour
	clock := func() time.Time { return base.Add(time.Hour) } // the clock reads base+1h
	tests := []struct {
		name      string
		wall      time.Duration
		steps     []step
		watermark time.Duration // expected at the end, relative to base
		jumps     uint64
	}{
		{"first event sets the watermark whatever its distance", 0,
			[]step{{at(365 * 24 * time.Hour), Accept}}, 365 * 24 * time.Hour, 0},
		{"exactly the bound ahead is accepted", 0,
			[]step{{at(0), Accept}, {at(ahead), Accept}}, ahead, 0},
		{"one nanosecond beyond the bound is refused", 0,
			[]step{{at(0), Accept}, {at(ahead + 1), AheadOfWatermark}, {at(time.Minute), Accept}}, time.Minute, 0},
		{"a year ahead is refused and does not move the watermark", 0,
			[]step{{at(0), Accept}, {at(365 * 24 * time.Hour), AheadOfWatermark}, {at(time.Hour), Accept}}, time.Hour, 0},
		{"older events are accepted (lateness is the windows' business)", 0,
			[]step{{at(0), Accept}, {at(-30 * 24 * time.Hour), Accept}}, 0, 0},
		{"wall clock: exactly the bound ahead is accepted", wall,
			[]step{{at(time.Hour + wall), Accept}}, time.Hour + wall, 0},
		{"wall clock: one nanosecond beyond is refused, even with no watermark", wall,
			[]step{{at(time.Hour + wall + 1), AheadOfWallClock}}, 0, 0},
		{"wall clock is checked before the watermark", wall,
			[]step{{at(0), Accept}, {at(ahead + 1), AheadOfWallClock}}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewGuard(ahead, tt.wall, clock)
			play(t, g, tt.steps)
			wm, ok := g.Watermark()
			if tt.steps[0].want == Accept && (!ok || wm != at(tt.watermark)) {
				t.Errorf("watermark %v (set %v), want %v", time.Duration(wm-base.UnixNano()), ok, tt.watermark)
			}
			if g.Jumps() != tt.jumps {
				t.Errorf("jumps %d, want %d", g.Jumps(), tt.jumps)
			}
		})
	}
}

func play(t *testing.T, g *Guard, steps []step) {
	t.Helper()
	for i, s := range steps {
		got := g.Check(s.ts)
		if got != s.want {
			t.Fatalf("step %d (ts %v): verdict %d, want %d", i, time.Duration(s.ts-base.UnixNano()), got, s.want)
		}
		if got == Accept {
			g.Advance(s.ts)
		}
	}
}

// TestGuardRecovery: a feed that resumes after a silence longer than the
// bound loses RecoverAfter events, then is screened against the new time.
func TestGuardRecovery(t *testing.T) {
	const ahead = 96 * time.Hour
	week := 7 * 24 * time.Hour
	run := func(n int, from time.Duration, spacing time.Duration) []step {
		var s []step
		for i := 0; i < n; i++ {
			s = append(s, step{at(from + time.Duration(i)*spacing), AheadOfWatermark})
		}
		return s
	}
	cat := func(parts ...[]step) []step {
		var out []step
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name      string
		steps     []step
		watermark time.Duration
		jumps     uint64
	}{
		{"RecoverAfter consistent events move the watermark to the earliest",
			cat([]step{{at(0), Accept}}, run(RecoverAfter, week, time.Minute),
				[]step{{at(week + time.Hour), Accept}}), week + time.Hour, 1},
		{"the run's order does not matter, its earliest wins",
			cat([]step{{at(0), Accept}}, run(RecoverAfter-1, week+time.Hour, -time.Minute),
				[]step{{at(week), AheadOfWatermark}, {at(week + time.Second), Accept}}), week + time.Second, 1},
		{"one short of the run moves nothing",
			cat([]step{{at(0), Accept}}, run(RecoverAfter-1, week, time.Minute)), 0, 0},
		{"an accepted event breaks the run",
			cat([]step{{at(0), Accept}}, run(RecoverAfter-1, week, time.Minute),
				[]step{{at(time.Minute), Accept}}, run(RecoverAfter-1, week, time.Minute)), time.Minute, 0},
		{"an inconsistent event restarts the run",
			cat([]step{{at(0), Accept}}, run(RecoverAfter-1, week, time.Minute),
				run(RecoverAfter, 365*24*time.Hour, time.Minute),
				[]step{{at(365*24*time.Hour + time.Hour), Accept}}),
			365*24*time.Hour + time.Hour, 1},
		{"spread wider than the bound never recovers",
			cat([]step{{at(0), Accept}}, run(3*RecoverAfter, week, ahead+time.Nanosecond)), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewGuard(ahead, 0, nil)
			play(t, g, tt.steps)
			if wm, _ := g.Watermark(); wm != at(tt.watermark) {
				t.Errorf("watermark %v, want %v", time.Duration(wm-base.UnixNano()), tt.watermark)
			}
			if g.Jumps() != tt.jumps {
				t.Errorf("jumps %d, want %d", g.Jumps(), tt.jumps)
			}
		})
	}
}

// TestGuardWallClockRefusalsDoNotRecover: events beyond the clock never
// count towards a run, so a producer with a broken clock cannot drag the
// watermark ahead of real time.
func TestGuardWallClockRefusalsDoNotRecover(t *testing.T) {
	now := func() time.Time { return base }
	g := NewGuard(96*time.Hour, 24*time.Hour, now)
	g.Check(at(0))
	g.Advance(at(0))
	for i := 0; i < 3*RecoverAfter; i++ {
		if v := g.Check(at(48*time.Hour + time.Duration(i)*time.Second)); v != AheadOfWallClock {
			t.Fatalf("event %d: verdict %d, want AheadOfWallClock", i, v)
		}
	}
	if wm, _ := g.Watermark(); wm != at(0) || g.Jumps() != 0 {
		t.Fatalf("watermark moved to %v after wall-clock refusals (%d jumps)", time.Duration(wm-base.UnixNano()), g.Jumps())
	}
}

func TestGuardDisabled(t *testing.T) {
	g := NewGuard(0, 24*time.Hour, nil) // no bound, and no clock: nothing checked
	for _, ts := range []int64{at(0), at(1000 * 24 * time.Hour), math.MaxInt64} {
		if v := g.Check(ts); v != Accept {
			t.Fatalf("disabled guard refused %d: %d", ts, v)
		}
		g.Advance(ts)
	}
	if g.Ahead() != 0 || g.WallClock() != 0 {
		t.Fatalf("bounds %v / %v, want none", g.Ahead(), g.WallClock())
	}
}

func TestUnixNanoSaturates(t *testing.T) {
	tests := []struct {
		t    time.Time
		want int64
	}{
		{time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), math.MaxInt64},
		{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), math.MinInt64},
		{base, base.UnixNano()},
	}
	for _, tt := range tests {
		if got := UnixNano(tt.t); got != tt.want {
			t.Errorf("UnixNano(%v) = %d, want %d", tt.t, got, tt.want)
		}
	}
	g := NewGuard(96*time.Hour, 0, nil)
	g.Advance(at(0))
	if v := g.Check(UnixNano(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))); v != AheadOfWatermark {
		t.Fatalf("year 9999 judged %d, want AheadOfWatermark", v)
	}
}

// TestGuardStateRoundTrip: a Guard restored from another's State judges
// the following events as the original does, mid-run included.
func TestGuardStateRoundTrip(t *testing.T) {
	const ahead = 96 * time.Hour
	week := 7 * 24 * time.Hour
	g := NewGuard(ahead, 0, nil)
	play(t, g, []step{{at(0), Accept}, {at(week), AheadOfWatermark}, {at(week + time.Minute), AheadOfWatermark}})
	r := NewGuard(ahead, 0, nil)
	r.Restore(g.State())
	for i := range RecoverAfter + 2 {
		ts := at(week + time.Duration(i+2)*time.Minute)
		if a, b := g.Check(ts), r.Check(ts); a != b {
			t.Fatalf("event %d: verdict %d, restored %d", i, a, b)
		}
	}
	if g.State() != r.State() {
		t.Errorf("state %+v, restored %+v", g.State(), r.State())
	}
	if g.Jumps() != 1 {
		t.Errorf("the run did not recover (jumps %d): the test misses the mid-run state", g.Jumps())
	}
}

// FuzzGuard feeds arbitrary event-time sequences (4-byte steps, each a
// signed offset in minutes from the previous event) and checks the
// invariants a stream relies on: the watermark never goes back, an
// accepted event is within the bound of the watermark it was judged
// against, a refused one is beyond it, and only a completed run of
// RecoverAfter refusals moves the watermark without an Advance.
func FuzzGuard(f *testing.F) {
	f.Add(minuteSteps(0, 60, 0, -30))
	f.Add(minuteSteps(0, 5, 525600, -525600, 5, 10080, 1, 1, 1, 1, 1, 1, 1, 1, 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		const ahead = 96 * time.Hour
		g := NewGuard(ahead, 0, nil)
		var ts int64
		refusals := 0
		for len(data) >= 4 {
			step := int64(int32(uint32(data[0])<<24|uint32(data[1])<<16|uint32(data[2])<<8|uint32(data[3]))) * int64(time.Minute)
			data = data[4:]
			ts += step
			wm, started := g.Watermark()
			jumps := g.Jumps()
			v := g.Check(ts)
			after, _ := g.Watermark()
			switch v {
			case Accept:
				refusals = 0
				if started && ts > wm+int64(ahead) {
					t.Fatalf("accepted %d, more than the bound beyond watermark %d", ts, wm)
				}
				g.Advance(ts)
			case AheadOfWatermark:
				refusals++
				if !started || ts <= wm+int64(ahead) {
					t.Fatalf("refused %d within the bound of watermark %d (started %v)", ts, wm, started)
				}
				if g.Jumps() != jumps {
					if refusals < RecoverAfter || after <= wm || after > ts {
						t.Fatalf("watermark jumped %d → %d after %d refusals (event %d)", wm, after, refusals, ts)
					}
					refusals = 0
				} else if after != wm {
					t.Fatalf("watermark moved %d → %d on a refusal without a jump", wm, after)
				}
			default:
				t.Fatalf("verdict %d without a wall-clock bound", v)
			}
			if now, _ := g.Watermark(); started && now < wm {
				t.Fatalf("watermark went back %d → %d", wm, now)
			}
		}
	})
}

// minuteSteps encodes steps as FuzzGuard reads them.
func minuteSteps(steps ...int32) []byte {
	var out []byte
	for _, s := range steps {
		u := uint32(s)
		out = append(out, byte(u>>24), byte(u>>16), byte(u>>8), byte(u))
	}
	return out
}
