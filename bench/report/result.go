package report

import (
	"time"
)

// Result is one run of the benchmark harness. A figure that was not
// measured (phase skipped or failed) is left at its zero value and the
// reason is in Errors or Skipped.
type Result struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Commit   string    `json:"commit"`
	Machine  Machine   `json:"machine"`
	Config   Config    `json:"config"`

	Baseline        Throughput `json:"baseline_consume"`
	Pipeline        Pipeline   `json:"pipeline_rekey"`
	PipelineNoRekey Pipeline   `json:"pipeline_no_rekey"`
	// EngineOneCore is the engine on one core with the sanctions caches
	// warm, as issue 12 states its target; EngineOneCoreCold is the same
	// records screened first, with every name new to the caches.
	EngineOneCore     Throughput `json:"engine_gomaxprocs_1"`
	EngineOneCoreCold Throughput `json:"engine_gomaxprocs_1_cold"`
	EngineAllCores    Throughput `json:"engine_all_cores"`
	RuleScaling       []RuleCost `json:"rule_scaling"`
	// RuleCostRatio is the per-record time of the largest rule count over
	// that of the smallest (1,000 vs 10 by default).
	RuleCostRatio float64  `json:"rule_cost_ratio"`
	State         State    `json:"state_memory"`
	Handover      Handover `json:"handover"`
	Latency       Latency  `json:"latency"`
	Targets       []Target `json:"targets"`
	Errors        []string `json:"errors,omitempty"`
	Skipped       []string `json:"skipped,omitempty"`
}

// Config is what the run was asked to do.
type Config struct {
	Broker       string   `json:"broker"` // "kafka" or "kfake"
	Count        int      `json:"count"`
	Partitions   int      `json:"partitions"`
	Seed         int64    `json:"seed"`
	Pack         string   `json:"pack"`
	RecordBytes  int64    `json:"record_bytes"` // total key+value bytes of the data set
	EngineCount  int      `json:"engine_records"`
	RuleCounts   []int    `json:"rule_counts"`
	StateKeys    int      `json:"state_accounts"`
	LatencySecs  int      `json:"latency_seconds"`
	CommitPeriod string   `json:"commit_interval"`
	SocwatchArgs []string `json:"socwatch_args,omitempty"`
}

// Throughput is records (and bytes) processed in a duration.
type Throughput struct {
	Records       int64   `json:"records"`
	Bytes         int64   `json:"bytes,omitempty"`
	Seconds       float64 `json:"seconds"`
	RecordsPerSec float64 `json:"records_per_sec"`
	MBPerSec      float64 `json:"mb_per_sec,omitempty"`
	NsPerRecord   float64 `json:"ns_per_record,omitempty"`
	AllocsPerRec  float64 `json:"allocs_per_record,omitempty"`
	GOMAXPROCS    int     `json:"gomaxprocs,omitempty"`
	// CPUSeconds is the process CPU time the phase used (in-process
	// phases): on a loaded machine, records per CPU second is the cost,
	// records per wall second also reflects how much CPU we were given.
	CPUSeconds       float64 `json:"cpu_seconds,omitempty"`
	RecordsPerCPUSec float64 `json:"records_per_cpu_sec,omitempty"`
}

// Pipeline is one `socwatch run` from first fetch to all alerts durable.
type Pipeline struct {
	Throughput
	Rekey           string  `json:"rekey"` // auto | never
	RatioToBaseline float64 `json:"ratio_to_baseline"`
	Alerts          float64 `json:"alerts"`
	// StartupSeconds is process start → first fetch (group join), not
	// counted in the rate.
	StartupSeconds float64 `json:"startup_seconds"`
	// CPUSeconds is the CPU time socwatch used from start to completion
	// (all goroutines); CPU-bound when close to Seconds × cores.
	CPUSeconds float64 `json:"cpu_seconds"`
	// PeakRSSMB is socwatch's peak resident set (VmHWM), what a memory
	// limit must allow: it moves with the GC target (gc_percent).
	PeakRSSMB float64 `json:"peak_rss_mb,omitempty"`
}

// RuleCost is the engine's per-record cost with a generated pack of Rules
// rules, on one core.
type RuleCost struct {
	Rules         int     `json:"rules"`
	NsPerRecord   float64 `json:"ns_per_record"`
	RecordsPerSec float64 `json:"records_per_sec"`
	Alerts        int64   `json:"alerts"`
}

// Handover is the time a screening partition holding Accounts accounts of
// state takes from its assignment to screening its first record, restored
// from a checkpoint (plus the records after it) and rebuilt by replaying
// its history; and the state's size per account, in a checkpoint and in
// memory.
type Handover struct {
	Accounts int   `json:"accounts"`
	Records  int64 `json:"records"` // copies in the partition
	// CheckpointSeconds: load the newest checkpoint, restore it, replay the
	// TailRecords after it, screen one record.
	CheckpointSeconds float64 `json:"checkpoint_seconds"`
	TailRecords       int64   `json:"tail_records"`
	// ReplaySeconds: replay ReplayedRecords of history, screen one record.
	ReplaySeconds   float64 `json:"replay_seconds"`
	ReplayedRecords int64   `json:"replayed_records"`
	// SnapshotSeconds is the time the worker spends encoding one
	// checkpoint (screening of the partition pauses for it).
	SnapshotSeconds       float64 `json:"snapshot_seconds"`
	CheckpointBytes       int64   `json:"checkpoint_bytes"`
	CheckpointChunks      int     `json:"checkpoint_chunks"`
	BytesPerAccount       float64 `json:"checkpoint_bytes_per_account"`
	MemoryBytesPerAccount float64 `json:"memory_bytes_per_account"` // the windows' own estimate
}

// State is the memory held by the windows after screening Accounts
// distinct accounts.
type State struct {
	Accounts int            `json:"accounts"`
	Keys     map[string]int `json:"keys_per_aggregate"`
	// TotalKeys sums Keys: the number of (key, aggregate) pairs tracked.
	TotalKeys int   `json:"total_keys"`
	HeapBytes int64 `json:"heap_bytes"` // live heap growth, runtime/metrics after GC
	// EstimatedBytes is the windows' own size estimate, for comparison.
	EstimatedBytes          int64   `json:"estimated_bytes"`
	BytesPerKeyPerAggregate float64 `json:"bytes_per_key_per_aggregate"`
}

// Latency is record timestamp → alert durable while records arrive at a
// steady rate.
type Latency struct {
	TargetRate   float64 `json:"target_rate"`
	AchievedRate float64 `json:"achieved_rate"`
	Records      int64   `json:"records"`
	Alerts       float64 `json:"alerts_observed"`
	P50          float64 `json:"p50_seconds"`
	P99          float64 `json:"p99_seconds"`
	P999         float64 `json:"p999_seconds"`
	// Buckets gives, per quantile, the histogram bucket it fell in
	// ([low, high] seconds): the interpolated value is only that precise.
	Buckets map[string][2]float64 `json:"buckets,omitempty"`
	Source  string                `json:"source"`
	// SinkP50 and SinkP99 are quantiles of the ClickHouse insert time per
	// batch in the same interval (socwatch_sink_batch_duration_seconds):
	// how much of the latency's tail the sink's inserts explain.
	SinkP50 float64 `json:"sink_batch_p50_seconds,omitempty"`
	SinkP99 float64 `json:"sink_batch_p99_seconds,omitempty"`
	// Stages gives p50 and p99 of the time from record time to each stage
	// of the pipeline in the same interval, so the latency's tail can be
	// placed: acknowledged (the benchmark's producer got the broker's ack,
	// before any consumer can read the record), then from
	// socwatch_record_delay_seconds forwarded (by the re-key stage) and
	// screening (handed to the engine).
	Stages map[string]Quantiles `json:"stages,omitempty"`
}

// Quantiles are a histogram's p50 and p99, in seconds.
type Quantiles struct {
	P50 float64 `json:"p50_seconds"`
	P99 float64 `json:"p99_seconds"`
}

// Target is one goal of the performance issues (4, then 12, whose
// limits are the ones checked) and whether this run met it.
type Target struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Limit float64 `json:"limit"`
	// AtLeast is true for floors (rates), false for ceilings (costs).
	AtLeast  bool `json:"at_least"`
	Measured bool `json:"measured"`
	Met      bool `json:"met"`
}

// EvaluateTargets fills r.Targets from the measured figures.
func (r *Result) EvaluateTargets() {
	add := func(name string, value, limit float64, atLeast, measured bool) {
		t := Target{Name: name, Value: value, Limit: limit, AtLeast: atLeast, Measured: measured}
		if measured {
			t.Met = value >= limit
			if !atLeast {
				t.Met = value <= limit
			}
		}
		r.Targets = append(r.Targets, t)
	}
	r.Targets = nil
	add("pipeline / baseline consume rate", r.Pipeline.RatioToBaseline, 0.25, true,
		r.Pipeline.RecordsPerSec > 0 && r.Baseline.RecordsPerSec > 0)
	// Per core means per CPU-second when the process CPU time was
	// measured: on a shared machine the wall rate also counts the time
	// other work held the core.
	perCore := r.EngineOneCore.RecordsPerCPUSec
	if perCore == 0 {
		perCore = r.EngineOneCore.RecordsPerSec
	}
	add("engine records/s per core (GOMAXPROCS=1, warm)", perCore, 300000, true, perCore > 0)
	add("engine allocations per record (GOMAXPROCS=1, warm)", r.EngineOneCore.AllocsPerRec, 4, false, r.EngineOneCore.Records > 0)
	add("largest / smallest rule count per-record time", r.RuleCostRatio, 3, false, r.RuleCostRatio > 0)
	add("state bytes per key per aggregate", r.State.BytesPerKeyPerAggregate, 128, false, r.State.TotalKeys > 0)
	add("p99 record → durable alert (s) at half max rate", r.Latency.P99, 0.25, false, r.Latency.Alerts > 0)
}
