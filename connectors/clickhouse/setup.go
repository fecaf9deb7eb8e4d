package clickhouse

import (
	"context"
	"fmt"
	"log/slog"
)

// Migrate creates the DSN's database if missing and applies the embedded
// migrations, for programs that read the tables without running a Sink (the
// analyst console). It returns the database name.
func Migrate(ctx context.Context, dsn string, log *slog.Logger) (string, error) {
	if log == nil {
		log = slog.Default()
	}
	chOpts, db, err := parseDSN(dsn)
	if err != nil {
		return "", err
	}
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		return "", err
	}
	if err := createDatabase(ctx, chOpts, db); err != nil {
		return "", err
	}
	c := &connector{opts: chOpts, log: log}
	defer c.close()
	conn, err := c.get()
	if err != nil {
		return "", err
	}
	applied, err := migrate(ctx, migrationConn{conn}, ms)
	if err != nil {
		return "", fmt.Errorf("migrate clickhouse database %s: %w", db, err)
	}
	if len(applied) > 0 {
		log.Info("applied clickhouse migrations", "database", db, "migrations", applied)
	}
	return db, nil
}
