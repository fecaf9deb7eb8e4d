// Command consolebench measures the analyst console over a large alert
// table: it fills a ClickHouse database with N alerts (default 1,000,000),
// their transactions and triage events — generated on the server with
// INSERT … SELECT FROM numbers(), so filling takes seconds — then starts
// the console and times the pages an analyst opens most: the queue's first
// page (HTML with the per-status counts, and the JSON API, unfiltered and
// filtered) and the alert detail. It prints p50/p95/p99 per request kind
// and exits 1 if a p95 exceeds --budget.
//
//	go run ./bench/consolebench --clickhouse clickhouse://default@127.0.0.1:9000/socwatch_console_bench
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/socwatch/socwatch/bench/stats"
	"github.com/socwatch/socwatch/connectors/clickhouse"
	"github.com/socwatch/socwatch/console"
	"github.com/socwatch/socwatch/console/users"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "consolebench:", err)
		os.Exit(1)
	}
}

// rules and typologies of the shipped pack, so filters hit realistic
// shares of the table.
var (
	ruleIDs    = []string{"AML-CASH-001", "AML-CORR-001", "AML-DORM-001", "AML-FANIN-001", "AML-FANOUT-001", "AML-HRJ-001", "AML-PASS-001", "AML-ROUND-001", "AML-SANC-001", "AML-SANC-002", "AML-STRUCT-001", "AML-THR-001", "AML-THR-002", "AML-VEL-001"}
	typologies = []string{"cash_intensive", "corridor", "dormant_reactivation", "fan_in", "fan_out", "high_risk_jurisdiction", "pass_through", "round_amount", "sanctions", "sanctions", "structuring", "threshold", "threshold", "velocity"}
)

func sqlArray(xs []string) string {
	return "['" + strings.Join(xs, "','") + "']"
}

func run() error {
	dsn := flag.String("clickhouse", "clickhouse://default@127.0.0.1:9000/socwatch_console_bench", "ClickHouse DSN of the benchmark database (filled if it does not hold --alerts alerts)")
	n := flag.Int("alerts", 1_000_000, "alerts in the table")
	requests := flag.Int("requests", 200, "timed requests per kind")
	budget := flag.Duration("budget", 300*time.Millisecond, "p95 budget per request kind")
	refill := flag.Bool("refill", false, "drop and refill the tables")
	flag.Parse()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if _, err := clickhouse.Migrate(ctx, *dsn, log); err != nil {
		return err
	}
	o, err := ch.ParseDSN(*dsn)
	if err != nil {
		return err
	}
	conn, err := ch.Open(o)
	if err != nil {
		return err
	}
	defer conn.Close()
	var have uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM alerts").Scan(&have); err != nil {
		return err
	}
	if *refill || have != uint64(*n) {
		start := time.Now()
		if err := fill(ctx, conn, *n); err != nil {
			return err
		}
		fmt.Printf("filled %d alerts, %d transactions, %d events in %s\n", *n, *n, *n/10+*n/50, time.Since(start).Round(time.Millisecond))
	}

	dir, err := os.MkdirTemp("", "consolebench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var uf users.File
	if err := uf.Set("bench", users.Supervisor, "bench-password", 4); err != nil {
		return err
	}
	usersPath := filepath.Join(dir, "users.json")
	if err := uf.Save(usersPath); err != nil {
		return err
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv, err := console.Start(cctx, console.Config{ClickHouse: *dsn, Listen: "127.0.0.1:0", Users: usersPath, SessionTTL: time.Hour}, log)
	if err != nil {
		return err
	}
	defer srv.Close()
	base := strings.TrimSuffix(srv.URL, "/")
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	body, _ := json.Marshal(map[string]string{"user": "bench", "password": "bench-password"})
	resp, err := hc.Post(base+"/api/login", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("login: %s", resp.Status)
	}

	// Alert ids to open: spread over the table.
	var ids []string
	rows, err := conn.Query(ctx, "SELECT alert_id FROM alerts WHERE cityHash64(alert_id) % 1000 = 7 LIMIT 1000")
	if err != nil {
		return err
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) == 0 {
		return errors.New("no alert ids to open")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	kinds := []struct {
		name string
		path func() string
	}{
		{"queue page (HTML, counts)", func() string { return "/alerts" }},
		{"queue API first page", func() string { return "/api/alerts?limit=50" }},
		{"queue API by score", func() string { return "/api/alerts?limit=50&sort=score" }},
		{"queue API status=in_review", func() string { return "/api/alerts?limit=50&status=in_review" }},
		{"queue API typology+severity", func() string { return "/api/alerts?limit=50&typology=structuring&severity=high" }},
		{"alert detail page", func() string { return "/alerts/" + ids[rng.IntN(len(ids))] }},
		{"alert detail API", func() string { return "/api/alerts/" + ids[rng.IntN(len(ids))] }},
	}
	fmt.Printf("%d alerts; %d sequential requests per kind after 5 warm-up requests\n\n", *n, *requests)
	fmt.Printf("%-30s %9s %9s %9s %9s\n", "request", "p50 ms", "p95 ms", "p99 ms", "max ms")
	var over []string
	for _, k := range kinds {
		var ms []float64
		for i := 0; i < *requests+5; i++ {
			start := time.Now()
			resp, err := hc.Get(base + k.path())
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return fmt.Errorf("%s: %s", k.name, resp.Status)
			}
			if i >= 5 {
				ms = append(ms, float64(time.Since(start).Microseconds())/1000)
			}
		}
		p50, _ := stats.Percentile(ms, 0.50)
		p95, _ := stats.Percentile(ms, 0.95)
		p99, _ := stats.Percentile(ms, 0.99)
		sort.Float64s(ms)
		fmt.Printf("%-30s %9.1f %9.1f %9.1f %9.1f\n", k.name, p50, p95, p99, ms[len(ms)-1])
		if p95 > float64(budget.Milliseconds()) {
			over = append(over, k.name)
		}
	}
	if len(over) > 0 {
		return fmt.Errorf("p95 over %s: %s", *budget, strings.Join(over, ", "))
	}
	return nil
}

// fill replaces the tables' content with n generated alerts (a year of
// them, over 50,000 accounts), their transactions, and events: every
// tenth alert assigned and in review, every fiftieth closed.
func fill(ctx context.Context, conn interface {
	Exec(ctx context.Context, q string, args ...any) error
}, n int) error {
	for _, t := range []string{"alerts", "transactions", "alert_events"} {
		if err := conn.Exec(ctx, "TRUNCATE TABLE "+t); err != nil {
			return fmt.Errorf("truncate %s: %w", t, err)
		}
	}
	year := 365 * 24 * 3600
	stmts := []string{
		fmt.Sprintf(`INSERT INTO alerts (alert_id, rule_id, rule_version, typology, severity, score, mode, tx_id, ts,
			debtor_account, creditor_account, debtor_country, creditor_country, amount_eur, explanation)
		SELECT lower(hex(MD5(toString(number)))), %s[number %% 14 + 1], 1, %s[number %% 14 + 1],
			['low','medium','high','critical'][intDiv(number, 14) %% 4 + 1], toUInt8(number %% 100), 'active',
			concat('bench-', toString(number)), toDateTime('2026-01-01 00:00:00', 'UTC') + intDiv(number * %d, %d),
			concat('PL', toString(number %% 50000)), concat('DE', toString((number * 7919) %% 50000)), 'PL', 'DE',
			toDecimal128(number %% 100000, 2), '{"sum_24h": 12345.5, "count_24h": 3}'
		FROM numbers(%d)`, sqlArray(ruleIDs), sqlArray(typologies), year, n, n),
		fmt.Sprintf(`INSERT INTO transactions (tx_id, ts, amount, currency, amount_eur, debtor_account, debtor_name,
			debtor_country, creditor_account, creditor_name, creditor_country, channel, cross_border)
		SELECT concat('bench-', toString(number)), toDateTime('2026-01-01 00:00:00', 'UTC') + intDiv(number * %d, %d),
			toDecimal128(number %% 100000, 12), 'EUR', toDecimal128(number %% 100000, 2),
			concat('PL', toString(number %% 50000)), 'Jan Kowalski', 'PL',
			concat('DE', toString((number * 7919) %% 50000)), 'Erika Muster', 'DE', 'sepa', 1
		FROM numbers(%d)`, year, n, n),
		fmt.Sprintf(`INSERT INTO alert_events (event_id, alert_id, case_id, at, seq, user, action, `+"`from`, `to`"+`, note, alert_ts, score)
		SELECT lower(hex(MD5(concat('a', toString(number))))), lower(hex(MD5(toString(number * 10)))), '',
			toDateTime('2026-06-01 00:00:00', 'UTC'), 1000000 + number, 'bench', 'status', 'new', 'in_review', '',
			toDateTime('2026-01-01 00:00:00', 'UTC') + intDiv(number * 10 * %d, %d), toUInt8(number * 10 %% 100)
		FROM numbers(%d)`, year, n, n/10),
		fmt.Sprintf(`INSERT INTO alert_events (event_id, alert_id, case_id, at, seq, user, action, `+"`from`, `to`"+`, note, alert_ts, score)
		SELECT lower(hex(MD5(concat('d', toString(number))))), lower(hex(MD5(toString(number * 50)))), '',
			toDateTime('2026-06-02 00:00:00', 'UTC'), 2000000000 + number, 'bench', 'dispose', 'in_review',
			['false_positive','not_suspicious','true_positive'][number %% 3 + 1], 'bench reason',
			toDateTime('2026-01-01 00:00:00', 'UTC') + intDiv(number * 50 * %d, %d), toUInt8(number * 50 %% 100)
		FROM numbers(%d)`, year, n, n/50),
	}
	for _, q := range stmts {
		if err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("fill: %w", err)
		}
	}
	return nil
}
