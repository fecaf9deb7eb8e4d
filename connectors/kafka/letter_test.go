package kafka

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/socwatch/socwatch/internal/intern"
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
	src := appendSourceHeaders(nil, "in", 3, 42)
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
			r := l.record("dlq", tc.limit, time.Now())
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

func TestToRecordsNamesTheInputRecord(t *testing.T) {
	copyOf := func(topic, partition, offset string) []kgo.RecordHeader {
		return []kgo.RecordHeader{{Key: HeaderPerspective, Value: []byte("debtor.account")},
			{Key: HeaderSourceTopic, Value: []byte(topic)}, {Key: HeaderSourcePartition, Value: []byte(partition)},
			{Key: HeaderSourceOffset, Value: []byte(offset)}}
	}
	cases := []struct {
		name    string
		headers []kgo.RecordHeader
		want    string
	}{
		{"re-keyed copy", copyOf("in", "3", "42"), "in/3@42"},
		{"plain record", nil, "in.by-account/1@7"},
		{"bad partition header", copyOf("in", "x", "42"), "in.by-account/1@7"},
		{"negative offset header", copyOf("in", "3", "-1"), "in.by-account/1@7"},
		{"no topic header", copyOf("", "3", "42"), "in.by-account/1@7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			recs := toRecords([]*kgo.Record{{Topic: "in.by-account", Partition: 1, Offset: 7, Headers: tc.headers, Value: []byte("v")}}, new(intern.Strings))
			if recs[0].Position != tc.want || string(recs[0].Value) != "v" {
				t.Errorf("Position %q value %q, want %q", recs[0].Position, recs[0].Value, tc.want)
			}
		})
	}
}

func FuzzSourcePosition(f *testing.F) {
	f.Add([]byte("in"), []byte("3"), []byte("42"))
	f.Add([]byte(""), []byte("-1"), []byte("9999999999999999999999"))
	f.Fuzz(func(t *testing.T, topic, partition, offset []byte) {
		p, o, ok := sourcePosition(topic, partition, offset)
		if !ok {
			return
		}
		if p < 0 || o < 0 || len(topic) == 0 {
			t.Fatalf("accepted %q %q %q as %d %d", topic, partition, offset, p, o)
		}
	})
}
