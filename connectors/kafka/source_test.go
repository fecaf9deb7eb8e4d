package kafka

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/socwatch/socwatch/engine"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestSourceDeliversEachPartitionInOrderAndCommitsAll(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		topic, group := unique("order"), unique("g")
		createTopic(t, b, topic, 3)
		const perPartition = 500
		var recs []*kgo.Record
		for p := int32(0); p < 3; p++ {
			recs = append(recs, numbered(topic, p, 0, perPartition)...)
		}
		recs[0].Headers = []kgo.RecordHeader{{Key: HeaderPerspective, Value: []byte("debtor.account")}}
		produce(t, b, recs...)

		reg := prometheus.NewRegistry()
		cfg := testConfig(b, topic, group)
		cfg.Registerer = reg
		s, err := NewSource(cfg)
		if err != nil {
			t.Fatal(err)
		}
		f := &fakeProcessors{autoAck: true}
		stop, _ := runSource(t, s, f.factory)
		eventually(t, 30*time.Second, "all records", func() bool { return f.records() == 3*perPartition })
		if got := s.Assigned()[topic]; len(got) != 3 {
			t.Errorf("Assigned()[%s] = %v, want 3 partitions", topic, got)
		}
		if err := stop(); err != nil {
			t.Fatalf("Run: %v", err)
		}

		next := map[int32]int{}
		for _, bt := range f.snapshot() {
			for _, r := range bt.recs {
				want := fmt.Sprintf("p%d-%d", bt.partition, next[bt.partition])
				if string(r.Value) != want || string(r.Key) != "k"+want {
					t.Fatalf("partition %d: got %q/%q, want value %q", bt.partition, r.Key, r.Value, want)
				}
				wantPos := fmt.Sprintf("%s/%d@%d", topic, bt.partition, next[bt.partition])
				if r.Position != wantPos {
					t.Fatalf("Position = %q, want %q", r.Position, wantPos)
				}
				if r.Time.IsZero() {
					t.Fatalf("record %s has no time", r.Position)
				}
				wantPersp := ""
				if bt.partition == 0 && next[0] == 0 {
					wantPersp = "debtor.account"
				}
				if r.Perspective != wantPersp {
					t.Fatalf("%s: Perspective = %q, want %q", r.Position, r.Perspective, wantPersp)
				}
				next[bt.partition]++
			}
		}
		for p := int32(0); p < 3; p++ {
			if got := committed(t, b, group, topic, p); got != perPartition {
				t.Errorf("partition %d committed %d, want %d", p, got, perPartition)
			}
		}
		if got := testutil.ToFloat64(s.m.consumed.WithLabelValues(topic)); got != 3*perPartition {
			t.Errorf("records consumed metric = %v, want %d", got, 3*perPartition)
		}
		if got := delayCount(t, reg, stageScreening); got != 3*perPartition {
			t.Errorf("record delays observed at stage %s: %d, want %d", stageScreening, got, 3*perPartition)
		}
		if got := testutil.ToFloat64(s.m.commits); got < 1 {
			t.Errorf("commits metric = %v, want >= 1", got)
		}
		if got := testutil.ToFloat64(s.m.assigned.WithLabelValues(topic)); got != 0 {
			t.Errorf("partitions assigned after Run = %v, want 0", got)
		}
		f.mu.Lock()
		closed := len(f.closed)
		f.mu.Unlock()
		if closed != 3 {
			t.Errorf("closed %d processors, want 3", closed)
		}
	})
}

// produceRounds produces rounds of records to partition 0, waiting after
// each until the source has seen it, so every round is its own batch.
func produceRounds(t *testing.T, b backend, f *fakeProcessors, topic string, rounds, perRound int) []recordedBatch {
	t.Helper()
	for i := 0; i < rounds; i++ {
		produce(t, b, numbered(topic, 0, i*perRound, perRound)...)
		want := (i + 1) * perRound
		eventually(t, 20*time.Second, "round "+strconv.Itoa(i), func() bool { return f.records() == want })
	}
	return f.snapshot()
}

func TestSourceCommitsOnlyContiguousAckedPrefix(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		topic, group := unique("prefix"), unique("g")
		createTopic(t, b, topic, 1)
		s, err := NewSource(testConfig(b, topic, group))
		if err != nil {
			t.Fatal(err)
		}
		f := &fakeProcessors{}
		stop, _ := runSource(t, s, f.factory)
		bs := produceRounds(t, b, f, topic, 3, 1)
		if len(bs) != 3 {
			t.Fatalf("got %d batches, want 3", len(bs))
		}
		offsetAfter := func(bt recordedBatch) int64 {
			pos := bt.recs[len(bt.recs)-1].Position
			_, _, o, err := parsePosition(pos)
			if err != nil {
				t.Fatal(err)
			}
			return o + 1
		}
		steps := []struct {
			ack  int
			want int64
		}{
			{ack: 2, want: -1},                 // third batch alone: no prefix
			{ack: 0, want: offsetAfter(bs[0])}, // prefix is the first batch
			{ack: 1, want: offsetAfter(bs[2])}, // gap filled: all three
		}
		for _, st := range steps {
			bs[st.ack].done(nil)
			if st.want < 0 {
				time.Sleep(300 * time.Millisecond) // several commit intervals
				if got := committed(t, b, group, topic, 0); got >= 0 {
					t.Fatalf("after acking batch %d only: committed %d, want nothing", st.ack, got)
				}
				continue
			}
			eventually(t, 10*time.Second, fmt.Sprintf("commit %d", st.want), func() bool {
				return committed(t, b, group, topic, 0) == st.want
			})
			time.Sleep(200 * time.Millisecond)
			if got := committed(t, b, group, topic, 0); got != st.want {
				t.Fatalf("after acking batch %d: committed %d, want %d", st.ack, got, st.want)
			}
		}
		if err := stop(); err != nil {
			t.Fatalf("Run: %v", err)
		}
	})
}

func TestSourceNeverCommitsPastFailedBatch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		topic, group := unique("fail"), unique("g")
		createTopic(t, b, topic, 1)
		s, err := NewSource(testConfig(b, topic, group))
		if err != nil {
			t.Fatal(err)
		}
		f := &fakeProcessors{}
		_, errc := runSource(t, s, f.factory)
		bs := produceRounds(t, b, f, topic, 3, 1)
		bs[0].done(nil)
		bs[2].done(nil)
		eventually(t, 10*time.Second, "first batch committed", func() bool { return committed(t, b, group, topic, 0) == 1 })
		sinkErr := errors.New("clickhouse down for good")
		bs[1].done(sinkErr)
		select {
		case err := <-errc:
			if !errors.Is(err, ErrBatchFailed) || !errors.Is(err, sinkErr) {
				t.Fatalf("Run returned %v, want ErrBatchFailed wrapping the sink error", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("Run did not return after a failed batch")
		}
		if got := committed(t, b, group, topic, 0); got != 1 {
			t.Fatalf("committed %d after failed second batch, want 1 (end of the first)", got)
		}
	})
}

func TestSourceRevokeWaitsForInFlightAcksThenCommits(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		topic, group := unique("revoke"), unique("g")
		createTopic(t, b, topic, 2)
		const n = 100
		produce(t, b, append(numbered(topic, 0, 0, n), numbered(topic, 1, 0, n)...)...)

		cfgA := testConfig(b, topic, group)
		cfgA.CommitInterval = time.Hour // only the revoke commits
		a, err := NewSource(cfgA)
		if err != nil {
			t.Fatal(err)
		}
		// Acks arrive late: the revoke must wait for them.
		fa := &fakeProcessors{autoAck: true, ackDelay: 500 * time.Millisecond}
		stopA, _ := runSource(t, a, fa.factory)
		eventually(t, 20*time.Second, "A reads everything", func() bool { return fa.records() == 2*n })

		cfgB := testConfig(b, topic, group)
		cfgB.ClientID = "b"
		bsrc, err := NewSource(cfgB)
		if err != nil {
			t.Fatal(err)
		}
		fb := &fakeProcessors{autoAck: true}
		stopB, _ := runSource(t, bsrc, fb.factory)
		eventually(t, 30*time.Second, "B gets a partition", func() bool { return len(bsrc.Assigned()[topic]) == 1 })
		moved := bsrc.Assigned()[topic][0]
		if got := committed(t, b, group, topic, moved); got != n {
			t.Fatalf("partition %d committed %d at handover, want %d", moved, got, n)
		}
		produce(t, b, numbered(topic, moved, n, 1)...)
		eventually(t, 20*time.Second, "B reads the new record", func() bool { return fb.records() >= 1 })
		time.Sleep(200 * time.Millisecond)
		if bs := fb.snapshot(); fb.records() != 1 || bs[0].recs[0].Position != fmt.Sprintf("%s/%d@%d", topic, moved, n) {
			t.Fatalf("B read %d records starting at %s, want exactly the new one (no replay)", fb.records(), bs[0].recs[0].Position)
		}
		if err := stopB(); err != nil {
			t.Fatal(err)
		}
		if err := stopA(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSourcePausesAtInFlightLimitAndResumes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		topic, group := unique("pause"), unique("g")
		createTopic(t, b, topic, 1)
		cfg := testConfig(b, topic, group)
		cfg.MaxInFlightBatches = 2
		s, err := NewSource(cfg)
		if err != nil {
			t.Fatal(err)
		}
		f := &fakeProcessors{}
		stop, _ := runSource(t, s, f.factory)
		produceRounds(t, b, f, topic, 2, 1)
		eventually(t, 5*time.Second, "partition paused", func() bool { return testutil.ToFloat64(s.m.paused) == 1 })
		if p := s.cl.PauseFetchPartitions(nil); len(p[topic]) != 1 {
			t.Fatalf("client paused partitions = %v, want %s/0", p, topic)
		}
		// While paused, new records are not fetched.
		produce(t, b, numbered(topic, 0, 2, 3)...)
		time.Sleep(time.Second)
		if got := f.records(); got != 2 {
			t.Fatalf("read %d records while paused, want 2", got)
		}
		for _, bt := range f.snapshot() {
			bt.done(nil)
		}
		eventually(t, 5*time.Second, "partition resumed", func() bool { return testutil.ToFloat64(s.m.paused) == 0 })
		eventually(t, 10*time.Second, "records after resume", func() bool { return f.records() == 5 })
		for _, bt := range f.snapshot()[2:] {
			bt.done(nil)
		}
		eventually(t, 10*time.Second, "commit of all", func() bool { return committed(t, b, group, topic, 0) == 5 })
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSourceOnAssignedGetsCommittedOffset(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		topic, group := unique("assigned"), unique("g")
		createTopic(t, b, topic, 1)
		produce(t, b, numbered(topic, 0, 0, 7)...)
		for i, want := range []int64{-1, 7} {
			var mu sync.Mutex
			var calls []string
			cfg := testConfig(b, topic, group)
			cfg.OnAssigned = func(_ context.Context, tp string, p int32, off int64) {
				mu.Lock()
				calls = append(calls, fmt.Sprintf("%s/%d@%d", tp, p, off))
				mu.Unlock()
			}
			s, err := NewSource(cfg)
			if err != nil {
				t.Fatal(err)
			}
			f := &fakeProcessors{autoAck: true}
			stop, _ := runSource(t, s, f.factory)
			eventually(t, 20*time.Second, "assignment", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(calls) == 1
			})
			if i == 0 {
				eventually(t, 20*time.Second, "records", func() bool { return f.records() == 7 })
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			wantCall := fmt.Sprintf("%s/0@%d", topic, want)
			if calls[0] != wantCall {
				t.Errorf("run %d: OnAssigned(%s), want %s", i, strings.Join(calls, ","), wantCall)
			}
		}
	})
}

// TestSourceRecordBoundIsSharedByPartitions: MaxInFlightRecords bounds the
// whole source. With 8 for 4 partitions, each partition is paused at 2
// unacknowledged records, so at most 8 are in flight whatever the
// partition count (a per-partition bound of 8 would let in 32).
func TestSourceRecordBoundIsSharedByPartitions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		topic, group := unique("share"), unique("g")
		const parts = 4
		createTopic(t, b, topic, parts)
		cfg := testConfig(b, topic, group)
		cfg.MaxInFlightRecords = 2 * parts
		s, err := NewSource(cfg)
		if err != nil {
			t.Fatal(err)
		}
		f := &fakeProcessors{}
		stop, _ := runSource(t, s, f.factory)
		eventually(t, 20*time.Second, "all partitions assigned", func() bool { return len(s.Assigned()[topic]) == parts })
		for round := 0; round < 2; round++ {
			for p := int32(0); p < parts; p++ {
				produce(t, b, numbered(topic, p, round, 1)...)
			}
			want := (round + 1) * parts
			eventually(t, 20*time.Second, "round "+strconv.Itoa(round), func() bool { return f.records() == want })
		}
		eventually(t, 5*time.Second, "every partition paused", func() bool { return testutil.ToFloat64(s.m.paused) == parts })
		for p := int32(0); p < parts; p++ {
			produce(t, b, numbered(topic, p, 2, 1)...)
		}
		time.Sleep(time.Second)
		if got := f.records(); got != 2*parts {
			t.Fatalf("read %d records with every partition at its share, want %d", got, 2*parts)
		}
		for _, bt := range f.snapshot() {
			bt.done(nil)
		}
		eventually(t, 10*time.Second, "records after resume", func() bool { return f.records() == 3*parts })
		for _, bt := range f.snapshot()[2*parts:] {
			bt.done(nil)
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSourceReadsCopiesOfEveryBuild: an internal topic whose first copies an
// older build wrote (three source headers) and whose later ones this build
// wrote (one socwatch-source header) is screened with every copy under its
// input record's position, and the dead letters made from either kind
// carry the three documented source headers, so DLQ consumers deduplicate
// them alike.
func TestSourceReadsCopiesOfEveryBuild(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		in, group := unique("mixed"), unique("g")
		internal := in + ".by-account"
		createTopic(t, b, internal, 1)
		oldCopy := func(partition, offset string) *kgo.Record {
			return &kgo.Record{Topic: internal, Key: []byte("A"), Value: []byte("old"), Headers: []kgo.RecordHeader{
				{Key: HeaderPerspective, Value: []byte("debtor.account")}, {Key: HeaderSourceTopic, Value: []byte(in)},
				{Key: HeaderSourcePartition, Value: []byte(partition)}, {Key: HeaderSourceOffset, Value: []byte(offset)},
				{Key: HeaderEncoding, Value: []byte("tx/1")}}}
		}
		stage := copyStage(in, "debtor.account", "creditor.account")
		newCopies := stage.copies(&kgo.Record{Topic: in, Partition: 5, Offset: 9}, &Prepared{
			Keys: [][]byte{[]byte("A"), []byte("B")}, Value: []byte("new"), Encoding: []byte("tx/1")})
		recs := []*kgo.Record{oldCopy("2", "7"), oldCopy("2", "8"), &newCopies[0], &newCopies[1],
			{Topic: internal, Key: []byte("plain"), Value: []byte("plain")}}
		produce(t, b, recs...)
		want := []string{in + "/2@7", in + "/2@8", in + "/5@9", in + "/5@9", internal + "/0@4"}

		s, err := NewSource(testConfig(b, internal, group))
		if err != nil {
			t.Fatal(err)
		}
		f := &fakeProcessors{autoAck: true}
		stop, _ := runSource(t, s, f.factory)
		eventually(t, 30*time.Second, "all copies", func() bool { return f.records() == len(recs) })
		if err := stop(); err != nil {
			t.Fatalf("Run: %v", err)
		}
		var rejected []engine.Rejected
		for _, bt := range f.snapshot() {
			for _, r := range bt.recs {
				rejected = append(rejected, engine.Rejected{Record: r, Err: engine.Reject(engine.ReasonDecode, "test")})
			}
		}
		for i, rj := range rejected {
			if rj.Record.Position != want[i] {
				t.Errorf("copy %d (%s): Position %q, want %q", i, rj.Record.Value, rj.Record.Position, want[i])
			}
		}

		d, err := NewDeadLetter(testConfig(b, in, ""))
		if err != nil {
			t.Fatal(err)
		}
		createTopic(t, b, d.Topic(), 1)
		done := make(chan error, 1)
		d.Reject(context.Background(), rejected, func(err error) { done <- err })
		if err := <-done; err != nil {
			t.Fatalf("dead letters not written: %v", err)
		}
		if err := d.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		for i, l := range consumeAll(t, b, d.Topic(), len(rejected)) {
			st, _ := header(l, HeaderSourceTopic)
			sp, _ := header(l, HeaderSourcePartition)
			so, _ := header(l, HeaderSourceOffset)
			if got := st + "/" + sp + "@" + so; got != want[i] {
				t.Errorf("dead letter %d (%s): source headers name %q, want %q", i, l.Value, got, want[i])
			}
			if v, ok := header(l, HeaderSource); ok {
				t.Errorf("dead letter %d carries %s %q; dead letters keep the three documented headers", i, HeaderSource, v)
			}
		}
	})
}
