package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/socwatch/socwatch/engine"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// backend is a Kafka cluster a test runs against.
type backend struct {
	name    string
	brokers []string
}

var uniq atomic.Int64

// unique returns a topic or group name no other test run uses.
func unique(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano(), uniq.Add(1))
}

// forEachBackend runs fn against an in-process kfake cluster and, when
// SOCWATCH_INTEGRATION=1, against the real broker at SOCWATCH_KAFKA.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Helper()
	t.Run("kfake", func(t *testing.T) {
		fn(t, kfakeBackend(t))
	})
	if os.Getenv("SOCWATCH_INTEGRATION") == "1" {
		t.Run("broker", func(t *testing.T) {
			fn(t, realBroker(t))
		})
	}
}

func kfakeBackend(tb testing.TB) backend {
	tb.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation())
	if err != nil {
		tb.Fatalf("start kfake: %v", err)
	}
	tb.Cleanup(c.Close)
	return backend{name: "kfake", brokers: c.ListenAddrs()}
}

func realBroker(t *testing.T) backend {
	t.Helper()
	addr := os.Getenv("SOCWATCH_KAFKA")
	if addr == "" {
		addr = "127.0.0.1:9092"
	}
	conn, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		t.Fatalf("SOCWATCH_INTEGRATION=1 but no Kafka broker at %s (%v): start it with `make services` (or set SOCWATCH_KAFKA)", addr, err)
	}
	_ = conn.Close()
	return backend{name: "broker", brokers: []string{addr}}
}

func adminFor(t testing.TB, b backend) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.brokers...))
	if err != nil {
		t.Fatalf("admin client: %v", err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

func createTopic(t testing.TB, b backend, topic string, partitions int32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := adminFor(t, b).CreateTopic(ctx, partitions, 1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
}

// produce writes recs synchronously.
func produce(t *testing.T, b backend, recs ...*kgo.Record) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(0))
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// numbered makes n records for topic/partition with values "p<part>-<i>"
// starting at i=from.
func numbered(topic string, partition int32, from, n int) []*kgo.Record {
	out := make([]*kgo.Record, n)
	for i := range out {
		v := "p" + strconv.Itoa(int(partition)) + "-" + strconv.Itoa(from+i)
		out[i] = &kgo.Record{Topic: topic, Partition: partition, Key: []byte("k" + v), Value: []byte(v)}
	}
	return out
}

func committed(t *testing.T, b backend, group, topic string, partition int32) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	offs, err := adminFor(t, b).FetchOffsets(ctx, group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		return -1 // the group has not joined yet: nothing committed
	}
	if err != nil {
		t.Fatalf("fetch offsets of %s: %v", group, err)
	}
	o, ok := offs.Lookup(topic, partition)
	if !ok {
		return -1
	}
	return o.At
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// recordedBatch is one Process call seen by fakeProcessor.
type recordedBatch struct {
	topic     string
	partition int32
	recs      []engine.Record
	done      engine.Done
}

// fakeProcessors records every batch; with autoAck it acknowledges at
// once, otherwise the test acknowledges through the recorded done.
type fakeProcessors struct {
	autoAck  bool
	ackDelay time.Duration

	mu      sync.Mutex
	batches []recordedBatch
	closed  map[string]int
}

func (f *fakeProcessors) factory(topic string, partition int32) Processor {
	return &fakeProcessor{f: f, topic: topic, partition: partition}
}

func (f *fakeProcessors) snapshot() []recordedBatch {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recordedBatch(nil), f.batches...)
}

func (f *fakeProcessors) records() int {
	n := 0
	for _, b := range f.snapshot() {
		n += len(b.recs)
	}
	return n
}

type fakeProcessor struct {
	f         *fakeProcessors
	topic     string
	partition int32
}

func (p *fakeProcessor) Process(ctx context.Context, recs []engine.Record, done engine.Done) error {
	p.f.mu.Lock()
	p.f.batches = append(p.f.batches, recordedBatch{p.topic, p.partition, recs, done})
	p.f.mu.Unlock()
	switch {
	case p.f.autoAck && p.f.ackDelay > 0:
		time.AfterFunc(p.f.ackDelay, func() { done(nil) })
	case p.f.autoAck:
		done(nil)
	}
	return ctx.Err()
}

func (p *fakeProcessor) Close() {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	if p.f.closed == nil {
		p.f.closed = make(map[string]int)
	}
	p.f.closed[fmt.Sprintf("%s/%d", p.topic, p.partition)]++
}

// runSource starts s.Run in a goroutine. stop cancels it and returns Run's
// error; errc delivers that error when Run returns on its own.
func runSource(t *testing.T, s *Source, factory ProcessorFactory) (stop func() error, errc <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	var runErr error
	exited := make(chan struct{})
	go func() {
		runErr = s.Run(ctx, factory)
		close(exited)
		ch <- runErr
	}()
	stop = func() error {
		cancel()
		select {
		case <-exited:
			return runErr
		case <-time.After(30 * time.Second):
			return fmt.Errorf("Run did not return 30 s after cancel")
		}
	}
	t.Cleanup(func() { _ = stop() })
	return stop, ch
}

func testConfig(b backend, topic, group string) Config {
	return Config{Brokers: b.brokers, Topics: []string{topic}, Group: group, CommitInterval: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
}

// delayCount is how many record delays socwatch_record_delay_seconds
// observed at stage in reg.
func delayCount(t *testing.T, reg *prometheus.Registry, stage string) uint64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "socwatch_record_delay_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "stage" && l.GetValue() == stage {
					return m.GetHistogram().GetSampleCount()
				}
			}
		}
	}
	return 0
}

// copyStage is a re-key stage without a client, enough to make the copies
// (Rekeyer.copies) of records of topic in under perspectives.
func copyStage(in string, perspectives ...string) *Rekeyer {
	r := &Rekeyer{cfg: RekeyConfig{Perspectives: perspectives}, outputTopic: map[string]string{in: in + ".by-account"}}
	for _, p := range perspectives {
		r.perspValue = append(r.perspValue, []byte(p))
	}
	return r
}
