package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socwatch/socwatch/connectors/file"
	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/enrich"
	"github.com/socwatch/socwatch/rules"
)

// backtestRequest asks for a backtest: either a pack directory (under the
// running pack's parent directory) or one edited rule file of the running
// pack, over the stored transactions in [from, to).
type backtestRequest struct {
	Rules string `json:"rules"` // a directory, or inline YAML (then File names the file it replaces)
	File  string `json:"file"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// RuleDiff is one rule's outcome in a backtest.
type RuleDiff struct {
	RuleID   string `json:"rule_id"`
	Backtest int    `json:"backtest"`
	Raised   int    `json:"raised"`
	Added    int    `json:"added"`
	Removed  int    `json:"removed"`
}

// BacktestAlert is one alert added or removed.
type BacktestAlert struct {
	RuleID string    `json:"rule_id"`
	TxID   string    `json:"tx_id"`
	TS     time.Time `json:"ts,omitzero"`
	Debtor string    `json:"debtor_account,omitempty"`
	Amount string    `json:"amount_eur,omitempty"`
}

// backtestJob is a running or finished backtest.
type backtestJob struct {
	ID       string `json:"id"`
	User     string `json:"user"`
	Pack     string `json:"pack"`
	From, To time.Time
	Started  time.Time `json:"started"`

	total, done atomic.Uint64
	cancel      context.CancelFunc

	mu       sync.Mutex
	state    string // running, done, failed
	err      string
	finished time.Time
	rules    []RuleDiff
	added    []BacktestAlert
	removed  []BacktestAlert
}

// Status is the job as the API returns it.
type backtestStatus struct {
	ID       string          `json:"id"`
	State    string          `json:"state"`
	Error    string          `json:"error,omitempty"`
	Pack     string          `json:"pack"`
	From     time.Time       `json:"from"`
	To       time.Time       `json:"to"`
	Total    uint64          `json:"transactions_total"`
	Done     uint64          `json:"transactions_done"`
	Percent  float64         `json:"percent"`
	Rules    []RuleDiff      `json:"rules"`
	Added    []BacktestAlert `json:"added"`
	Removed  []BacktestAlert `json:"removed"`
	Elapsed  string          `json:"elapsed"`
	Capped   bool            `json:"capped"`
	Started  time.Time       `json:"started"`
	User     string          `json:"user"`
	Finished time.Time       `json:"finished,omitzero"`
}

// maxListed bounds the added/removed alerts kept per job.
const maxListed = 500

func (j *backtestJob) status() backtestStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	st := backtestStatus{ID: j.ID, State: j.state, Error: j.err, Pack: j.Pack, From: j.From, To: j.To,
		Total: j.total.Load(), Done: j.done.Load(), Rules: j.rules, Added: j.added, Removed: j.removed,
		Started: j.Started, User: j.User, Finished: j.finished,
		Capped: len(j.added) >= maxListed || len(j.removed) >= maxListed}
	if st.Total > 0 {
		st.Percent = 100 * float64(st.Done) / float64(st.Total)
	}
	if j.state == "done" {
		st.Percent = 100
	}
	end := j.finished
	if end.IsZero() {
		end = time.Now()
	}
	st.Elapsed = end.Sub(j.Started).Round(100 * time.Millisecond).String()
	return st
}

// title makes the job page's title.
func (st backtestStatus) title() string { return "Backtest " + st.ID[:8] }

type backtests struct {
	s    *Server
	mu   sync.Mutex
	jobs map[string]*backtestJob
	sem  chan struct{} // one backtest at a time: it is CPU-bound
}

func newBacktests(s *Server) *backtests {
	return &backtests{s: s, jobs: map[string]*backtestJob{}, sem: make(chan struct{}, 1)}
}

func (b *backtests) get(id string) (*backtestJob, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	j, ok := b.jobs[id]
	return j, ok
}

func (b *backtests) list() []backtestStatus {
	b.mu.Lock()
	jobs := make([]*backtestJob, 0, len(b.jobs))
	for _, j := range b.jobs {
		jobs = append(jobs, j)
	}
	b.mu.Unlock()
	out := make([]backtestStatus, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, j.status())
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Started.After(out[k].Started) })
	return out
}

func (b *backtests) stopAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, j := range b.jobs {
		j.cancel()
	}
}

// packName is how pages name the pack in directory dir: its base name.
func packName(dir string) string { return filepath.Base(filepath.Clean(dir)) }

// packDir resolves the request's rules to a pack directory; cleanup
// removes a temporary one.
func (b *backtests) packDir(req backtestRequest) (dir, desc string, cleanup func(), err error) {
	cleanup = func() {}
	running := b.s.deps.RulesPath
	src := strings.TrimSpace(req.Rules)
	// Packs are described by their directory's name (relative to the
	// running pack's parent): analysts need to tell packs apart, not
	// the host's paths.
	if src == "" && running != "" {
		return running, packName(running), cleanup, nil
	}
	if !strings.Contains(src, "\n") && !strings.Contains(src, ":") {
		// A directory: only under the running pack's parent, so the API
		// cannot be used to read arbitrary files on the host.
		if running == "" {
			return "", "", cleanup, errorf(http.StatusBadRequest, "no running pack (--rules) to resolve %q against", src)
		}
		root, _ := filepath.Abs(filepath.Dir(running))
		abs, _ := filepath.Abs(filepath.Join(root, src))
		if filepath.IsAbs(src) {
			abs = filepath.Clean(src)
		}
		rel, err := filepath.Rel(root, abs)
		if err != nil || strings.HasPrefix(rel, "..") {
			return "", "", cleanup, errorf(http.StatusBadRequest, "pack directory must be under the running pack's parent directory")
		}
		return abs, rel, cleanup, nil
	}
	// Inline YAML: the running pack with one rule file replaced.
	if running == "" {
		return "", "", cleanup, errorf(http.StatusBadRequest, "inline rules need a running pack (--rules) to edit")
	}
	name := filepath.Base(req.File)
	if name == "" || name == "." || !rules.IsRuleFile(name) {
		name = "backtest.yaml"
	}
	tmp, err := os.MkdirTemp("", "socwatch-backtest-")
	if err != nil {
		return "", "", cleanup, fmt.Errorf("backtest pack: %w", err)
	}
	cleanup = func() { os.RemoveAll(tmp) }
	if err := os.CopyFS(tmp, os.DirFS(running)); err != nil {
		cleanup()
		return "", "", func() {}, fmt.Errorf("copy running pack: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, name), []byte(req.Rules), 0o600); err != nil {
		cleanup()
		return "", "", func() {}, fmt.Errorf("backtest pack: %w", err)
	}
	return tmp, packName(running) + " with " + name + " edited", cleanup, nil
}

// start validates the request, compiles the pack and starts the job.
func (b *backtests) start(p *principal, req backtestRequest) (*backtestJob, error) {
	from, err := parseTime(req.From)
	if err != nil {
		return nil, err
	}
	to, err := parseTime(req.To)
	if err != nil {
		return nil, err
	}
	if from.IsZero() || to.IsZero() || !from.Before(to) {
		return nil, errorf(http.StatusBadRequest, "backtest needs from < to")
	}
	dir, desc, cleanup, err := b.packDir(req)
	if err != nil {
		return nil, err
	}
	rs, err := rules.Load(dir, rules.Options{FX: b.s.deps.FX})
	cleanup()
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "rule pack: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	j := &backtestJob{ID: store.NewID(), User: p.user.Name, Pack: desc, From: from, To: to, Started: time.Now(),
		state: "running", cancel: cancel}
	b.mu.Lock()
	b.jobs[j.ID] = j
	b.mu.Unlock()
	go func() {
		defer cancel()
		select {
		case b.sem <- struct{}{}:
			defer func() { <-b.sem }()
		case <-ctx.Done():
		}
		err := b.run(ctx, j, rs)
		j.mu.Lock()
		j.finished = time.Now()
		if err != nil {
			j.state, j.err = "failed", err.Error()
			b.s.deps.Log.Error("backtest failed", "id", j.ID, "error", err)
		} else {
			j.state = "done"
		}
		j.mu.Unlock()
	}()
	return j, nil
}

// collectSink keeps the backtest's alerts.
type collectSink struct {
	alerts map[[2]string]engine.Alert
}

func (c *collectSink) Write(_ context.Context, as []engine.Alert, done engine.Done) {
	for _, a := range as {
		c.alerts[[2]string{a.RuleID, a.TxID}] = a
	}
	done(nil)
}

func (c *collectSink) Close(context.Context) error { return nil }

// run screens the stored transactions through the same Stream `socwatch
// screen` uses (file.Replay), fed as JSON lines through a pipe, and
// compares the alerts with those the running pack stored.
func (b *backtests) run(ctx context.Context, j *backtestJob, rs *engine.RuleSet) error {
	st := b.s.deps.Store
	total, err := st.CountTransactions(ctx, j.From, j.To)
	if err != nil {
		return err
	}
	j.total.Store(total)
	pr, pw := io.Pipe()
	go func() {
		var tx engine.Tx
		var line []byte
		err := st.ScanTransactions(ctx, j.From, j.To, func(t *store.Tx) error {
			if err := toEngineTx(t, &tx); err != nil {
				return err
			}
			line = append(jsonl.Encode(line[:0], &tx), '\n')
			j.done.Add(1)
			_, err := pw.Write(line)
			return err
		})
		pw.CloseWithError(err)
	}()
	sink := &collectSink{alerts: map[[2]string]engine.Alert{}}
	_, err = file.Replay(pr, file.ReplayOptions{Rules: rs, Enricher: enrich.New(b.s.deps.FX), Sink: sink,
		Rejects: file.NewRejectWriter(io.Discard, nil)})
	pr.CloseWithError(errors.New("backtest replay ended"))
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	raised, err := st.RaisedKeys(ctx, j.From, j.To)
	if err != nil {
		return err
	}
	diffs := map[string]*RuleDiff{}
	diff := func(id string) *RuleDiff {
		d, ok := diffs[id]
		if !ok {
			d = &RuleDiff{RuleID: id}
			diffs[id] = d
		}
		return d
	}
	var added, removed []BacktestAlert
	for k, a := range sink.alerts {
		d := diff(k[0])
		d.Backtest++
		if !raised[k] {
			d.Added++
			added = append(added, BacktestAlert{RuleID: a.RuleID, TxID: a.TxID, TS: a.TS.UTC(), Debtor: a.DebtorAccount, Amount: a.AmountEUR.String()})
		}
	}
	for k := range raised {
		d := diff(k[0])
		d.Raised++
		if _, ok := sink.alerts[k]; !ok {
			d.Removed++
			removed = append(removed, BacktestAlert{RuleID: k[0], TxID: k[1]})
		}
	}
	byRule := func(xs []BacktestAlert) []BacktestAlert {
		sort.Slice(xs, func(i, k int) bool {
			if xs[i].RuleID != xs[k].RuleID {
				return xs[i].RuleID < xs[k].RuleID
			}
			return xs[i].TxID < xs[k].TxID
		})
		return xs[:min(len(xs), maxListed)]
	}
	out := make([]RuleDiff, 0, len(diffs))
	for _, d := range diffs {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].RuleID < out[k].RuleID })
	j.mu.Lock()
	j.rules, j.added, j.removed = out, byRule(added), byRule(removed)
	j.mu.Unlock()
	return nil
}

// toEngineTx rebuilds the canonical transaction from its stored row.
func toEngineTx(t *store.Tx, tx *engine.Tx) error {
	amt, err := engine.ParseDecimal(t.Amount)
	if err != nil {
		return fmt.Errorf("transaction %s: amount %q: %w", t.ID, t.Amount, err)
	}
	*tx = engine.Tx{TxID: t.ID, TS: t.TS, Amount: amt, Currency: t.Currency, Channel: t.Channel,
		Debtor:   engine.Party{Account: t.DebtorAccount, Name: t.DebtorName, Country: t.DebtorCountry},
		Creditor: engine.Party{Account: t.CreditorAccount, Name: t.CreditorName, Country: t.CreditorCountry}}
	return nil
}

func (s *Server) apiBacktest(w http.ResponseWriter, r *http.Request) {
	var req backtestRequest
	if err := decodeJSON(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	j, err := s.backtests.start(principalOf(r), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"id": j.ID})
}

func (s *Server) apiBacktestStatus(w http.ResponseWriter, r *http.Request) {
	j, ok := s.backtests.get(r.PathValue("id"))
	if !ok {
		s.fail(w, r, store.ErrNotFound)
		return
	}
	writeJSON(w, http.StatusOK, j.status())
}
