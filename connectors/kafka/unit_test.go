package kafka

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/intern"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestCheckpointCommitsLongestAckedPrefix(t *testing.T) {
	tests := []struct {
		name string
		ends []int64
		acks []int // indexes acknowledged, in order
		fail int   // index acknowledged with an error, -1 none
		want int64 // committable; -1 nothing
	}{
		{"none", []int64{10, 20}, nil, -1, -1},
		{"in order", []int64{10, 20, 30}, []int{0, 1, 2}, -1, 30},
		{"gap", []int64{10, 20, 30}, []int{0, 2}, -1, 10},
		{"gap at head", []int64{10, 20, 30}, []int{1, 2}, -1, -1},
		{"reverse", []int64{10, 20, 30}, []int{2, 1, 0}, -1, 30},
		{"failure stops prefix", []int64{10, 20, 30}, []int{0, 2}, 1, 10},
		{"failure first", []int64{10, 20}, []int{1}, 0, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCheckpoint()
			spans := make([]*span, len(tt.ends))
			for i, e := range tt.ends {
				spans[i] = c.add(e)
			}
			if tt.fail >= 0 {
				c.ack(spans[tt.fail], errors.New("sink failed"))
			}
			for _, i := range tt.acks {
				c.ack(spans[i], nil)
			}
			off, ok := c.toCommit()
			if tt.want < 0 {
				if ok {
					t.Fatalf("toCommit() = %d, want nothing", off)
				}
				return
			}
			if !ok || off != tt.want {
				t.Fatalf("toCommit() = %d, %v; want %d", off, ok, tt.want)
			}
			c.committedAt(off)
			if _, ok := c.toCommit(); ok {
				t.Fatal("toCommit() after commit should have nothing new")
			}
			if (tt.fail >= 0) != (c.err() != nil) {
				t.Fatalf("err() = %v with fail index %d", c.err(), tt.fail)
			}
		})
	}
}

func TestCheckpointCompactsLongRuns(t *testing.T) {
	c := newCheckpoint()
	for i := int64(1); i <= 10000; i++ {
		c.ack(c.add(i), nil)
	}
	if off, _ := c.toCommit(); off != 10000 {
		t.Fatalf("committable %d, want 10000", off)
	}
	if len(c.spans) > 200 {
		t.Fatalf("%d spans retained after all acked; want compaction", len(c.spans))
	}
}

func TestPositionRoundTrip(t *testing.T) {
	tests := []struct {
		topic  string
		part   int32
		offset int64
	}{
		{"tx", 0, 0}, {"bank.feed-pl_1", 17, 1 << 40}, {"a", 2147483647, 9223372036854775807},
	}
	for _, tt := range tests {
		pos := formatPosition(tt.topic, tt.part, tt.offset)
		topic, part, off, err := parsePosition(pos)
		if err != nil || topic != tt.topic || part != tt.part || off != tt.offset {
			t.Errorf("parsePosition(%q) = %q %d %d %v", pos, topic, part, off, err)
		}
	}
	for _, bad := range []string{"", "line 17", "t@1", "/1@2", "t/x@1", "t/1@", "t/-1@2", "t/1@-2", "t/1@2x", "t/99999999999@1"} {
		if _, _, _, err := parsePosition(bad); err == nil {
			t.Errorf("parsePosition(%q) accepted", bad)
		}
	}
}

func FuzzParsePosition(f *testing.F) {
	for _, s := range []string{"tx/3@1042", "line 17", "a/b/1@2", "@", "/@", "t/1@9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		topic, part, off, err := parsePosition(s)
		if err != nil {
			return
		}
		if part < 0 || off < 0 || topic == "" {
			t.Fatalf("parsePosition(%q) = %q %d %d: negative or empty", s, topic, part, off)
		}
		// A position that parses must be the canonical form or differ only
		// in number spelling (leading zeros, '+').
		again := formatPosition(topic, part, off)
		t2, p2, o2, err := parsePosition(again)
		if err != nil || t2 != topic || p2 != part || o2 != off {
			t.Fatalf("round trip of %q via %q: %q %d %d %v", s, again, t2, p2, o2, err)
		}
		if !strings.HasPrefix(s, topic+"/") {
			t.Fatalf("topic %q is not a prefix of %q", topic, s)
		}
	})
}

func fetched(topic string, p int32, hwm int64, offsetsAndSecs ...int64) kgo.FetchTopicPartition {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	fp := kgo.FetchTopicPartition{Topic: topic, FetchPartition: kgo.FetchPartition{Partition: p, HighWatermark: hwm}}
	for i := 0; i+1 < len(offsetsAndSecs); i += 2 {
		fp.Records = append(fp.Records, &kgo.Record{Topic: topic, Partition: p, Offset: offsetsAndSecs[i],
			Timestamp: base.Add(time.Duration(offsetsAndSecs[i+1]) * time.Second)})
	}
	return fp
}

// drain pops every record the merge releases; a record judged future is
// marked with a trailing "!".
func drain(m *merger) []string {
	var out []string
	for r, _, future := m.pop(); r != nil; r, _, future = m.pop() {
		pos := formatPosition(r.Topic, r.Partition, r.Offset)
		if future {
			pos += "!"
		}
		out = append(out, pos)
	}
	return out
}

func TestMergerWaitsForEveryPartitionThenOrdersByTime(t *testing.T) {
	m := newMerger(nil, 0, 0)
	for p := int32(0); p < 3; p++ {
		m.assign(topicPartition{"t", p})
	}
	m.add(fetched("t", 0, 2, 0, 5, 1, 9))
	m.add(fetched("t", 1, 5, 3, 1))
	if got := drain(m); got != nil {
		t.Fatalf("released %v while partition 2 is unknown", got)
	}
	if b := m.blocking(); len(b) != 1 || b[0].partition != 2 {
		t.Fatalf("blocking = %v, want t/2", b)
	}
	m.probed(topicPartition{"t", 2}, 4, 4) // idle at its end
	// t/1 is behind (next 4 < hwm 5) once its only record is released.
	if got := strings.Join(drain(m), " "); got != "t/1@3" {
		t.Fatalf("released %q, want t/1@3 then wait for t/1", got)
	}
	m.add(fetched("t", 1, 6, 4, 5, 5, 20))
	// Tie at 5 s: partition 0 before partition 1; once t/0 is empty it is
	// caught up (next 2 == hwm 2), so t/1@5 needs no more data.
	if got := strings.Join(drain(m), " "); got != "t/0@0 t/1@4 t/0@1 t/1@5" {
		t.Fatalf("released %q, want t/0@0 t/1@4 t/0@1 t/1@5", got)
	}
	if b := m.blocking(); len(b) != 0 {
		t.Fatalf("blocking = %v after all caught up", b)
	}
	// New data behind the high watermark on t/0 blocks again.
	m.add(fetched("t", 0, 9, 2, 30))
	m.add(fetched("t", 1, 9, 6, 25))
	if got := strings.Join(drain(m), " "); got != "t/1@6" {
		t.Fatalf("released %q, want t/1@6", got)
	}
	if got := drain(m); got != nil {
		t.Fatalf("released %v, want wait: t/1 behind its high watermark", got)
	}
	m.remove(topicPartition{"t", 0})
	m.remove(topicPartition{"t", 1})
	if m.buffered != 0 {
		t.Fatalf("buffered = %d after draining, want 0", m.buffered)
	}
}

// TestMergerIdleGrace: a caught-up partition holds the merge back for the
// idle grace, counted from when the merge first found it caught up, so a
// record written to it a moment later is still merged in order; after the
// grace the others' records go past it; new records restart the grace.
func TestMergerIdleGrace(t *testing.T) {
	now := time.Unix(1000, 0)
	m := newMerger(nil, 0, 100*time.Millisecond)
	m.now = func() time.Time { return now }
	for p := int32(0); p < 2; p++ {
		m.assign(topicPartition{"t", p})
	}
	m.add(fetched("t", 0, 2, 0, 5, 1, 9))
	m.probed(topicPartition{"t", 1}, 0, 0) // caught up: nothing written yet
	if got := drain(m); got != nil {
		t.Fatalf("released %v within t/1's grace", got)
	}
	if w := m.idleWake(); w != 100*time.Millisecond {
		t.Fatalf("idleWake = %s, want 100ms", w)
	}
	now = now.Add(60 * time.Millisecond)
	m.add(fetched("t", 1, 1, 0, 3)) // written a moment later, older than t/0@0
	if got := strings.Join(drain(m), " "); got != "t/1@0" {
		t.Fatalf("released %q, want t/1@0 then wait: t/1 is caught up again, its grace starts again", got)
	}
	now = now.Add(99 * time.Millisecond)
	if got := drain(m); got != nil {
		t.Fatalf("released %v 99ms into t/1's new grace", got)
	}
	now = now.Add(time.Millisecond)
	if got := strings.Join(drain(m), " "); got != "t/0@0 t/0@1" {
		t.Fatalf("released %q after the grace, want t/0@0 t/0@1", got)
	}
	now = now.Add(100 * time.Millisecond) // both caught up, both graces over
	if w := m.idleWake(); w != 0 {
		t.Fatalf("idleWake = %s with no grace running, want 0", w)
	}
}

func BenchmarkCheckpointAddAck(b *testing.B) {
	b.ReportAllocs()
	c := newCheckpoint()
	for i := 0; i < b.N; i++ {
		c.ack(c.add(int64(i+1)), nil)
	}
}

func BenchmarkMergerThreePartitions(b *testing.B) {
	b.ReportAllocs()
	m := newMerger(nil, 0, 0)
	for p := int32(0); p < 3; p++ {
		m.assign(topicPartition{"t", p})
	}
	recs := make([]*kgo.Record, 3*256)
	base := time.Now()
	for i := range recs {
		recs[i] = &kgo.Record{Topic: "t", Partition: int32(i % 3), Offset: int64(i / 3), Timestamp: base.Add(time.Duration(i) * time.Millisecond)}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i += len(recs) {
		for p := int32(0); p < 3; p++ {
			fp := kgo.FetchTopicPartition{Topic: "t", FetchPartition: kgo.FetchPartition{Partition: p, HighWatermark: 1 << 40}}
			for j := int(p); j < len(recs); j += 3 {
				fp.Records = append(fp.Records, recs[j])
			}
			m.add(fp)
		}
		for r, _, _ := m.pop(); r != nil; r, _, _ = m.pop() {
		}
	}
}

// With an event-time extractor the merge follows the time in the value, not
// the record timestamp the producer set; a value without a time keeps its
// place behind its partition's previous record.
func TestMergerOrdersByEventTimeInValue(t *testing.T) {
	m := newMerger(func(r *kgo.Record) Prepared {
		s, err := strconv.Atoi(string(r.Value))
		if err != nil {
			return Prepared{}
		}
		return Prepared{EventTime: int64(s) * int64(time.Second), HasTime: true}
	}, 0, 0)
	for p := int32(0); p < 2; p++ {
		m.assign(topicPartition{"t", p})
	}
	// Record timestamps say partition 1 first; event times interleave.
	p0 := fetched("t", 0, 3, 0, 50, 1, 51, 2, 52)
	p1 := fetched("t", 1, 3, 0, 1, 1, 2, 2, 3)
	for i, v := range []string{"10", "bad", "30"} {
		p0.Records[i].Value = []byte(v)
	}
	for i, v := range []string{"15", "20", "35"} {
		p1.Records[i].Value = []byte(v)
	}
	m.add(p0)
	m.add(p1)
	if got := strings.Join(drain(m), " "); got != "t/0@0 t/0@1 t/1@0 t/1@1 t/0@2 t/1@2" {
		t.Fatalf("merge order %q", got)
	}
}

// The merge decodes each record once, when it is buffered, and hands what
// prepare made of it back with the record, whatever the merge order
// (compaction of a partition's buffer included).
func TestMergerPreparesEachRecordOnce(t *testing.T) {
	calls := map[string]int{}
	m := newMerger(func(r *kgo.Record) Prepared {
		pos := formatPosition(r.Topic, r.Partition, r.Offset)
		calls[pos]++
		return Prepared{EventTime: r.Timestamp.UnixNano(), HasTime: true, Value: []byte(pos)}
	}, 0, 0)
	m.assign(topicPartition{"t", 0})
	m.assign(topicPartition{"t", 1})
	released := 0
	for round := int64(0); round < 4; round++ {
		m.add(fetched("t", 0, 3*round+3, 3*round, 10*round, 3*round+1, 10*round+5, 3*round+2, 10*round+7))
		m.add(fetched("t", 1, 2*round+2, 2*round, 10*round+1, 2*round+1, 10*round+6))
		for r, prep, _ := m.pop(); r != nil; r, prep, _ = m.pop() {
			if pos := formatPosition(r.Topic, r.Partition, r.Offset); string(prep.Value) != pos {
				t.Fatalf("record %s released with the preparation of %s", pos, prep.Value)
			}
			released++
		}
	}
	if released != 4*5 || len(calls) != 4*5 {
		t.Fatalf("released %d, prepared %d distinct records; want 20", released, len(calls))
	}
	for pos, n := range calls {
		if n != 1 {
			t.Errorf("%s prepared %d times", pos, n)
		}
	}
}

// toRecords hands the engine each copy's perspective and encoding headers;
// a record without them (an internal topic an older version wrote, a
// forwarded bad record) has neither, whatever the record before it had.
func TestToRecordsReadsPerspectiveAndEncoding(t *testing.T) {
	hdr := func(kv ...string) []kgo.RecordHeader {
		var hs []kgo.RecordHeader
		for i := 0; i+1 < len(kv); i += 2 {
			hs = append(hs, kgo.RecordHeader{Key: kv[i], Value: []byte(kv[i+1])})
		}
		return hs
	}
	in := []*kgo.Record{
		{Headers: hdr(HeaderPerspective, "debtor.account", HeaderEncoding, "tx/1")},
		{Headers: hdr(HeaderPerspective, "creditor.account", HeaderEncoding, "tx/1")},
		{Headers: hdr(HeaderPerspective, "debtor.account")},
		{},
		{Headers: hdr(HeaderEncoding, "tx/2")},
	}
	want := []struct{ persp, enc string }{
		{"debtor.account", "tx/1"}, {"creditor.account", "tx/1"}, {"debtor.account", ""}, {"", ""}, {"", "tx/2"},
	}
	for i, r := range in {
		r.Topic, r.Offset = "t.by-account", int64(i)
	}
	got := toRecords(in, new(intern.Strings))
	for i, w := range want {
		if got[i].Perspective != w.persp || got[i].Encoding != w.enc {
			t.Errorf("record %d: perspective %q encoding %q, want %q %q", i, got[i].Perspective, got[i].Encoding, w.persp, w.enc)
		}
	}
}

func TestRekeyCopiesHeaders(t *testing.T) {
	r := copyStage("in", "debtor.account", "creditor.account")
	in := &kgo.Record{Topic: "in", Partition: 3, Offset: 42, Key: []byte("k"), Value: []byte(`{"json":1}`)}
	prep := &Prepared{Keys: [][]byte{[]byte("A"), []byte("B")}, Value: []byte("bin"), Encoding: []byte("tx/1")}
	got := r.copies(in, prep)
	if len(got) != 2 {
		t.Fatalf("%d copies, want 2", len(got))
	}
	for i, c := range got {
		want := []string{HeaderPerspective + "=" + r.cfg.Perspectives[i], HeaderSource + "=in/3@42", HeaderEncoding + "=tx/1"}
		var hs []string
		for _, h := range c.Headers {
			hs = append(hs, h.Key+"="+string(h.Value))
		}
		if strings.Join(hs, " ") != strings.Join(want, " ") {
			t.Errorf("copy %d headers %v, want %v", i, hs, want)
		}
		if c.Topic != "in.by-account" || string(c.Key) != string(prep.Keys[i]) || string(c.Value) != "bin" {
			t.Errorf("copy %d: topic %s key %s value %s", i, c.Topic, c.Key, c.Value)
		}
	}
	// franz-go may append to a record's headers; one copy's must not
	// reach into the other's.
	got[0].Headers = append(got[0].Headers, kgo.RecordHeader{Key: "x"})
	if got[1].Headers[0].Key != HeaderPerspective {
		t.Errorf("appending to copy 0's headers changed copy 1's: %v", got[1].Headers)
	}
	bad := r.copies(in, &Prepared{})
	if len(bad) != 1 || bad[0].Headers[0].Key != HeaderPerspective || len(bad[0].Headers[0].Value) != 0 ||
		string(bad[0].Value) != string(in.Value) || len(bad[0].Headers) != 2 || bad[0].Headers[1].Key != HeaderSource {
		t.Errorf("bad input forwarded as %+v", bad)
	}
	if n := testing.AllocsPerRun(100, func() { r.copies(in, prep) }); n > 3 {
		t.Errorf("copies: %v allocations, want ≤ 3 (records, headers, source values)", n)
	}
}

// TestMetricsExistBeforeTheirFirstEvent: every label value of the
// dead-letter, restore and checkpoint counters is exported at 0 from the
// start, so that an alert on rate() sees the first dead letter.
func TestMetricsExistBeforeTheirFirstEvent(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := newMetrics(reg); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"socwatch_dlq_records_total":       append(slices.Clone(engine.RejectReasons), ReasonProduceRejected),
		"socwatch_state_restore_total":     {"checkpoint", "replay", "corrupt"},
		"socwatch_state_checkpoints_total": {"written", "failed", "abandoned"},
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]bool{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if got[f.GetName()] == nil {
					got[f.GetName()] = map[string]bool{}
				}
				got[f.GetName()][l.GetValue()] = true
			}
		}
	}
	for name, values := range want {
		for _, v := range values {
			if !got[name][v] {
				t.Errorf("%s has no series for %q before its first event", name, v)
			}
		}
	}
}
