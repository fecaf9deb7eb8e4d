package kafka

import (
	"bytes"
	"context"
	"errors"
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

// TestToRecordsNamesTheInputRecord: a copy's Position is its input
// record's, read from the one source header this build writes or from the
// three an older build wrote, so a topic holding both kinds of copies
// dead-letters each under its input's position.
func TestToRecordsNamesTheInputRecord(t *testing.T) {
	persp := kgo.RecordHeader{Key: HeaderPerspective, Value: []byte("debtor.account")}
	oldCopy := func(topic, partition, offset string) []kgo.RecordHeader {
		return []kgo.RecordHeader{persp, {Key: HeaderSourceTopic, Value: []byte(topic)},
			{Key: HeaderSourcePartition, Value: []byte(partition)}, {Key: HeaderSourceOffset, Value: []byte(offset)}}
	}
	newCopy := func(source string) []kgo.RecordHeader {
		return []kgo.RecordHeader{persp, {Key: HeaderSource, Value: []byte(source)}}
	}
	cases := []struct {
		name    string
		headers []kgo.RecordHeader
		want    string
	}{
		{"copy with the source header", newCopy("in/3@42"), "in/3@42"},
		{"copy of a topic with dots and dashes", newCopy("bank.feed-1/0@9007199254740993"), "bank.feed-1/0@9007199254740993"},
		{"copy an older build wrote", oldCopy("in", "3", "42"), "in/3@42"},
		{"both forms: the source header wins", append(oldCopy("old", "1", "1"), kgo.RecordHeader{Key: HeaderSource, Value: []byte("in/3@42")}), "in/3@42"},
		{"bad source header, valid old ones", append(oldCopy("in", "3", "42"), kgo.RecordHeader{Key: HeaderSource, Value: []byte("in/x@42")}), "in/3@42"},
		{"plain record", nil, "in.by-account/1@7"},
		{"source header without offset", newCopy("in/3@"), "in.by-account/1@7"},
		{"source header without topic", newCopy("/3@42"), "in.by-account/1@7"},
		{"source header without partition", newCopy("in@42"), "in.by-account/1@7"},
		{"source header with negative partition", newCopy("in/-3@42"), "in.by-account/1@7"},
		{"empty source header", newCopy(""), "in.by-account/1@7"},
		{"bad partition header", oldCopy("in", "x", "42"), "in.by-account/1@7"},
		{"negative offset header", oldCopy("in", "3", "-1"), "in.by-account/1@7"},
		{"no topic header", oldCopy("", "3", "42"), "in.by-account/1@7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			recs := toRecords([]*kgo.Record{{Topic: "in.by-account", Partition: 1, Offset: 7, Headers: tc.headers, Value: []byte("v")}}, new(intern.Strings))
			if recs[0].Position != tc.want || string(recs[0].Value) != "v" || recs[0].Perspective != "debtor.account" && tc.headers != nil {
				t.Errorf("Position %q value %q perspective %q, want %q", recs[0].Position, recs[0].Value, recs[0].Perspective, tc.want)
			}
		})
	}
}

// FuzzCopySource: whatever the headers hold, a position copySource accepts
// is one parsePosition reads back unchanged, so a dead letter made from it
// carries valid source headers.
func FuzzCopySource(f *testing.F) {
	f.Add([]byte("in/3@42"), []byte("in"), []byte("3"), []byte("42"))
	f.Add([]byte("a/b/1@2@3"), []byte(""), []byte("-1"), []byte("9999999999999999999999"))
	f.Fuzz(func(t *testing.T, src, topic, partition, offset []byte) {
		top, p, o, ok := copySource(src, topic, partition, offset)
		if !ok {
			return
		}
		pos := formatPosition(string(top), p, o)
		gt, gp, gO, err := parsePosition(pos)
		if err != nil || gt != string(top) || gp != p || gO != o {
			t.Fatalf("accepted %q (headers %q %q %q) as %q, read back as %q %d %d %v", src, topic, partition, offset, pos, gt, gp, gO, err)
		}
	})
}

// TestAwaitTopicConfigs: the configs of a topic created while they are
// being asked for are returned once the topic exists (a broker answers
// UNKNOWN_TOPIC_OR_PARTITION until a creation reaches it, which stopped
// the re-key stage at start: CI, TestRebalanceMovesStateThroughCheckpoints),
// and a topic that never comes is an error naming the deadline.
func TestAwaitTopicConfigs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		adm := adminFor(t, b)
		topic := unique("late")
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		created := make(chan error, 1)
		go func() {
			time.Sleep(300 * time.Millisecond)
			resp, err := adm.CreateTopic(ctx, 1, -1, nil, topic)
			if err == nil {
				err = resp.Err
			}
			created <- err
		}()
		cfg, err := awaitTopicConfigs(ctx, adm, topic)
		if cerr := <-created; cerr != nil {
			t.Fatalf("create %s: %v", topic, cerr)
		}
		if err != nil {
			t.Fatalf("configs of a topic created 300 ms later: %v", err)
		}
		if _, err := messageBytesIn(cfg, topic); err != nil {
			t.Errorf("no max.message.bytes in the configs read: %v", err)
		}

		ctx, cancel = context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		_, err = awaitTopicConfigs(ctx, adm, unique("never"))
		if !errors.Is(err, kerr.UnknownTopicOrPartition) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a topic that never comes: %v, want UNKNOWN_TOPIC_OR_PARTITION and the deadline", err)
		}
	})
}
