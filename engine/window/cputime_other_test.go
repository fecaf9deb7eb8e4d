//go:build !linux

package window

import "testing"

// cpuTimer reports nothing where per-thread CPU time is not available.
type cpuTimer struct{}

func startCPUTimer(*testing.B) *cpuTimer { return &cpuTimer{} }

func (*cpuTimer) report(*testing.B) {}
