package clickhouse

import (
	"context"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// AlertKey identifies an alert by what fired it, independent of alert id
// derivation: tests and the CLI compare alert sets with it.
type AlertKey struct {
	TxID   string
	RuleID string
}

// AlertKeys reads every alert from the dedup view, ordered by tx id then rule.
func (s *Sink) AlertKeys(ctx context.Context) ([]AlertKey, error) {
	conn, err := s.conn.get()
	if err != nil {
		return nil, err
	}
	rows, err := conn.Query(ctx, "SELECT tx_id, rule_id FROM alerts_dedup ORDER BY tx_id, rule_id")
	if err != nil {
		s.conn.report(conn, err)
		return nil, fmt.Errorf("query alert keys in %s: %w", s.database, err)
	}
	defer rows.Close()
	var out []AlertKey
	for rows.Next() {
		var k AlertKey
		if err := rows.Scan(&k.TxID, &k.RuleID); err != nil {
			return nil, fmt.Errorf("scan alert key: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read alert keys in %s: %w", s.database, err)
	}
	return out, nil
}

// CountRaw counts rows in the alerts table, duplicates included (replays not
// yet merged away).
func (s *Sink) CountRaw(ctx context.Context) (uint64, error) {
	return s.count(ctx, "alerts")
}

// CountDedup counts distinct alerts through the dedup view.
func (s *Sink) CountDedup(ctx context.Context) (uint64, error) {
	return s.count(ctx, "alerts_dedup")
}

func (s *Sink) count(ctx context.Context, table string) (uint64, error) {
	conn, err := s.conn.get()
	if err != nil {
		return 0, err
	}
	var n uint64
	err = conn.QueryRow(ctx, "SELECT count() FROM "+table).Scan(&n)
	s.conn.report(conn, err)
	if err != nil {
		return 0, fmt.Errorf("count %s.%s: %w", s.database, table, err)
	}
	return n, nil
}

// migrationConn adapts a driver.Conn to what migrate needs.
type migrationConn struct{ driver.Conn }

func (c migrationConn) appliedVersions(ctx context.Context) (map[uint32]bool, error) {
	rows, err := c.Query(ctx, "SELECT DISTINCT version FROM schema_migrations")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	done := map[uint32]bool{}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		done[v] = true
	}
	return done, rows.Err()
}

func (c migrationConn) recordVersion(ctx context.Context, m migration) error {
	// Not Exec with VALUES: 18.16 then waits for a data block that Exec never
	// sends. A one-row batch is the native way on every release.
	batch, err := c.PrepareBatch(ctx, "INSERT INTO schema_migrations (version, name)")
	if err != nil {
		return err
	}
	if err := batch.Append(m.Version, m.Name); err != nil {
		_ = batch.Abort()
		return err
	}
	return batch.Send()
}
