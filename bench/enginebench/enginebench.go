package enginebench

import (
	"context"
	"fmt"
	"hash/fnv"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socwatch/socwatch/bench/report"
	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/enrich"
	"github.com/socwatch/socwatch/engine/screen"
	"github.com/socwatch/socwatch/internal/cputime"
	"github.com/socwatch/socwatch/internal/synth"
)

// batchSize is how many records one Process call gets, as the Kafka source
// hands a fetch to a partition's stream.
const batchSize = 512

// countingSink acknowledges alerts at once and counts them.
type countingSink struct{ alerts atomic.Int64 }

func (s *countingSink) Write(_ context.Context, a []engine.Alert, done engine.Done) {
	s.alerts.Add(int64(len(a)))
	done(nil)
}
func (s *countingSink) Close(context.Context) error { return nil }
func (s *countingSink) Reject(_ context.Context, _ []engine.Rejected, done engine.Done) {
	done(nil)
}

func newPipeline(rs *engine.RuleSet, sink *countingSink) *screen.Pipeline {
	return &screen.Pipeline{
		Rules:      screen.NewRules(rs),
		NewDecoder: func() engine.Decoder { return &jsonl.Decoder{} },
		Enricher:   enrich.New(nil),
		Sink:       sink,
		DeadLetter: sink,
	}
}

// DiscardPipeline is a pipeline for rs whose alerts and rejects are
// acknowledged at once and dropped.
func DiscardPipeline(rs *engine.RuleSet) *screen.Pipeline { return newPipeline(rs, &countingSink{}) }

// Records wraps encoded transactions as engine records (file mode: no
// perspective, so each record is screened under every perspective, as the
// re-keyed stream screens its two copies).
func Records(values [][]byte) []engine.Record {
	recs := make([]engine.Record, len(values))
	for i, v := range values {
		recs[i] = engine.Record{Value: v}
	}
	return recs
}

// Partition splits recs into n slices by the FNV hash of key(i), keeping
// each slice in input order, as a keyed topic's partitions would.
func Partition(recs []engine.Record, n int, key func(i int) []byte) [][]engine.Record {
	if n < 1 {
		n = 1
	}
	out := make([][]engine.Record, n)
	for i := range recs {
		h := fnv.New32a()
		h.Write(key(i))
		p := int(h.Sum32() % uint32(n))
		out[p] = append(out[p], recs[i])
	}
	return out
}

// Run screens every partition's records with its own stream, all streams
// concurrently, under GOMAXPROCS procs (restored afterwards), and returns
// the throughput with the number of alerts.
func Run(rs *engine.RuleSet, parts [][]engine.Record, procs int) (report.Throughput, int64, error) {
	prev := runtime.GOMAXPROCS(procs)
	defer runtime.GOMAXPROCS(prev)
	sink := &countingSink{}
	p := newPipeline(rs, sink)
	streams := make([]*screen.Stream, len(parts))
	var total int64
	for i := range parts {
		streams[i] = p.NewStream(fmt.Sprintf("bench-%d", i))
		total += int64(len(parts[i]))
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	ctx := context.Background()
	errs := make([]error, len(parts))
	start, cpu0 := time.Now(), cputime.Process()
	var wg sync.WaitGroup
	for i := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			recs := parts[i]
			for off := 0; off < len(recs); off += batchSize {
				end := min(off+batchSize, len(recs))
				if err := streams[i].Process(ctx, recs[off:end], func(error) {}); err != nil {
					errs[i] = fmt.Errorf("screen partition %d at record %d: %w", i, off, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cputime.Process()-cpu0
	runtime.ReadMemStats(&after)
	for _, s := range streams {
		s.Close()
	}
	for _, err := range errs {
		if err != nil {
			return report.Throughput{}, 0, err
		}
	}
	t := report.Throughput{
		Records: total, Seconds: elapsed.Seconds(), GOMAXPROCS: procs,
		RecordsPerSec: float64(total) / elapsed.Seconds(),
		NsPerRecord:   float64(elapsed.Nanoseconds()) / float64(max(total, 1)),
		AllocsPerRec:  float64(after.Mallocs-before.Mallocs) / float64(max(total, 1)),
		CPUSeconds:    cpu.Seconds(),
	}
	if cpu > 0 {
		t.RecordsPerCPUSec = float64(total) / cpu.Seconds()
	}
	return t, sink.alerts.Load(), nil
}

// liveHeap is the bytes of live heap objects after a full collection.
func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

// DistinctAccounts returns n generated transactions re-addressed so that
// every debtor and every creditor account occurs once: each record adds a
// new key to every aggregate whose filter it passes. Event times are 1 ms
// apart, so no key idles past even the shortest window and is evicted
// before the measurement.
func DistinctAccounts(seed int64, n int) [][]byte {
	g := synth.New(synth.Config{Seed: seed, Count: n})
	var tx engine.Tx
	out := make([][]byte, 0, n)
	var start time.Time
	for i := 0; i < n; i++ {
		if _, ok := g.Next(&tx); !ok {
			break
		}
		if i == 0 {
			start = tx.TS
		}
		tx.TS = start.Add(time.Duration(i) * time.Millisecond)
		tx.Debtor.Account = fmt.Sprintf("BENCHD%010d", i)
		tx.Creditor.Account = fmt.Sprintf("BENCHC%010d", i)
		out = append(out, jsonl.Encode(nil, &tx))
	}
	return out
}

// StateMemory screens records (one per distinct account pair, see
// DistinctAccounts) on one stream and measures how much the live heap grew:
// the stream's windows, keys and maps. The records themselves are
// allocated before the first measurement and kept alive past the second,
// so they do not count.
func StateMemory(rs *engine.RuleSet, values [][]byte) (report.State, error) {
	recs := Records(values)
	sink := &countingSink{}
	p := newPipeline(rs, sink)
	before := liveHeap()
	st := p.NewStream("state")
	ctx := context.Background()
	for off := 0; off < len(recs); off += batchSize {
		end := min(off+batchSize, len(recs))
		if err := st.Process(ctx, recs[off:end], func(error) {}); err != nil {
			return report.State{}, fmt.Errorf("screen state records at %d: %w", off, err)
		}
	}
	after := liveHeap()
	scr := st.Screener()
	keys := scr.StateKeys()
	total := 0
	for _, k := range keys {
		total += k
	}
	s := report.State{
		Accounts: len(values), Keys: keys, TotalKeys: total,
		HeapBytes: after - before, EstimatedBytes: scr.StateBytes(),
	}
	if total > 0 {
		s.BytesPerKeyPerAggregate = float64(s.HeapBytes) / float64(total)
	}
	runtime.KeepAlive(recs)
	runtime.KeepAlive(st)
	return s, nil
}
