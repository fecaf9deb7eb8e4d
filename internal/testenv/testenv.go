package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// Environment variables read by this package. .ci/run sets the first three.
const (
	EnvIntegration  = "SOCWATCH_INTEGRATION"
	EnvKafka        = "SOCWATCH_KAFKA"
	EnvClickHouse   = "SOCWATCH_CLICKHOUSE"
	EnvKafkaSASL    = "SOCWATCH_KAFKA_SASL"
	EnvSASLPassword = "SOCWATCH_TEST_SASL_PASSWORD"
	EnvPrometheus   = "SOCWATCH_PROMETHEUS_BIN"
)

// Defaults match deploy/local/*.sh.
const (
	DefaultKafka         = "127.0.0.1:9092"
	DefaultKafkaSASL     = "127.0.0.1:9094"
	DefaultClickHouseDSN = "clickhouse://default@127.0.0.1:9000/socwatch_test"
	DefaultSASLUser      = "socwatch"
	DefaultSASLPassword  = "socwatch-secret"
	clickHouseTCPPort    = "9000"
)

// ServiceTimeout bounds each readiness check: long enough for a broker that
// is still electing itself controller, short enough to fail fast in CI.
const ServiceTimeout = 10 * time.Second

const servicesHint = "start the local services with `make services` (deploy/local/services.sh up)"

// Enabled reports whether integration tests were switched on.
func Enabled() bool { return os.Getenv(EnvIntegration) == "1" }

// Integration skips t unless SOCWATCH_INTEGRATION=1. Call it first in every
// test that needs a real service.
func Integration(t testing.TB) {
	t.Helper()
	if !Enabled() {
		t.Skipf("integration test: set %s=1 and run `make services` to run it against real Kafka/ClickHouse/Prometheus", EnvIntegration)
	}
}

// Kafka returns the PLAINTEXT broker address (SOCWATCH_KAFKA, default
// 127.0.0.1:9092) after checking that a broker answers a Kafka request
// within ServiceTimeout; otherwise it fails the test.
func Kafka(t testing.TB) string {
	t.Helper()
	addr := envOr(EnvKafka, DefaultKafka)
	ctx, cancel := context.WithTimeout(context.Background(), ServiceTimeout)
	defer cancel()
	if err := pingKafka(ctx, addr, nil); err != nil {
		t.Fatalf("Kafka at %s (%s) is not answering: %v; %s", addr, EnvKafka, err, servicesHint)
	}
	return addr
}

// SASLCredentials is what a client needs to log in to the SASL_PLAINTEXT
// listener.
type SASLCredentials struct {
	Addr     string
	User     string
	Password string
}

// KafkaSASL returns the SASL_PLAINTEXT (SCRAM-SHA-256/512) listener
// (SOCWATCH_KAFKA_SASL, default 127.0.0.1:9094) and the test user's
// credentials after logging in with SCRAM-SHA-256; otherwise it fails the test.
func KafkaSASL(t testing.TB) SASLCredentials {
	t.Helper()
	creds := SASLCredentials{
		Addr:     envOr(EnvKafkaSASL, DefaultKafkaSASL),
		User:     DefaultSASLUser,
		Password: envOr(EnvSASLPassword, DefaultSASLPassword),
	}
	mech := scram.Auth{User: creds.User, Pass: creds.Password}.AsSha256Mechanism()
	ctx, cancel := context.WithTimeout(context.Background(), ServiceTimeout)
	defer cancel()
	if err := pingKafka(ctx, creds.Addr, []kgo.Opt{kgo.SASL(mech)}); err != nil {
		t.Fatalf("Kafka SASL listener at %s (%s) refused SCRAM-SHA-256 login as %q: %v; %s",
			creds.Addr, EnvKafkaSASL, creds.User, err, servicesHint)
	}
	return creds
}

// pingKafka checks that addr accepts TCP and answers a Kafka request
// (ApiVersions/metadata via kgo's Ping) before ctx ends.
func pingKafka(ctx context.Context, addr string, extra []kgo.Opt) error {
	if err := dialTCP(ctx, addr); err != nil {
		return err
	}
	opts := append([]kgo.Opt{kgo.SeedBrokers(addr), kgo.DialTimeout(ServiceTimeout)}, extra...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("new client for %s: %w", addr, err)
	}
	defer cl.Close()
	if err := cl.Ping(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", addr, err)
	}
	return nil
}

// ClickHouseDSN returns the ClickHouse DSN (SOCWATCH_CLICKHOUSE, default
// clickhouse://default@127.0.0.1:9000/socwatch_test) after checking that the
// native port accepts connections within ServiceTimeout, and creates the
// database the DSN names if it does not exist yet (the server starts empty,
// and a native connection to a missing database is refused). It fails the
// test otherwise.
func ClickHouseDSN(t testing.TB) string {
	t.Helper()
	dsn := envOr(EnvClickHouse, DefaultClickHouseDSN)
	ctx, cancel := context.WithTimeout(context.Background(), ServiceTimeout)
	defer cancel()
	if err := checkClickHouse(ctx, dsn); err != nil {
		t.Fatalf("ClickHouse (%s=%q): %v; %s", EnvClickHouse, dsn, err, servicesHint)
	}
	return dsn
}

func checkClickHouse(ctx context.Context, dsn string) error {
	hostport, err := ClickHouseHostPort(dsn)
	if err != nil {
		return err
	}
	if err := dialTCP(ctx, hostport); err != nil {
		return fmt.Errorf("not answering: %w", err)
	}
	if err := ensureDatabase(ctx, dsn); err != nil {
		return fmt.Errorf("at %s: %w", hostport, err)
	}
	return nil
}

// ensureDatabase connects without a database and creates the DSN's one.
func ensureDatabase(ctx context.Context, dsn string) error {
	conn, db, err := serverConn(dsn)
	if err != nil || conn == nil {
		return err
	}
	defer conn.Close()
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+db); err != nil {
		return fmt.Errorf("create database %s: %w", db, err)
	}
	return nil
}

// serverConn opens a connection to dsn's server without a database (a
// native connection to a missing one is refused) and returns it with the
// database dsn names; conn is nil when that is the server's default.
func serverConn(dsn string) (conn clickhouse.Conn, db string, err error) {
	opts, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		return nil, "", fmt.Errorf("parse dsn: %w", err)
	}
	db = opts.Auth.Database
	if db == "" || db == "default" {
		return nil, db, nil
	}
	if !validIdentifier(db) {
		return nil, "", fmt.Errorf("database name %q: only letters, digits and _ are allowed", db)
	}
	opts.Auth.Database = ""
	opts.DialTimeout = ServiceTimeout
	if conn, err = clickhouse.Open(opts); err != nil {
		return nil, "", fmt.Errorf("open: %w", err)
	}
	return conn, db, nil
}

// DropDatabaseAfter drops the database dsn names when t has passed, so
// that repeated runs against one server do not pile up databases (hundreds
// slow ClickHouse's inserts on a developer's machine); a failed test keeps
// its database to look at.
func DropDatabaseAfter(t testing.TB, dsn string) {
	t.Helper()
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		conn, db, err := serverConn(dsn)
		if err != nil || conn == nil {
			if err != nil {
				t.Logf("drop test database: %v", err)
			}
			return
		}
		defer conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), ServiceTimeout)
		defer cancel()
		if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
			t.Logf("drop database %s: %v", db, err)
		}
	})
}

func validIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// ClickHouseHostPort returns the first host:port of a clickhouse:// (or
// tcp://) DSN, with the native port 9000 when the DSN names none.
func ClickHouseHostPort(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("parse clickhouse dsn: %w", err)
	}
	switch u.Scheme {
	case "clickhouse", "tcp":
	default:
		return "", fmt.Errorf("clickhouse dsn: scheme %q, want clickhouse:// or tcp://", u.Scheme)
	}
	// clickhouse-go accepts several comma-separated hosts; checking the first
	// is enough to tell "services not started" from "started".
	host, _, _ := strings.Cut(u.Host, ",")
	if host == "" {
		return "", errors.New("clickhouse dsn: no host")
	}
	if h, p, err := net.SplitHostPort(host); err == nil {
		if h == "" || p == "" {
			return "", fmt.Errorf("clickhouse dsn: bad host %q", host)
		}
		return net.JoinHostPort(h, p), nil
	}
	if strings.ContainsAny(host, ":[]") {
		// A bare IPv6 literal without brackets or another malformed host.
		return "", fmt.Errorf("clickhouse dsn: bad host %q", host)
	}
	return net.JoinHostPort(host, clickHouseTCPPort), nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago. Another
// process can take it before the caller binds it; tests that start a server
// on it should fail clearly rather than retry forever.
func FreePort(t testing.TB) int {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	return port
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("listen 127.0.0.1:0: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func dialTCP(ctx context.Context, addr string) error {
	var d net.Dialer
	var lastErr error
	// Retry until the deadline: a service that was just started may need a
	// few hundred milliseconds before it accepts.
	for {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return conn.Close()
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("dial %s: %w", addr, lastErr)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
