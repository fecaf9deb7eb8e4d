package kafka

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// splitPrepare reads "debtor|creditor|seq" values, orders them by the
// record timestamp, and re-encodes the copies as "v2:" + value under
// encoding "v2"; any other value has no keys.
func splitPrepare(rec *kgo.Record) Prepared {
	pr := Prepared{EventTime: rec.Timestamp.UnixNano(), HasTime: true}
	if f := bytes.Split(rec.Value, []byte("|")); len(f) == 3 {
		pr.Keys = [][]byte{f[0], f[1]}
		pr.Value, pr.Encoding = append([]byte("v2:"), rec.Value...), []byte("v2")
	}
	return pr
}

// splitKey is the key of a "debtor|creditor|seq" value's perspective.
func splitKey(value []byte, perspective string) []byte {
	f := bytes.Split(value, []byte("|"))
	switch {
	case len(f) != 3:
		return nil
	case perspective == "debtor.account":
		return f[0]
	case perspective == "creditor.account":
		return f[1]
	}
	return nil
}

func consumeAll(t *testing.T, b backend, topic string, n int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d records from %s", len(out), n, topic)
		}
		out = append(out, fs.Records()...)
	}
	return out
}

func header(r *kgo.Record, key string) (string, bool) {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value), true
		}
	}
	return "", false
}

func TestRekeyerMergesPartitionsInTimestampOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		topic, group := unique("rekey"), unique("g")
		createTopic(t, b, topic, 3)
		// Recent times: a copy of a record older than half the internal
		// topic's retention is restamped (TestRekeyerStampsOldCopiesInsideRetention).
		base := time.Now().Add(-time.Hour).Truncate(time.Second)
		const n = 30
		// Record seq j goes to partition j%3 at base+j s; partitions are
		// produced one after the other (2, 1, 0), so arrival order is not
		// timestamp order. seq 7 is unreadable by Prepare.
		byPart := map[int32][]*kgo.Record{}
		for j := 0; j < n; j++ {
			p := int32(j % 3)
			v := fmt.Sprintf("D%d|C%d|%d", j%5, j%4, j)
			if j == 7 {
				v = "garbage"
			}
			byPart[p] = append(byPart[p], &kgo.Record{Topic: topic, Partition: p, Key: []byte(fmt.Sprint("orig", j)),
				Value: []byte(v), Timestamp: base.Add(time.Duration(j) * time.Second)})
		}
		for p := int32(2); p >= 0; p-- {
			produce(t, b, byPart[p]...)
		}

		cfg := RekeyConfig{Config: testConfig(b, topic, group), Perspectives: []string{"debtor.account", "creditor.account"},
			Prepare: splitPrepare, OutputPartitions: 1}
		// The stage commits an input offset once its copies are acknowledged,
		// so they are all in the output topic when it stops.
		reg := prometheus.NewRegistry()
		cfg.Registerer = reg
		r := runRekeyerUntilCommitted(t, b, cfg, topic, map[int32]int64{0: 10, 1: 10, 2: 10})
		out := consumeAll(t, b, r.OutputTopic(topic), 2*n-1)
		// Every input record, the unreadable one too, was forwarded once.
		if got := delayCount(t, reg, stageForwarded); got != n {
			t.Errorf("record delays observed at stage %s: %d, want %d", stageForwarded, got, n)
		}

		var got []string
		for _, rec := range out {
			persp, ok := header(rec, HeaderPerspective)
			if !ok {
				t.Fatalf("copy %q has no %s header", rec.Value, HeaderPerspective)
			}
			src, _ := header(rec, HeaderSource)
			enc, _ := header(rec, HeaderEncoding)
			if len(rec.Headers) > 3 {
				t.Errorf("copy %q has %d headers, want perspective, source and encoding only: %v", rec.Value, len(rec.Headers), rec.Headers)
			}
			seq := strings.Split(string(rec.Value), "|")
			switch {
			case string(rec.Value) == "garbage":
				if persp != "" || string(rec.Key) != "orig7" || enc != "" {
					t.Errorf("bad record forwarded as key %q perspective %q encoding %q, want orig7 and empty", rec.Key, persp, enc)
				}
				got = append(got, "7:bad")
			default:
				orig, ok := bytes.CutPrefix(rec.Value, []byte("v2:"))
				if !ok || enc != "v2" {
					t.Errorf("copy %q with encoding %q is not Prepare's value and encoding", rec.Value, enc)
				}
				if want := splitKey(orig, persp); !bytes.Equal(rec.Key, want) {
					t.Errorf("copy of %s keyed %q, want %q", rec.Value, rec.Key, want)
				}
				got = append(got, seq[2]+":"+persp)
			}
			// seq j is offset j/3 of partition j%3.
			j := mustAtoi(t, strings.Split(got[len(got)-1], ":")[0])
			if want := fmt.Sprintf("%s/%d@%d", topic, j%3, j/3); src != want {
				t.Errorf("copy %s: %s %q, want %q", rec.Value, HeaderSource, src, want)
			}
			if !rec.Timestamp.Equal(base.Add(time.Duration(j) * time.Second)) {
				t.Errorf("copy %s lost its timestamp (%v)", rec.Value, rec.Timestamp)
			}
		}
		var want []string
		for j := 0; j < n; j++ {
			if j == 7 {
				want = append(want, "7:bad")
				continue
			}
			want = append(want, fmt.Sprint(j, ":debtor.account"), fmt.Sprint(j, ":creditor.account"))
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("internal topic order:\n got %v\nwant %v", got, want)
		}
	})
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("atoi %q: %v", s, err)
	}
	return n
}

// runRekeyerUntilCommitted runs a re-key stage of cfg until its group has
// committed offset want[p] of each partition p of topic, then stops it and
// returns it.
func runRekeyerUntilCommitted(t *testing.T, b backend, cfg RekeyConfig, topic string, want map[int32]int64) *Rekeyer {
	t.Helper()
	r, err := NewRekeyer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- r.Run(ctx) }()
	eventually(t, 20*time.Second, "rekey commit", func() bool {
		for p, off := range want {
			if committed(t, b, cfg.Group+"-rekey", topic, p) != off {
				return false
			}
		}
		return true
	})
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("Run: %v", err)
	}
	return r
}

// TestRekeyerReleasesHistoryOnAssignment: a restarted stage hands Release
// the records of ReleaseHistory before each partition's committed
// position, in event-time order across partitions, before any new record.
func TestRekeyerReleasesHistoryOnAssignment(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		topic, group := unique("rekeyhist"), unique("g")
		createTopic(t, b, topic, 2)
		base := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
		feed := func(from, to int) {
			for j := from; j < to; j++ {
				produce(t, b, &kgo.Record{Topic: topic, Partition: int32(j % 2), Value: []byte(fmt.Sprintf("D%d|C%d|%d", j, j+1, j)),
					Timestamp: base.Add(time.Duration(j) * time.Second)})
			}
		}
		run := func(upTo int) []string {
			var released []string
			cfg := RekeyConfig{Config: testConfig(b, topic, group), Perspectives: []string{"debtor.account", "creditor.account"},
				Prepare: splitPrepare, OutputPartitions: 1, ReleaseHistory: 4500 * time.Millisecond,
				Release: func(p *Prepared) {
					// The values of history records are dropped: their
					// time (base + seq s) names them.
					released = append(released, fmt.Sprint((p.EventTime-base.UnixNano())/int64(time.Second)))
				}}
			runRekeyerUntilCommitted(t, b, cfg, topic, map[int32]int64{0: int64((upTo + 1) / 2), 1: int64(upTo / 2)})
			return released
		}
		feed(0, 10)
		if got := strings.Join(run(10), " "); got != "0 1 2 3 4 5 6 7 8 9" {
			t.Fatalf("first run released %s", got)
		}
		feed(10, 14)
		// Partition 0's newest committed record is seq 8 (at 8 s), so its
		// history starts at 3.5 s (seq 4); partition 1's at 4.5 s (seq 5).
		if got, want := strings.Join(run(14), " "), "4 5 6 7 8 9 10 11 12 13"; got != want {
			t.Fatalf("restarted stage released %s, want %s", got, want)
		}
	})
}

// TestRekeyerHistoryIsCutByEventTime: a producer that stamps records with
// when it wrote them (here all at one instant) makes the timestamp lookup
// reach back to the start of the partition; the history released is still
// only ReleaseHistory of event time before the newest committed record.
func TestRekeyerHistoryIsCutByEventTime(t *testing.T) {
	b := kfakeBackend(t)
	topic, group := unique("rekeycut"), unique("g")
	createTopic(t, b, topic, 1)
	written := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	eventTime := func(seq int) time.Time { return written.Add(time.Duration(seq) * time.Hour) }
	hourPrepare := func(rec *kgo.Record) Prepared {
		pr := splitPrepare(rec)
		pr.EventTime = eventTime(mustAtoi(t, strings.Split(string(rec.Value), "|")[2])).UnixNano()
		return pr
	}
	feed := func(from, to int) {
		for j := from; j < to; j++ {
			produce(t, b, &kgo.Record{Topic: topic, Value: []byte(fmt.Sprintf("D%d|C%d|%d", j, j+1, j)), Timestamp: written})
		}
	}
	run := func(upTo int) string {
		var released []string
		cfg := RekeyConfig{Config: testConfig(b, topic, group), Perspectives: []string{"debtor.account", "creditor.account"},
			Prepare: hourPrepare, OutputPartitions: 1, ReleaseHistory: 4*time.Hour + 30*time.Minute,
			Release: func(p *Prepared) {
				released = append(released, fmt.Sprint((p.EventTime-written.UnixNano())/int64(time.Hour)))
			}}
		runRekeyerUntilCommitted(t, b, cfg, topic, map[int32]int64{0: int64(upTo)})
		return strings.Join(released, " ")
	}
	feed(0, 14)
	run(14)
	feed(14, 16)
	if got, want := run(16), "9 10 11 12 13 14 15"; got != want {
		t.Fatalf("restarted stage released %s, want %s (history from 8:30 h, the newest committed at 13 h)", got, want)
	}
}

// TestRekeyerStampsOldCopiesInsideRetention: the internal topic deletes by
// record time, so a copy of a record older than half its retention is
// stamped with that age (a backfill's copies would otherwise be deleted
// before they are screened); a recent record's copies keep its time.
func TestRekeyerStampsOldCopiesInsideRetention(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		topic, group := unique("rekeyold"), unique("g")
		createTopic(t, b, topic, 1)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out := topic + ".by-account"
		resp, err := adminFor(t, b).CreateTopic(ctx, 1, 1, map[string]*string{"retention.ms": kadm.StringPtr("3600000")}, out)
		if err == nil {
			err = resp.Err
		}
		if err != nil {
			t.Fatalf("create internal topic %s: %v", out, err)
		}
		now := time.Now().Truncate(time.Millisecond)
		old, recent := now.Add(-48*time.Hour), now.Add(-10*time.Minute)
		produce(t, b,
			&kgo.Record{Topic: topic, Value: []byte("D0|C0|0"), Timestamp: old},
			&kgo.Record{Topic: topic, Value: []byte("D1|C1|1"), Timestamp: recent})
		cfg := RekeyConfig{Config: testConfig(b, topic, group), Perspectives: []string{"debtor.account", "creditor.account"},
			Prepare: splitPrepare, OutputPartitions: 1}
		before := time.Now()
		r := runRekeyerUntilCommitted(t, b, cfg, topic, map[int32]int64{0: 2})
		after := time.Now()
		if r.OutputTopic(topic) != out {
			t.Fatalf("internal topic %s, want %s", r.OutputTopic(topic), out)
		}
		for _, rec := range consumeAll(t, b, out, 4) {
			switch {
			case bytes.HasSuffix(rec.Value, []byte("|0")):
				// Half the retention (30 min) before it was written.
				if rec.Timestamp.Before(before.Add(-31*time.Minute)) || rec.Timestamp.After(after.Add(-29*time.Minute)) {
					t.Errorf("copy of the 48 h old record stamped %v, want half an hour before it was written (%v … %v)", rec.Timestamp, before, after)
				}
			case !rec.Timestamp.Equal(recent):
				t.Errorf("copy of the recent record stamped %v, want its own time %v", rec.Timestamp, recent)
			}
		}
	})
}

func TestRetentionMinAge(t *testing.T) {
	tests := []struct {
		cfg  map[string]string
		want time.Duration
	}{
		{map[string]string{"retention.ms": "604800000", "message.timestamp.type": "CreateTime"}, 84 * time.Hour},
		{map[string]string{"retention.ms": "3600000"}, 30 * time.Minute}, // CreateTime is Kafka's default
		{map[string]string{"retention.ms": "-1"}, 0},
		{map[string]string{"retention.ms": "604800000", "message.timestamp.type": "LogAppendTime"}, 0},
		{map[string]string{}, 0},
	}
	for _, tc := range tests {
		if got := retentionMinAge(tc.cfg); got != tc.want {
			t.Errorf("retentionMinAge(%v) = %v, want %v", tc.cfg, got, tc.want)
		}
	}
}
