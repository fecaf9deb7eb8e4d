package store

import (
	"context"
	"fmt"
	"time"
)

// RuleStats is how a rule has fared: alerts per day and what analysts
// decided about its closed alerts.
type RuleStats struct {
	RuleID        string            `json:"rule_id"`
	PerDay        map[string]uint64 `json:"per_day"` // YYYY-MM-DD → alerts
	Total         uint64            `json:"total"`
	Closed        uint64            `json:"closed"`
	FalsePositive uint64            `json:"false_positive"`
	TruePositive  uint64            `json:"true_positive"`
}

// FPShare is the share of closed alerts disposed as false positives.
func (r RuleStats) FPShare() float64 {
	if r.Closed == 0 {
		return 0
	}
	return float64(r.FalsePositive) / float64(r.Closed)
}

// RuleStats returns per-rule statistics over the days days ending at end
// (exclusive), keyed by rule id. Dispositions cover every closed alert but
// those closed by a cleared sanctions match: an analyst's standing
// decision about one customer, repeated automatically, would otherwise
// drown the rule's false-positive share in copies of one judgement.
func (s *Store) RuleStats(ctx context.Context, end time.Time, days int) (map[string]*RuleStats, error) {
	out := map[string]*RuleStats{}
	get := func(id string) *RuleStats {
		r, ok := out[id]
		if !ok {
			r = &RuleStats{RuleID: id, PerDay: map[string]uint64{}}
			out[id] = r
		}
		return r
	}
	start := end.AddDate(0, 0, -days)
	rows, err := s.conn.Query(ctx, `SELECT rule_id, toString(toDate(ts)) AS d, uniqExact(alert_id)
		FROM alerts WHERE ts >= ? AND ts < ? GROUP BY rule_id, d`, start.UTC(), end.UTC())
	if err != nil {
		return nil, fmt.Errorf("query alerts per day: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, day string
		var n uint64
		if err := rows.Scan(&id, &day, &n); err != nil {
			return nil, fmt.Errorf("scan alerts per day: %w", err)
		}
		r := get(id)
		r.PerDay[day] = n
		r.Total += n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read alerts per day: %w", err)
	}
	drows, err := s.conn.Query(ctx, `SELECT a.rule_id, countIf(st.disposition = 'false_positive'), countIf(st.disposition = 'true_positive'), countIf(st.disposition != '`+ClearedMatch+`')
		FROM (SELECT * FROM (`+stateSQL+` GROUP BY alert_id) WHERE status = 'closed') AS st
		ANY INNER JOIN (SELECT alert_id, rule_id FROM alerts WHERE alert_id IN
			(SELECT alert_id FROM alert_events WHERE action = 'dispose')) AS a USING alert_id
		GROUP BY a.rule_id`)
	if err != nil {
		return nil, fmt.Errorf("query dispositions per rule: %w", err)
	}
	defer drows.Close()
	for drows.Next() {
		var id string
		var fp, tp, closed uint64
		if err := drows.Scan(&id, &fp, &tp, &closed); err != nil {
			return nil, fmt.Errorf("scan dispositions per rule: %w", err)
		}
		r := get(id)
		r.FalsePositive, r.TruePositive, r.Closed = fp, tp, closed
	}
	if err := drows.Err(); err != nil {
		return nil, fmt.Errorf("read dispositions per rule: %w", err)
	}
	return out, nil
}

// LatestAlert returns the time of the newest alert (zero when none), so
// the rules page can show the last 30 days of data a replayed or
// synthetic feed actually has.
func (s *Store) LatestAlert(ctx context.Context) (time.Time, error) {
	var t time.Time
	var n uint64
	if err := s.conn.QueryRow(ctx, "SELECT max(ts), count() FROM alerts").Scan(&t, &n); err != nil {
		return t, fmt.Errorf("query newest alert: %w", err)
	}
	if n == 0 {
		return time.Time{}, nil
	}
	return t.UTC(), nil
}

// RaisedKeys returns the (rule id, tx id) pairs of stored alerts with from
// <= ts < to, for comparing a backtest with what the running pack raised.
func (s *Store) RaisedKeys(ctx context.Context, from, to time.Time) (map[[2]string]bool, error) {
	rows, err := s.conn.Query(ctx, "SELECT DISTINCT rule_id, tx_id FROM alerts WHERE ts >= ? AND ts < ?", from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("query raised alerts: %w", err)
	}
	defer rows.Close()
	out := map[[2]string]bool{}
	for rows.Next() {
		var k [2]string
		if err := rows.Scan(&k[0], &k[1]); err != nil {
			return nil, fmt.Errorf("scan raised alert: %w", err)
		}
		out[k] = true
	}
	return out, rows.Err()
}
