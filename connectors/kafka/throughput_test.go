package kafka

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine"
	"github.com/twmb/franz-go/pkg/kgo"
)

// countingProcessor acknowledges at once and counts records.
type countingProcessor struct{ n *atomic.Int64 }

func (c countingProcessor) Process(_ context.Context, recs []engine.Record, done engine.Done) error {
	c.n.Add(int64(len(recs)))
	done(nil)
	return nil
}
func (countingProcessor) Close() {}

// BenchmarkSourceConsume measures raw consumption through Source (fetch,
// conversion to engine.Record, per-partition workers, checkpoints, commits)
// of 200,000 records of about 100 bytes on 4 partitions, in records/s.
func BenchmarkSourceConsume(b *testing.B) {
	const n = 200_000
	benchBackends(b, func(b *testing.B, be backend) {
		topic := unique("bench")
		createTopic(b, be, topic, 4)
		produceSmall(b, be, topic, 4, n)
		b.ReportAllocs()
		b.ResetTimer()
		var total time.Duration
		for i := 0; i < b.N; i++ {
			s, err := NewSource(Config{Brokers: be.brokers, Topics: []string{topic}, Group: unique("bg"),
				Logger: testConfig(be, topic, "").Logger})
			if err != nil {
				b.Fatal(err)
			}
			var count atomic.Int64
			ctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error, 1)
			start := time.Now()
			go func() {
				errc <- s.Run(ctx, func(string, int32) Processor { return countingProcessor{&count} })
			}()
			for count.Load() < n {
				time.Sleep(time.Millisecond)
			}
			total += time.Since(start)
			cancel()
			if err := <-errc; err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "records/s")
	})
}

func benchBackends(b *testing.B, fn func(b *testing.B, be backend)) {
	b.Run("kfake", func(b *testing.B) {
		fn(b, kfakeBackend(b))
	})
	if os.Getenv("SOCWATCH_INTEGRATION") == "1" {
		b.Run("broker", func(b *testing.B) {
			addr := os.Getenv("SOCWATCH_KAFKA")
			if addr == "" {
				addr = "127.0.0.1:9092"
			}
			fn(b, backend{name: "broker", brokers: []string{addr}})
		})
	}
}

func produceSmall(tb testing.TB, be backend, topic string, partitions int32, n int) {
	tb.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(be.brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		tb.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	value := []byte(`{"tx_id":"T0000000","ts":"2024-01-01T00:00:00Z","amount":"100.00","currency":"EUR"}`)
	var failed atomic.Value
	for i := 0; i < n; i++ {
		r := &kgo.Record{Topic: topic, Partition: int32(i) % partitions, Key: []byte(strconv.Itoa(i)), Value: value}
		cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
			if err != nil {
				failed.Store(err)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		tb.Fatal(err)
	}
	if err, ok := failed.Load().(error); ok {
		tb.Fatal(fmt.Errorf("produce bench records: %w", err))
	}
}
