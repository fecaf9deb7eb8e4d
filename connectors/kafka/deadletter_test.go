package kafka

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/socwatch/socwatch/engine"
)

func TestDeadLetterKeepsRecordAndExplainsReason(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		topic := unique("in")
		reg := prometheus.NewRegistry()
		cfg := testConfig(b, topic, "")
		cfg.Registerer = reg
		d, err := NewDeadLetter(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if d.Topic() != topic+".dlq" {
			t.Fatalf("DLQ topic %q, want %q", d.Topic(), topic+".dlq")
		}
		createTopic(t, b, d.Topic(), 1)
		ts := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
		rejects := []engine.Rejected{
			{Record: engine.Record{Key: []byte("k1"), Value: []byte(`{"tx_id":`), Time: ts, Position: topic + "/2@41"},
				Err: engine.Reject(engine.ReasonDecode, "unexpected end of JSON input")},
			{Record: engine.Record{Key: nil, Value: []byte(`{"tx_id":"x"}`), Position: topic + "/0@7", Perspective: "debtor.account"},
				Err: engine.Reject(engine.ReasonMissing, "ts is required")},
			{Record: engine.Record{Key: []byte("k3"), Value: []byte("v3"), Position: "line 17"},
				Err: errors.New("boom")},
		}
		done := make(chan error, 2)
		d.Reject(context.Background(), rejects, func(err error) { done <- err })
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("done(%v), want nil", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("done not called")
		}
		if err := d.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			t.Fatalf("done called twice (second: %v)", err)
		default:
		}

		got := consumeAll(t, b, d.Topic(), 3)
		tests := []struct {
			key, value                   string
			errHeader, reason            string
			srcTopic, srcPart, srcOffset string
			persp                        string
		}{
			{"k1", `{"tx_id":`, "decode: unexpected end of JSON input", "decode", topic, "2", "41", ""},
			{"", `{"tx_id":"x"}`, "missing: ts is required", "missing", topic, "0", "7", "debtor.account"},
			{"k3", "v3", "other: boom", "other", "", "", "", ""},
		}
		for i, tt := range tests {
			r := got[i]
			if string(r.Key) != tt.key || string(r.Value) != tt.value {
				t.Errorf("dlq[%d] key/value %q/%q, want %q/%q", i, r.Key, r.Value, tt.key, tt.value)
			}
			for _, h := range []struct{ k, want string }{
				{HeaderError, tt.errHeader}, {HeaderReason, tt.reason}, {HeaderSourceTopic, tt.srcTopic},
				{HeaderSourcePartition, tt.srcPart}, {HeaderSourceOffset, tt.srcOffset}, {HeaderPerspective, tt.persp},
			} {
				if v, _ := header(r, h.k); v != h.want {
					t.Errorf("dlq[%d] header %s = %q, want %q", i, h.k, v, h.want)
				}
			}
		}
		// Stamped when written, the input's time in a header: retention
		// counts from the dead-lettering, not from a backfill's old time.
		if since := time.Since(got[0].Timestamp); since < 0 || since > 5*time.Minute {
			t.Errorf("dlq[0] timestamp %v, want the time it was written (now)", got[0].Timestamp)
		}
		if v, _ := header(got[0], HeaderOriginalTimestamp); v != strconv.FormatInt(ts.UnixMilli(), 10) {
			t.Errorf("dlq[0] %s = %q, want the input's %d", HeaderOriginalTimestamp, v, ts.UnixMilli())
		}
		if _, ok := header(got[1], HeaderOriginalTimestamp); ok {
			t.Errorf("dlq[1] has %s though its input had no time", HeaderOriginalTimestamp)
		}
		if n := testutil.ToFloat64(d.m.dlq.WithLabelValues(engine.ReasonDecode)); n != 1 {
			t.Errorf("socwatch_dlq_records_total{reason=decode} = %v, want 1", n)
		}
		if n := testutil.ToFloat64(d.m.dlq.WithLabelValues("other")); n != 1 {
			t.Errorf("socwatch_dlq_records_total{reason=other} = %v, want 1", n)
		}
	})
}

func TestDeadLetterEmptyBatchIsDoneAtOnce(t *testing.T) {
	d, err := NewDeadLetter(testConfig(backend{brokers: []string{"127.0.0.1:1"}}, "t", ""))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(context.Background())
	called := 0
	d.Reject(context.Background(), nil, func(err error) {
		if err != nil {
			t.Errorf("done(%v)", err)
		}
		called++
	})
	if called != 1 {
		t.Fatalf("done called %d times, want 1", called)
	}
}
