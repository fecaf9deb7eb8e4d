package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/socwatch/socwatch/engine"
)

// Options configure a Sink. Zero values take the documented defaults.
type Options struct {
	// DSN is clickhouse://user:pass@host:9000/db (native protocol). The
	// database is created if missing.
	DSN string
	// BatchRows flushes once this many rows are pending (default 5000).
	BatchRows int
	// BatchWait flushes once the oldest pending row has waited this long
	// (default 200ms).
	BatchWait time.Duration
	// MaxPendingRows bounds the rows accepted and not yet durable; Write
	// blocks beyond it (default 100000, at least BatchRows).
	MaxPendingRows int
	// Transactions also writes every screened transaction through
	// WriteTransactions into the transactions table.
	Transactions bool
	// Registerer receives the sink's metrics when non-nil.
	Registerer prometheus.Registerer
	// Logger defaults to slog.Default().
	Logger *slog.Logger

	// Retry policy; zero means 100ms, 5s and 60s.
	minBackoff, maxBackoff, attemptTimeout time.Duration
}

const (
	DefaultBatchRows = 5000
	// DefaultBatchWait bounds how long an alert waits for its batch. Alerts
	// are sparse (about 1.5 % of copies), so batches rarely fill and the
	// wait is most of an alert's latency; it also bounds throughput, since
	// offsets wait for the insert while the in-flight bounds hold intake.
	// Measured with socbench (bench/README.md, "clickhouse.batch_wait"):
	// p99 record → durable alert at 30k rec/s 121–196 ms with 50ms, 243–385
	// ms with 100ms, 433–468 ms with 200ms. Many instances writing one
	// table may want more (ClickHouse prefers fewer, larger inserts).
	DefaultBatchWait      = 50 * time.Millisecond
	DefaultMaxPendingRows = 100000
)

func (o *Options) withDefaults() {
	if o.BatchRows <= 0 {
		o.BatchRows = DefaultBatchRows
	}
	if o.BatchWait <= 0 {
		o.BatchWait = DefaultBatchWait
	}
	if o.MaxPendingRows <= 0 {
		o.MaxPendingRows = DefaultMaxPendingRows
	}
	if o.MaxPendingRows < o.BatchRows {
		o.MaxPendingRows = o.BatchRows
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.minBackoff <= 0 {
		o.minBackoff = 100 * time.Millisecond
	}
	if o.maxBackoff <= 0 {
		o.maxBackoff = 5 * time.Second
	}
	if o.attemptTimeout <= 0 {
		o.attemptTimeout = 60 * time.Second
	}
}

func (o *Options) batchConfig() batchConfig {
	return batchConfig{
		BatchRows: o.BatchRows, BatchWait: o.BatchWait, MaxPendingRows: o.MaxPendingRows,
		MinBackoff: o.minBackoff, MaxBackoff: o.maxBackoff, AttemptTimeout: o.attemptTimeout,
	}
}

// Sink writes alerts (and optionally transactions) to ClickHouse. It
// implements engine.Sink.
type Sink struct {
	conn     *connector
	database string
	metrics  *metrics
	health   *health
	alerts   *batcher[engine.Alert]
	txs      *batcher[engine.Tx] // nil unless Options.Transactions
	log      *slog.Logger
}

var _ engine.Sink = (*Sink)(nil)

// New connects to ClickHouse, creates the database and applies the embedded
// migrations, and starts the flushers. ctx bounds only this setup: the sink
// lives until Close.
func New(ctx context.Context, opts Options) (*Sink, error) {
	opts.withDefaults()
	chOpts, db, err := parseDSN(opts.DSN)
	if err != nil {
		return nil, err
	}
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	if err := createDatabase(ctx, chOpts, db); err != nil {
		return nil, err
	}
	c := &connector{opts: chOpts, log: opts.Logger}
	conn, err := c.get()
	if err != nil {
		return nil, err
	}
	applied, err := migrate(ctx, migrationConn{conn}, ms)
	if err != nil {
		_ = c.close()
		return nil, fmt.Errorf("migrate clickhouse database %s: %w", db, err)
	}
	if len(applied) > 0 {
		opts.Logger.Info("applied clickhouse migrations", "database", db, "migrations", applied)
	}
	m := newMetrics()
	if err := m.register(opts.Registerer); err != nil {
		_ = c.close()
		return nil, err
	}
	s := &Sink{conn: c, database: db, metrics: m, health: newHealth(m.up), log: opts.Logger}
	s.alerts = newBatcher("alerts", opts.batchConfig(), s.insertAlerts, s.observeLatency,
		s.health, m.forTable("alerts"), opts.Logger)
	if opts.Transactions {
		s.txs = newBatcher("transactions", opts.batchConfig(), s.insertTransactions, nil,
			s.health, m.forTable("transactions"), opts.Logger)
	}
	return s, nil
}

// Write takes ownership of alerts and calls done once every one of them,
// and every alert of earlier Writes, is durable. done is called from the
// sink's flusher goroutine, exactly once, in the order of Write calls; it
// must not block or call Write. Write blocks while the buffer is full.
func (s *Sink) Write(ctx context.Context, alerts []engine.Alert, done engine.Done) {
	s.alerts.write(ctx, alerts, done)
}

// WriteTransactions is Write for the transactions table. Without
// Options.Transactions it acknowledges immediately with nil: nothing is
// asked to be stored.
func (s *Sink) WriteTransactions(ctx context.Context, txs []engine.Tx, done engine.Done) {
	if s.txs == nil {
		if done != nil {
			done(nil)
		}
		return
	}
	s.txs.write(ctx, txs, done)
}

// Ready reports whether the last insert succeeded, with the last error when
// it did not (for /readyz).
func (s *Sink) Ready() (bool, error) { return s.health.state() }

// Database is the database the sink writes to.
func (s *Sink) Database() string { return s.database }

// Close flushes what is buffered and waits for every outstanding Write to be
// acknowledged. If ctx ends first, retries stop and the remaining Writes are
// acknowledged with an error.
func (s *Sink) Close(ctx context.Context) error {
	var errs []error
	if err := s.alerts.close(ctx); err != nil {
		errs = append(errs, fmt.Errorf("close alerts sink: %w", err))
	}
	if s.txs != nil {
		if err := s.txs.close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("close transactions sink: %w", err))
		}
	}
	if err := s.conn.close(); err != nil {
		errs = append(errs, fmt.Errorf("close clickhouse connection: %w", err))
	}
	return errors.Join(errs...)
}

func (s *Sink) insertAlerts(ctx context.Context, rows []engine.Alert) error {
	return insertRows(ctx, s.conn, insertAlertsSQL, alertColumns, rows, alertValues)
}

func (s *Sink) insertTransactions(ctx context.Context, rows []engine.Tx) error {
	return insertRows(ctx, s.conn, insertTransactionsSQL, txColumns, rows, txValues)
}

// observeLatency records record-to-durable latency for alerts whose source
// record time is known.
func (s *Sink) observeLatency(rows []engine.Alert) {
	now := time.Now()
	for i := range rows {
		if rt := rows[i].RecordTime; !rt.IsZero() {
			s.metrics.alertLatency.Observe(now.Sub(rt).Seconds())
		}
	}
}
