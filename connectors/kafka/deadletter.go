package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/socwatch/socwatch/engine"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// DeadLetter implements engine.DeadLetter by producing each rejected record
// to the dead-letter topic with its original key and value, the reject
// reason in headers, and where it came from. Its producer is idempotent and
// waits for all in-sync replicas, so done(nil) means the records are durable.
type DeadLetter struct {
	topic string
	cl    *kgo.Client
	m     *metrics
	log   *slog.Logger

	limitOnce sync.Once
	limit     int // bytes a dead-letter record may take, read on first use
}

var _ engine.DeadLetter = (*DeadLetter)(nil)

// NewDeadLetter creates the producer for cfg.DLQTopic (default
// "<Topics[0]>.dlq"). Only Brokers, Topics/DLQTopic, ClientID, SASL, TLS,
// Registerer and Logger are used; Group may be empty.
func NewDeadLetter(cfg Config) (*DeadLetter, error) {
	if cfg.Group == "" {
		cfg.Group = "unused" // the dead-letter writer joins no group
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	opts, err := cfg.clientOpts("dlq")
	if err != nil {
		return nil, err
	}
	opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()), kgo.AllowAutoTopicCreation(),
		kgo.ProducerBatchMaxBytes(producerBatchMaxBytes))
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("create kafka dead-letter client: %w", err)
	}
	return &DeadLetter{topic: cfg.DLQTopic, cl: cl, m: m, log: cfg.Logger.With("component", "kafka-dlq", "topic", cfg.DLQTopic)}, nil
}

// Topic is the dead-letter topic records are written to.
func (d *DeadLetter) Topic() string { return d.topic }

// Reject produces recs and calls done once every produce is acknowledged,
// with the first error if any failed.
func (d *DeadLetter) Reject(ctx context.Context, recs []engine.Rejected, done engine.Done) {
	if len(recs) == 0 {
		done(nil)
		return
	}
	var (
		mu       sync.Mutex
		pending  = len(recs)
		firstErr error
	)
	for i := range recs {
		d.send(ctx, rejectedLetter(&recs[i]), func(err error) {
			mu.Lock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			pending--
			last, ferr := pending == 0, firstErr
			mu.Unlock()
			if last {
				done(ferr)
			}
		})
	}
}

// send produces one letter, its value truncated to what the topic accepts,
// and calls done when it is acknowledged.
func (d *DeadLetter) send(ctx context.Context, l letter, done func(error)) {
	d.limitOnce.Do(func() {
		// Not ctx: a shutdown must not leave the default limit for good.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		n, err := maxMessageBytes(lctx, kadm.NewClient(d.cl), d.topic)
		if err != nil {
			n = defaultMaxMessageBytes
			d.log.Info("dead-letter topic limit not read; assuming Kafka's default", "max_message_bytes", n, "err", err)
		}
		// The producer's batch bound applies to every batch it sends.
		d.limit = min(n, producerBatchMaxBytes)
	})
	reason := l.reason
	d.cl.Produce(ctx, l.record(d.topic, d.limit, time.Now()), func(_ *kgo.Record, err error) {
		if err != nil {
			err = fmt.Errorf("produce to dead-letter topic %s: %w", d.topic, err)
			d.log.Error("dead-letter write failed", "err", err)
		} else {
			d.m.dlq.WithLabelValues(reason).Inc()
		}
		done(err)
	})
}

// rejectedLetter is the dead-letter copy of one record screening rejected.
func rejectedLetter(rj *engine.Rejected) letter {
	l := letter{key: rj.Record.Key, value: rj.Record.Value, ts: rj.Record.Time,
		reason: engine.RejectReason(rj.Err), msg: "unknown error"}
	if rj.Err != nil {
		l.msg = rj.Err.Error()
		var re *engine.RejectError
		if errors.As(rj.Err, &re) && re.Err != nil {
			l.msg = re.Err.Error()
		}
	}
	if st, sp, so, err := parsePosition(rj.Record.Position); err == nil {
		l.headers = appendSourceHeaders(l.headers, st, sp, so)
	}
	if rj.Record.Perspective != "" {
		l.headers = append(l.headers, kgo.RecordHeader{Key: HeaderPerspective, Value: []byte(rj.Record.Perspective)})
	}
	if rj.Record.Encoding != "" {
		// A copy the re-key stage re-encoded, refused by screening (e.g.
		// dated ahead of the clock): the value is in that encoding.
		l.headers = append(l.headers, kgo.RecordHeader{Key: HeaderEncoding, Value: []byte(rj.Record.Encoding)})
	}
	return l
}

// appendSourceHeaders appends the three source headers, which say which
// input record a dead letter comes from, to hs; their values share one
// allocation. Dead letters keep this documented form, which DLQ consumers
// deduplicate by; copies carry the one HeaderSource instead.
func appendSourceHeaders(hs []kgo.RecordHeader, topic string, partition int32, offset int64) []kgo.RecordHeader {
	b := make([]byte, 0, len(topic)+2*20)
	b = append(b, topic...)
	p := len(b)
	b = strconv.AppendInt(b, int64(partition), 10)
	o := len(b)
	b = strconv.AppendInt(b, offset, 10)
	return append(hs,
		kgo.RecordHeader{Key: HeaderSourceTopic, Value: b[:p:p]},
		kgo.RecordHeader{Key: HeaderSourcePartition, Value: b[p:o:o]},
		kgo.RecordHeader{Key: HeaderSourceOffset, Value: b[o:len(b):len(b)]})
}

// Close waits for outstanding produces (bounded by ctx) and closes the
// client.
func (d *DeadLetter) Close(ctx context.Context) error {
	err := d.cl.Flush(ctx)
	d.cl.Close()
	if err != nil {
		return fmt.Errorf("flush dead-letter producer: %w", err)
	}
	return nil
}

// Ping reports whether a broker answers a metadata request, for readiness
// checks: every process mode has a dead-letter writer.
func (d *DeadLetter) Ping(ctx context.Context) error { return d.cl.Ping(ctx) }
