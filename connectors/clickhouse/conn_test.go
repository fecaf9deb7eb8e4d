package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	ch "github.com/ClickHouse/clickhouse-go/v2"
)

func TestIsConnError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"eof", fmt.Errorf("send: %w", io.EOF), true},
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, true},
		{"broken pipe", fmt.Errorf("write: %w", syscall.EPIPE), true},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"attempt timeout", fmt.Errorf("x: %w", context.DeadlineExceeded), true},
		{"unexpected packet", &ch.Exception{Code: 101, Message: "Unexpected packet Data received from client"}, true},
		{"syntax error", &ch.Exception{Code: 62, Message: "Syntax error"}, false},
		{"wrapped syntax error", fmt.Errorf("send: %w", &ch.Exception{Code: 62}), false},
		{"text only", errors.New("write: broken pipe"), true},
		{"other", errors.New("no such column"), false},
	}
	for _, tt := range tests {
		if got := isConnError(tt.err); got != tt.want {
			t.Errorf("%s: isConnError(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestParseDSN(t *testing.T) {
	tests := []struct {
		dsn     string
		wantDB  string
		wantErr bool
	}{
		{"clickhouse://default@127.0.0.1:9000/socwatch", "socwatch", false},
		{"clickhouse://default@127.0.0.1:9000", "default", false},
		{"clickhouse://u:p@h1:9000,h2:9000/db_1?dial_timeout=2s", "db_1", false},
		{"clickhouse://default@127.0.0.1:9000/bad-name", "", true},
		{"clickhouse://default@127.0.0.1:9000/x`;DROP", "", true},
		{"http://127.0.0.1:8123/db", "", true},
		{"::not a url", "", true},
	}
	for _, tt := range tests {
		o, db, err := parseDSN(tt.dsn)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseDSN(%q) err = %v, wantErr %v", tt.dsn, err, tt.wantErr)
			continue
		}
		if err == nil && (db != tt.wantDB || o.Auth.Database != tt.wantDB || o.MaxOpenConns == 0) {
			t.Errorf("parseDSN(%q) = db %q, opts db %q; want %q with pool defaults", tt.dsn, db, o.Auth.Database, tt.wantDB)
		}
	}
}
