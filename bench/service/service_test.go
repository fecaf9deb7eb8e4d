package service

import (
	"os"
	"strings"
	"testing"
)

func TestSumAndFetched(t *testing.T) {
	b, err := os.ReadFile("testdata/metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	tests := []struct {
		name string
		want float64
	}{
		{"socwatch_alerts_total", 123}, // two label sets; the _extra metric is another name
		{"socwatch_records_screened_total", 4.5e6},
		{"socwatch_no_such_metric", 0},
	}
	for _, tt := range tests {
		if got := Sum(text, tt.name); got != tt.want {
			t.Errorf("Sum(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
	if Fetched(text) {
		t.Error("Fetched before any fetch or assignment")
	}
	fetched := strings.Replace(text, `node_id="1"} 0`, `node_id="1"} 512`, 1)
	if !Fetched(fetched) {
		t.Error("not Fetched after kprom counted fetched bytes")
	}
	assigned := strings.Replace(text, `socwatch_partitions_assigned{topic="feed.by-account"} 0`, `socwatch_partitions_assigned{topic="feed.by-account"} 8`, 1)
	if !Fetched(assigned) {
		t.Error("not Fetched with partitions assigned")
	}
}

func TestTailBufferKeepsTheEnd(t *testing.T) {
	tb := &tailBuffer{max: 10}
	tb.Write([]byte("0123456789"))
	tb.Write([]byte("abcdef"))
	if got := tb.String(); got != "6789abcdef" {
		t.Fatalf("tail = %q", got)
	}
}

func FuzzSum(f *testing.F) {
	if b, err := os.ReadFile("testdata/metrics.txt"); err == nil {
		f.Add(string(b), "socwatch_alerts_total")
	}
	f.Add("a{b=\"}\"} 1", "a")
	f.Fuzz(func(t *testing.T, text, name string) {
		Sum(text, name) // must not panic on any exposition text
	})
}

func TestParseProcStatCPU(t *testing.T) {
	tests := []struct {
		stat string
		want float64
	}{
		{"1234 (socwatch) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 100 0 0", 3},
		{"1234 (my (odd) name) R 1 1 1 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 1 0 0", 0.1},
		{"garbage", 0},
		{"1 (x) S 1 2", 0},
	}
	for _, tt := range tests {
		if got := ParseProcStatCPU(tt.stat); got != tt.want {
			t.Errorf("ParseProcStatCPU(%q) = %v, want %v", tt.stat, got, tt.want)
		}
	}
}

func FuzzParseProcStatCPU(f *testing.F) {
	f.Add("1234 (socwatch) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 100 0 0")
	f.Fuzz(func(t *testing.T, stat string) {
		if v := ParseProcStatCPU(stat); v < 0 {
			t.Fatalf("negative CPU time %v", v)
		}
	})
}

func TestParseProcStatusHWM(t *testing.T) {
	tests := []struct {
		status string
		want   float64
	}{
		{"Name:\tsocwatch\nVmPeak:\t 2000000 kB\nVmHWM:\t  524288 kB\nVmRSS:\t  100 kB\n", 512},
		{"Name:\tsocwatch\nVmRSS:\t  100 kB\n", 0},
		{"VmHWM:\t  12 MB\n", 0},
		{"VmHWM:\t  x kB\n", 0},
	}
	for _, tt := range tests {
		if got := ParseProcStatusHWM(tt.status); got != tt.want {
			t.Errorf("ParseProcStatusHWM(%q) = %v, want %v", tt.status, got, tt.want)
		}
	}
}
