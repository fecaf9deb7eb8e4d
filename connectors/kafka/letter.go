package kafka

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// HeaderOriginalSize carries the size of a dead-lettered value that was
// truncated to fit the dead-letter topic.
const HeaderOriginalSize = "socwatch-original-size"

// HeaderOriginalTimestamp carries a dead letter's own Kafka timestamp (Unix
// milliseconds): the dead letter itself is stamped with the time it was
// written, so that the DLQ topic's retention counts from then.
const HeaderOriginalTimestamp = "socwatch-original-timestamp"

// defaultMaxMessageBytes is Kafka's default max.message.bytes, assumed for
// a topic whose limit cannot be read (e.g. not created yet).
const defaultMaxMessageBytes = 1048588

// producerBatchMaxBytes bounds the dead-letter producer's batches
// (franz-go's default): dead letters are truncated to fit in it too.
const producerBatchMaxBytes = 1000012

// letterOverhead is what a dead-letter record may take besides its key,
// value and headers (record and batch framing), kept free when truncating.
const letterOverhead = 1024

// letter is one record on its way to the dead-letter topic.
type letter struct {
	key, value []byte
	ts         time.Time
	reason     string
	msg        string
	// headers say where the record came from, and carry its own headers.
	headers []kgo.RecordHeader
}

// record builds the dead-letter record, written at now, truncating the
// value so that the whole record fits in maxBytes (the topic's
// max.message.bytes); the original size is then recorded in
// HeaderOriginalSize.
//
// The record is stamped now, not with the input's time, which goes to
// HeaderOriginalTimestamp: time-based retention deletes a segment by its
// newest record time, so the dead letters of a backfill of months-old
// records would be deletable as soon as their segment rolled, before anyone
// read them; and a DLQ topic with message.timestamp.before.max.ms set would
// refuse them, stopping the stage that writes them.
func (l letter) record(topic string, maxBytes int, now time.Time) *kgo.Record {
	headers := make([]kgo.RecordHeader, 0, len(l.headers)+4)
	headers = append(headers,
		kgo.RecordHeader{Key: HeaderError, Value: []byte(l.reason + ": " + l.msg)},
		kgo.RecordHeader{Key: HeaderReason, Value: []byte(l.reason)},
	)
	if !l.ts.IsZero() {
		headers = append(headers, kgo.RecordHeader{Key: HeaderOriginalTimestamp, Value: strconv.AppendInt(nil, l.ts.UnixMilli(), 10)})
	}
	headers = append(headers, l.headers...)
	// Room for the original-size header is always kept.
	budget := maxBytes - letterOverhead - len(l.key) - (len(HeaderOriginalSize) + 20 + 8)
	for _, h := range headers {
		budget -= len(h.Key) + len(h.Value) + 8
	}
	value := l.value
	if len(value) > budget {
		value = value[:max(budget, 0)]
		headers = append(headers, kgo.RecordHeader{Key: HeaderOriginalSize, Value: strconv.AppendInt(nil, int64(len(l.value)), 10)})
	}
	return &kgo.Record{Topic: topic, Key: l.key, Value: value, Headers: headers, Timestamp: now}
}

// maxMessageBytes reads a topic's max.message.bytes (its own setting or
// the broker default it inherits).
func maxMessageBytes(ctx context.Context, adm *kadm.Client, topic string) (int, error) {
	cfg, err := topicConfigs(ctx, adm, topic)
	if err != nil {
		return 0, err
	}
	return messageBytesIn(cfg, topic)
}

// messageBytesIn reads max.message.bytes from a topic's configs.
func messageBytesIn(cfg map[string]string, topic string) (int, error) {
	v, ok := cfg["max.message.bytes"]
	if !ok {
		return 0, fmt.Errorf("topic %s: no max.message.bytes in its configs", topic)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("topic %s: max.message.bytes %q is not a positive integer", topic, v)
	}
	return n, nil
}

// awaitTopicConfigs is topicConfigs for a topic that was just created, by
// this process or another: a broker answers UNKNOWN_TOPIC_OR_PARTITION
// until the creation has reached it, so that answer is retried (backing
// off from 50 ms to 1 s) until ctx ends.
func awaitTopicConfigs(ctx context.Context, adm *kadm.Client, topic string) (map[string]string, error) {
	wait := 50 * time.Millisecond
	for {
		cfg, err := topicConfigs(ctx, adm, topic)
		if !errors.Is(err, kerr.UnknownTopicOrPartition) {
			return cfg, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (still unknown when %w)", err, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// topicConfigs returns a topic's configuration, defaults included, by key.
func topicConfigs(ctx context.Context, adm *kadm.Client, topic string) (map[string]string, error) {
	rcs, err := adm.DescribeTopicConfigs(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("describe topic %s configs: %w", topic, err)
	}
	rc, err := rcs.On(topic, nil)
	if err == nil {
		err = rc.Err
	}
	if err != nil {
		return nil, fmt.Errorf("describe topic %s configs: %w", topic, err)
	}
	out := make(map[string]string, len(rc.Configs))
	for _, c := range rc.Configs {
		if c.Value != nil {
			out[c.Key] = *c.Value
		}
	}
	return out, nil
}

// isRecordError reports whether a produce error is about the record itself
// (too large, invalid, a timestamp the topic refuses) rather than about the
// cluster: producing the same record again can never succeed, so it goes to
// the dead-letter topic instead of stopping the stage.
func isRecordError(err error) bool {
	for _, e := range []error{kerr.MessageTooLarge, kerr.RecordListTooLarge, kerr.InvalidRecord,
		kerr.CorruptMessage, kerr.InvalidTimestamp} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
