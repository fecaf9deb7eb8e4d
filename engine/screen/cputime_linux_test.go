package screen_test

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// rusageThread is Linux's RUSAGE_THREAD, missing from package syscall.
const rusageThread = 1

// cpuTimer measures the CPU time of the benchmark's own thread, so a run on
// a shared, loaded machine still reports the CPU actually spent per record
// (cpu-ns/op) next to wall-clock ns/op. GC work on other threads is not
// included.
type cpuTimer struct{ start time.Duration }

func startCPUTimer(b *testing.B) *cpuTimer {
	runtime.LockOSThread()
	b.Cleanup(runtime.UnlockOSThread)
	return &cpuTimer{start: threadCPU()}
}

func (c *cpuTimer) report(b *testing.B) {
	per := float64(threadCPU()-c.start) / float64(b.N)
	b.ReportMetric(per, "cpu-ns/op")
	if per > 0 {
		b.ReportMetric(1e9/per, "records/cpu-s")
	}
}

func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
