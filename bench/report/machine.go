package report

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Machine describes where a run happened. The machine may be shared, so
// the load average at the start is recorded with the figures.
type Machine struct {
	CPUModel    string     `json:"cpu_model"`
	Cores       int        `json:"cores"`
	GOMAXPROCS  int        `json:"gomaxprocs"`
	GoVersion   string     `json:"go_version"`
	OS          string     `json:"os"`
	Arch        string     `json:"arch"`
	MemTotalMB  int64      `json:"mem_total_mb,omitempty"`
	LoadAverage [3]float64 `json:"load_average_start"`
	LoadAtEnd   [3]float64 `json:"load_average_end"`
}

// ReadMachine collects the machine description from the Go runtime and,
// on Linux, /proc. Missing /proc files leave their fields empty.
func ReadMachine() Machine {
	m := Machine{
		Cores: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPUModel = ParseCPUModel(string(b))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		m.MemTotalMB = ParseMemTotalMB(string(b))
	}
	m.LoadAverage, _ = ReadLoadAverage()
	return m
}

// ReadLoadAverage returns the 1, 5 and 15 minute load averages.
func ReadLoadAverage() ([3]float64, error) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return [3]float64{}, fmt.Errorf("read load average: %w", err)
	}
	return ParseLoadAverage(string(b))
}

// ParseCPUModel returns the first "model name" of /proc/cpuinfo text.
func ParseCPUModel(cpuinfo string) string {
	sc := bufio.NewScanner(strings.NewReader(cpuinfo))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// ParseMemTotalMB returns MemTotal of /proc/meminfo text in MiB.
func ParseMemTotalMB(meminfo string) int64 {
	sc := bufio.NewScanner(strings.NewReader(meminfo))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}

// ParseLoadAverage parses the first three fields of /proc/loadavg.
func ParseLoadAverage(text string) ([3]float64, error) {
	var out [3]float64
	f := strings.Fields(text)
	if len(f) < 3 {
		return out, fmt.Errorf("parse load average %q: want 3 fields", text)
	}
	for i := range out {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return [3]float64{}, fmt.Errorf("parse load average field %d %q: %w", i+1, f[i], err)
		}
		out[i] = v
	}
	return out, nil
}
