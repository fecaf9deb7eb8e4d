package warmup_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/warmup"
)

// recorder is an engine.Sink keeping what it is given, acknowledging with
// ackErr.
type recorder struct {
	writes [][]engine.Alert
	ackErr error
	closed bool
}

func (r *recorder) Write(_ context.Context, a []engine.Alert, done engine.Done) {
	r.writes = append(r.writes, append([]engine.Alert(nil), a...))
	done(r.ackErr)
}

func (r *recorder) Close(context.Context) error { r.closed = true; return nil }

func alertAt(id string, ts time.Time) engine.Alert {
	return engine.Alert{AlertID: id, RuleID: "R-" + id, TS: ts}
}

func TestSinkCut(t *testing.T) {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	before := alertAt("before", from.Add(-time.Nanosecond))
	at := alertAt("at", from)
	// The same instant in another zone is the same time: the cut compares
	// instants, not wall-clock text.
	atOslo := alertAt("at-oslo", from.In(time.FixedZone("CET", 3600)))
	after := alertAt("after", from.Add(time.Hour))
	longBefore := alertAt("long-before", from.AddDate(0, -6, 0))
	tests := []struct {
		name     string
		from     time.Time
		in       []engine.Alert
		written  []string
		withheld []string
	}{
		{"before the cut", from, []engine.Alert{before, longBefore}, nil, []string{"before", "long-before"}},
		{"exactly at the cut alerts", from, []engine.Alert{at, atOslo}, []string{"at", "at-oslo"}, nil},
		{"after the cut", from, []engine.Alert{after}, []string{"after"}, nil},
		{"mixed batch keeps order", from, []engine.Alert{longBefore, after, before, at},
			[]string{"after", "at"}, []string{"long-before", "before"}},
		{"empty batch", from, nil, nil, nil},
		{"zero cut withholds nothing", time.Time{}, []engine.Alert{longBefore, after},
			[]string{"long-before", "after"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next := &recorder{}
			var withheld []string
			s := &warmup.Sink{Next: next, From: tc.from, OnWithheld: func(a *engine.Alert) {
				withheld = append(withheld, a.AlertID)
			}}
			acks := 0
			s.Write(context.Background(), append([]engine.Alert(nil), tc.in...), func(err error) {
				acks++
				if err != nil {
					t.Errorf("ack error %v", err)
				}
			})
			if acks != 1 {
				t.Fatalf("batch acknowledged %d times, want once", acks)
			}
			if len(next.writes) != 1 {
				t.Fatalf("next sink got %d writes, want 1 (even when every alert is withheld)", len(next.writes))
			}
			if got := ids(next.writes[0]); !reflect.DeepEqual(got, tc.written) {
				t.Errorf("written %v, want %v", got, tc.written)
			}
			if !reflect.DeepEqual(withheld, tc.withheld) {
				t.Errorf("withheld %v, want %v", withheld, tc.withheld)
			}
		})
	}
}

func ids(alerts []engine.Alert) []string {
	var out []string
	for _, a := range alerts {
		out = append(out, a.AlertID)
	}
	return out
}

// A batch whose alerts are all withheld is acknowledged with Next's
// result, so a failing sink still holds back the commit.
func TestSinkPassesAckErrors(t *testing.T) {
	boom := errors.New("sink down")
	next := &recorder{ackErr: boom}
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	s := &warmup.Sink{Next: next, From: from}
	var got error
	s.Write(context.Background(), []engine.Alert{alertAt("x", from.Add(-time.Hour))}, func(err error) { got = err })
	if !errors.Is(got, boom) {
		t.Fatalf("ack %v, want %v", got, boom)
	}
	if err := s.Close(context.Background()); err != nil || !next.closed {
		t.Fatalf("Close: err %v, next closed %v", err, next.closed)
	}
}

// Partitions write in parallel: the count must add up under -race.
func TestSinkConcurrentWrites(t *testing.T) {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	n := 0
	s := &warmup.Sink{Next: discard{}, From: from, OnWithheld: func(*engine.Alert) { mu.Lock(); n++; mu.Unlock() }}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				s.Write(context.Background(), []engine.Alert{alertAt("a", from.Add(-time.Minute)), alertAt("b", from)}, func(error) {})
			}
		}()
	}
	wg.Wait()
	if n != 400 {
		t.Fatalf("withheld %d, want 400", n)
	}
}

type discard struct{}

func (discard) Write(_ context.Context, _ []engine.Alert, done engine.Done) { done(nil) }
func (discard) Close(context.Context) error                                 { return nil }

func TestWrapWithoutCutIsNext(t *testing.T) {
	next := &recorder{}
	if got := warmup.Wrap(next, time.Time{}, nil); got != engine.Sink(next) {
		t.Fatalf("Wrap with no cut = %T, want the next sink itself", got)
	}
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	s, ok := warmup.Wrap(next, from, nil).(*warmup.Sink)
	if !ok || !s.From.Equal(from) || s.Next != engine.Sink(next) {
		t.Fatalf("Wrap with a cut = %#v", s)
	}
}
