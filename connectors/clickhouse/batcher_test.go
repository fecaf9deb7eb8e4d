package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// fakeInserter records the batches it is given. It can fail a number of
// attempts and can be gated so a test controls when inserts complete.
type fakeInserter struct {
	mu       sync.Mutex
	batches  [][]int
	failNext int
	failErr  error
	gate     chan struct{} // when non-nil, each insert waits for a receive
	calls    int
}

func (f *fakeInserter) insert(ctx context.Context, rows []int) error {
	f.mu.Lock()
	f.calls++
	gate := f.gate
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failNext != 0 {
		if f.failNext > 0 {
			f.failNext--
		}
		return f.failErr
	}
	f.batches = append(f.batches, append([]int(nil), rows...))
	return nil
}

func (f *fakeInserter) sizes() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var s []int
	for _, b := range f.batches {
		s = append(s, len(b))
	}
	return s
}

func (f *fakeInserter) all() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var s []int
	for _, b := range f.batches {
		s = append(s, b...)
	}
	return s
}

// ackLog records the order and errors of done calls.
type ackLog struct {
	mu   sync.Mutex
	ids  []int
	errs []error
	ch   chan int
}

func newAckLog() *ackLog { return &ackLog{ch: make(chan int, 100000)} }

func (a *ackLog) done(id int) func(error) {
	called := false
	return func(err error) {
		a.mu.Lock()
		if called {
			a.errs = append(a.errs, fmt.Errorf("done %d called twice", id))
		}
		called = true
		a.ids = append(a.ids, id)
		a.errs = append(a.errs, err)
		a.mu.Unlock()
		a.ch <- id
	}
}

func (a *ackLog) snapshot() ([]int, []error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]int(nil), a.ids...), append([]error(nil), a.errs...)
}

// waitAcks waits until n acks arrived or fails the test.
func (a *ackLog) waitAcks(t *testing.T, n int, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for {
		ids, _ := a.snapshot()
		if len(ids) >= n {
			return
		}
		select {
		case <-a.ch:
		case <-deadline:
			t.Fatalf("got %d acks, want %d within %v", len(ids), n, within)
		}
	}
}

func testConfig() batchConfig {
	return batchConfig{
		BatchRows: 10, BatchWait: time.Hour, MaxPendingRows: 1000,
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, AttemptTimeout: time.Second,
	}
}

func newTestBatcher(t *testing.T, cfg batchConfig, f *fakeInserter) (*batcher[int], *tableMetrics, *health) {
	t.Helper()
	m := newMetrics()
	h := newHealth(m.up)
	tm := m.forTable("test")
	b := newBatcher("test", cfg, f.insert, nil, h, tm, slog.New(slog.DiscardHandler))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = b.close(ctx)
	})
	return b, tm, h
}

func counterValue(t *testing.T, c prometheus.Metric) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	t.Fatalf("metric is neither counter nor gauge")
	return 0
}

func seq(from, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = from + i
	}
	return s
}

func TestBatcherBatchSizes(t *testing.T) {
	tests := []struct {
		name      string
		batchRows int
		writes    []int // rows per Write
		want      []int // batch sizes, the last ones flushed by Close
	}{
		{"exact multiples", 10, []int{10, 10}, []int{10, 10}},
		{"split across writes", 10, []int{4, 4, 4, 4, 4}, []int{10, 10}},
		{"one big write", 10, []int{25}, []int{10, 10, 5}},
		{"remainder at close", 10, []int{3}, []int{3}},
		{"zero-row writes only", 10, []int{0, 0, 0}, nil},
		{"zero rows between", 5, []int{3, 0, 2, 0, 7}, []int{5, 5, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeInserter{}
			cfg := testConfig()
			cfg.BatchRows = tt.batchRows
			b, _, _ := newTestBatcher(t, cfg, f)
			acks := newAckLog()
			next := 0
			var want []int
			for i, n := range tt.writes {
				rows := seq(next, n)
				want = append(want, rows...)
				next += n
				b.write(context.Background(), rows, acks.done(i))
			}
			if err := b.close(context.Background()); err != nil {
				t.Fatalf("close: %v", err)
			}
			if got := f.sizes(); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("batch sizes = %v, want %v", got, tt.want)
			}
			if got := f.all(); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("rows inserted = %v, want %v", got, want)
			}
			ids, errs := acks.snapshot()
			if fmt.Sprint(ids) != fmt.Sprint(seq(0, len(tt.writes))) {
				t.Errorf("ack order = %v, want 0..%d", ids, len(tt.writes)-1)
			}
			for i, err := range errs {
				if err != nil {
					t.Errorf("ack %d: %v", i, err)
				}
			}
		})
	}
}

// TestBatcherAckOrderConcurrent checks FIFO acks under many random Writes
// with a small batch and buffer, so splitting and backpressure both happen.
func TestBatcherAckOrderConcurrent(t *testing.T) {
	f := &fakeInserter{}
	cfg := testConfig()
	cfg.BatchRows = 7
	cfg.BatchWait = time.Millisecond
	cfg.MaxPendingRows = 20
	b, tm, _ := newTestBatcher(t, cfg, f)
	acks := newAckLog()
	r := rand.New(rand.NewPCG(1, 2))
	next, writes := 0, 2000
	for i := 0; i < writes; i++ {
		n := r.IntN(12) // 0..11 rows, including empty Writes
		b.write(context.Background(), seq(next, n), acks.done(i))
		next += n
	}
	acks.waitAcks(t, writes, 10*time.Second)
	ids, errs := acks.snapshot()
	if fmt.Sprint(ids) != fmt.Sprint(seq(0, writes)) {
		t.Fatalf("acks out of order")
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("ack %d: %v", i, err)
		}
	}
	if got := f.all(); fmt.Sprint(got) != fmt.Sprint(seq(0, next)) {
		t.Fatalf("inserted %d rows, want %d in order", len(got), next)
	}
	if got := counterValue(t, tm.rowsWritten); got != float64(next) {
		t.Errorf("rows_written = %v, want %d", got, next)
	}
	if got := counterValue(t, tm.pendingRows); got != 0 {
		t.Errorf("pending_rows = %v, want 0", got)
	}
}

// TestBatcherAcksOnlyAfterDurable holds the insert and checks that neither
// the Write being inserted nor a later empty Write is acknowledged early.
func TestBatcherAcksOnlyAfterDurable(t *testing.T) {
	f := &fakeInserter{gate: make(chan struct{})}
	cfg := testConfig()
	cfg.BatchWait = 5 * time.Millisecond
	b, _, _ := newTestBatcher(t, cfg, f)
	acks := newAckLog()
	b.write(context.Background(), seq(0, 3), acks.done(0))
	b.write(context.Background(), nil, acks.done(1))
	time.Sleep(50 * time.Millisecond) // the flusher is now blocked in insert
	if ids, _ := acks.snapshot(); len(ids) != 0 {
		t.Fatalf("acked %v before the insert completed", ids)
	}
	f.gate <- struct{}{}
	acks.waitAcks(t, 2, time.Second)
	ids, errs := acks.snapshot()
	if fmt.Sprint(ids) != "[0 1]" || errs[0] != nil || errs[1] != nil {
		t.Fatalf("acks = %v %v, want [0 1] with nil errors", ids, errs)
	}
	// An empty Write with nothing pending is acknowledged without waiting
	// for BatchWait or another row.
	b.write(context.Background(), nil, acks.done(2))
	acks.waitAcks(t, 3, time.Second)
}

func TestBatcherFlushesAfterBatchWait(t *testing.T) {
	f := &fakeInserter{}
	cfg := testConfig()
	cfg.BatchRows = 1000
	cfg.BatchWait = 40 * time.Millisecond
	b, _, _ := newTestBatcher(t, cfg, f)
	acks := newAckLog()
	start := time.Now()
	b.write(context.Background(), seq(0, 3), acks.done(0))
	acks.waitAcks(t, 1, 2*time.Second)
	if el := time.Since(start); el < cfg.BatchWait {
		t.Errorf("flushed after %v, before BatchWait %v", el, cfg.BatchWait)
	}
	if got := f.sizes(); fmt.Sprint(got) != "[3]" {
		t.Errorf("batches = %v, want [3]", got)
	}
}

func TestBatcherBackpressure(t *testing.T) {
	f := &fakeInserter{gate: make(chan struct{})}
	cfg := testConfig()
	cfg.BatchRows = 5
	cfg.MaxPendingRows = 10
	cfg.BatchWait = time.Millisecond
	b, tm, _ := newTestBatcher(t, cfg, f)
	acks := newAckLog()
	b.write(context.Background(), seq(0, 10), acks.done(0)) // fills the buffer
	if got := counterValue(t, tm.pendingRows); got != 10 {
		t.Errorf("pending_rows = %v, want 10", got)
	}
	returned := make(chan struct{})
	go func() {
		b.write(context.Background(), seq(10, 3), acks.done(1))
		close(returned)
	}()
	select {
	case <-returned:
		t.Fatal("Write returned while the buffer was full")
	case <-time.After(50 * time.Millisecond):
	}
	f.gate <- struct{}{} // first batch of 5 durable: room for 3 more
	select {
	case <-returned:
	case <-time.After(time.Second):
		t.Fatal("Write still blocked after rows became durable")
	}
	close(f.gate)
	acks.waitAcks(t, 2, time.Second)
	if got := f.all(); fmt.Sprint(got) != fmt.Sprint(seq(0, 13)) {
		t.Errorf("inserted %v", got)
	}
}

// TestBatcherBackpressureCancel: a Write whose context ends while it waits
// for room is refused, and still acknowledged after the Writes before it.
func TestBatcherBackpressureCancel(t *testing.T) {
	f := &fakeInserter{gate: make(chan struct{})}
	cfg := testConfig()
	cfg.BatchRows = 5
	cfg.MaxPendingRows = 5
	cfg.BatchWait = time.Millisecond
	b, _, _ := newTestBatcher(t, cfg, f)
	acks := newAckLog()
	b.write(context.Background(), seq(0, 5), acks.done(0))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	b.write(ctx, seq(5, 1), acks.done(1)) // blocks until ctx ends
	if ids, _ := acks.snapshot(); len(ids) != 0 {
		t.Fatalf("acked %v before the first Write was durable", ids)
	}
	close(f.gate)
	acks.waitAcks(t, 2, time.Second)
	ids, errs := acks.snapshot()
	if fmt.Sprint(ids) != "[0 1]" {
		t.Fatalf("ack order %v", ids)
	}
	if errs[0] != nil || !errors.Is(errs[1], context.DeadlineExceeded) {
		t.Fatalf("ack errors = %v, want [nil, deadline exceeded]", errs)
	}
	if got := f.all(); fmt.Sprint(got) != fmt.Sprint(seq(0, 5)) {
		t.Errorf("inserted %v, want only the first Write", got)
	}
}

func TestBatcherWriteLargerThanBuffer(t *testing.T) {
	f := &fakeInserter{}
	cfg := testConfig()
	cfg.BatchRows = 4
	cfg.MaxPendingRows = 4
	b, _, _ := newTestBatcher(t, cfg, f)
	acks := newAckLog()
	b.write(context.Background(), seq(0, 9), acks.done(0)) // must not block forever
	acks.waitAcks(t, 0, time.Second)
	if err := b.close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.sizes(); fmt.Sprint(got) != "[4 4 1]" {
		t.Errorf("batches = %v, want [4 4 1]", got)
	}
}

func TestBatcherRetriesUntilSuccess(t *testing.T) {
	f := &fakeInserter{failNext: 3, failErr: io.EOF, gate: make(chan struct{})}
	cfg := testConfig()
	cfg.BatchWait = time.Millisecond
	b, tm, h := newTestBatcher(t, cfg, f)
	acks := newAckLog()
	b.write(context.Background(), seq(0, 4), acks.done(0))
	f.gate <- struct{}{} // first attempt fails
	f.gate <- struct{}{} // second attempt fails; the first failure is recorded by now
	if ok, err := h.state(); ok || !errors.Is(err, io.EOF) {
		t.Errorf("Ready = %v, %v while failing; want false, EOF", ok, err)
	}
	f.gate <- struct{}{}
	f.gate <- struct{}{} // fourth attempt succeeds
	acks.waitAcks(t, 1, time.Second)
	if _, errs := acks.snapshot(); errs[0] != nil {
		t.Fatalf("done(%v), want nil", errs[0])
	}
	if ok, err := h.state(); !ok || err != nil {
		t.Errorf("Ready = %v, %v after recovery", ok, err)
	}
	if got := counterValue(t, tm.errors); got != 3 {
		t.Errorf("errors = %v, want 3", got)
	}
	if got := counterValue(t, tm.retries); got != 3 {
		t.Errorf("retries = %v, want 3", got)
	}
	if got := f.all(); fmt.Sprint(got) != "[0 1 2 3]" {
		t.Errorf("inserted %v", got)
	}
}

// TestBatcherCloseGivesUp: with inserts failing for good, Close bounded by
// its context fails every buffered Write in order and later Writes too.
func TestBatcherCloseGivesUp(t *testing.T) {
	boom := errors.New("server down")
	f := &fakeInserter{failNext: -1, failErr: boom}
	cfg := testConfig()
	cfg.BatchWait = time.Millisecond
	b, _, _ := newTestBatcher(t, cfg, f)
	acks := newAckLog()
	b.write(context.Background(), seq(0, 3), acks.done(0))
	b.write(context.Background(), nil, acks.done(1))
	b.write(context.Background(), seq(3, 2), acks.done(2))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := b.close(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("close = %v, want the flusher's cancellation", err)
	}
	b.write(context.Background(), seq(5, 1), acks.done(3))
	acks.waitAcks(t, 4, time.Second)
	ids, errs := acks.snapshot()
	if fmt.Sprint(ids) != "[0 1 2 3]" {
		t.Fatalf("ack order %v", ids)
	}
	for i, err := range errs {
		if err == nil {
			t.Errorf("ack %d: nil, want an error", i)
		}
	}
	if len(f.all()) != 0 {
		t.Errorf("rows reported inserted by a failing inserter")
	}
}

func TestBatcherWriteWhileClosing(t *testing.T) {
	f := &fakeInserter{gate: make(chan struct{})}
	cfg := testConfig()
	b, _, _ := newTestBatcher(t, cfg, f)
	acks := newAckLog()
	b.write(context.Background(), seq(0, 2), acks.done(0))
	closed := make(chan error, 1)
	go func() { closed <- b.close(context.Background()) }()
	time.Sleep(20 * time.Millisecond) // close is now flushing, blocked on the gate
	b.write(context.Background(), seq(2, 2), acks.done(1))
	close(f.gate)
	if err := <-closed; err != nil {
		t.Fatalf("close: %v", err)
	}
	acks.waitAcks(t, 2, time.Second)
	ids, errs := acks.snapshot()
	if fmt.Sprint(ids) != "[0 1]" || errs[0] != nil || !errors.Is(errs[1], ErrClosed) {
		t.Fatalf("acks = %v %v, want [0 1] with [nil ErrClosed]", ids, errs)
	}
}

func TestBackoff(t *testing.T) {
	minD, maxD := 100*time.Millisecond, 5*time.Second
	tests := []struct {
		attempt  int
		low, top time.Duration
	}{
		{0, 50 * time.Millisecond, 100 * time.Millisecond},
		{1, 100 * time.Millisecond, 200 * time.Millisecond},
		{5, 1600 * time.Millisecond, 3200 * time.Millisecond},
		{6, 2500 * time.Millisecond, 5 * time.Second},
		{60, 2500 * time.Millisecond, 5 * time.Second},
	}
	for _, tt := range tests {
		for i := 0; i < 100; i++ {
			d := backoff(tt.attempt, minD, maxD)
			if d < tt.low || d > tt.top {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", tt.attempt, d, tt.low, tt.top)
			}
		}
	}
}

// BenchmarkBatcherWrite measures the sink's own overhead per Write (queueing,
// batching, FIFO acks) with an inserter that does nothing.
func BenchmarkBatcherWrite(b *testing.B) {
	m := newMetrics()
	cfg := testConfig()
	cfg.BatchRows = 5000
	cfg.MaxPendingRows = 100000
	cfg.BatchWait = time.Millisecond
	bt := newBatcher("bench", cfg, func(context.Context, []int) error { return nil }, nil,
		newHealth(m.up), m.forTable("bench"), slog.New(slog.DiscardHandler))
	rows := seq(0, 50)
	var acked sync.WaitGroup
	acked.Add(b.N)
	done := func(error) { acked.Done() }
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bt.write(context.Background(), rows, done)
	}
	acked.Wait()
	b.StopTimer()
	_ = bt.close(context.Background())
	b.ReportMetric(float64(b.N*len(rows))/b.Elapsed().Seconds(), "rows/s")
}
