package clickhouse

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the sink's Prometheus series. Per-table series carry a
// "table" label (alerts, transactions) so alert throughput is not mixed with
// the optional transaction drill-down stream.
type metrics struct {
	rowsWritten   *prometheus.CounterVec
	batches       *prometheus.CounterVec
	batchRows     *prometheus.HistogramVec
	batchDuration *prometheus.HistogramVec
	errors        *prometheus.CounterVec
	retries       *prometheus.CounterVec
	pendingRows   *prometheus.GaugeVec
	up            prometheus.Gauge
	alertLatency  prometheus.Histogram
}

// tableMetrics are one table's children of the labelled series, resolved
// once so the hot path does no label lookups.
type tableMetrics struct {
	rowsWritten   prometheus.Counter
	batches       prometheus.Counter
	batchRows     prometheus.Observer
	batchDuration prometheus.Observer
	errors        prometheus.Counter
	retries       prometheus.Counter
	pendingRows   prometheus.Gauge
}

func newMetrics() *metrics {
	table := []string{"table"}
	return &metrics{
		rowsWritten: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socwatch_sink_rows_written_total",
			Help: "Rows durably inserted into ClickHouse.",
		}, table),
		batches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socwatch_sink_batches_total",
			Help: "Batches durably inserted into ClickHouse.",
		}, table),
		batchRows: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "socwatch_sink_batch_rows",
			Help:    "Rows per inserted batch.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 10), // 1 … 262144
		}, table),
		batchDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "socwatch_sink_batch_duration_seconds",
			Help:    "Time to insert one batch, including retries.",
			Buckets: prometheus.ExponentialBucketsRange(0.001, 60, 14),
		}, table),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socwatch_sink_errors_total",
			Help: "Failed insert attempts.",
		}, table),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "socwatch_sink_retries_total",
			Help: "Insert attempts repeated after a failure.",
		}, table),
		pendingRows: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "socwatch_sink_pending_rows",
			Help: "Rows accepted by Write and not yet durable.",
		}, table),
		up: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "socwatch_sink_up",
			Help: "1 when the last ClickHouse operation succeeded, else 0.",
		}),
		alertLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "socwatch_alert_latency_seconds",
			Help:    "From the source record's time to the alert being durable in ClickHouse.",
			Buckets: prometheus.ExponentialBucketsRange(0.001, 30, 16),
		}),
	}
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.rowsWritten, m.batches, m.batchRows, m.batchDuration,
		m.errors, m.retries, m.pendingRows, m.up, m.alertLatency}
}

// register adds the series to reg. One sink per registry: a second one is
// refused rather than silently sharing (and mixing) the first one's series.
func (m *metrics) register(reg prometheus.Registerer) error {
	if reg == nil {
		return nil
	}
	for _, c := range m.collectors() {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("register sink metrics: %w", err)
		}
	}
	return nil
}

func (m *metrics) forTable(table string) *tableMetrics {
	return &tableMetrics{
		rowsWritten:   m.rowsWritten.WithLabelValues(table),
		batches:       m.batches.WithLabelValues(table),
		batchRows:     m.batchRows.WithLabelValues(table),
		batchDuration: m.batchDuration.WithLabelValues(table),
		errors:        m.errors.WithLabelValues(table),
		retries:       m.retries.WithLabelValues(table),
		pendingRows:   m.pendingRows.WithLabelValues(table),
	}
}
