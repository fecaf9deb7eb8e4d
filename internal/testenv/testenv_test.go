package testenv

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestClickHouseHostPort(t *testing.T) {
	tests := []struct {
		dsn     string
		want    string
		wantErr bool
	}{
		{dsn: "clickhouse://default@127.0.0.1:9000/socwatch_test", want: "127.0.0.1:9000"},
		{dsn: "clickhouse://127.0.0.1/db", want: "127.0.0.1:9000"},
		{dsn: "tcp://user:pw@ch.example:9440?secure=true", want: "ch.example:9440"},
		{dsn: "clickhouse://h1:9001,h2:9002/db", want: "h1:9001"},
		{dsn: "clickhouse://[::1]:9000/db", want: "[::1]:9000"},
		{dsn: "clickhouse://[::1]/db", wantErr: true},
		{dsn: "http://127.0.0.1:8123", wantErr: true},
		{dsn: "clickhouse:///db", wantErr: true},
		{dsn: "clickhouse://:9000/db", wantErr: true},
		{dsn: "127.0.0.1:9000", wantErr: true},
		{dsn: "clickhouse://%zz", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			got, err := ClickHouseHostPort(tt.dsn)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ClickHouseHostPort(%q) = %q, want error", tt.dsn, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ClickHouseHostPort(%q): %v", tt.dsn, err)
			}
			if got != tt.want {
				t.Fatalf("ClickHouseHostPort(%q) = %q, want %q", tt.dsn, got, tt.want)
			}
		})
	}
}

func FuzzClickHouseHostPort(f *testing.F) {
	for _, seed := range []string{
		DefaultClickHouseDSN,
		"clickhouse://127.0.0.1/db",
		"tcp://a:1,b:2",
		"clickhouse://[::1]:9000",
		"clickhouse://[::1]",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		got, err := ClickHouseHostPort(dsn)
		if err != nil {
			return
		}
		// Whatever it accepts must be dialable as-is: host and port present.
		host, port, err := net.SplitHostPort(got)
		if err != nil {
			t.Fatalf("ClickHouseHostPort(%q) = %q, not host:port: %v", dsn, got, err)
		}
		if host == "" || port == "" {
			t.Fatalf("ClickHouseHostPort(%q) = %q, empty host or port", dsn, got)
		}
	})
}

func TestEnabled(t *testing.T) {
	tests := []struct {
		value string
		want  bool
	}{
		{"1", true},
		{"", false},
		{"0", false},
		{"true", false}, // only "1" opts in, as documented for CI
	}
	for _, tt := range tests {
		t.Run("value="+tt.value, func(t *testing.T) {
			t.Setenv(EnvIntegration, tt.value)
			if got := Enabled(); got != tt.want {
				t.Fatalf("Enabled() with %s=%q = %v, want %v", EnvIntegration, tt.value, got, tt.want)
			}
		})
	}
}

func TestFreePortIsBindable(t *testing.T) {
	seen := map[int]bool{}
	for range 5 {
		port := FreePort(t)
		if port <= 0 || port > 65535 {
			t.Fatalf("FreePort() = %d, out of range", port)
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			t.Fatalf("FreePort() = %d, but listen failed: %v", port, err)
		}
		seen[port] = true
		l.Close()
	}
	if len(seen) < 2 {
		t.Fatalf("FreePort returned the same port every time: %v", seen)
	}
}

// A service that is down must produce an error quickly, so Kafka and
// ClickHouseDSN fail the test (never skip) when integration is on.
func TestUnreachableServicesError(t *testing.T) {
	closed := "127.0.0.1:" + strconv.Itoa(FreePort(t))
	tests := []struct {
		name  string
		check func(ctx context.Context) error
	}{
		{"kafka", func(ctx context.Context) error { return pingKafka(ctx, closed, nil) }},
		{"clickhouse", func(ctx context.Context) error { return checkClickHouse(ctx, "clickhouse://default@"+closed+"/x") }},
		{"clickhouse bad dsn", func(ctx context.Context) error { return checkClickHouse(ctx, "http://"+closed) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := tt.check(ctx)
			if err == nil {
				t.Fatalf("check against closed port %s succeeded", closed)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("check took %s, want it bounded by the context", d)
			}
		})
	}
}

func TestValidIdentifier(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"socwatch_test", true},
		{"_x1", true},
		{"", false},
		{"1abc", false},
		{"a-b", false},
		{"db; DROP DATABASE default", false},
		{"`x`", false},
	}
	for _, tt := range tests {
		if got := validIdentifier(tt.in); got != tt.want {
			t.Errorf("validIdentifier(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestPrometheusConfig(t *testing.T) {
	tests := []struct {
		name    string
		port    int
		targets []string
	}{
		{"self only", 9090, nil},
		{"with targets", 41000, []string{"127.0.0.1:2112", "localhost:8080"}},
		{"odd target text", 1, []string{`a"b:1`, "x: y"}},
	}
	type staticConfig struct {
		Targets []string `yaml:"targets"`
	}
	type scrapeConfig struct {
		JobName       string         `yaml:"job_name"`
		MetricsPath   string         `yaml:"metrics_path"`
		StaticConfigs []staticConfig `yaml:"static_configs"`
	}
	type config struct {
		Global struct {
			ScrapeInterval string `yaml:"scrape_interval"`
		} `yaml:"global"`
		ScrapeConfigs []scrapeConfig `yaml:"scrape_configs"`
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg config
			raw := PrometheusConfig(tt.port, tt.targets)
			if err := yaml.Unmarshal(raw, &cfg); err != nil {
				t.Fatalf("config is not YAML: %v\n%s", err, raw)
			}
			if cfg.Global.ScrapeInterval != "1s" {
				t.Errorf("scrape_interval = %q, want 1s", cfg.Global.ScrapeInterval)
			}
			wantJobs := 1
			if len(tt.targets) > 0 {
				wantJobs = 2
			}
			if len(cfg.ScrapeConfigs) != wantJobs {
				t.Fatalf("got %d scrape configs, want %d:\n%s", len(cfg.ScrapeConfigs), wantJobs, raw)
			}
			self := cfg.ScrapeConfigs[0]
			if self.JobName != "prometheus" || len(self.StaticConfigs) != 1 ||
				strings.Join(self.StaticConfigs[0].Targets, ",") != "127.0.0.1:"+strconv.Itoa(tt.port) {
				t.Errorf("self scrape config = %+v", self)
			}
			if wantJobs == 2 {
				got := cfg.ScrapeConfigs[1]
				if got.JobName != "targets" || got.MetricsPath != "/metrics" || len(got.StaticConfigs) != 1 {
					t.Fatalf("targets scrape config = %+v", got)
				}
				if strings.Join(got.StaticConfigs[0].Targets, "\x00") != strings.Join(tt.targets, "\x00") {
					t.Errorf("targets = %q, want %q", got.StaticConfigs[0].Targets, tt.targets)
				}
			}
		})
	}
}

func TestTail(t *testing.T) {
	tests := []struct {
		in    string
		lines int
		want  string
	}{
		{"a\nb\nc\n", 2, "b\nc"},
		{"a\nb", 5, "a\nb"},
		{"", 3, ""},
	}
	for _, tt := range tests {
		if got := Tail(tt.in, tt.lines); got != tt.want {
			t.Errorf("tail(%q, %d) = %q, want %q", tt.in, tt.lines, got, tt.want)
		}
	}
}

// TestIntegrationDropDatabaseAfter: a passing test's database is gone
// after it.
func TestIntegrationDropDatabaseAfter(t *testing.T) {
	Integration(t)
	base := ClickHouseDSN(t)
	dsn := strings.Replace(base, "/"+dsnDatabase(t, base), "/testenv_drop_"+strconv.FormatInt(time.Now().UnixNano()%1e9, 10), 1)
	t.Run("passes", func(t *testing.T) {
		ClickHouseDSN(t) // the base database exists
		ctx, cancel := context.WithTimeout(context.Background(), ServiceTimeout)
		defer cancel()
		if err := ensureDatabase(ctx, dsn); err != nil {
			t.Fatal(err)
		}
		DropDatabaseAfter(t, dsn)
	})
	conn, db, err := serverConn(dsn)
	if err != nil || conn == nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close()
	var n uint64
	if err := conn.QueryRow(context.Background(), "SELECT count() FROM system.databases WHERE name = ?", db).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("database %s still exists after the test passed", db)
	}
}

func dsnDatabase(t *testing.T, dsn string) string {
	t.Helper()
	conn, db, err := serverConn(dsn)
	if conn != nil {
		conn.Close()
	}
	if err != nil || db == "" || db == "default" {
		t.Fatalf("SOCWATCH_CLICKHOUSE %q names no database of its own (%v)", dsn, err)
	}
	return db
}
