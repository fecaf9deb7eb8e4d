package kafka

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// recordBytes is an upper bound of what a record takes in a batch.
func recordBytes(r *kgo.Record) int {
	n := len(r.Key) + len(r.Value)
	for _, h := range r.Headers {
		n += len(h.Key) + len(h.Value) + 8
	}
	return n
}

func TestLetterTruncatesToTheTopicLimit(t *testing.T) {
	src := sourceHeaders("in", 3, 42)
	cases := []struct {
		name      string
		value     int
		limit     int
		truncated bool
	}{
		{"fits", 1000, 64 << 10, false},
		{"2 MiB into 1 MiB", 2 << 20, defaultMaxMessageBytes, true},
		{"1.5 MiB into 64 KiB", 3 << 19, 64 << 10, true},
		{"limit below the overhead", 5000, 100, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			value := bytes.Repeat([]byte("x"), tc.value)
			l := letter{key: []byte("k"), value: value, reason: "too_large", msg: "too big", headers: src}
			r := l.record("dlq", tc.limit)
			if r.Topic != "dlq" || string(r.Key) != "k" {
				t.Errorf("topic %q key %q", r.Topic, r.Key)
			}
			h := map[string]string{}
			for _, kv := range r.Headers {
				h[kv.Key] = string(kv.Value)
			}
			if h[HeaderReason] != "too_large" || h[HeaderSourceOffset] != "42" || h[HeaderSourcePartition] != "3" {
				t.Errorf("headers %v", h)
			}
			size, hasSize := h[HeaderOriginalSize]
			if hasSize != tc.truncated {
				t.Fatalf("original-size header present = %v, want %v", hasSize, tc.truncated)
			}
			if !tc.truncated {
				if !bytes.Equal(r.Value, value) {
					t.Errorf("value changed though it fits")
				}
				return
			}
			if size != strconv.Itoa(tc.value) {
				t.Errorf("original size %q, want %d", size, tc.value)
			}
			if !bytes.HasPrefix(value, r.Value) {
				t.Errorf("truncated value is not a prefix of the original")
			}
			if tc.limit > letterOverhead && recordBytes(r)+letterOverhead > tc.limit {
				t.Errorf("record of %d bytes (+%d overhead) does not fit in %d", recordBytes(r), letterOverhead, tc.limit)
			}
		})
	}
}

func TestIsRecordError(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{kerr.MessageTooLarge, true},
		{fmt.Errorf("produce: %w", kerr.InvalidRecord), true},
		{kerr.RecordListTooLarge, true},
		{kerr.CorruptMessage, true},
		{kerr.InvalidTimestamp, true},
		{kerr.NotLeaderForPartition, false},
		{kerr.TopicAuthorizationFailed, false},
		{kgo.ErrRecordTimeout, false},
		{nil, false},
	}
	for _, tc := range cases {
		if got := isRecordError(tc.err); got != tc.want {
			t.Errorf("isRecordError(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
