package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseProcFiles(t *testing.T) {
	if got := ParseCPUModel(read(t, "cpuinfo.txt")); got != "AMD EPYC 7B13 64-Core Processor" {
		t.Errorf("ParseCPUModel = %q", got)
	}
	if got := ParseCPUModel("processor : 0\n"); got != "" {
		t.Errorf("ParseCPUModel without model = %q", got)
	}
	if got := ParseMemTotalMB(read(t, "meminfo.txt")); got != 23975 {
		t.Errorf("ParseMemTotalMB = %d", got)
	}
	tests := []struct {
		text    string
		want    [3]float64
		wantErr bool
	}{
		{read(t, "loadavg.txt"), [3]float64{30.83, 39.72, 28.71}, false},
		{"1.0 2.0", [3]float64{}, true},
		{"1.0 x 2.0", [3]float64{}, true},
	}
	for _, tt := range tests {
		got, err := ParseLoadAverage(tt.text)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseLoadAverage(%q) = %v, %v", tt.text, got, err)
		}
	}
}

func TestFileName(t *testing.T) {
	day := time.Date(2026, 3, 2, 23, 30, 0, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		name   string
		commit string
		taken  []string
		want   string
	}{
		{"plain", "abc1234", nil, "2026-03-02-abc1234.json"},
		{"long commit is shortened", "0123456789abcdef0123", nil, "2026-03-02-0123456789abcdef.json"},
		{"no commit", "", nil, "2026-03-02-nocommit.json"},
		{"taken names get a suffix", "abc1234", []string{"2026-03-02-abc1234.json", "2026-03-02-abc1234-2.json"}, "2026-03-02-abc1234-3.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FileName(day, tt.commit, func(n string) bool {
				for _, x := range tt.taken {
					if x == n {
						return true
					}
				}
				return false
			})
			if got != tt.want {
				t.Fatalf("FileName = %q, want %q", got, tt.want)
			}
		})
	}
}

func sample() *Result {
	r := &Result{
		Started: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), Commit: "abc1234",
		Machine:         Machine{CPUModel: "Test CPU", Cores: 2, GOMAXPROCS: 2, GoVersion: "go1.26", LoadAverage: [3]float64{3, 2, 1}},
		Config:          Config{Broker: "kafka", Count: 1000, Partitions: 8, Seed: 42, RecordBytes: 350000},
		Baseline:        Throughput{Records: 1000, Bytes: 350000, Seconds: 0.5, RecordsPerSec: 2000, MBPerSec: 0.7},
		Pipeline:        Pipeline{Throughput: Throughput{Records: 1000, Seconds: 1, RecordsPerSec: 1000}, Rekey: "auto", RatioToBaseline: 0.5},
		PipelineNoRekey: Pipeline{Throughput: Throughput{Records: 1000, Seconds: 0.8, RecordsPerSec: 1250}, Rekey: "never", RatioToBaseline: 0.625},
		EngineOneCore:   Throughput{Records: 1000, RecordsPerSec: 123456, RecordsPerCPUSec: 350000, NsPerRecord: 8100, AllocsPerRec: 6.5, GOMAXPROCS: 1},
		RuleScaling:     []RuleCost{{Rules: 10, NsPerRecord: 1000}, {Rules: 1000, NsPerRecord: 4000}},
		RuleCostRatio:   4,
		State:           State{Accounts: 10, TotalKeys: 100, HeapBytes: 20000, BytesPerKeyPerAggregate: 200},
		Latency:         Latency{P50: 0.012, P99: 0.75, P999: 1.5, Alerts: 10, Source: "histogram"},
	}
	r.EvaluateTargets()
	return r
}

func TestEvaluateTargets(t *testing.T) {
	r := sample()
	want := map[string]string{
		"pipeline / baseline consume rate":                   "yes", // 0.5 ≥ 0.25
		"engine records/s per core (GOMAXPROCS=1, warm)":     "yes", // 350k per CPU-second ≥ 300k
		"engine allocations per record (GOMAXPROCS=1, warm)": "no",  // 6.5 > 4
		"largest / smallest rule count per-record time":      "no",  // 4 > 3
		"state bytes per key per aggregate":                  "no",  // 200 > 128
		"p99 record → durable alert (s) at half max rate":    "no",  // 0.75 > 0.25
	}
	if len(r.Targets) != len(want) {
		t.Fatalf("%d targets, want %d", len(r.Targets), len(want))
	}
	for _, tg := range r.Targets {
		got := "no"
		if tg.Met {
			got = "yes"
		}
		if w, ok := want[tg.Name]; !ok || w != got || !tg.Measured {
			t.Errorf("target %q met=%v measured=%v, want %s", tg.Name, tg.Met, tg.Measured, w)
		}
	}
	var empty Result
	empty.EvaluateTargets()
	for _, tg := range empty.Targets {
		if tg.Measured || tg.Met {
			t.Errorf("empty result: target %q measured=%v met=%v", tg.Name, tg.Measured, tg.Met)
		}
	}
}

func TestWriteTable(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"Test CPU, 2 cores, GOMAXPROCS 2",
		"start 3.00 2.00 1.00, end",
		"2.0k rec/s", "0.7 MB/s",
		"pipeline socwatch run, rekey auto", "50% of baseline",
		"pipeline socwatch run, rekey never", "62% of baseline",
		"123.5k rec/s", "8100 ns/record",
		"engine, 1000 rules, 1 core", "4.00×",
		"200 B",
		"12 ms / 750 ms / 1500 ms",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\n"); n < 15 {
		t.Errorf("table has %d lines", n)
	}
}

func TestWriteJSONRoundTrip(t *testing.T) {
	dir := t.TempDir()
	r := sample()
	p1, err := WriteJSON(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := WriteJSON(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(p1) != "2026-03-02-abc1234.json" || filepath.Base(p2) != "2026-03-02-abc1234-2.json" {
		t.Fatalf("paths %s, %s", p1, p2)
	}
	b, err := os.ReadFile(p1)
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Baseline != r.Baseline || back.Pipeline != r.Pipeline || back.RuleCostRatio != 4 ||
		back.Machine.LoadAverage != r.Machine.LoadAverage || len(back.Targets) != len(r.Targets) {
		t.Fatalf("round trip lost figures: %+v", back)
	}
	var generic map[string]any
	json.Unmarshal(b, &generic)
	for _, k := range []string{"baseline_consume", "pipeline_rekey", "pipeline_no_rekey", "engine_gomaxprocs_1", "engine_all_cores", "rule_scaling", "state_memory", "latency", "machine", "targets"} {
		if _, ok := generic[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
}

func FuzzParseProcFiles(f *testing.F) {
	f.Add("30.83 39.72 28.71 5/812 12345\n")
	f.Add("model name : X\n")
	f.Add("MemTotal: 123 kB\n")
	f.Fuzz(func(t *testing.T, text string) {
		if la, err := ParseLoadAverage(text); err != nil && la != ([3]float64{}) {
			t.Fatalf("error %v with values %v", err, la)
		}
		ParseCPUModel(text)
		if mb := ParseMemTotalMB(text); mb < 0 && !strings.Contains(text, "-") {
			t.Fatalf("negative MemTotal %d from text without a minus", mb)
		}
	})
}
