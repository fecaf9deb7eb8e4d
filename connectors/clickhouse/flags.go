package clickhouse

import (
	"errors"
	"flag"
	"fmt"
	"net/url"

	"github.com/socwatch/socwatch/internal/redact"
)

// RegisterFlags registers the sink's deployment settings on fs under the
// clickhouse- prefix, with their defaults. Call Validate after parsing.
func (o *Options) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.DSN, "clickhouse-dsn", "clickhouse://default@127.0.0.1:9000/socwatch",
		"clickhouse://user@host:9000/db (native protocol; the database is created if missing)")
	fs.IntVar(&o.BatchRows, "clickhouse-batch-rows", DefaultBatchRows, "alerts per insert")
	fs.DurationVar(&o.BatchWait, "clickhouse-batch-wait", DefaultBatchWait, "longest wait before a partial batch is inserted")
	fs.BoolVar(&o.Transactions, "clickhouse-transactions", false, "also store every screened transaction")
}

// Validate checks the keys RegisterFlags registers; each error names the
// key, and none quotes a secret of the DSN.
func (o *Options) Validate() error {
	var errs []error
	if o.DSN == "" {
		errs = append(errs, errors.New("clickhouse.dsn: required"))
	} else if u, err := url.Parse(o.DSN); err != nil || u.Scheme != "clickhouse" || u.Host == "" {
		errs = append(errs, fmt.Errorf("clickhouse.dsn: %s, want clickhouse://user@host:port/db", redact.DSN(o.DSN)))
	}
	if o.BatchRows <= 0 {
		errs = append(errs, fmt.Errorf("clickhouse.batch_rows: %d, must be > 0", o.BatchRows))
	}
	if o.BatchWait <= 0 {
		errs = append(errs, fmt.Errorf("clickhouse.batch_wait: %s, must be > 0", o.BatchWait))
	}
	return errors.Join(errs...)
}
