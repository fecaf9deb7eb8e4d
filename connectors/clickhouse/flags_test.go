package clickhouse

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestOptionsFlags(t *testing.T) {
	tests := []struct {
		args    []string
		check   func(Options) bool
		wantErr string
		secret  string // must not appear in the error
	}{
		{nil, func(o Options) bool {
			return o.DSN == "clickhouse://default@127.0.0.1:9000/socwatch" && o.BatchRows == DefaultBatchRows &&
				o.BatchWait == DefaultBatchWait && !o.Transactions
		}, "", ""},
		{[]string{"-clickhouse-batch-wait", "1s", "-clickhouse-transactions", "-clickhouse-batch-rows", "7"}, func(o Options) bool {
			return o.BatchWait == time.Second && o.Transactions && o.BatchRows == 7
		}, "", ""},
		{[]string{"-clickhouse-dsn", ""}, nil, "clickhouse.dsn: required", ""},
		{[]string{"-clickhouse-dsn", "http://u:hunter2@h:8123/db"}, nil, "clickhouse.dsn", "hunter2"},
		{[]string{"-clickhouse-dsn", "clickhouse://h:port/db?password=hunter2"}, nil, "clickhouse.dsn", "hunter2"},
		{[]string{"-clickhouse-batch-rows", "0"}, nil, "clickhouse.batch_rows: 0", ""},
		{[]string{"-clickhouse-batch-wait", "0s"}, nil, "clickhouse.batch_wait", ""},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var o Options
			o.RegisterFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			err := o.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Validate = %v, want %q", err, tc.wantErr)
			case tc.secret != "" && strings.Contains(err.Error(), tc.secret):
				t.Fatalf("Validate error shows the password: %v", err)
			case tc.check != nil && !tc.check(o):
				t.Fatalf("parsed %+v", o)
			}
		})
	}
}

// New on a DSN the driver cannot parse returns an error without its
// secrets (the driver's url.Parse error quotes the whole DSN).
func TestNewErrorHidesDSNSecrets(t *testing.T) {
	for _, dsn := range []string{
		"clickhouse://u:hunter2@h:notaport/db",
		"clickhouse://h:9000/db?password=hunter2&dial_timeout=soon",
		"clickhouse://u:hunter%32@h:notaport/db",
	} {
		_, err := New(t.Context(), Options{DSN: dsn})
		if err == nil {
			t.Fatalf("New(%q) succeeded", dsn)
		}
		if strings.Contains(err.Error(), "hunter") {
			t.Errorf("New(%q) error shows the password: %v", dsn, err)
		}
	}
}
