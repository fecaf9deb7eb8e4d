package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// `socwatch console` reads run's configuration: each layer overrides the
// one below it, the console's flags from before (--listen, --users, …)
// count as flags, and the ClickHouse DSN is clickhouse.dsn with its
// password.
func TestConsoleConfigPrecedence(t *testing.T) {
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("ch-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	checkPrecedence(t, consoleCommand, []precedenceCase{
		{"listen default", layers{}, func(c Config) any { return c.Console.Listen }, "127.0.0.1:8080"},
		{"listen file", layers{file: "console:\n  listen: 127.0.0.1:9001\n"}, func(c Config) any { return c.Console.Listen }, "127.0.0.1:9001"},
		{"listen env > file", layers{file: "console:\n  listen: 127.0.0.1:9001\n", env: map[string]string{"SOCWATCH_CONSOLE_LISTEN": "127.0.0.1:9002"}},
			func(c Config) any { return c.Console.Listen }, "127.0.0.1:9002"},
		{"listen shortcut > env", layers{env: map[string]string{"SOCWATCH_CONSOLE_LISTEN": "127.0.0.1:9002"}, args: []string{"--listen", "127.0.0.1:9003"}},
			func(c Config) any { return c.Console.Listen }, "127.0.0.1:9003"},
		{"listen flag > env", layers{env: map[string]string{"SOCWATCH_CONSOLE_LISTEN": "127.0.0.1:9002"}, args: []string{"--console-listen=127.0.0.1:9004"}},
			func(c Config) any { return c.Console.Listen }, "127.0.0.1:9004"},
		{"duration env > file", layers{file: "console:\n  session_ttl: 1h\n", env: map[string]string{"SOCWATCH_CONSOLE_SESSION_TTL": "30m"}},
			func(c Config) any { return c.Console.SessionTTL }, 30 * time.Minute},
		{"duration default", layers{}, func(c Config) any { return c.Console.SessionTTL }, 8 * time.Hour},
		{"bool file", layers{file: "console:\n  allow_public: true\n  listen: 10.0.0.1:8080\n"}, func(c Config) any { return c.Console.AllowPublic }, true},
		{"bool shortcut > env", layers{env: map[string]string{"SOCWATCH_CONSOLE_ALLOW_PUBLIC": "false"}, args: []string{"--allow-public"}},
			func(c Config) any { return c.Console.AllowPublic }, true},
		{"dsn default", layers{}, func(c Config) any { return c.Console.ClickHouse }, "clickhouse://default@127.0.0.1:9000/socwatch"},
		{"dsn file", layers{file: "clickhouse:\n  dsn: clickhouse://analyst@db:9000/aml\n"}, func(c Config) any { return c.Console.ClickHouse }, "clickhouse://analyst@db:9000/aml"},
		{"dsn shortcut > env", layers{env: map[string]string{"SOCWATCH_CLICKHOUSE_DSN": "clickhouse://e@db:9000/aml"}, args: []string{"--clickhouse", "clickhouse://f@db:9000/aml"}},
			func(c Config) any { return c.Console.ClickHouse }, "clickhouse://f@db:9000/aml"},
		{"dsn with the password file", layers{file: "clickhouse:\n  dsn: clickhouse://analyst@db:9000/aml\n  password_file: " + pw + "\n"},
			func(c Config) any { return c.Console.ClickHouse }, "clickhouse://analyst:ch-secret@db:9000/aml"},
		{"--rules is the console's pack", layers{file: "rules: run-pack\n", args: []string{"--rules", "shown-pack"}},
			func(c Config) any { return c.Console.Rules + " " + c.Rules }, "shown-pack run-pack"},
		{"console.rules file", layers{file: "console:\n  rules: shown-pack\n"}, func(c Config) any { return c.Console.Rules }, "shown-pack"},
		{"log level file", layers{file: "log_level: warn\n"}, func(c Config) any { return c.LogLevel.String() }, "WARN"},
	})
}

// One file configures run and console: each command accepts the other's
// keys and takes its own from it.
func TestOneFileForRunAndConsole(t *testing.T) {
	file := `kafka:
  brokers: k1:9092
  topic: payments
clickhouse:
  dsn: clickhouse://socwatch@db:9000/aml
  batch_rows: 100
rules: /etc/socwatch/rules
rule_limits:
  max_nesting: 32
screen:
  future_bound: 48h
console:
  listen: 127.0.0.1:8443
  users: /etc/socwatch/users.json
  rules: /etc/socwatch/rules
  goaml: /etc/socwatch/goaml.yaml
  session_ttl: 4h
log_level: warn
`
	run, err := loadCommandConfig(t, runCommand, nil, file)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if run.Kafka.Topic != "payments" || run.RuleLimits.MaxNesting != 32 || run.Rules != "/etc/socwatch/rules" {
		t.Errorf("run: topic %q, max nesting %d, rules %q", run.Kafka.Topic, run.RuleLimits.MaxNesting, run.Rules)
	}
	con, err := loadCommandConfig(t, consoleCommand, nil, file)
	if err != nil {
		t.Fatalf("console: %v", err)
	}
	got := []any{con.Console.ClickHouse, con.Console.Listen, con.Console.Users, con.Console.Rules, con.Console.GoAML, con.Console.SessionTTL, con.LogLevel.String()}
	want := []any{"clickhouse://socwatch@db:9000/aml", "127.0.0.1:8443", "/etc/socwatch/users.json", "/etc/socwatch/rules",
		"/etc/socwatch/goaml.yaml", 4 * time.Hour, "WARN"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("console field %d: got %v, want %v", i, got[i], want[i])
		}
	}
}

func TestConsoleConfigErrorsNameTheKey(t *testing.T) {
	checkKeyErrors(t, consoleCommand, []keyErrorCase{
		{nil, "console:\n  listen: 127.0.0.1:1\n  lissen: x\n", nil, []string{"socwatch.yaml:3", "unknown key console.lissen"}},
		{nil, "kafka:\n  topik: x\n", nil, []string{"socwatch.yaml:2", "unknown key kafka.topik"}},
		{nil, "console:\n  session_ttl: soon\n", nil, []string{"socwatch.yaml:2", "console.session_ttl", "duration"}},
		{nil, "console:\n  allow_public: maybe\n", nil, []string{"socwatch.yaml:2", "console.allow_public", "true or false"}},
		{nil, "console: 127.0.0.1:8080\n", nil, []string{"socwatch.yaml:1", "console"}},
		{map[string]string{"SOCWATCH_CONSOLE_SESSION_TTL": "a while"}, "", nil, []string{"SOCWATCH_CONSOLE_SESSION_TTL", "duration"}},
		{nil, "", []string{"--listen", "0.0.0.0:8080"}, []string{"console.listen", "not loopback"}},
		{nil, "", []string{"--session-ttl", "10s"}, []string{"console.session_ttl"}},
		{nil, "", []string{"--tls-cert", "c.pem"}, []string{"console.tls_cert"}},
		{nil, "", []string{"--clickhouse", "http://db:8123"}, []string{"clickhouse.dsn"}},
		{nil, "", []string{"--clickhouse-password-file", "/nonexistent/pw"}, []string{"clickhouse.password_file"}},
		{nil, "", []string{"--allow-public", "true"}, []string{`unexpected argument "true"`}},
	})
}

// The console validates only its own blocks: a kafka.* setting run would
// refuse does not stop it.
func TestConsoleIgnoresRunOnlyValidation(t *testing.T) {
	args := []string{"--kafka-rekey", "sometimes", "--rule-limits-max-nesting", "0"}
	if _, err := loadCommandConfig(t, runCommand, nil, "", args...); err == nil {
		t.Fatal("run accepted kafka.rekey=sometimes and rule_limits.max_nesting=0")
	}
	if _, err := loadCommandConfig(t, consoleCommand, nil, "", args...); err != nil {
		t.Fatalf("console refused run-only settings: %v", err)
	}
}
