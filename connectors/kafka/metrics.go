package kafka

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/socwatch/socwatch/engine"
)

// Results of state checkpoints and restores, the result label of
// socwatch_state_checkpoints_total and socwatch_state_restore_total.
const (
	checkpointWritten   = "written"   // manifest acknowledged
	checkpointFailed    = "failed"    // the previous checkpoint stays in use
	checkpointAbandoned = "abandoned" // revoked or shutting down first

	restoreCheckpoint = "checkpoint" // a checkpoint and the records after it
	restoreReplay     = "replay"     // no usable checkpoint: history replayed
	restoreCorrupt    = "corrupt"    // a checkpoint failed its checks: history replayed
)

// metrics are the socwatch_* collectors of this package. A source, a
// re-keyer and a dead-letter writer in one process share them (registering
// twice returns the collector already registered), which is why gauges
// shared by several clients are moved with Add; the lag gauge is Set, as
// each (topic, partition) series has one owner at a time.
type metrics struct {
	lag        *prometheus.GaugeVec
	consumed   *prometheus.CounterVec
	commits    prometheus.Counter
	commitErrs prometheus.Counter
	assigned   *prometheus.GaugeVec
	paused     prometheus.Gauge
	dlq        *prometheus.CounterVec
	// State checkpoints (state.go).
	restores        *prometheus.CounterVec
	checkpoints     *prometheus.CounterVec
	checkpointBytes prometheus.Counter
	checkpointAt    *prometheus.GaugeVec
	// How long after its Kafka record time a record reaches each stage;
	// with socwatch_alert_latency_seconds (the sink's) it says where the
	// record → durable alert time goes.
	forwarded prometheus.Observer // re-key stage: every copy acknowledged by the internal topic
	screening prometheus.Observer // screening source: handed to the engine
}

// Stages of socwatch_record_delay_seconds.
const (
	stageForwarded = "forwarded"
	stageScreening = "screening"
)

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{}
	var err error
	if m.lag, err = register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "socwatch_consumer_lag",
		Help: "Records behind the partition's high watermark as of the last fetch.",
	}, []string{"topic", "partition"})); err != nil {
		return nil, err
	}
	if m.consumed, err = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "socwatch_records_consumed_total",
		Help: "Records consumed: handed to the engine by the screening source (a fetched batch dropped on revoke is not counted; its next owner reads it), or read by the re-key stage.",
	}, []string{"topic"})); err != nil {
		return nil, err
	}
	if m.commits, err = register(reg, prometheus.NewCounter(prometheus.CounterOpts{
		Name: "socwatch_commits_total",
		Help: "Successful offset commits.",
	})); err != nil {
		return nil, err
	}
	if m.commitErrs, err = register(reg, prometheus.NewCounter(prometheus.CounterOpts{
		Name: "socwatch_commit_errors_total",
		Help: "Failed offset commits.",
	})); err != nil {
		return nil, err
	}
	if m.assigned, err = register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "socwatch_partitions_assigned",
		Help: "Partitions currently assigned to this process, by topic: the re-key stage's input topic and the screening source's (the internal topic when re-keying).",
	}, []string{"topic"})); err != nil {
		return nil, err
	}
	if m.paused, err = register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "socwatch_paused_partitions",
		Help: "Partitions whose fetching is paused for backpressure.",
	})); err != nil {
		return nil, err
	}
	if m.dlq, err = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "socwatch_dlq_records_total",
		Help: "Records written to the dead-letter topic, by reject reason.",
	}, []string{"reason"})); err != nil {
		return nil, err
	}
	if m.restores, err = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "socwatch_state_restore_total",
		Help: "Partition state restores on assignment, by how: checkpoint (a checkpoint and the records after it), replay (no usable checkpoint: history replayed), corrupt (a checkpoint failed its checks: history replayed).",
	}, []string{"result"})); err != nil {
		return nil, err
	}
	if m.checkpoints, err = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "socwatch_state_checkpoints_total",
		Help: "State checkpoints: written (manifest acknowledged), failed, abandoned (partition revoked first).",
	}, []string{"result"})); err != nil {
		return nil, err
	}
	if m.checkpointBytes, err = register(reg, prometheus.NewCounter(prometheus.CounterOpts{
		Name: "socwatch_state_checkpoint_bytes_total",
		Help: "Bytes of state chunks written to the state topic.",
	})); err != nil {
		return nil, err
	}
	if m.checkpointAt, err = register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "socwatch_state_checkpoint_offset",
		Help: "Offset covered by the partition's newest complete state checkpoint written by this process (a restore replays from it).",
	}, []string{"topic", "partition"})); err != nil {
		return nil, err
	}
	delay, err := register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "socwatch_record_delay_seconds",
		Help: "From a record's Kafka time (the input record's; copies keep it) to a stage: forwarded (the re-key stage's copies acknowledged by the internal topic), screening (handed to the engine). The sink's socwatch_alert_latency_seconds is the last stage.",
		// The alert latency's buckets, so the stages compare bucket by bucket.
		Buckets: prometheus.ExponentialBucketsRange(0.001, 30, 16),
	}, []string{"stage"}))
	if err != nil {
		return nil, err
	}
	m.forwarded, m.screening = delay.WithLabelValues(stageForwarded), delay.WithLabelValues(stageScreening)
	// Every label value a series can take exists from the start, at 0, so
	// that alerting on its rate sees the first increment.
	for _, r := range append(slices.Clone(engine.RejectReasons), ReasonProduceRejected) {
		m.dlq.WithLabelValues(r)
	}
	for _, r := range []string{restoreCheckpoint, restoreReplay, restoreCorrupt} {
		m.restores.WithLabelValues(r)
	}
	for _, r := range []string{checkpointWritten, checkpointFailed, checkpointAbandoned} {
		m.checkpoints.WithLabelValues(r)
	}
	return m, nil
}

// register registers c, or returns the equal collector already registered.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, fmt.Errorf("register kafka metric: %w", err)
	}
	return c, nil
}

func partitionLabel(p int32) string { return strconv.FormatInt(int64(p), 10) }
