package kafka

import (
	"context"
	"sync"
	"time"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/intern"
)

// worker owns one assigned partition: it feeds the partition's batches, in
// order, to its Processor from its own goroutine, counts what is in flight,
// and pauses fetching the partition while too much is.
type worker struct {
	s         *Source
	topic     string
	partition int32
	proc      Processor
	cp        *checkpoint
	// strs keeps the header strings of the partition's records; only
	// Source.dispatch (the poll loop) uses it.
	strs intern.Strings

	// ctx is not derived from Run's context: on shutdown the batch being
	// processed is allowed to finish; abort cancels it.
	ctx    context.Context
	abort  context.CancelFunc
	wake   chan struct{} // a batch was queued or the worker stopped
	acked  chan struct{} // a handed batch was acknowledged
	exited chan struct{}

	mu              sync.Mutex
	queue           []*batch
	inFlightBatches int // queued + being processed + awaiting ack
	inFlightRecords int
	handed          int // given to Process, not yet acknowledged
	paused          bool
	stopped         bool
}

type batch struct {
	recs []engine.Record
	span *span
}

func newWorker(s *Source, topic string, partition int32, proc Processor) *worker {
	ctx, abort := context.WithCancel(context.Background())
	return &worker{s: s, topic: topic, partition: partition, proc: proc, cp: newCheckpoint(),
		ctx: ctx, abort: abort,
		wake: make(chan struct{}, 1), acked: make(chan struct{}, 1), exited: make(chan struct{})}
}

func notify(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// enqueue queues a batch ending before end and pauses the partition when
// the in-flight limits are reached. It never blocks the poll loop.
func (w *worker) enqueue(recs []engine.Record, end int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	w.queue = append(w.queue, &batch{recs: recs, span: w.cp.add(end)})
	w.inFlightBatches++
	w.inFlightRecords += len(recs)
	if !w.paused && (w.inFlightBatches >= w.s.cfg.MaxInFlightBatches || w.inFlightRecords >= w.s.recordShare()) {
		w.paused = true
		w.s.cl.PauseFetchPartitions(map[string][]int32{w.topic: {w.partition}})
		w.s.m.paused.Inc()
	}
	notify(w.wake)
}

// resumeLocked resumes fetching a paused partition.
func (w *worker) resumeLocked() {
	if w.paused {
		w.paused = false
		w.s.cl.ResumeFetchPartitions(map[string][]int32{w.topic: {w.partition}})
		w.s.m.paused.Dec()
	}
}

func (w *worker) run() {
	defer close(w.exited)
	defer w.proc.Close()
	// An idle partition still checkpoints the state of its last batch once
	// the interval has passed (a burst that ends between two intervals
	// would otherwise stay uncovered until the next record arrives).
	var idle <-chan time.Time
	var lastEnd int64
	if w.s.state != nil {
		t := time.NewTicker(w.s.state.interval)
		defer t.Stop()
		idle = t.C
	}
	for {
		w.mu.Lock()
		for len(w.queue) == 0 && !w.stopped {
			w.mu.Unlock()
			select {
			case <-w.wake:
			case <-idle:
				if lastEnd > 0 {
					w.s.state.maybeCheckpoint(w, lastEnd)
				}
			case <-w.ctx.Done():
				return
			}
			w.mu.Lock()
		}
		if w.stopped {
			w.mu.Unlock()
			return
		}
		b := w.queue[0]
		w.queue[0] = nil
		w.queue = w.queue[1:]
		w.handed++
		w.mu.Unlock()

		// Counted when handed to the engine, not when fetched: a fetched
		// batch dropped on revoke is read again by the next owner, so
		// consumed = screened + dead-lettered holds across rebalances.
		w.s.m.consumed.WithLabelValues(w.topic).Add(float64(len(b.recs)))
		now := time.Now()
		for i := range b.recs {
			w.s.m.screening.Observe(now.Sub(b.recs[i].Time).Seconds())
		}
		done := w.doneFunc(b)
		if err := w.proc.Process(w.ctx, b.recs, done); err != nil {
			// Process gave up on the batch; done may never come.
			done(err)
			if w.ctx.Err() != nil {
				return
			}
		} else if w.s.state != nil {
			lastEnd = b.span.end
			w.s.state.maybeCheckpoint(w, lastEnd)
		}
	}
}

// doneFunc returns the batch's acknowledgement; only its first call counts.
func (w *worker) doneFunc(b *batch) engine.Done {
	var once sync.Once
	return func(err error) {
		once.Do(func() { w.ack(b, err) })
	}
}

func (w *worker) ack(b *batch, err error) {
	w.cp.ack(b.span, err)
	w.mu.Lock()
	w.handed--
	w.inFlightBatches--
	w.inFlightRecords -= len(b.recs)
	if w.paused && w.inFlightBatches <= w.s.cfg.MaxInFlightBatches/2 && w.inFlightRecords <= w.s.recordShare()/2 {
		w.resumeLocked()
	}
	w.mu.Unlock()
	notify(w.acked)
	if err != nil && w.ctx.Err() == nil {
		w.s.batchFailed(w, err)
	}
}

// stop makes the worker take no new batch and drops the queued ones (they
// were never processed, so the next owner fetches them again).
func (w *worker) stop() {
	w.mu.Lock()
	w.stopped = true
	for _, b := range w.queue {
		w.inFlightBatches--
		w.inFlightRecords -= len(b.recs)
	}
	w.queue = nil
	// A paused partition stays paused in the client across assignments.
	w.resumeLocked()
	w.mu.Unlock()
	notify(w.wake)
}

// waitDrained waits until every handed batch is acknowledged.
func (w *worker) waitDrained(timeout time.Duration) bool {
	t := time.NewTimer(max(timeout, 0))
	defer t.Stop()
	for {
		w.mu.Lock()
		n := w.handed
		w.mu.Unlock()
		if n == 0 {
			return true
		}
		select {
		case <-w.acked:
		case <-t.C:
			return false
		}
	}
}

func (w *worker) waitExit(timeout time.Duration) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-w.exited:
	case <-t.C:
		w.s.log.Warn("processor did not return after abort", "topic", w.topic, "partition", w.partition)
	}
}
