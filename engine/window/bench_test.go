package window

import (
	"fmt"
	"github.com/socwatch/socwatch/internal/cputime"
	"runtime"
	"testing"
	"time"
)

const benchKeys = 100_000

// benchAccounts returns n distinct IBAN-shaped keys (22 bytes, like DE IBANs).
func benchAccounts(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("DE89%018d", i*7919)
	}
	return keys
}

// BenchmarkObserve measures Observe on existing keys: 100k keys, each seeing
// an event every 15 minutes of a 1h window, so windows hold about 4 events;
// every 8th event arrives 5 minutes out of order.
func BenchmarkObserve(b *testing.B) {
	keys := benchAccounts(benchKeys)
	step := int64(15*time.Minute) / benchKeys
	for fn := Count; fn <= SinceLast; fn++ {
		b.Run(fn.String(), func(b *testing.B) {
			st := NewStore(Spec{Fn: fn, Over: time.Hour, Lateness: 10 * time.Minute})
			ts := base
			for i := range 8 * benchKeys { // warm up: rings at steady size
				ts += step
				st.Observe(keys[i%benchKeys], ts, float64(i%1000), uint64(i%5))
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cputime.StartThread(b)
			for i := range b.N {
				ts += step
				at := ts
				if i%8 == 0 {
					at -= int64(5 * time.Minute)
				}
				st.Observe(keys[i%benchKeys], at, float64(i%1000), uint64(i%5))
			}
			cpu.Report(b)
		})
	}
}

// BenchmarkValue measures a read without an update (transactions that fail
// the aggregate's where filter).
func BenchmarkValue(b *testing.B) {
	keys := benchAccounts(benchKeys)
	st := NewStore(Spec{Fn: Sum, Over: time.Hour})
	ts := base
	for i := range 4 * benchKeys {
		ts += int64(15*time.Minute) / benchKeys
		st.Observe(keys[i%benchKeys], ts, 1, 0)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.StartThread(b)
	for i := range b.N {
		st.Value(keys[i%benchKeys], ts)
	}
	cpu.Report(b)
}

// BenchmarkMemoryPerKey reports the live heap per key after 100k keys × 4
// events (HeapAlloc delta after GC), and what SizeBytes estimates.
func BenchmarkMemoryPerKey(b *testing.B) {
	for _, fn := range []Fn{Count, Sum, Distinct, SinceLast} {
		b.Run(fn.String(), func(b *testing.B) {
			keys := benchAccounts(benchKeys)
			// The keys are the caller's: only the Store's own clones count.
			var heap, estimate float64
			for range b.N {
				before := liveHeap()
				st := NewStore(Spec{Fn: fn, Over: time.Hour, Lateness: 10 * time.Minute})
				ts := base
				for i := range 4 * benchKeys {
					ts += int64(10*time.Minute) / benchKeys
					st.Observe(keys[i%benchKeys], ts, float64(i), uint64(i))
				}
				heap = float64(liveHeap()-before) / benchKeys
				estimate = float64(st.SizeBytes()) / benchKeys
				runtime.KeepAlive(st)
			}
			b.ReportMetric(heap, "bytes/key")
			b.ReportMetric(estimate, "est-bytes/key")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func liveHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

func BenchmarkHashString(b *testing.B) {
	b.ReportAllocs()
	cpu := cputime.StartThread(b)
	var sink uint64
	for range b.N {
		sink += HashString("PL61109010140000071219812874")
	}
	cpu.Report(b)
	_ = sink
}

// BenchmarkEvictScan measures an Evict pass over 100k keys that drops none
// (the common case): its cost per key bounds how often the engine should call it.
func BenchmarkEvictScan(b *testing.B) {
	keys := benchAccounts(benchKeys)
	st := NewStore(Spec{Fn: Count, Over: time.Hour})
	for i, k := range keys {
		st.Observe(k, base+int64(i), 0, 0)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if st.Evict(base) != 0 {
			b.Fatal("evicted live keys")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchKeys, "ns/key")
}

// BenchmarkObserveHotKey measures one key whose window holds about 1000
// events (a merchant or collection account): Count binary-searches, Distinct
// uses its incremental counts, Sum/Avg/Min/Max scan the window, NewDistinct
// counts the window's 300 counterparties against those before it.
func BenchmarkObserveHotKey(b *testing.B) {
	for _, fn := range []Fn{Count, Sum, Max, Distinct, SinceLast, NewDistinct} {
		b.Run(fn.String(), func(b *testing.B) {
			st := NewStore(Spec{Fn: fn, Over: 1000 * time.Second, Lookback: 1000 * time.Second})
			ts := base
			for i := range 2000 {
				ts += int64(time.Second)
				st.Observe("DE89370400440532013000", ts, float64(i), uint64(i%300))
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cputime.StartThread(b)
			for i := range b.N {
				ts += int64(time.Second)
				st.Observe("DE89370400440532013000", ts, float64(i), uint64(i%300))
			}
			cpu.Report(b)
		})
	}
}
