package screen_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/eventtime"
	"github.com/socwatch/socwatch/engine/screen"
)

// mixedFeed is 300 transactions 17 minutes apart among a few accounts, enough
// for every rule of the test pack to fire.
func mixedFeed() []engine.Record {
	var recs []engine.Record
	for i := 0; i < 300; i++ {
		d, c := fmt.Sprintf("D%d", i%7), fmt.Sprintf("C%d", i%5)
		if i%11 == 0 {
			d = c // creditors that also send: pass-through
		}
		recs = append(recs, tx(fmt.Sprintf("t%03d", i), time.Duration(i)*17*time.Minute, fmt.Sprintf("%d", 8000+(i*977)%9000), d, c))
	}
	return recs
}

// insert returns recs with extra placed before index i.
func insert(recs []engine.Record, i int, extra ...engine.Record) []engine.Record {
	out := append([]engine.Record(nil), recs[:i]...)
	out = append(out, extra...)
	return append(out, recs[i:]...)
}

func rejectReasons(dlq *memDLQ) map[string]string {
	got := map[string]string{}
	for _, r := range dlq.recs {
		got[r.Record.Position] = engine.RejectReason(r.Err)
	}
	return got
}

// TestFutureRecordsDoNotBlindWindows is issue 15's case: one record a
// year ahead and one a week ahead in a feed give the clean feed's alerts,
// in one stream (file mode) and split by perspective over three streams
// (the Kafka layout), and both records are rejected as ts_future.
func TestFutureRecordsDoNotBlindWindows(t *testing.T) {
	rs := loadPack(t, pack)
	clean := mixedFeed()
	// Accounts that keep transacting afterwards, so a moved watermark or a
	// polluted window would show in their alerts.
	year := tx("year", 366*24*time.Hour, "9500", "D1", "C1")
	week := tx("week", 120*17*time.Minute+7*24*time.Hour, "9600", "D2", "C2")
	skewed := insert(insert(clean, 200, week), 100, year)

	want, _ := run(t, rs, clean)
	if len(want.alerts) < 10 {
		t.Fatalf("clean feed raised only %d alerts: the comparison proves little", len(want.alerts))
	}
	got, dlq := run(t, rs, skewed)
	if g, w := keys(got.alerts), keys(want.alerts); strings.Join(g, ",") != strings.Join(w, ",") {
		t.Fatalf("alerts with future records differ from the clean feed's:\n got %v\nwant %v", g, w)
	}
	if r := rejectReasons(dlq); fmt.Sprint(r) != fmt.Sprint(map[string]string{"year": "ts_future", "week": "ts_future"}) {
		t.Fatalf("rejects = %v, want both future records as ts_future", r)
	}

	// Split by perspective as the re-key stage does: every stream that
	// receives a future copy refuses it.
	sink, pdlq := runSplit(t, rs, skewed)
	if g, w := keys(sink.alerts), keys(want.alerts); strings.Join(g, ",") != strings.Join(w, ",") {
		t.Fatalf("split streams: alerts differ from the clean feed's:\n got %v\nwant %v", g, w)
	}
	if n := len(pdlq.recs); n != 2*len(rs.Perspectives) {
		t.Fatalf("split streams rejected %d copies, want %d (both perspectives of both records)", n, 2*len(rs.Perspectives))
	}
}

// TestFutureBoundEdges checks both edges of each bound through a Stream.
func TestFutureBoundEdges(t *testing.T) {
	rs := loadPack(t, pack)
	clock := func() time.Time { return t0.Add(time.Hour) }
	first := tx("first", 0, "100", "A", "B")
	tests := []struct {
		name   string
		bounds screen.TimeBounds
		at     time.Duration // of the second record, after one at t0
		future bool
	}{
		{"default bound: exactly 96h ahead is screened", screen.TimeBounds{}, eventtime.DefaultAhead, false},
		{"default bound: 96h and a second ahead is rejected", screen.TimeBounds{}, eventtime.DefaultAhead + time.Second, true},
		{"configured bound: exactly 1h ahead is screened", screen.TimeBounds{Ahead: time.Hour}, time.Hour, false},
		{"configured bound: 1h and a second ahead is rejected", screen.TimeBounds{Ahead: time.Hour}, time.Hour + time.Second, true},
		{"wall clock: exactly 24h ahead of the clock is screened", screen.TimeBounds{WallClock: 24 * time.Hour, Now: clock}, 25 * time.Hour, false},
		{"wall clock: a second more is rejected", screen.TimeBounds{WallClock: 24 * time.Hour, Now: clock}, 25*time.Hour + time.Second, true},
		{"past records are never future", screen.TimeBounds{Ahead: time.Hour}, -365 * 24 * time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _, dlq := newPipeline(rs)
			p.TimeBounds = tt.bounds
			st := p.NewStream("t")
			st.Process(context.Background(), []engine.Record{first, tx("second", tt.at, "100", "A", "B")}, func(error) {})
			got := rejectReasons(dlq)
			if want := map[string]string{}; tt.future {
				want["second"] = engine.ReasonTSFuture
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("rejects %v, want %v", got, want)
				}
			} else if len(got) != 0 {
				t.Fatalf("rejects %v, want none", got)
			}
		})
	}
	// With no watermark yet only the clock is checked.
	p, _, dlq := newPipeline(rs)
	p.TimeBounds = screen.TimeBounds{WallClock: 24 * time.Hour, Now: clock}
	st := p.NewStream("t")
	st.Process(context.Background(), []engine.Record{tx("far", 30*24*time.Hour, "100", "A", "B"), tx("near", 2*time.Hour, "100", "A", "B")}, func(error) {})
	if got := rejectReasons(dlq); fmt.Sprint(got) != fmt.Sprint(map[string]string{"far": "ts_future"}) {
		t.Fatalf("first record 30 days ahead of the clock: rejects %v, want far as ts_future", got)
	}
}

// TestFeedResumingAfterLongSilence: a feed silent for longer than the
// bound loses its first eventtime.RecoverAfter records to the DLQ, then
// is screened against its new time.
func TestFeedResumingAfterLongSilence(t *testing.T) {
	rs := loadPack(t, pack)
	var recs []engine.Record
	for i := 0; i < 20; i++ {
		recs = append(recs, tx(fmt.Sprintf("old%02d", i), time.Duration(i)*time.Minute, "100", "A", "B"))
	}
	resume := 10 * 24 * time.Hour
	for i := 0; i < 30; i++ {
		recs = append(recs, tx(fmt.Sprintf("new%02d", i), resume+time.Duration(i)*time.Minute, "9500", "A", "B"))
	}
	p, sink, dlq := newPipeline(rs)
	st := p.NewStream("t")
	st.Process(context.Background(), recs, func(error) {})
	var rejected []string
	for _, r := range dlq.recs {
		if engine.RejectReason(r.Err) != engine.ReasonTSFuture {
			t.Fatalf("%s rejected for %v", r.Record.Position, r.Err)
		}
		rejected = append(rejected, r.Record.Position)
	}
	var want []string
	for i := 0; i < eventtime.RecoverAfter; i++ {
		want = append(want, fmt.Sprintf("new%02d", i))
	}
	if strings.Join(rejected, ",") != strings.Join(want, ",") {
		t.Fatalf("rejected %v, want the first %d records after the silence", rejected, eventtime.RecoverAfter)
	}
	if s, n := st.Screener().Stats(), uint64(50-eventtime.RecoverAfter)*uint64(len(rs.Perspectives)); s.Jumps != 1 || s.Copies != n {
		t.Fatalf("stats %+v: want 1 jump and %d copies screened", s, n)
	}
	// The resumed records are screened against each other: the third
	// near-threshold transfer after the run alerts.
	if len(sink.alerts) == 0 {
		t.Fatal("no alerts after the feed resumed")
	}
	for _, a := range sink.alerts {
		if a.TxID < fmt.Sprintf("new%02d", eventtime.RecoverAfter) {
			t.Fatalf("alert on %s, which was before or in the rejected run", a.TxID)
		}
	}
}
