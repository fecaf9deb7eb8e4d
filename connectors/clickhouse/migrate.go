package clickhouse

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one embedded SQL file; Version comes from its NNN_ prefix.
type migration struct {
	Version    uint32
	Name       string
	Statements []string
}

// loadMigrations reads the embedded migrations in version order. Each file
// may hold several statements because the native protocol runs one per call.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations dir %s: %w", dir, err)
	}
	var out []migration
	seen := map[uint32]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		name := e.Name()
		prefix, _, ok := strings.Cut(name, "_")
		if !ok {
			return nil, fmt.Errorf("migration %s: name must be NNN_description.sql", name)
		}
		v, err := strconv.ParseUint(prefix, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("migration %s: version prefix: %w", name, err)
		}
		if prev, dup := seen[uint32(v)]; dup {
			return nil, fmt.Errorf("migration %s: version %d already used by %s", name, v, prev)
		}
		seen[uint32(v)] = name
		body, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		stmts, err := splitStatements(string(body))
		if err != nil {
			return nil, fmt.Errorf("parse migration %s: %w", name, err)
		}
		if len(stmts) == 0 {
			return nil, fmt.Errorf("migration %s: no statements", name)
		}
		out = append(out, migration{Version: uint32(v), Name: name, Statements: stmts})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// splitStatements splits SQL text on semicolons that are outside quotes and
// comments, drops comments, and trims each statement. An unterminated quote
// or block comment is an error rather than a silently truncated statement.
func splitStatements(sql string) ([]string, error) {
	var (
		out []string
		cur strings.Builder
	)
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			// Line comment: skip to end of line, keep the newline as a separator.
			end := strings.IndexByte(sql[i:], '\n')
			if end < 0 {
				i = len(sql)
				continue
			}
			i += end
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("unterminated block comment at byte %d", i)
			}
			cur.WriteByte(' ')
			i += 2 + end + 2
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			closed := false
			for j < len(sql) {
				if sql[j] == '\\' && j+1 < len(sql) {
					j += 2
					continue
				}
				if sql[j] == c {
					// A doubled quote is an escaped quote inside the literal.
					if j+1 < len(sql) && sql[j+1] == c {
						j += 2
						continue
					}
					closed = true
					break
				}
				j++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated %c quote at byte %d", c, i)
			}
			cur.WriteString(sql[i : j+1])
			i = j + 1
		case c == ';':
			flush()
			i++
		default:
			cur.WriteByte(c)
			i++
		}
	}
	flush()
	return out, nil
}

// migrator is the part of a ClickHouse connection migrations need.
type migrator interface {
	Exec(ctx context.Context, query string, args ...any) error
	appliedVersions(ctx context.Context) (map[uint32]bool, error)
	recordVersion(ctx context.Context, m migration) error
}

// migrate applies the migrations not yet recorded, in order. Every statement
// is idempotent (IF NOT EXISTS), so two sinks migrating at once are harmless.
// The first migration creates schema_migrations itself, so its statements run
// before the applied versions can be read.
func migrate(ctx context.Context, db migrator, ms []migration) (applied []string, err error) {
	if len(ms) == 0 {
		return nil, nil
	}
	for _, stmt := range ms[0].Statements {
		if err := db.Exec(ctx, stmt); err != nil {
			return nil, fmt.Errorf("apply migration %s: %w", ms[0].Name, err)
		}
	}
	done, err := db.appliedVersions(ctx)
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	for _, m := range ms {
		if done[m.Version] {
			continue
		}
		for _, stmt := range m.Statements {
			if err := db.Exec(ctx, stmt); err != nil {
				return applied, fmt.Errorf("apply migration %s: %w", m.Name, err)
			}
		}
		if err := db.recordVersion(ctx, m); err != nil {
			return applied, fmt.Errorf("record migration %s: %w", m.Name, err)
		}
		applied = append(applied, m.Name)
	}
	return applied, nil
}
