package file

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/socwatch/socwatch/engine"
)

// AlertWriter is an engine.Sink writing one JSON object per alert.
type AlertWriter struct {
	mu  sync.Mutex
	w   *bufio.Writer
	enc *json.Encoder
	n   int
	err error
}

// NewAlertWriter writes alerts to w.
func NewAlertWriter(w io.Writer) *AlertWriter {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &AlertWriter{w: bw, enc: enc}
}

// Write encodes alerts and acknowledges them.
func (a *AlertWriter) Write(_ context.Context, alerts []engine.Alert, done engine.Done) {
	a.mu.Lock()
	for i := range alerts {
		if a.err != nil {
			break
		}
		if err := a.enc.Encode(&alerts[i]); err != nil {
			a.err = fmt.Errorf("write alert: %w", err)
		}
		a.n++
	}
	err := a.err
	a.mu.Unlock()
	done(err)
}

// Count is the number of alerts written.
func (a *AlertWriter) Count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n
}

// Close flushes buffered output.
func (a *AlertWriter) Close(context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.w.Flush(); err != nil && a.err == nil {
		a.err = fmt.Errorf("flush alerts: %w", err)
	}
	return a.err
}

// RejectWriter is an engine.DeadLetter for file mode: each rejected record is
// reported on Report (a line "position: reason: detail") and, when Out is
// set, written to it as JSON {"position","reason","error","value"}.
type RejectWriter struct {
	mu     sync.Mutex
	report io.Writer
	out    *bufio.Writer
	enc    *json.Encoder
	n      int
	err    error
}

// NewRejectWriter reports to report (e.g. stderr) and writes records to out
// (may be nil).
func NewRejectWriter(report, out io.Writer) *RejectWriter {
	r := &RejectWriter{report: report}
	if out != nil {
		r.out = bufio.NewWriter(out)
		r.enc = json.NewEncoder(r.out)
		r.enc.SetEscapeHTML(false)
	}
	return r
}

type rejectLine struct {
	Position string `json:"position"`
	Reason   string `json:"reason"`
	Error    string `json:"error"`
	Value    string `json:"value"`
}

// Reject reports and writes recs.
func (r *RejectWriter) Reject(_ context.Context, recs []engine.Rejected, done engine.Done) {
	r.mu.Lock()
	for _, rec := range recs {
		r.n++
		if r.report != nil {
			fmt.Fprintf(r.report, "reject %s: %v\n", rec.Record.Position, rec.Err)
		}
		if r.enc != nil && r.err == nil {
			if err := r.enc.Encode(rejectLine{
				Position: rec.Record.Position, Reason: engine.RejectReason(rec.Err),
				Error: rec.Err.Error(), Value: string(rec.Record.Value),
			}); err != nil {
				r.err = fmt.Errorf("write reject: %w", err)
			}
		}
	}
	err := r.err
	r.mu.Unlock()
	done(err)
}

// Count is the number of rejected records.
func (r *RejectWriter) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// Close flushes the rejects file.
func (r *RejectWriter) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.out != nil {
		if err := r.out.Flush(); err != nil && r.err == nil {
			r.err = err
		}
	}
	return r.err
}
