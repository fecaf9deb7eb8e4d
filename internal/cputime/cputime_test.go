package cputime

import (
	"runtime"
	"testing"
	"time"
)

// spin burns CPU for at least d of wall time.
func spin(d time.Duration) (n int) {
	for end := time.Now().Add(d); time.Now().Before(end); n++ {
	}
	return n
}

// Both clocks advance by about the CPU a busy loop burns: at least a
// tenth of its wall time even on a loaded machine, and never more than the
// wall time plus scheduling slack for the thread clock.
func TestClocksAdvance(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p0, t0, w0 := Process(), Thread(), time.Now()
	spin(100 * time.Millisecond)
	dp, dt, wall := Process()-p0, Thread()-t0, time.Since(w0)
	if runtime.GOOS == "linux" && (dt < wall/10 || dt > wall+20*time.Millisecond) {
		t.Errorf("thread CPU %v over %v of wall time", dt, wall)
	}
	if dp < wall/10 {
		t.Errorf("process CPU %v over %v of wall time", dp, wall)
	}
	if dp+10*time.Millisecond < dt { // read one after the other, at tick granularity
		t.Errorf("process CPU %v < thread CPU %v", dp, dt)
	}
}

func BenchmarkTimerReports(b *testing.B) {
	cpu := StartThread(b)
	for b.Loop() {
		spin(time.Microsecond)
	}
	if per := cpu.Report(b); runtime.GOOS == "linux" && per <= 0 {
		b.Fatalf("cpu-ns/op = %v", per)
	}
}
