package kafkaload

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/socwatch/socwatch/bench/report"
	"github.com/socwatch/socwatch/bench/stats"
	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/synth"
)

// Dataset is the generated feed: canonical JSON values keyed by debtor
// account, as a bank's topic often is.
type Dataset struct {
	Values [][]byte
	Keys   [][]byte
	Bytes  int64 // key + value bytes of all records
}

// Generate returns count transactions of the seeded synthetic feed.
func Generate(seed int64, count int) *Dataset {
	g := synth.New(synth.Config{Seed: seed, Count: count})
	d := &Dataset{Values: make([][]byte, 0, count), Keys: make([][]byte, 0, count)}
	var tx engine.Tx
	for {
		if _, ok := g.Next(&tx); !ok {
			break
		}
		v := jsonl.Encode(nil, &tx)
		k := []byte(tx.Debtor.Account)
		d.Values = append(d.Values, v)
		d.Keys = append(d.Keys, k)
		d.Bytes += int64(len(v) + len(k))
	}
	return d
}

// Kfake starts an in-process broker with partitions per topic and returns
// its address and a stop function.
func Kfake(partitions int) (string, func(), error) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(partitions), kfake.AllowAutoTopicCreation())
	if err != nil {
		return "", nil, fmt.Errorf("start kfake: %w", err)
	}
	return c.ListenAddrs()[0], c.Close, nil
}

// Client is a producer and admin connection to one cluster.
type Client struct {
	kgo   *kgo.Client
	Admin *kadm.Client
}

// Dial connects to brokers for producing and admin requests. Records are
// partitioned by key with the Java client's murmur2 hash, like a bank's
// producer would.
func Dial(brokers []string) (*Client, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...),
		kgo.ProducerLinger(5*time.Millisecond),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
		kgo.ProducerBatchMaxBytes(1<<20),
		kgo.MaxBufferedRecords(200000))
	if err != nil {
		return nil, fmt.Errorf("connect to %v: %w", brokers, err)
	}
	return &Client{kgo: cl, Admin: kadm.NewClient(cl)}, nil
}

// Close closes the connection.
func (c *Client) Close() { c.kgo.Close() }

// CreateTopic creates topic with partitions (replication 1).
func (c *Client) CreateTopic(ctx context.Context, topic string, partitions int) error {
	resp, err := c.Admin.CreateTopic(ctx, int32(partitions), 1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		return fmt.Errorf("create topic %s: %w", topic, err)
	}
	return nil
}

// DeleteTopics removes topics, ignoring ones that do not exist.
func (c *Client) DeleteTopics(ctx context.Context, topics ...string) error {
	if _, err := c.Admin.DeleteTopics(ctx, topics...); err != nil {
		return fmt.Errorf("delete topics %v: %w", topics, err)
	}
	return nil
}

// ProduceAll writes records [0, n) of d to topic as fast as the broker
// takes them and waits for every ack.
func (c *Client) ProduceAll(ctx context.Context, topic string, d *Dataset) (time.Duration, error) {
	start := time.Now()
	var wg sync.WaitGroup
	var firstErr atomic.Pointer[error]
	for i := range d.Values {
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		c.kgo.Produce(ctx, &kgo.Record{Topic: topic, Key: d.Keys[i], Value: d.Values[i]}, func(_ *kgo.Record, err error) {
			if err != nil {
				firstErr.CompareAndSwap(nil, &err)
			}
			wg.Done()
		})
	}
	wg.Wait()
	if p := firstErr.Load(); p != nil {
		return 0, fmt.Errorf("produce to %s: %w", topic, *p)
	}
	return time.Since(start), ctx.Err()
}

// Pace spreads n records over ticks of tick so that they leave at rate per
// second: it returns how many records are due by elapsed time since start.
func Pace(rate float64, elapsed time.Duration, n int) int {
	due := int(rate * elapsed.Seconds())
	if due > n {
		return n
	}
	if due < 0 {
		return 0
	}
	return due
}

// Produced is what ProduceAtRate achieved: the rate, and each record's
// time from being stamped to being acknowledged by the broker, in seconds
// (what of a pipeline's record-time latency the broker's produce path
// takes before any consumer can see the record).
type Produced struct {
	Rate      float64
	AckDelays []float64
}

// ProduceAtRate writes n records to topic at a steady rate (cycling over d
// from record first), stamping each with the time it is handed to the
// client, and waits for the acks.
func (c *Client) ProduceAtRate(ctx context.Context, topic string, d *Dataset, first, n int, rate float64) (Produced, error) {
	if rate <= 0 || n <= 0 || len(d.Values) == 0 {
		return Produced{}, fmt.Errorf("produce at rate %.0f/s: nothing to do", rate)
	}
	var wg sync.WaitGroup
	var firstErr atomic.Pointer[error]
	var mu sync.Mutex
	delays := make([]float64, 0, n)
	start := time.Now()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	sent := 0
	for sent < n {
		select {
		case <-ctx.Done():
			return Produced{}, ctx.Err()
		case <-tick.C:
		}
		for due := Pace(rate, time.Since(start), n); sent < due; sent++ {
			i := (first + sent) % len(d.Values)
			wg.Add(1)
			c.kgo.Produce(ctx, &kgo.Record{Topic: topic, Key: d.Keys[i], Value: d.Values[i], Timestamp: time.Now()},
				func(r *kgo.Record, err error) {
					if err != nil {
						firstErr.CompareAndSwap(nil, &err)
					} else {
						d := time.Since(r.Timestamp).Seconds()
						mu.Lock()
						delays = append(delays, d)
						mu.Unlock()
					}
					wg.Done()
				})
		}
	}
	elapsed := time.Since(start)
	wg.Wait()
	if p := firstErr.Load(); p != nil {
		return Produced{}, fmt.Errorf("produce to %s: %w", topic, *p)
	}
	return Produced{Rate: float64(n) / elapsed.Seconds(), AckDelays: delays}, nil
}

// Baseline reads topic from the start with a fresh consumer group and
// does nothing with the records, until want records have arrived. The
// clock starts when the group assigns the partitions (the first fetch is
// issued right after), so the group join is not counted; the pipeline
// figure is timed from its first fetch in the same spirit.
func Baseline(ctx context.Context, brokers []string, topic, group string, want int64) (report.Throughput, error) {
	var assigned atomic.Pointer[time.Time]
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.OnPartitionsAssigned(func(context.Context, *kgo.Client, map[string][]int32) {
			now := time.Now()
			assigned.CompareAndSwap(nil, &now)
		}))
	if err != nil {
		return report.Throughput{}, fmt.Errorf("baseline consumer: %w", err)
	}
	defer cl.Close()
	var n, bytes int64
	for n < want {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return report.Throughput{}, fmt.Errorf("baseline consume after %d of %d records: %w", n, want, err)
		}
		var ferr error
		fs.EachError(func(t string, p int32, err error) {
			if !errors.Is(err, context.Canceled) {
				ferr = fmt.Errorf("fetch %s/%d: %w", t, p, err)
			}
		})
		if ferr != nil {
			return report.Throughput{}, ferr
		}
		fs.EachRecord(func(r *kgo.Record) {
			n++
			bytes += int64(len(r.Key) + len(r.Value))
		})
	}
	end := time.Now()
	start := end
	if p := assigned.Load(); p != nil {
		start = *p
	}
	el := end.Sub(start)
	return report.Throughput{
		Records: n, Bytes: bytes, Seconds: el.Seconds(),
		RecordsPerSec: stats.Rate(float64(n), el), MBPerSec: stats.Rate(float64(bytes)/1e6, el),
	}, nil
}

// Lag returns whether group has committed the end of every partition of
// topic, and the total lag (-1 while the group has not committed
// everywhere yet).
func (c *Client) Lag(ctx context.Context, group, topic string) (bool, int64, error) {
	lags, err := c.Admin.Lag(ctx, group)
	if err != nil {
		return false, -1, fmt.Errorf("lag of group %s: %w", group, err)
	}
	l, ok := lags[group]
	if !ok {
		return false, -1, nil
	}
	if err := l.Error(); err != nil {
		return false, -1, fmt.Errorf("lag of group %s: %w", group, err)
	}
	var total int64
	seen := false
	for _, ps := range l.Lag {
		for _, p := range ps {
			if p.Topic != topic {
				continue
			}
			seen = true
			if p.Err != nil || p.Commit.At < 0 {
				return false, -1, nil
			}
			total += p.Lag
		}
	}
	return seen && total == 0, total, nil
}
