package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr bool
	}{
		{"one", "SELECT 1;", []string{"SELECT 1"}, false},
		{"no trailing semicolon", "SELECT 1", []string{"SELECT 1"}, false},
		{"two with comments", "-- a; comment\nSELECT 1; /* b; */ SELECT 2;\n", []string{"SELECT 1", "SELECT 2"}, false},
		{"semicolon in string", "SELECT 'a;b'; SELECT `x;y`", []string{"SELECT 'a;b'", "SELECT `x;y`"}, false},
		{"escaped quotes", `SELECT 'it''s;', 'a\';b'; SELECT 2`, []string{`SELECT 'it''s;', 'a\';b'`, "SELECT 2"}, false},
		{"only comments", "-- nothing\n/* here */\n", nil, false},
		{"comment at end without newline", "SELECT 1 -- done", []string{"SELECT 1"}, false},
		{"unterminated quote", "SELECT 'abc", nil, true},
		{"unterminated block comment", "SELECT 1 /* abc", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := splitStatements(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzSplitStatements(f *testing.F) {
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		f.Fatal(err)
	}
	for _, m := range ms {
		f.Add(strings.Join(m.Statements, ";\n"))
	}
	f.Add("SELECT 'a;b'; -- c\n SELECT `x` /* ; */;")
	f.Add(`'\`)
	f.Fuzz(func(t *testing.T, sql string) {
		stmts, err := splitStatements(sql)
		if err != nil {
			return
		}
		for _, s := range stmts {
			if s == "" || strings.TrimSpace(s) != s {
				t.Fatalf("statement %q is empty or untrimmed", s)
			}
		}
		// Statements are already clean: splitting their join again is stable.
		again, err := splitStatements(strings.Join(stmts, ";\n"))
		if err != nil {
			t.Fatalf("re-split of %q: %v", stmts, err)
		}
		if fmt.Sprintf("%q", again) != fmt.Sprintf("%q", stmts) {
			t.Fatalf("re-split %q = %q", stmts, again)
		}
	})
}

func TestEmbeddedMigrations(t *testing.T) {
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 4 || ms[0].Version != 1 {
		t.Fatalf("migrations = %d, first version %d; want ≥4 starting at 1 (schema_migrations)", len(ms), ms[0].Version)
	}
	for i, m := range ms {
		if i > 0 && m.Version <= ms[i-1].Version {
			t.Errorf("%s not after %s", m.Name, ms[i-1].Name)
		}
		for _, s := range m.Statements {
			up := strings.ToUpper(s)
			if !strings.Contains(up, "IF NOT EXISTS") {
				t.Errorf("%s: statement is not idempotent: %s", m.Name, s)
			}
			// Features 18.16 lacks; production runs current ClickHouse too.
			for _, banned := range []string{"MAP(", "DATETIME64", " TTL ", "ASYNC_INSERT", "LOWCARDINALITY"} {
				if strings.Contains(up, banned) {
					t.Errorf("%s uses %s, not available on ClickHouse 18.16", m.Name, banned)
				}
			}
		}
	}
}

func TestLoadMigrationsRejects(t *testing.T) {
	tests := []struct {
		name  string
		files fstest.MapFS
	}{
		{"no prefix", fstest.MapFS{"m/alerts.sql": {Data: []byte("SELECT 1")}}},
		{"bad version", fstest.MapFS{"m/x1_alerts.sql": {Data: []byte("SELECT 1")}}},
		{"duplicate version", fstest.MapFS{
			"m/001_a.sql": {Data: []byte("SELECT 1")}, "m/1_b.sql": {Data: []byte("SELECT 2")}}},
		{"empty", fstest.MapFS{"m/001_a.sql": {Data: []byte("-- nothing")}}},
		{"unterminated", fstest.MapFS{"m/001_a.sql": {Data: []byte("SELECT 'x")}}},
	}
	for _, tt := range tests {
		if _, err := loadMigrations(tt.files, "m"); err == nil {
			t.Errorf("%s: loaded without error", tt.name)
		}
	}
	ms, err := loadMigrations(fstest.MapFS{
		"m/010_c.sql": {Data: []byte("SELECT 3")}, "m/002_b.sql": {Data: []byte("SELECT 2; SELECT 22")},
		"m/README.md": {Data: []byte("ignored")},
	}, "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Version != 2 || ms[1].Version != 10 || len(ms[0].Statements) != 2 {
		t.Errorf("loaded %+v, want versions 2 (two statements) then 10", ms)
	}
}

// fakeMigrator records executed statements and versions.
type fakeMigrator struct {
	applied map[uint32]bool
	execs   []string
	failOn  string
}

func (f *fakeMigrator) Exec(_ context.Context, q string, _ ...any) error {
	if f.failOn != "" && strings.Contains(q, f.failOn) {
		return errors.New("boom")
	}
	f.execs = append(f.execs, q)
	return nil
}

func (f *fakeMigrator) appliedVersions(context.Context) (map[uint32]bool, error) {
	out := map[uint32]bool{}
	for v := range f.applied {
		out[v] = true
	}
	return out, nil
}

func (f *fakeMigrator) recordVersion(_ context.Context, m migration) error {
	f.applied[m.Version] = true
	return nil
}

func TestMigrate(t *testing.T) {
	ms := []migration{
		{Version: 1, Name: "001_meta.sql", Statements: []string{"CREATE meta"}},
		{Version: 2, Name: "002_a.sql", Statements: []string{"CREATE a", "CREATE a_view"}},
		{Version: 3, Name: "003_b.sql", Statements: []string{"CREATE b"}},
	}
	tests := []struct {
		name        string
		applied     []uint32
		failOn      string
		wantApplied []string
		wantErr     bool
	}{
		{"fresh", nil, "", []string{"001_meta.sql", "002_a.sql", "003_b.sql"}, false},
		{"partly applied", []uint32{1, 2}, "", []string{"003_b.sql"}, false},
		{"all applied", []uint32{1, 2, 3}, "", nil, false},
		{"failure stops", []uint32{1}, "a_view", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeMigrator{applied: map[uint32]bool{}, failOn: tt.failOn}
			for _, v := range tt.applied {
				f.applied[v] = true
			}
			got, err := migrate(context.Background(), f, ms)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.wantApplied) {
				t.Errorf("applied = %v, want %v", got, tt.wantApplied)
			}
			if tt.failOn != "" && f.applied[2] {
				t.Error("failed migration recorded as applied")
			}
			if f.execs[0] != "CREATE meta" {
				t.Errorf("first statement = %q, want the bookkeeping table", f.execs[0])
			}
		})
	}
}
