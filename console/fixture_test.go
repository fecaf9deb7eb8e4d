package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/socwatch/socwatch/connectors/clickhouse"
	"github.com/socwatch/socwatch/connectors/file"
	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/console/goaml"
	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/console/users"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/enrich"
	"github.com/socwatch/socwatch/engine/fx"
	"github.com/socwatch/socwatch/internal/synth"
	"github.com/socwatch/socwatch/internal/testenv"
	"github.com/socwatch/socwatch/rules"
)

// packDir is the pack the console tests screen with and serve: the default
// pack plus the threshold reports, whose one-literal rule (amount_eur >=
// 15000) the backtest tests edit. TestMain builds it in a temporary
// directory, as a deployment that makes threshold reports would.
var packDir string

func TestMain(m *testing.M) {
	dir, err := buildTestPack()
	if err != nil {
		fmt.Fprintln(os.Stderr, "console tests:", err)
		os.Exit(1)
	}
	packDir = dir
	code := m.Run()
	os.RemoveAll(filepath.Dir(dir))
	os.Exit(code)
}

// buildTestPack returns the pack directory, named aml-core (as pages show
// it) inside a temporary one; TestMain removes its parent.
func buildTestPack() (string, error) {
	parent, err := os.MkdirTemp("", "socwatch-console-pack-")
	if err != nil {
		return "", err
	}
	dir := filepath.Join(parent, "aml-core")
	if err := os.CopyFS(dir, os.DirFS("../rules/packs/aml-core")); err != nil {
		return "", fmt.Errorf("copy aml-core: %w", err)
	}
	thr, err := os.ReadFile("../rules/packs/threshold-reports/threshold.yaml")
	if err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "threshold.yaml"), thr, 0o644)
}

// freshDB returns a DSN naming an empty database derived from the test
// environment's one (SOCWATCH_CLICKHOUSE) plus suffix, dropped first so
// every run starts clean.
func freshDB(t testing.TB, suffix string) string {
	t.Helper()
	base := testenv.ClickHouseDSN(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" || db == "default" {
		db = "socwatch_console"
	}
	db += "_" + suffix
	server := *u
	server.Path = ""
	execSQL(t, server.String(), "DROP DATABASE IF EXISTS `"+db+"`")
	u.Path = "/" + db
	return u.String()
}

// execSQL runs one statement on the database dsn names.
func execSQL(t testing.TB, dsn, q string) {
	t.Helper()
	o, err := ch.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ch.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Exec(context.Background(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

var (
	packOnce sync.Once
	pack     *rules.Compiled
	packErr  error
)

// loadCompiled is the test pack with its sanctions matchers.
func loadCompiled(t testing.TB) *rules.Compiled {
	packOnce.Do(func() { pack, packErr = rules.LoadCompiled(packDir, rules.Options{FX: fx.Default()}) })
	if packErr != nil {
		t.Fatal(packErr)
	}
	return pack
}

func loadPack(t testing.TB) *engine.RuleSet { return loadCompiled(t).Rules }

// packVersion is the version of the shipped pack's rule id, so tests
// write alerts as the running pack raises them.
func packVersion(t testing.TB, id string) int {
	t.Helper()
	for _, r := range loadPack(t).Rules {
		if r.ID == id {
			return r.Version
		}
	}
	t.Fatalf("rule %s is not in the shipped pack", id)
	return 0
}

// seed screens n transactions of the synthetic feed with the shipped pack
// and writes alerts and transactions through the real ClickHouse sink, as
// `socwatch run` with clickhouse.transactions does.
func seed(t testing.TB, dsn string, n int) {
	t.Helper()
	ctx := context.Background()
	sink, err := clickhouse.New(ctx, clickhouse.Options{DSN: dsn, Transactions: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	g := synth.New(synth.Config{Seed: 11, Count: n})
	enr := enrich.New(fx.Default())
	var buf bytes.Buffer
	var txs []engine.Tx
	var tx engine.Tx
	for {
		if _, ok := g.Next(&tx); !ok {
			break
		}
		buf.Write(jsonl.Encode(nil, &tx))
		buf.WriteByte('\n')
		c := tx
		if err := enr.Enrich(&c); err == nil {
			txs = append(txs, c)
		}
	}
	errc := make(chan error, 1)
	sink.WriteTransactions(ctx, txs, func(err error) { errc <- err })
	if _, err := file.Replay(&buf, file.ReplayOptions{Rules: loadPack(t), Enricher: enr, Sink: sink,
		Rejects: file.NewRejectWriter(io.Discard, nil)}); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if err := sink.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// testUsers writes a users file: ana (analyst), bob (analyst), sue
// (supervisor); every password is name+"-password".
func testUsers(t testing.TB) string {
	t.Helper()
	var f users.File
	for _, u := range [][2]string{{"ana", users.Analyst}, {"bob", users.Analyst}, {"sue", users.Supervisor}} {
		if err := f.Set(u[0], u[1], u[0]+"-password", bcrypt.MinCost); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "users.json")
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// env is a console over a seeded database.
type env struct {
	t     testing.TB
	dsn   string
	srv   *httptest.Server
	cons  *Server
	store *store.Store
}

func newEnv(t testing.TB, suffix string, n int) *env {
	t.Helper()
	testenv.Integration(t)
	dsn := freshDB(t, suffix)
	seed(t, dsn, n)
	return startEnv(t, dsn)
}

func startEnv(t testing.TB, dsn string) *env {
	t.Helper()
	return startEnvPack(t, dsn, packDir, loadCompiled(t))
}

// startEnvPack is startEnv with another running pack, loaded from dir.
func startEnvPack(t testing.TB, dsn, dir string, c *rules.Compiled) *env {
	t.Helper()
	ctx := context.Background()
	if _, err := clickhouse.Migrate(ctx, dsn, nil); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	m, err := goaml.LoadMapping("goaml/testdata/mapping-ae.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{ClickHouse: dsn, Listen: "127.0.0.1:0", Users: testUsers(t), Rules: dir, SessionTTL: time.Hour,
		ClearedMatchSweep: time.Second}
	cons, err := New(cfg, Deps{Store: st, Rules: c.Rules, Sanctions: c.Sanctions, RulesPath: dir, GoAML: m,
		Log: slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	cons.sweep.start()
	srv := httptest.NewServer(cons.Handler())
	t.Cleanup(func() { srv.Close(); cons.Close(); st.Close() })
	return &env{t: t, dsn: dsn, srv: srv, cons: cons, store: st}
}

// client is one logged-in API user.
type client struct {
	e    *env
	hc   *http.Client
	csrf string
}

func (e *env) anonymous() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (e *env) login(name string) *client {
	e.t.Helper()
	c := e.anonymous()
	var out struct{ CSRF string }
	if code := c.do("POST", "/api/login", map[string]string{"user": name, "password": name + "-password"}, &out); code != http.StatusOK {
		e.t.Fatalf("login %s: %d", name, code)
	}
	c.csrf = out.CSRF
	return c
}

// do sends a JSON request (with the CSRF header when the client has one)
// and decodes a JSON answer into out; it returns the status.
func (c *client) do(method, path string, body, out any) int {
	c.e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.e.srv.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if s, ok := out.(*string); ok {
		*s = string(data)
	} else if out != nil && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(data, out); err != nil {
			c.e.t.Fatalf("%s %s: decode %q: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

// mustDo is do that fails the test unless the status is want.
func (c *client) mustDo(want int, method, path string, body, out any) {
	c.e.t.Helper()
	var raw string
	if out == nil {
		out = &raw
	}
	if got := c.do(method, path, body, out); got != want {
		c.e.t.Fatalf("%s %s = %d, want %d (%v)", method, path, got, want, out)
	}
}

func (e *env) firstAlerts(n int, query string) []store.Alert {
	e.t.Helper()
	c := e.login("sue")
	var page store.Page
	c.mustDo(200, "GET", "/api/alerts?limit="+strconv.Itoa(n)+"&"+query, nil, &page)
	if len(page.Alerts) == 0 {
		e.t.Fatalf("no alerts for %q", query)
	}
	return page.Alerts
}

// testLog sends the console's warnings and errors to the test log.
type testLog struct{ t testing.TB }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
