package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/socwatch/socwatch/engine"
)

// ErrClosed is passed to done for Writes that arrive after Close began.
var ErrClosed = errors.New("clickhouse sink closed")

// batchConfig is the batching and retry policy of one table's batcher.
type batchConfig struct {
	BatchRows      int
	BatchWait      time.Duration
	MaxPendingRows int
	MinBackoff     time.Duration
	MaxBackoff     time.Duration
	// AttemptTimeout bounds one insert attempt, so a connection that hangs
	// (rather than failing) is abandoned and retried.
	AttemptTimeout time.Duration
}

// entry is one Write call: its rows, how many of them are durable, and its
// acknowledgement. A zero-row entry (or one refused with err) is finished as
// soon as every entry before it is.
type entry[T any] struct {
	rows    []T
	written int
	done    engine.Done
	err     error
	at      time.Time
}

func (e *entry[T]) finished() bool { return e.err != nil || e.written == len(e.rows) }

// batcher buffers the rows of successive Writes in one FIFO queue, inserts
// them in batches from a single flusher goroutine, and acknowledges Writes
// strictly in arrival order. One flusher means batches are durable in queue
// order, so "every row of this Write and of all earlier Writes is durable"
// is simply "the Write reached the head of the queue with no rows left".
type batcher[T any] struct {
	table     string
	cfg       batchConfig
	insert    func(ctx context.Context, rows []T) error
	onDurable func(rows []T)
	health    *health
	m         *tableMetrics
	log       *slog.Logger

	ctx    context.Context // cancelled when Close gives up
	cancel context.CancelFunc
	wake   chan struct{} // nudges the flusher; capacity 1
	exit   chan struct{} // closed when the flusher has returned

	mu      sync.Mutex
	queue   []*entry[T]
	pending int           // rows accepted and not yet durable
	space   chan struct{} // closed (and replaced) whenever pending shrinks
	closing bool
	exited  bool
	exitErr error
	buf     []T
}

func newBatcher[T any](table string, cfg batchConfig, insert func(context.Context, []T) error,
	onDurable func([]T), h *health, m *tableMetrics, log *slog.Logger) *batcher[T] {
	// The flusher's lifetime is Close's business, not that of any caller's
	// context, so it starts from a fresh one.
	ctx, cancel := context.WithCancel(context.Background())
	b := &batcher[T]{
		table: table, cfg: cfg, insert: insert, onDurable: onDurable,
		health: h, m: m, log: log,
		ctx: ctx, cancel: cancel,
		wake:  make(chan struct{}, 1),
		exit:  make(chan struct{}),
		space: make(chan struct{}),
	}
	go b.run()
	return b
}

// write enqueues rows (taking ownership) and arranges for done to be called
// once they and every earlier Write's rows are durable. It blocks while the
// buffer is full; if ctx ends first, the Write is refused with ctx's error,
// still acknowledged in order.
func (b *batcher[T]) write(ctx context.Context, rows []T, done engine.Done) {
	if done == nil {
		done = func(error) {}
	}
	b.mu.Lock()
	// A Write larger than the whole bound is let in once the buffer is empty,
	// otherwise it could never be accepted.
	for !b.closing && !b.exited && b.pending > 0 && b.pending+len(rows) > b.cfg.MaxPendingRows {
		space := b.space
		b.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
			b.mu.Lock()
			b.enqueueLocked(&entry[T]{done: done, err: fmt.Errorf("write %d rows to %s: %w", len(rows), b.table, ctx.Err())})
			b.mu.Unlock()
			return
		}
		b.mu.Lock()
	}
	switch {
	case b.exited:
		// The flusher is gone and every earlier Write has been acknowledged,
		// so answering here keeps the order.
		err := b.exitErr
		b.mu.Unlock()
		if err == nil {
			err = ErrClosed
		}
		done(fmt.Errorf("write %d rows to %s: %w", len(rows), b.table, err))
		return
	case b.closing:
		b.enqueueLocked(&entry[T]{done: done, err: fmt.Errorf("write %d rows to %s: %w", len(rows), b.table, ErrClosed)})
	default:
		b.enqueueLocked(&entry[T]{rows: rows, done: done, at: time.Now()})
		b.pending += len(rows)
		b.m.pendingRows.Add(float64(len(rows)))
	}
	b.mu.Unlock()
}

func (b *batcher[T]) enqueueLocked(e *entry[T]) {
	b.queue = append(b.queue, e)
	b.nudge()
}

func (b *batcher[T]) nudge() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// close stops accepting rows, flushes what is buffered and waits for the
// flusher. If ctx ends first the flusher gives up and the remaining Writes
// are acknowledged with the error.
func (b *batcher[T]) close(ctx context.Context) error {
	b.mu.Lock()
	b.closing = true
	b.broadcastSpaceLocked()
	b.mu.Unlock()
	b.nudge()
	select {
	case <-b.exit:
	case <-ctx.Done():
		b.cancel()
		<-b.exit
	}
	b.cancel()
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.exitErr
}

func (b *batcher[T]) broadcastSpaceLocked() {
	close(b.space)
	b.space = make(chan struct{})
}

type ack struct {
	done engine.Done
	err  error
}

// popFinishedLocked removes finished entries from the head of the queue and
// returns their acknowledgements in order.
func (b *batcher[T]) popFinishedLocked() []ack {
	var acks []ack
	for len(b.queue) > 0 && b.queue[0].finished() {
		e := b.queue[0]
		b.queue[0] = nil
		b.queue = b.queue[1:]
		acks = append(acks, ack{e.done, e.err})
	}
	if len(b.queue) == 0 {
		b.queue = nil // release the backing array's grown capacity
	}
	return acks
}

func callAcks(acks []ack) {
	for _, a := range acks {
		a.done(a.err)
	}
}

func (b *batcher[T]) run() {
	defer close(b.exit)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		b.mu.Lock()
		acks := b.popFinishedLocked()
		var (
			batch []T
			wait  time.Duration
			quit  bool
		)
		switch {
		case len(b.queue) == 0:
			quit = b.closing
			wait = -1
		default:
			// After popping, the head holds the oldest row not yet durable.
			age := time.Since(b.queue[0].at)
			if b.pending >= b.cfg.BatchRows || b.closing || age >= b.cfg.BatchWait {
				batch = b.takeLocked()
			} else {
				wait = b.cfg.BatchWait - age
			}
		}
		if quit {
			b.exited = true
		}
		b.mu.Unlock()
		callAcks(acks)
		if quit {
			return
		}
		if batch != nil {
			if err := b.flush(batch); err != nil {
				b.failAll(err)
				return
			}
			b.markWritten(len(batch))
			continue
		}
		var timeout <-chan time.Time
		if wait >= 0 {
			timer.Reset(wait)
			timeout = timer.C
		}
		select {
		case <-b.wake:
		case <-timeout:
		case <-b.ctx.Done():
			b.failAll(fmt.Errorf("flush %s: %w", b.table, b.ctx.Err()))
			return
		}
		timer.Stop()
	}
}

// takeLocked copies up to BatchRows of the oldest not-yet-durable rows into
// the reusable batch buffer.
func (b *batcher[T]) takeLocked() []T {
	b.buf = b.buf[:0]
	for _, e := range b.queue {
		if e.err != nil {
			continue
		}
		room := b.cfg.BatchRows - len(b.buf)
		rest := e.rows[e.written:]
		if len(rest) > room {
			rest = rest[:room]
		}
		b.buf = append(b.buf, rest...)
		if len(b.buf) == b.cfg.BatchRows {
			break
		}
	}
	return b.buf
}

// markWritten records that the n oldest pending rows are durable.
func (b *batcher[T]) markWritten(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	left := n
	for _, e := range b.queue {
		if left == 0 {
			break
		}
		take := min(left, len(e.rows)-e.written)
		e.written += take
		left -= take
	}
	b.pending -= n
	b.m.pendingRows.Sub(float64(n))
	b.broadcastSpaceLocked()
}

// failAll acknowledges every queued Write with err (or its own error) and
// marks the batcher as gone.
func (b *batcher[T]) failAll(err error) {
	b.mu.Lock()
	q := b.queue
	b.queue = nil
	b.m.pendingRows.Sub(float64(b.pending))
	b.pending = 0
	b.exited = true
	b.exitErr = err
	b.broadcastSpaceLocked()
	b.mu.Unlock()
	if len(q) > 0 {
		b.log.Error("clickhouse sink gave up; failing buffered writes", "table", b.table, "writes", len(q), "err", err)
	}
	for _, e := range q {
		if e.err != nil {
			e.done(e.err)
		} else {
			e.done(err)
		}
	}
}

// flush inserts one batch, retrying with capped exponential backoff and
// jitter until it succeeds or the batcher's context ends. It never reports
// success for a batch that was not inserted in full.
func (b *batcher[T]) flush(rows []T) error {
	start := time.Now()
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(b.ctx, b.cfg.AttemptTimeout)
		err := b.insert(actx, rows)
		cancel()
		if err == nil {
			b.health.succeeded()
			b.m.rowsWritten.Add(float64(len(rows)))
			b.m.batches.Inc()
			b.m.batchRows.Observe(float64(len(rows)))
			b.m.batchDuration.Observe(time.Since(start).Seconds())
			if b.onDurable != nil {
				b.onDurable(rows)
			}
			if attempt > 0 {
				b.log.Info("clickhouse insert recovered", "table", b.table, "rows", len(rows), "attempts", attempt+1)
			}
			return nil
		}
		if b.ctx.Err() != nil {
			return fmt.Errorf("insert %d rows into %s after %d attempts: %w (last error: %v)",
				len(rows), b.table, attempt+1, b.ctx.Err(), err)
		}
		b.m.errors.Inc()
		b.health.failed(err)
		delay := backoff(attempt, b.cfg.MinBackoff, b.cfg.MaxBackoff)
		b.log.Warn("clickhouse insert failed; retrying", "table", b.table, "rows", len(rows),
			"attempt", attempt+1, "retry_in", delay, "err", err)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-b.ctx.Done():
			t.Stop()
			return fmt.Errorf("insert %d rows into %s after %d attempts: %w (last error: %v)",
				len(rows), b.table, attempt+1, b.ctx.Err(), err)
		}
		b.m.retries.Inc()
	}
}

// backoff is min·2^attempt capped at max, with jitter drawn from the upper
// half so many sinks recovering together do not retry in lockstep.
func backoff(attempt int, minD, maxD time.Duration) time.Duration {
	d := maxD
	if attempt < 30 {
		if e := minD << attempt; e > 0 && e < maxD {
			d = e
		}
	}
	half := d / 2
	return half + rand.N(half+1)
}

// health is the sink's readiness: false with the last error while inserts
// fail, true again after the next success.
type health struct {
	mu      sync.Mutex
	ok      bool
	lastErr error
	up      interface{ Set(float64) }
}

func newHealth(up interface{ Set(float64) }) *health {
	up.Set(1)
	return &health{ok: true, up: up}
}

func (h *health) succeeded() {
	h.mu.Lock()
	h.ok, h.lastErr = true, nil
	h.mu.Unlock()
	h.up.Set(1)
}

func (h *health) failed(err error) {
	h.mu.Lock()
	h.ok, h.lastErr = false, err
	h.mu.Unlock()
	h.up.Set(0)
}

func (h *health) state() (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ok, h.lastErr
}
