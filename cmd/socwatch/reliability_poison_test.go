package main

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// bankTopicBytes is the max.message.bytes a bank's input topic often has.
const bankTopicBytes = 4 << 20

// TestOversizeRecordsDoNotStopThePipeline (issue 13, item 1): the input
// topic accepts 4 MiB records; a 2 MiB and a 1.5 MiB record sit among valid
// ones. The re-key stage dead-letters both itself (reason too_large, the
// original key and headers, the value truncated to what the dead-letter
// topic accepts, the original size in a header), creates the internal topic
// with the input topic's limit, and screens every valid record: alerts equal
// the batch run, and the process never stops.
func TestOversizeRecordsDoNotStopThePipeline(t *testing.T) {
	t.Parallel()
	start := time.Now()
	f := newFixture(t, 20000, 4)
	setTopicMaxBytes(t, f.admin, f.topic, bankTopicBytes)
	pr := bigProducer(t, f)
	half := len(f.records) / 2
	oversize := map[string]int{"big-2MiB": 2 << 20, "big-1.5MiB": 3 << 19}
	var recs []*kgo.Record
	recs = append(recs, feedRecords(f, 0, half)...)
	for key, size := range oversize {
		recs = append(recs, &kgo.Record{Key: []byte(key), Value: filler(key, size),
			Headers: []kgo.RecordHeader{{Key: "origin", Value: []byte("core-banking")}}})
	}
	recs = append(recs, feedRecords(f, half, len(f.records))...)
	produceAll(t, pr, recs)

	c := startRun(t, nil, runArgs(f)...)
	f.waitDone(t, c, 4*time.Minute)
	m := c.scrape()
	if got := topicMaxBytes(t, f.admin, f.topic+".by-account"); got < bankTopicBytes {
		t.Errorf("internal topic max.message.bytes = %d, want >= the input topic's %d", got, bankTopicBytes)
	}
	dlq := readDeadLetters(t, f, len(oversize))
	for key, size := range oversize {
		var found *dlqRecord
		for i := range dlq {
			if string(dlq[i].key) == key {
				found = &dlq[i]
			}
		}
		if found == nil {
			t.Errorf("%s (%d bytes) not in the dead-letter topic", key, size)
			continue
		}
		h := found.headers
		if h["socwatch-reason"] != "too_large" || h["origin"] != "core-banking" || h["socwatch-source-topic"] != f.topic ||
			h["socwatch-original-size"] != strconv.Itoa(size) {
			t.Errorf("%s: dead-letter headers %v", key, h)
		}
		if len(found.value) == 0 || !bytes.HasPrefix(filler(key, size), found.value) {
			t.Errorf("%s: dead-letter value (%d bytes) is not a prefix of the original", key, len(found.value))
		}
	}
	if n := sum(m, `socwatch_records_consumed_total{topic="`+f.topic+`"}`); n != float64(len(f.records)+len(oversize)) {
		t.Errorf("re-key stage consumed %.0f records, want %d", n, len(f.records)+len(oversize))
	}
	cnt := screenCounts(m, f)
	checkReconciled(t, "screening", cnt)
	if cnt.rejected != 0 {
		t.Errorf("screening rejected %.0f copies; the over-size records should never reach it", cnt.rejected)
	}
	if err := c.stop(sigterm); err != nil {
		t.Errorf("SIGTERM: %v", err)
	}
	want := batchAlerts(t, f.records)
	got := streamAlerts(t, f.dsn)
	diffKeys(t, got, want)
	t.Logf("checked: input topic at %d bytes, records of %v bytes dead-lettered as too_large by the re-key stage (values truncated to %d and %d bytes); %s; alerts %d = batch %d, no restart; took %s",
		bankTopicBytes, oversize, len(dlq[0].value), len(dlq[len(dlq)-1].value), cnt, len(got), len(want), time.Since(start).Round(time.Second))
}

// TestPoisonRecordsSurviveKill9 (issue 13, item 1): 200 poison records of
// four kinds (over-size, not JSON, invalid amount, missing debtor) mixed
// into the feed; the instance is killed with SIGKILL midway and restarted.
// Nothing is lost or duplicated: alerts equal the batch run, the dead-letter
// topic holds every poison record and nothing else, and, deduplicated by
// the source headers (the input record's position, the same on a replay),
// each exactly once.
func TestPoisonRecordsSurviveKill9(t *testing.T) {
	t.Parallel()
	start := time.Now()
	f := newFixture(t, 20000, 4)
	setTopicMaxBytes(t, f.admin, f.topic, bankTopicBytes)
	pr := bigProducer(t, f)
	kinds := []struct {
		reason string
		value  func(i int) []byte
	}{
		{"too_large", func(i int) []byte { return filler(fmt.Sprintf("poison-%d", i), 1<<20+1+i*4096) }},
		{"decode", func(i int) []byte { return []byte(fmt.Sprintf(`{"tx_id":"poison-%d"`, i)) }},
		{"invalid", func(i int) []byte {
			return []byte(fmt.Sprintf(`{"tx_id":"poison-%d","ts":"2026-02-01T10:00:00Z","amount":"-5","currency":"EUR","debtor":{"account":"A"},"creditor":{"account":"B"}}`, i))
		}},
		{"missing", func(i int) []byte {
			return []byte(fmt.Sprintf(`{"tx_id":"poison-%d","ts":"2026-02-01T10:00:00Z","amount":"5","currency":"EUR","creditor":{"account":"B"}}`, i))
		}},
	}
	const poisonCount = 200
	every := len(f.records) / poisonCount
	var recs []*kgo.Record
	reasonOf := map[*kgo.Record]string{}
	for i := 0; i < poisonCount; i++ {
		recs = append(recs, feedRecords(f, i*every, (i+1)*every)...)
		k := kinds[i%len(kinds)]
		r := &kgo.Record{Key: []byte(fmt.Sprintf("poison-%d", i)), Value: k.value(i)}
		reasonOf[r] = k.reason
		recs = append(recs, r)
	}
	recs = append(recs, feedRecords(f, poisonCount*every, len(f.records))...)
	produceAll(t, pr, recs)     // fills in each record's partition and offset
	want := map[string]string{} // input position -> reason
	for r, reason := range reasonOf {
		want[fmt.Sprintf("%s/%d@%d", r.Topic, r.Partition, r.Offset)] = reason
	}

	c := startRun(t, nil, runArgs(f)...)
	killedAt := waitMetric(t, c, "socwatch_records_screened_total", float64(len(f.records)), 3*time.Minute)
	kill9(t, c)
	c2 := startRun(t, nil, runArgs(f)...)
	f.waitDone(t, c2, 4*time.Minute)
	if err := c2.stop(sigterm); err != nil {
		t.Errorf("restarted process did not stop cleanly: %v", err)
	}

	dlq := readDeadLetters(t, f, poisonCount)
	got := map[string]string{}
	for _, d := range dlq {
		pos := fmt.Sprintf("%s/%s@%s", d.headers["socwatch-source-topic"], d.headers["socwatch-source-partition"], d.headers["socwatch-source-offset"])
		if prev, ok := got[pos]; ok && prev != d.headers["socwatch-reason"] {
			t.Errorf("%s dead-lettered twice with different reasons: %s, %s", pos, prev, d.headers["socwatch-reason"])
		}
		got[pos] = d.headers["socwatch-reason"]
	}
	for pos, reason := range want {
		if got[pos] != reason {
			t.Errorf("poison record %s: dead-letter reason %q, want %q", pos, got[pos], reason)
		}
	}
	for pos := range got {
		if _, ok := want[pos]; !ok {
			t.Errorf("dead-letter record for %s, which is not a poison record", pos)
		}
	}
	wantAlerts := batchAlerts(t, f.records)
	gotAlerts := streamAlerts(t, f.dsn)
	diffKeys(t, gotAlerts, wantAlerts)
	t.Logf("injected: %d poison records (4 kinds, %d over-size up to %d bytes) among %d, kill -9 after %.0f copies screened",
		poisonCount, poisonCount/len(kinds), 1<<20+1+(poisonCount-1)*4096, len(f.records), killedAt)
	t.Logf("checked: %d dead-letter records, %d distinct by source position = the %d poison records, each with its reason; alerts %d = batch %d; took %s",
		len(dlq), len(got), len(want), len(gotAlerts), len(wantAlerts), time.Since(start).Round(time.Second))
}

// filler is a value of size bytes that starts with tag and is not JSON.
func filler(tag string, size int) []byte {
	b := bytes.Repeat([]byte{'#'}, size)
	copy(b, tag)
	return b
}

// feedRecords are the fixture's records [from, to) keyed by debtor account.
func feedRecords(f *fixture, from, to int) []*kgo.Record {
	recs := make([]*kgo.Record, 0, to-from)
	for i := from; i < to; i++ {
		recs = append(recs, &kgo.Record{Key: f.keys[i], Value: f.records[i]})
	}
	return recs
}

// bigProducer produces to the fixture's topic in batches up to the bank
// topic's limit, so records above franz-go's 1 MB default can be sent.
func bigProducer(t *testing.T, f *fixture) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(f.brokers), kgo.DefaultProduceTopic(f.topic),
		kgo.ProducerBatchMaxBytes(bankTopicBytes), kgo.ProducerLinger(5*time.Millisecond),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func produceAll(t *testing.T, cl *kgo.Client, recs []*kgo.Record) {
	t.Helper()
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

func setTopicMaxBytes(t *testing.T, adm *kadm.Client, topic string, n int) {
	t.Helper()
	v := strconv.Itoa(n)
	resps, err := adm.AlterTopicConfigs(context.Background(), []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "max.message.bytes", Value: &v}}, topic)
	if err == nil {
		for _, r := range resps {
			if r.Err != nil {
				err = r.Err
			}
		}
	}
	if err != nil {
		t.Fatalf("set max.message.bytes of %s: %v", topic, err)
	}
}

func topicMaxBytes(t *testing.T, adm *kadm.Client, topic string) int {
	t.Helper()
	rcs, err := adm.DescribeTopicConfigs(context.Background(), topic)
	if err != nil {
		t.Fatalf("describe %s: %v", topic, err)
	}
	for _, rc := range rcs {
		for _, c := range rc.Configs {
			if c.Key == "max.message.bytes" && c.Value != nil {
				n, err := strconv.Atoi(*c.Value)
				if err != nil {
					t.Fatalf("%s max.message.bytes %q", topic, *c.Value)
				}
				return n
			}
		}
	}
	t.Fatalf("%s: no max.message.bytes", topic)
	return 0
}

// dlqRecord is one record read back from the dead-letter topic.
type dlqRecord struct {
	key, value []byte
	headers    map[string]string
}

// readDeadLetters reads the fixture's dead-letter topic from the start until at
// least min records arrived and no more come for 3 s.
func readDeadLetters(t *testing.T, f *fixture, min int) []dlqRecord {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(f.brokers), kgo.ConsumeTopics(f.topic+".dlq"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []dlqRecord
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		fs := cl.PollFetches(ctx)
		cancel()
		n := 0
		fs.EachRecord(func(r *kgo.Record) {
			n++
			h := map[string]string{}
			for _, kv := range r.Headers {
				h[kv.Key] = string(kv.Value)
			}
			out = append(out, dlqRecord{key: r.Key, value: r.Value, headers: h})
		})
		if n == 0 && len(out) >= min {
			return out
		}
	}
	t.Fatalf("dead-letter topic %s.dlq: %d records after 1 min, want >= %d", f.topic, len(out), min)
	return nil
}
