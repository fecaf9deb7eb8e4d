package screen

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/socwatch/socwatch/engine"
)

// Metrics are the screening stage's Prometheus series. Labels are bounded:
// reject reasons are a fixed token set; rule, typology and severity come
// from the loaded packs.
type Metrics struct {
	Screened    prometheus.Counter
	Rejected    *prometheus.CounterVec
	Alerts      *prometheus.CounterVec
	RuleErrors  prometheus.Counter
	Late        prometheus.Counter
	Evicted     prometheus.Counter
	Duplicates  prometheus.Counter
	Jumps       prometheus.Counter
	EvalTime    prometheus.Histogram
	Replayed    prometheus.Counter
	RulesLoaded prometheus.Gauge
	Reloads     *prometheus.CounterVec

	mu      sync.Mutex
	streams map[*Stream]struct{}
}

// NewMetrics creates the series and registers them on reg (nil: not
// registered, for tests and benchmarks).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Screened: prometheus.NewCounter(prometheus.CounterOpts{Name: "socwatch_records_screened_total",
			Help: "Records decoded, enriched and screened: with the re-key stage each perspective copy of a transaction (two for the default pack), without it each record once."}),
		Rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "socwatch_records_rejected_total",
			Help: "Records that could not be screened, by reason; they go to the dead-letter topic or rejects file."}, []string{"reason"}),
		Alerts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "socwatch_alerts_total",
			Help: "Alerts raised, by rule, typology, severity and mode (active or shadow)."}, []string{"rule", "typology", "severity", "mode"}),
		RuleErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "socwatch_rule_errors_total",
			Help: "Rule or aggregate filter evaluations that failed at run time (recovered; the record is still handled)."}),
		Late: prometheus.NewCounter(prometheus.CounterOpts{Name: "socwatch_late_events_total",
			Help: "Events older than the allowed lateness for their key: screened, but not placed in windows."}),
		Evicted: prometheus.NewCounter(prometheus.CounterOpts{Name: "socwatch_state_evicted_keys_total",
			Help: "Idle keys evicted from windows."}),
		Duplicates: prometheus.NewCounter(prometheus.CounterOpts{Name: "socwatch_duplicate_copies_total",
			Help: "Copies of a transaction (same tx_id and perspective) seen again among the recent ones and skipped, e.g. re-produced by a restarted re-key stage."}),
		Jumps: prometheus.NewCounter(prometheus.CounterOpts{Name: "socwatch_event_time_jumps_total",
			Help: "Times a stream's event time (watermark) moved forward because a run of consistent records beyond the future bound showed the feed had jumped ahead; those records were rejected as ts_future."}),
		EvalTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "socwatch_rule_eval_seconds",
			Help:    "Time to screen one record (aggregates and all rules), sampled one record in 64.",
			Buckets: prometheus.ExponentialBuckets(250e-9, 2, 16)}),
		Replayed: prometheus.NewCounter(prometheus.CounterOpts{Name: "socwatch_state_replayed_records_total",
			Help: "Records replayed to rebuild windows after an assignment, without emitting alerts."}),
		RulesLoaded: prometheus.NewGauge(prometheus.GaugeOpts{Name: "socwatch_rules_loaded",
			Help: "Rules in the running rule set."}),
		Reloads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "socwatch_rule_reloads_total",
			Help: "Rule pack reload attempts by result (success, failure)."}, []string{"result"}),
		streams: map[*Stream]struct{}{},
	}
	for _, r := range []string{"success", "failure"} {
		m.Reloads.WithLabelValues(r)
	}
	for _, r := range engine.RejectReasons {
		m.Rejected.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.Screened, m.Rejected, m.Alerts, m.RuleErrors, m.Late, m.Evicted, m.Duplicates, m.Jumps,
			m.EvalTime, m.Replayed, m.RulesLoaded, m.Reloads, stateCollector{m})
	}
	return m
}

var (
	stateKeysDesc = prometheus.NewDesc("socwatch_state_keys",
		"Keys tracked in windows, by aggregate (summed over this instance's partitions).", []string{"aggregate"}, nil)
	stateBytesDesc = prometheus.NewDesc("socwatch_state_bytes",
		"Approximate bytes held by window state on this instance.", nil, nil)
	streamsDesc = prometheus.NewDesc("socwatch_streams",
		"Streams (assigned partitions) being screened by this instance.", nil, nil)
)

// stateCollector sums the per-stream state snapshots at scrape time.
type stateCollector struct{ m *Metrics }

func (c stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- stateKeysDesc
	ch <- stateBytesDesc
	ch <- streamsDesc
}

func (c stateCollector) Collect(ch chan<- prometheus.Metric) {
	keys := map[string]float64{}
	var bytes float64
	c.m.mu.Lock()
	n := len(c.m.streams)
	for s := range c.m.streams {
		snap := s.snapshot.Load()
		if snap == nil {
			continue
		}
		for k, v := range snap.keys {
			keys[k] += float64(v)
		}
		bytes += float64(snap.bytes)
	}
	c.m.mu.Unlock()
	for k, v := range keys {
		ch <- prometheus.MustNewConstMetric(stateKeysDesc, prometheus.GaugeValue, v, k)
	}
	ch <- prometheus.MustNewConstMetric(stateBytesDesc, prometheus.GaugeValue, bytes)
	ch <- prometheus.MustNewConstMetric(streamsDesc, prometheus.GaugeValue, float64(n))
}

func (m *Metrics) add(s *Stream) {
	m.mu.Lock()
	m.streams[s] = struct{}{}
	m.mu.Unlock()
}

func (m *Metrics) remove(s *Stream) {
	m.mu.Lock()
	delete(m.streams, s)
	m.mu.Unlock()
}
