package store

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Store is a ClickHouse connection pool used by the console.
type Store struct {
	conn    driver.Conn
	lastSeq atomic.Uint64
	now     func() time.Time
}

// Open connects to the database named in dsn (clickhouse:// native
// protocol). The tables must exist already (clickhouse.Migrate).
func Open(ctx context.Context, dsn string) (*Store, error) {
	o, err := ch.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse clickhouse dsn: %w", err)
	}
	if o.DialTimeout == 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.MaxOpenConns == 0 {
		o.MaxOpenConns = 8
	}
	conn, err := ch.Open(o)
	if err != nil {
		return nil, fmt.Errorf("open clickhouse %v: %w", o.Addr, err)
	}
	if err := conn.Ping(ctx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("ping clickhouse %v: %w", o.Addr, err)
	}
	return &Store{conn: conn, now: time.Now}, nil
}

// Close releases the pool.
func (s *Store) Close() error { return s.conn.Close() }

// Ping checks ClickHouse answers.
func (s *Store) Ping(ctx context.Context) error { return s.conn.Ping(ctx) }

// nextSeq returns a strictly increasing nanosecond timestamp, so two events
// appended by this process within one clock tick still order.
func (s *Store) nextSeq(t time.Time) uint64 {
	n := uint64(t.UnixNano())
	for {
		last := s.lastSeq.Load()
		if n <= last {
			n = last + 1
		}
		if s.lastSeq.CompareAndSwap(last, n) {
			return n
		}
	}
}

// inList returns "(?, ?, …)" with n placeholders (n >= 1): each value is
// bound on its own, because clickhouse-go binds a slice as an Array, which
// IN does not accept on 18.16.
func inList(n int) string {
	if n < 1 {
		n = 1
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

func strArgs(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	if len(out) == 0 {
		out = append(out, "") // matches nothing: ids are never empty
	}
	return out
}
