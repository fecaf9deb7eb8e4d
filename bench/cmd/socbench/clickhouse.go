package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// dropDatabase drops the database a DSN names (a fresh one per pipeline
// run), connecting to the server's default database to do it.
func dropDatabase(ctx context.Context, dsn string) error {
	u, err := url.Parse(dsn)
	if err != nil {
		return fmt.Errorf("drop database: parse DSN: %w", err)
	}
	db := strings.Trim(u.Path, "/")
	if db == "" || strings.ContainsAny(db, "`\\") {
		return fmt.Errorf("drop database: DSN names no usable database")
	}
	u.Path = "/default"
	opts, err := clickhouse.ParseDSN(u.String())
	if err != nil {
		return fmt.Errorf("drop database %s: parse DSN: %w", db, err)
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return fmt.Errorf("drop database %s: connect: %w", db, err)
	}
	defer conn.Close()
	if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS `"+db+"`"); err != nil {
		return fmt.Errorf("drop database %s: %w", db, err)
	}
	return nil
}
