// Package cputime reads the CPU time this process, or the calling thread,
// has used. On a shared, loaded machine wall-clock time per operation says
// how much CPU the scheduler gave; CPU time says what the work cost. The
// benchmarks report both (cpu-ns/op next to ns/op), and the engine
// benchmark harness reports process CPU per record.
//
// Thread time is Linux's RUSAGE_THREAD; process time is RUSAGE_SELF on
// every Unix. Where a clock is not available it reads 0, and Timer reports
// nothing.
package cputime

import (
	"runtime"
	"testing"
	"time"
)

// Process returns the user+system CPU time of the process so far.
func Process() time.Duration { return process() }

// Thread returns the user+system CPU time of the calling OS thread so far.
// Only meaningful while the goroutine is locked to its thread.
func Thread() time.Duration { return thread() }

// Timer measures the CPU time of one benchmark.
type Timer struct {
	read  func() time.Duration
	start time.Duration
}

// StartThread locks the benchmark's goroutine to its OS thread until the
// benchmark ends and measures that thread: the CPU the benchmarked code
// itself spends, without GC work on other threads.
func StartThread(b testing.TB) *Timer {
	runtime.LockOSThread()
	b.Cleanup(runtime.UnlockOSThread)
	return &Timer{read: thread, start: thread()}
}

// StartProcess measures the whole process, for code that uses several
// goroutines.
func StartProcess(testing.TB) *Timer {
	return &Timer{read: process, start: process()}
}

// Report adds cpu-ns/op to b's output and returns it; it reports nothing
// and returns 0 where the clock reads 0.
func (t *Timer) Report(b *testing.B) float64 {
	used := t.read() - t.start
	if used <= 0 || b.N == 0 {
		return 0
	}
	per := float64(used) / float64(b.N)
	b.ReportMetric(per, "cpu-ns/op")
	return per
}
