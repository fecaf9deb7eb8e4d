//go:build unix

package enginebench

import (
	"syscall"
	"time"
)

// processCPU is the user+system CPU time of this process so far. On a
// shared, loaded machine it says what the work cost, where wall time also
// says how much CPU the scheduler gave us.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
