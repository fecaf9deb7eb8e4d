package kafka

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/socwatch/socwatch/engine"
)

// statefulProcessor's state is the values it screened, in order; a
// checkpoint holds them three to a chunk.
type statefulProcessor struct {
	mu       sync.Mutex
	seen     []string
	replayed int
}

func (p *statefulProcessor) Process(ctx context.Context, recs []engine.Record, done engine.Done) error {
	p.mu.Lock()
	for _, r := range recs {
		p.seen = append(p.seen, string(r.Value))
	}
	p.mu.Unlock()
	done(nil)
	return ctx.Err()
}

func (p *statefulProcessor) Close() {}

func (p *statefulProcessor) SnapshotState(int) ([][]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var chunks [][]byte
	for i := 0; i < len(p.seen); i += 3 {
		chunks = append(chunks, []byte("v1|"+strings.Join(p.seen[i:min(i+3, len(p.seen))], "|")))
	}
	return chunks, nil
}

func (p *statefulProcessor) RestoreState(chunks [][]byte) error {
	var seen []string
	for _, c := range chunks {
		s, ok := strings.CutPrefix(string(c), "v1|")
		if !ok {
			return errors.New("not a test chunk")
		}
		seen = append(seen, strings.Split(s, "|")...)
	}
	p.mu.Lock()
	p.seen = seen
	p.mu.Unlock()
	return nil
}

func (p *statefulProcessor) Replay(recs []engine.Record) {
	p.mu.Lock()
	p.replayed += len(recs)
	p.mu.Unlock()
	_ = p.Process(context.Background(), recs, func(error) {})
}

func (p *statefulProcessor) state() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.seen)
}

func values(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, "v"+strconv.Itoa(i))
	}
	return out
}

func produceValues(t *testing.T, b backend, topic string, from, to int) {
	t.Helper()
	var recs []*kgo.Record
	for _, v := range values(from, to) {
		recs = append(recs, &kgo.Record{Topic: topic, Partition: 0, Value: []byte(v)})
	}
	produce(t, b, recs...)
}

// runStateful runs a checkpointing Source on topic until it has committed
// upTo (and, past the first owner's 40 records, restored its state), and
// returns its processor and metrics registry.
func runStateful(t *testing.T, b backend, topic, group string, upTo int64, during func(reg *prometheus.Registry)) (*statefulProcessor, *prometheus.Registry) {
	t.Helper()
	cfg := testConfig(b, topic, group)
	cfg.CheckpointInterval = 100 * time.Millisecond
	reg := prometheus.NewRegistry()
	cfg.Registerer = reg
	proc := &statefulProcessor{}
	var s *Source
	cfg.OnAssigned = func(ctx context.Context, topic string, p int32, committed int64) {
		s.RestoreState(ctx, topic, p, committed, time.Hour, proc)
	}
	s, err := NewSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	stop, _ := runSource(t, s, func(string, int32) Processor { return proc })
	if during != nil {
		during(reg)
	}
	eventually(t, 30*time.Second, "commit of every record", func() bool { return committed(t, b, group, topic, 0) >= upTo })
	if restores := metricsOf(t, reg).restores; upTo > 40 {
		eventually(t, 30*time.Second, "the restore", func() bool {
			return testutil.ToFloat64(restores.WithLabelValues("checkpoint"))+testutil.ToFloat64(restores.WithLabelValues("replay"))+
				testutil.ToFloat64(restores.WithLabelValues("corrupt")) > 0
		})
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	return proc, reg
}

// TestStateCheckpointRestore: a Source writes checkpoints of a stateful
// processor; the next owner restores the newest one and replays only the
// records after it; a corrupt chunk makes the next one replay the history
// instead, and say so in the restore metric.
func TestStateCheckpointRestore(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		topic, group := unique("state"), unique("g")
		createTopic(t, b, topic, 1)
		produceValues(t, b, topic, 0, 20)
		first, reg := runStateful(t, b, topic, group, 40, func(reg *prometheus.Registry) {
			// Batches after the interval trigger checkpoints.
			for i := 20; i < 40; i += 5 {
				time.Sleep(150 * time.Millisecond)
				produceValues(t, b, topic, i, i+5)
			}
			eventually(t, 30*time.Second, "a checkpoint", func() bool {
				return testutil.ToFloat64(metricsOf(t, reg).checkpoints.WithLabelValues("written")) > 0
			})
		})
		if got := first.state(); !slices.Equal(got, values(0, 40)) {
			t.Fatalf("first owner's state %v", got)
		}
		cpAt := int(testutil.ToFloat64(metricsOf(t, reg).checkpointAt.WithLabelValues(topic, "0")))
		produceValues(t, b, topic, 40, 45)

		second, reg2 := runStateful(t, b, topic, group, 45, nil)
		if got := second.state(); !slices.Equal(got, values(0, 45)) {
			t.Errorf("restored state %v, want v0..v44", got)
		}
		if n := testutil.ToFloat64(metricsOf(t, reg2).restores.WithLabelValues("checkpoint")); n != 1 {
			t.Errorf("restores from a checkpoint: %v, want 1", n)
		}
		if second.replayed >= 40 || second.replayed < 40-cpAt {
			t.Errorf("replayed %d records after a checkpoint at offset %d of 40", second.replayed, cpAt)
		}

		// A manifest naming a chunk that does not match its checksum.
		garbage := &kgo.Record{Topic: topic + ".state", Partition: 0, Key: chunkKey(0, 0, 0), Value: []byte("v1|x")}
		produce(t, b, garbage)
		bad := &manifest{partition: 0, offset: 45, sums: []uint32{12345}, at: []int64{garbage.Offset}}
		produce(t, b, &kgo.Record{Topic: topic + ".state", Partition: 0, Key: manifestKey(0), Value: bad.encode()})
		third, reg3 := runStateful(t, b, topic, group, 45, nil)
		if n := testutil.ToFloat64(metricsOf(t, reg3).restores.WithLabelValues("corrupt")); n != 1 {
			t.Errorf("corrupt restores: %v, want 1", n)
		}
		if got := third.state(); !slices.Equal(got, values(0, 45)) {
			t.Errorf("state rebuilt by replay %v, want v0..v44", got)
		}
	})
}

func metricsOf(t *testing.T, reg prometheus.Registerer) *metrics {
	t.Helper()
	m, err := newMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestManifestKeys(t *testing.T) {
	if got := string(chunkKey(12, 1, 300)); got != "c/12/1/300" {
		t.Errorf("chunk key %q", got)
	}
	if got := string(manifestKey(12)); got != "m/12" {
		t.Errorf("manifest key %q", got)
	}
}
