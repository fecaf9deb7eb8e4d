package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"

	"github.com/socwatch/socwatch/engine"
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
	opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()), kgo.AllowAutoTopicCreation())
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
		r := dlqRecord(d.topic, &recs[i])
		reason := engine.RejectReason(recs[i].Err)
		d.cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
			if err == nil {
				d.m.dlq.WithLabelValues(reason).Inc()
			}
			mu.Lock()
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("produce to dead-letter topic %s: %w", d.topic, err)
			}
			pending--
			last, ferr := pending == 0, firstErr
			mu.Unlock()
			if last {
				if ferr != nil {
					d.log.Error("dead-letter write failed", "err", ferr)
				}
				done(ferr)
			}
		})
	}
}

// dlqRecord builds the dead-letter copy of one rejected record.
func dlqRecord(topic string, rj *engine.Rejected) *kgo.Record {
	reason := engine.RejectReason(rj.Err)
	msg := "unknown error"
	if rj.Err != nil {
		msg = rj.Err.Error()
		var re *engine.RejectError
		if errors.As(rj.Err, &re) && re.Err != nil {
			msg = re.Err.Error()
		}
	}
	headers := make([]kgo.RecordHeader, 0, 6)
	headers = append(headers,
		kgo.RecordHeader{Key: HeaderError, Value: []byte(reason + ": " + msg)},
		kgo.RecordHeader{Key: HeaderReason, Value: []byte(reason)},
	)
	if st, sp, so, err := parsePosition(rj.Record.Position); err == nil {
		headers = append(headers,
			kgo.RecordHeader{Key: HeaderSourceTopic, Value: []byte(st)},
			kgo.RecordHeader{Key: HeaderSourcePartition, Value: strconv.AppendInt(nil, int64(sp), 10)},
			kgo.RecordHeader{Key: HeaderSourceOffset, Value: strconv.AppendInt(nil, so, 10)},
		)
	}
	if rj.Record.Perspective != "" {
		headers = append(headers, kgo.RecordHeader{Key: HeaderPerspective, Value: []byte(rj.Record.Perspective)})
	}
	return &kgo.Record{Topic: topic, Key: rj.Record.Key, Value: rj.Record.Value, Headers: headers, Timestamp: rj.Record.Time}
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
