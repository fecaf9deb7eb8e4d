package clickhouse

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/shopspring/decimal"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/testenv"
)

// testDatabase returns a DSN for a fresh, uniquely named database on the
// integration server (dropped when the test ends) and the server's
// host:port. It skips without SOCWATCH_INTEGRATION=1 and fails, naming
// `make services`, when the server is not reachable.
func testDatabase(t testing.TB) (dsn, hostport string) {
	t.Helper()
	testenv.Integration(t)
	base := testenv.ClickHouseDSN(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", base, err)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	db := "socwatch_test_" + hex.EncodeToString(b[:])
	u.Path = "/" + db
	t.Cleanup(func() { dropDatabase(t, base, db) })
	return u.String(), u.Host
}

func dropDatabase(t testing.TB, dsn, db string) {
	o, err := ch.ParseDSN(dsn)
	if err != nil {
		t.Errorf("drop %s: %v", db, err)
		return
	}
	o.Auth.Database = ""
	conn, err := ch.Open(o)
	if err != nil {
		t.Errorf("drop %s: %v", db, err)
		return
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS `"+db+"`"); err != nil {
		t.Errorf("drop database %s: %v", db, err)
	}
}

// rawConn opens a direct connection to the test database, for assertions
// that must not go through the sink under test.
func rawConn(t testing.TB, dsn string) driver.Conn {
	t.Helper()
	o, err := ch.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ch.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func countRows(t testing.TB, conn driver.Conn, query string) uint64 {
	t.Helper()
	var n uint64
	if err := conn.QueryRow(context.Background(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func newTestSink(t testing.TB, opts Options) *Sink {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
		if testing.Verbose() {
			opts.Logger = slog.New(slog.NewTextHandler(tLogWriter{t}, nil))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := New(ctx, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Close(ctx)
	})
	return s
}

var testRules = []string{"AML-STRUCT-001", "AML-FANIN-002", "AML-VELOCITY-003"}

// makeAlerts builds n distinct alerts; the i-th is deterministic so two calls
// produce the same alert ids (a replay).
func makeAlerts(from, n int) []engine.Alert {
	base := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	out := make([]engine.Alert, n)
	for k := range out {
		i := from + k
		rule := testRules[i%len(testRules)]
		txID := "tx-" + strconv.Itoa(i/len(testRules))
		out[k] = engine.Alert{
			AlertID:         engine.AlertID(rule, 3, txID),
			RuleID:          rule,
			RuleVersion:     3,
			Typology:        "structuring",
			Severity:        "high",
			Score:           70,
			Mode:            "live",
			TxID:            txID,
			TS:              base.Add(time.Duration(i) * 7 * time.Minute), // spans several months
			DebtorAccount:   "PL61109010140000071219812874",
			CreditorAccount: "NO9386011117947",
			DebtorCountry:   "PL",
			CreditorCountry: "NO",
			AmountEUR:       engine.Decimal{Units: int64(900000 + i), Scale: 2},
			Explanation:     map[string]any{"near_threshold_48h": i % 5, "amount_eur": "9000.00"},
			RecordTime:      time.Now(),
		}
	}
	return out
}

// writeAll sends alerts in Writes of varying size (including empty ones) and
// returns a checker that waits for every done and asserts FIFO order and nil
// errors.
type writeTracker struct {
	mu    sync.Mutex
	order []int
	errs  []error
	all   chan struct{}
	want  int
}

func newWriteTracker(want int) *writeTracker {
	return &writeTracker{want: want, all: make(chan struct{})}
}

func (w *writeTracker) done(id int) engine.Done {
	return func(err error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.order = append(w.order, id)
		w.errs = append(w.errs, err)
		if len(w.order) == w.want {
			close(w.all)
		}
	}
}

func (w *writeTracker) check(t testing.TB, within time.Duration) {
	t.Helper()
	select {
	case <-w.all:
	case <-time.After(within):
		w.mu.Lock()
		defer w.mu.Unlock()
		t.Fatalf("%d of %d dones called within %v", len(w.order), w.want, within)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, id := range w.order {
		if id != i {
			t.Fatalf("done #%d was for Write %d: not FIFO", i, id)
		}
		if w.errs[i] != nil {
			t.Fatalf("Write %d: done(%v)", id, w.errs[i])
		}
	}
}

// writeInChunks writes alerts through s in chunks cycling through sizes; it
// returns the number of Write calls.
func writeInChunks(ctx context.Context, s *Sink, alerts []engine.Alert, sizes []int, w *writeTracker, firstID int) int {
	id, i, k := firstID, 0, 0
	for i < len(alerts) {
		n := min(sizes[k%len(sizes)], len(alerts)-i)
		k++
		s.Write(ctx, alerts[i:i+n], w.done(id))
		id++
		i += n
	}
	return id - firstID
}

var chunkSizes = []int{1, 0, 37, 500, 0, 1234, 3, 999, 2048, 0, 77}

func countWrites(n int) int {
	w, i, k := 0, 0, 0
	for i < n {
		i += min(chunkSizes[k%len(chunkSizes)], n-i)
		k++
		w++
	}
	return w
}

func TestIntegrationWritesEveryAlertOnce(t *testing.T) {
	dsn, _ := testDatabase(t)
	reg := prometheus.NewRegistry()
	s := newTestSink(t, Options{DSN: dsn, BatchRows: 1000, Registerer: reg})
	const n = 12345
	alerts := makeAlerts(0, n)
	w := newWriteTracker(countWrites(n))
	writeInChunks(context.Background(), s, alerts, chunkSizes, w, 0)
	w.check(t, 60*time.Second)

	ctx := context.Background()
	if got, err := s.CountDedup(ctx); err != nil || got != n {
		t.Fatalf("CountDedup = %d, %v; want %d", got, err, n)
	}
	if got, err := s.CountRaw(ctx); err != nil || got != n {
		t.Fatalf("CountRaw = %d, %v; want %d", got, err, n)
	}
	keys, err := s.AlertKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[AlertKey]bool{}
	for _, a := range alerts {
		want[AlertKey{TxID: a.TxID, RuleID: a.RuleID}] = true
	}
	if len(keys) != len(want) {
		t.Fatalf("AlertKeys returned %d keys, want %d", len(keys), len(want))
	}
	for _, k := range keys {
		if !want[k] {
			t.Fatalf("unexpected alert key %+v", k)
		}
	}
	var latencyCount uint64
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "socwatch_alert_latency_seconds" {
			latencyCount = mf.GetMetric()[0].GetHistogram().GetSampleCount()
		}
	}
	if latencyCount != n {
		t.Errorf("alert latency observed %d alerts, want %d", latencyCount, n)
	}
}

// TestIntegrationRoundTrip checks every column of a stored alert, including
// amounts that must stay exact and an explanation json cannot encode as is.
func TestIntegrationRoundTrip(t *testing.T) {
	dsn, _ := testDatabase(t)
	s := newTestSink(t, Options{DSN: dsn, BatchWait: 10 * time.Millisecond})
	ts := time.Date(2024, 11, 30, 23, 59, 59, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		name   string
		amount engine.Decimal
		want   string
		expl   map[string]any
	}{
		{"cents", engine.Decimal{Units: 1499999, Scale: 2}, "14999.99", map[string]any{"count": 3}},
		{"negative", engine.Decimal{Units: -1005, Scale: 3}, "-1.01", nil},
		{"more digits rounds half away", engine.Decimal{Units: 123456785, Scale: 8}, "1.23", map[string]any{"avg": 0.5}},
		{"large", engine.Decimal{Units: 9223372036854775807, Scale: 0}, "9223372036854775807", map[string]any{"s": "ł"}},
	}
	var alerts []engine.Alert
	for i, tt := range tests {
		alerts = append(alerts, engine.Alert{
			AlertID: fmt.Sprintf("id-%d", i), RuleID: "R", RuleVersion: 7, Typology: "t", Severity: "critical",
			Score: 99, Mode: "shadow", TxID: tt.name, TS: ts, DebtorAccount: "A", CreditorAccount: "B",
			DebtorCountry: "PL", CreditorCountry: "", AmountEUR: tt.amount, Explanation: tt.expl,
		})
	}
	w := newWriteTracker(1)
	s.Write(context.Background(), alerts, w.done(0))
	w.check(t, 10*time.Second)

	conn := rawConn(t, dsn)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				ruleVersion uint32
				score       uint8
				gotTS       time.Time
				amount      decimal.Decimal
				expl, mode  string
				tsText      string
			)
			row := conn.QueryRow(context.Background(),
				"SELECT rule_version, score, ts, toString(ts), amount_eur, explanation, mode FROM alerts_dedup WHERE alert_id = ?",
				fmt.Sprintf("id-%d", i))
			if err := row.Scan(&ruleVersion, &score, &gotTS, &tsText, &amount, &expl, &mode); err != nil {
				t.Fatal(err)
			}
			if ruleVersion != 7 || score != 99 || mode != "shadow" {
				t.Errorf("rule_version, score, mode = %d, %d, %s", ruleVersion, score, mode)
			}
			if !gotTS.Equal(ts) || tsText != "2024-11-30 22:59:59" {
				t.Errorf("ts = %v (%s), want %v stored as UTC", gotTS, tsText, ts)
			}
			if amount.StringFixed(2) != decimal.RequireFromString(tt.want).StringFixed(2) {
				t.Errorf("amount_eur = %s, want %s", amount.StringFixed(2), tt.want)
			}
			var back map[string]any
			if err := json.Unmarshal([]byte(expl), &back); err != nil {
				t.Fatalf("explanation %q is not JSON: %v", expl, err)
			}
			if len(back) != len(tt.expl) {
				t.Errorf("explanation = %s, want %d keys", expl, len(tt.expl))
			}
		})
	}
}

func TestIntegrationReplayDedups(t *testing.T) {
	dsn, _ := testDatabase(t)
	s := newTestSink(t, Options{DSN: dsn})
	const n = 3000
	for round := 0; round < 2; round++ {
		w := newWriteTracker(countWrites(n))
		writeInChunks(context.Background(), s, makeAlerts(0, n), chunkSizes, w, 0)
		w.check(t, 30*time.Second)
	}
	ctx := context.Background()
	if got, err := s.CountDedup(ctx); err != nil || got != n {
		t.Fatalf("CountDedup after replay = %d, %v; want %d", got, err, n)
	}
	raw, err := s.CountRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if raw != 2*n {
		// Background merges may already have folded some duplicates.
		if raw < n || raw > 2*n {
			t.Fatalf("CountRaw = %d, want between %d and %d", raw, n, 2*n)
		}
		t.Logf("CountRaw = %d (background merge already folded some duplicates)", raw)
	}
	conn := rawConn(t, dsn)
	if err := conn.Exec(ctx, "OPTIMIZE TABLE alerts FINAL"); err != nil {
		t.Fatal(err)
	}
	if got := countRows(t, conn, "SELECT count() FROM alerts"); got != n {
		t.Fatalf("raw count after OPTIMIZE FINAL = %d, want %d", got, n)
	}
}

func TestIntegrationMigrationsOnce(t *testing.T) {
	dsn, _ := testDatabase(t)
	for i := 0; i < 2; i++ {
		s := newTestSink(t, Options{DSN: dsn})
		if err := s.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	conn := rawConn(t, dsn)
	if got := countRows(t, conn, "SELECT count() FROM schema_migrations"); got != uint64(len(ms)) {
		t.Fatalf("schema_migrations has %d rows after two starts, want %d", got, len(ms))
	}
	for _, table := range []string{"alerts", "alerts_dedup", "transactions"} {
		if got := countRows(t, conn, "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = '"+table+"'"); got != 1 {
			t.Errorf("table %s: found %d", table, got)
		}
	}
}

func TestIntegrationTransactions(t *testing.T) {
	dsn, _ := testDatabase(t)
	s := newTestSink(t, Options{DSN: dsn, Transactions: true, BatchWait: 10 * time.Millisecond})
	txs := []engine.Tx{
		{TxID: "t1", TS: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Amount: engine.Decimal{Units: 12345678, Scale: 8},
			Currency: "BTC", AmountEUR: engine.Decimal{Units: 500000, Scale: 2}, Channel: "crypto", CrossBorder: true,
			Debtor:   engine.Party{Account: "A", Name: "Jan Kowalski", Country: "PL"},
			Creditor: engine.Party{Account: "B", Name: "Ola Nordmann", Country: "NO"}},
		{TxID: "t2", TS: time.Date(2024, 2, 2, 3, 4, 5, 0, time.UTC), Amount: engine.Decimal{Units: 100, Scale: 0}, Currency: "EUR"},
	}
	w := newWriteTracker(3)
	s.WriteTransactions(context.Background(), txs, w.done(0))
	s.WriteTransactions(context.Background(), nil, w.done(1))
	s.WriteTransactions(context.Background(), txs[:1], w.done(2)) // a second perspective
	w.check(t, 10*time.Second)
	conn := rawConn(t, dsn)
	if got := countRows(t, conn, "SELECT count() FROM transactions FINAL"); got != 2 {
		t.Fatalf("transactions FINAL = %d, want 2", got)
	}
	var amount decimal.Decimal
	var cb uint8
	if err := conn.QueryRow(context.Background(), "SELECT amount, cross_border FROM transactions FINAL WHERE tx_id = 't1'").Scan(&amount, &cb); err != nil {
		t.Fatal(err)
	}
	if amount.String() != "0.12345678" || cb != 1 {
		t.Errorf("t1 amount, cross_border = %s, %d", amount, cb)
	}
}

// TestIntegrationOutage stops a proxy between the sink and ClickHouse for
// about five seconds in the middle of a stream: the sink must report not
// ready, count retries, keep every done pending, and lose nothing.
func TestIntegrationOutage(t *testing.T) {
	dsn, hostport := testDatabase(t)
	proxy := testenv.StartTCPProxy(t, hostport)
	u, _ := url.Parse(dsn)
	u.Host = proxy.Addr()
	reg := prometheus.NewRegistry()
	s := newTestSink(t, Options{DSN: u.String(), BatchRows: 500, BatchWait: 20 * time.Millisecond,
		MaxPendingRows: 2000, Registerer: reg})

	const n = 8000
	alerts := makeAlerts(0, n)
	w := newWriteTracker(countWrites(n))
	streamed := make(chan struct{})
	go func() {
		defer close(streamed)
		// Paced so the outage falls in the middle of the stream.
		id, i, k := 0, 0, 0
		for i < n {
			c := min(chunkSizes[k%len(chunkSizes)], n-i)
			k++
			s.Write(context.Background(), alerts[i:i+c], w.done(id))
			id++
			i += c
			time.Sleep(50 * time.Millisecond)
		}
	}()
	time.Sleep(300 * time.Millisecond)
	proxy.Stop()
	outageStart := time.Now()
	notReady := false
	for time.Since(outageStart) < 5*time.Second {
		if ok, err := s.Ready(); !ok {
			if err == nil {
				t.Error("Ready() false without an error")
			}
			notReady = true
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !notReady {
		t.Error("Ready() stayed true during the outage")
	}
	proxy.Start()
	<-streamed
	w.check(t, 60*time.Second)
	if ok, err := s.Ready(); !ok {
		t.Errorf("Ready() = false, %v after recovery", err)
	}
	conn := rawConn(t, dsn)
	if got := countRows(t, conn, "SELECT count() FROM alerts_dedup"); got != n {
		t.Fatalf("alerts after outage = %d, want %d", got, n)
	}
	if r := gatherCounter(t, reg, "socwatch_sink_retries_total"); r < 1 {
		t.Errorf("retries_total = %v, want > 0", r)
	}
	if e := gatherCounter(t, reg, "socwatch_sink_errors_total"); e < 1 {
		t.Errorf("errors_total = %v, want > 0", e)
	}
}

// TestIntegrationBrokenConnections cuts every live connection between the
// sink and ClickHouse again and again while a stream is being inserted:
// sockets die mid-insert and dead ones sit in the driver's idle pool. Each
// failed insert must be retried on a new connection and nothing lost or
// acknowledged early.
func TestIntegrationBrokenConnections(t *testing.T) {
	dsn, hostport := testDatabase(t)
	proxy := testenv.StartTCPProxy(t, hostport)
	u, _ := url.Parse(dsn)
	u.Host = proxy.Addr()
	reg := prometheus.NewRegistry()
	s := newTestSink(t, Options{DSN: u.String(), BatchRows: 2000, BatchWait: 5 * time.Millisecond,
		MaxPendingRows: 4000, Registerer: reg})
	const n = 60000
	alerts := makeAlerts(0, n)
	w := newWriteTracker(countWrites(n))
	// A bounded number of cuts: a network that drops every connection
	// forever, faster than one insert takes (as under -race on a loaded
	// machine), would starve any client; here the stream must finish.
	const maxCuts = 15
	cutterDone := make(chan struct{})
	cuts := 0
	go func() {
		defer close(cutterDone)
		for cuts < maxCuts {
			time.Sleep(150 * time.Millisecond)
			proxy.Cut()
			cuts++
		}
	}()
	go writeInChunks(context.Background(), s, alerts, chunkSizes, w, 0)
	<-cutterDone
	w.check(t, 120*time.Second)
	if got, err := s.CountDedup(context.Background()); err != nil || got != n {
		t.Fatalf("CountDedup = %d, %v; want %d", got, err, n)
	}
	errs := gatherCounter(t, reg, "socwatch_sink_errors_total")
	if errs == 0 {
		t.Errorf("no insert failed although connections were cut %d times: the test provoked nothing", cuts)
	}
	t.Logf("%d cuts; failed attempts %v, retries %v", cuts, errs, gatherCounter(t, reg, "socwatch_sink_retries_total"))
}

func gatherCounter(t testing.TB, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// BenchmarkIntegrationInsert measures end-to-end sink throughput against the
// real server in batches of 5000 rows.
func BenchmarkIntegrationInsert(b *testing.B) {
	dsn, _ := testDatabase(b)
	s := newTestSink(b, Options{DSN: dsn, BatchRows: 5000})
	const per = 5000
	alerts := makeAlerts(0, per)
	b.ReportAllocs()
	b.ResetTimer()
	w := newWriteTracker(b.N)
	for i := 0; i < b.N; i++ {
		s.Write(context.Background(), alerts, w.done(i))
	}
	w.check(b, 10*time.Minute)
	b.StopTimer()
	b.ReportMetric(float64(b.N*per)/b.Elapsed().Seconds(), "rows/s")
}

// tLogWriter sends the sink's logs to the test log under -v.
type tLogWriter struct{ t testing.TB }

func (w tLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
