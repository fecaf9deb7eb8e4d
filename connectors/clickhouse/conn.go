package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/socwatch/socwatch/internal/redact"
)

// identifier is what the sink accepts as a database name: it is spliced
// into DDL, so nothing that needs quoting rules beyond backticks.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// connector owns the clickhouse-go connection pool and replaces it when it
// looks broken: clickhouse-go v2.25's pool can hand back a dead connection
// after the server or a proxy dropped it, and the only sure cure is a fresh
// pool.
type connector struct {
	opts *ch.Options
	log  *slog.Logger

	mu       sync.Mutex
	conn     driver.Conn
	failures int // consecutive failed operations on conn
}

// parseDSN reads a clickhouse:// DSN and fills in the sink's pool defaults.
func parseDSN(dsn string) (*ch.Options, string, error) {
	o, err := ch.ParseDSN(dsn)
	if err != nil {
		// The driver's error quotes the DSN (url.Parse) or a parameter's
		// value: masked, so a password cannot reach a log line.
		return nil, "", fmt.Errorf("parse clickhouse dsn %s: %w", redact.DSN(dsn), redact.Error(err, dsn))
	}
	if o.Protocol != ch.Native {
		return nil, "", fmt.Errorf("parse clickhouse dsn: only the native protocol (clickhouse://) is supported")
	}
	db := o.Auth.Database
	if db == "" {
		db = "default"
	}
	if !identifier.MatchString(db) {
		return nil, "", fmt.Errorf("parse clickhouse dsn: database name %q must match %s", db, identifier)
	}
	o.Auth.Database = db
	if o.DialTimeout == 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.MaxOpenConns == 0 {
		o.MaxOpenConns = 4
	}
	if o.MaxIdleConns == 0 {
		o.MaxIdleConns = 2
	}
	if o.ConnMaxLifetime == 0 {
		o.ConnMaxLifetime = 10 * time.Minute
	}
	return o, db, nil
}

// createDatabase connects without selecting a database (the handshake would
// fail if it did not exist yet) and creates db.
func createDatabase(ctx context.Context, o *ch.Options, db string) error {
	boot := *o
	boot.Auth.Database = ""
	conn, err := ch.Open(&boot)
	if err != nil {
		return fmt.Errorf("open clickhouse %v: %w", o.Addr, err)
	}
	defer conn.Close()
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS `"+db+"`"); err != nil {
		return fmt.Errorf("create database %s on %v: %w", db, o.Addr, err)
	}
	return nil
}

// get returns the current pool, opening one if the last was discarded.
func (c *connector) get() (driver.Conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		conn, err := ch.Open(c.opts)
		if err != nil {
			return nil, fmt.Errorf("open clickhouse %v: %w", c.opts.Addr, err)
		}
		c.conn = conn
		c.failures = 0
	}
	return c.conn, nil
}

// report records the outcome of an operation on conn. A connection-level
// error, or any error repeated three times, discards the pool so the next
// attempt dials afresh.
func (c *connector) report(conn driver.Conn, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != conn {
		return // already replaced by a concurrent operation
	}
	if err == nil {
		c.failures = 0
		return
	}
	c.failures++
	if isConnError(err) || c.failures >= 3 {
		c.log.Info("reopening clickhouse connection pool", "reason", err, "failures", c.failures)
		old := c.conn
		c.conn = nil
		go old.Close() // closing may wait on a hung socket; do not block the flusher
	}
}

func (c *connector) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn = nil
	return err
}

// ClickHouse exception codes that mean the connection, not the query, is bad.
const (
	codeSocketTimeout       = 209
	codeNetworkError        = 210
	codeUnexpectedPacket    = 101
	codeUnknownPacketClient = 100
)

// isConnError reports whether err means the connection is unusable, so the
// retry must go to a new one.
func isConnError(err error) bool {
	if err == nil {
		return false
	}
	var ex *ch.Exception
	if errors.As(err, &ex) {
		switch ex.Code {
		case codeSocketTimeout, codeNetworkError, codeUnexpectedPacket, codeUnknownPacketClient:
			return true
		}
		return false
	}
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, ch.ErrAcquireConnTimeout),
		errors.As(err, &ne):
		return true
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"broken pipe", "connection reset", "connection refused", "unexpected packet", "bad connection", "use of closed network connection"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// insertRows inserts rows with one prepared batch and reports success only
// if the driver holds exactly len(rows) rows before Send and Send succeeds.
func insertRows[T any](ctx context.Context, c *connector, query string, ncols int, rows []T, fill func(*T, []any)) (err error) {
	conn, err := c.get()
	if err != nil {
		return err
	}
	defer func() { c.report(conn, err) }()
	batch, err := conn.PrepareBatch(ctx, query)
	if err != nil {
		return fmt.Errorf("prepare insert of %d rows: %w", len(rows), err)
	}
	sent := false
	defer func() {
		if !sent {
			_ = batch.Abort()
		}
	}()
	vals := make([]any, ncols)
	for i := range rows {
		fill(&rows[i], vals)
		if err := batch.Append(vals...); err != nil {
			return fmt.Errorf("append row %d of %d: %w", i, len(rows), err)
		}
	}
	if got := batch.Rows(); got != len(rows) {
		return fmt.Errorf("insert batch holds %d rows, want %d; not sending", got, len(rows))
	}
	sent = true
	if err := batch.Send(); err != nil {
		return fmt.Errorf("send %d rows: %w", len(rows), err)
	}
	return nil
}
