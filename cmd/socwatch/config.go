package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/peterbourgon/ff/v3"
	"gopkg.in/yaml.v3"

	"github.com/socwatch/socwatch/connectors/clickhouse"
	"github.com/socwatch/socwatch/connectors/kafka"
	"github.com/socwatch/socwatch/console"
	"github.com/socwatch/socwatch/rules"
)

// Config is the service configuration. Every key is a typed flag
// (kafka.commit_interval is --kafka-commit-interval, a time.Duration), an
// environment variable (SOCWATCH_KAFKA_COMMIT_INTERVAL) and a key of the
// YAML file given by --config (kafka: {commit_interval: 1s}). Precedence:
// flag > env > file > default; github.com/peterbourgon/ff/v3 applies it.
//
// Each component registers and validates its own keys: kafka.Config the
// kafka.* connection settings, clickhouse.Options the sink's, rules.Limits
// the rule_limits.* pack loading bounds, console.Config the console.*
// keys; the keys below them are this program's (which topic, the re-key
// plan, secrets read from files, rules, HTTP and logging).
//
// run, demo and console read the same file, so every command knows every
// key (an unknown or ill-typed one is an error in all of them) and each
// validates the blocks it uses: run and demo not console.*, console only
// clickhouse.dsn and its password, console.* and log_level.
type Config struct {
	Kafka struct {
		kafka.Config
		Topic string
		// Rekey: auto re-keys when the rules use more than the debtor
		// perspective; never when the input is already keyed for them.
		Rekey            string
		Partitions       int
		SASLPasswordFile string
	}
	ClickHouse struct {
		clickhouse.Options
		Password     string
		PasswordFile string
	}
	Rules          string
	RuleLimits     rules.Limits
	ReloadInterval time.Duration
	MetricsAddr    string
	// PprofAddr serves net/http/pprof when set: loopback addresses only,
	// as profiles expose memory contents and cost CPU to produce.
	PprofAddr      string
	MaxRecordBytes int
	ReadyHeapPct   int
	LogLevel       slog.Level

	// Screen holds the future bounds (ts_future), shared with `screen`.
	Screen ScreenConfig

	// Console is `socwatch console`'s block; its ClickHouse DSN is
	// clickhouse.dsn (with clickhouse.password), not a key of its own.
	Console console.Config
}

// RegisterFlags registers every configuration key on fs with its default.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	c.Kafka.Config.RegisterFlags(fs)
	fs.StringVar(&c.Kafka.Topic, "kafka-topic", "transactions", "input topic of canonical JSON transactions")
	fs.StringVar(&c.Kafka.Rekey, "kafka-rekey", "auto", "re-key stage: auto, always, never, stage (re-key only) or screen (screen <topic>.by-account only)")
	fs.IntVar(&c.Kafka.Partitions, "kafka-partitions", 0, "partitions of the internal re-keyed topic (0 = as many as the input)")
	fs.StringVar(&c.Kafka.SASLPasswordFile, "kafka-sasl-password-file", "", "file holding the SASL password")
	c.ClickHouse.Options.RegisterFlags(fs)
	fs.StringVar(&c.ClickHouse.Password, "clickhouse-password", "", "ClickHouse password (prefer the environment or password_file)")
	fs.StringVar(&c.ClickHouse.PasswordFile, "clickhouse-password-file", "", "file holding the ClickHouse password")
	fs.StringVar(&c.Rules, "rules", defaultPack, "rule pack directory or file")
	c.RuleLimits.RegisterFlags(fs)
	fs.DurationVar(&c.ReloadInterval, "reload-interval", 2*time.Second, "how often rule files are checked for changes (SIGHUP reloads at once)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "127.0.0.1:9464", "address of /metrics, /healthz and /readyz")
	fs.StringVar(&c.PprofAddr, "pprof-addr", "", "loopback address of /debug/pprof/ (empty = off), e.g. 127.0.0.1:6060")
	fs.IntVar(&c.MaxRecordBytes, "max-record-bytes", 1<<20, "records larger than this go to the DLQ")
	fs.IntVar(&c.ReadyHeapPct, "ready-heap-percent", 90, "/readyz fails while the Go heap is above this percentage of GOMEMLIMIT (0: off)")
	fs.TextVar(&c.LogLevel, "log-level", slog.LevelInfo, "debug, info, warn or error")
	c.Screen.RegisterFlags(fs)
	c.Console.RegisterFlags(fs)
}

// Validate resolves the secrets read from files, then checks the keys run
// and demo use; the errors name the keys.
func (c *Config) Validate() error {
	var err error
	if c.Kafka.SASL.Password, err = secret(c.Kafka.SASL.Password, c.Kafka.SASLPasswordFile, "kafka.sasl.password_file"); err != nil {
		return err
	}
	if c.ClickHouse.Password, err = secret(c.ClickHouse.Password, c.ClickHouse.PasswordFile, "clickhouse.password_file"); err != nil {
		return err
	}
	errs := []error{c.Kafka.Config.Validate(), c.ClickHouse.Options.Validate(), c.RuleLimits.Validate()}
	if c.Kafka.Topic == "" {
		errs = append(errs, errors.New("kafka.topic: required"))
	}
	switch c.Kafka.Rekey {
	case "auto", "always", "never", "stage", "screen":
	default:
		errs = append(errs, fmt.Errorf("kafka.rekey: %q, want auto, always, never, stage or screen", c.Kafka.Rekey))
	}
	if c.Kafka.Partitions < 0 {
		errs = append(errs, fmt.Errorf("kafka.partitions: %d, must be >= 0", c.Kafka.Partitions))
	}
	if c.ReloadInterval <= 0 {
		errs = append(errs, fmt.Errorf("reload_interval: %s, must be > 0", c.ReloadInterval))
	}
	if c.ReadyHeapPct < 0 || c.ReadyHeapPct > 100 {
		errs = append(errs, fmt.Errorf("ready_heap_percent: %d, want 0 (off) to 100", c.ReadyHeapPct))
	}
	if err := checkLoopback(c.PprofAddr); err != nil {
		errs = append(errs, fmt.Errorf("pprof_addr: %w", err))
	}
	if c.MaxRecordBytes <= 0 {
		errs = append(errs, fmt.Errorf("max_record_bytes: %d, must be > 0", c.MaxRecordBytes))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// validateConsole resolves the ClickHouse password and checks the keys
// `socwatch console` uses.
func (c *Config) validateConsole() error {
	var err error
	if c.ClickHouse.Password, err = secret(c.ClickHouse.Password, c.ClickHouse.PasswordFile, "clickhouse.password_file"); err != nil {
		return err
	}
	c.Console.ClickHouse = c.clickhouseDSN()
	if err := errors.Join(c.ClickHouse.Options.Validate(), c.Console.Validate()); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// checkLoopback accepts "" (off) or host:port whose host is a loopback IP
// or localhost; an empty host would listen on every interface.
func checkLoopback(addr string) error {
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%q: only a loopback address (127.0.0.1, ::1, localhost) is allowed", addr)
	}
	return nil
}

func defaultConfig() Config {
	var c Config
	c.RegisterFlags(flag.NewFlagSet("defaults", flag.ContinueOnError))
	return c
}

// envPrefix prefixes every environment variable: SOCWATCH_KAFKA_TOPIC.
const envPrefix = "SOCWATCH"

// configFlags registers the configuration keys on fs, plus --config and the
// shortcuts (--topic for --kafka-topic, …). The returned function parses
// args and applies flags, environment and file, in that order of
// precedence, then checks the result with validate (the command's choice
// of (*Config).Validate or validateConsole). Flags a command registers on
// fs after this call are parsed too, and can also be set by environment,
// but are not keys of the file.
func configFlags(fs *flag.FlagSet, shortcuts map[string]string, validate func(*Config) error) func(args []string) (Config, error) {
	shortcuts = flagNames(shortcuts)
	cfgFile := fs.String("config", "", "YAML configuration file (env SOCWATCH_CONFIG)")
	var c Config
	c.RegisterFlags(fs)
	keys := map[string]bool{} // the flag names that are keys of the file
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name != "config" {
			keys[f.Name] = true
			f.Usage += fmt.Sprintf(" (env %s)", envName(f.Name))
		}
	})
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprintln(fs.Output(), "\nShortcuts:")
		names := make([]string, 0, len(shortcuts))
		for s := range shortcuts {
			names = append(names, s)
		}
		sort.Strings(names)
		for _, s := range names {
			fmt.Fprintf(fs.Output(), "  -%s is -%s\n", s, shortcuts[s])
		}
	}
	return func(args []string) (Config, error) {
		// ff reports an ill-typed environment value as the flag package's
		// "parse error"; say what the variable wants instead.
		var envErr error
		fs.VisitAll(func(f *flag.Flag) {
			if v := os.Getenv(envName(f.Name)); v != "" && envErr == nil {
				if err := checkType(f, v); err != nil {
					envErr = fmt.Errorf("env %s: %q is not %v", envName(f.Name), v, err)
				}
			}
		})
		if envErr != nil {
			return c, envErr
		}
		err := ff.Parse(fs, expandShortcuts(args, shortcuts),
			ff.WithEnvVarPrefix(envPrefix),
			ff.WithConfigFileFlag("config"),
			ff.WithConfigFileParser(yamlParser(cfgFile, fs, keys)))
		if err != nil {
			return c, err
		}
		if fs.NArg() > 0 {
			// Flag parsing stops at the first argument that is not a flag,
			// so everything after it was ignored: most often a value given
			// to a boolean flag ("--kafka-tls-enabled true").
			return c, fmt.Errorf("unexpected argument %q: these commands take only flags, and boolean flags take no separate value (--flag or --flag=false)", fs.Arg(0))
		}
		return c, validate(&c)
	}
}

// keyToFlag turns a dotted key (kafka.sasl.password_file) into its flag
// name (kafka-sasl-password-file).
var keyToFlag = strings.NewReplacer(".", "-", "_", "-")

// flagNames returns shortcuts with each target key as a flag name.
func flagNames(shortcuts map[string]string) map[string]string {
	out := make(map[string]string, len(shortcuts))
	for short, key := range shortcuts {
		out[short] = keyToFlag.Replace(key)
	}
	return out
}

// envName is the environment variable of a flag, as ff derives it.
func envName(flagName string) string {
	return envPrefix + "_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// expandShortcuts rewrites -topic / --topic[=v] into the flag they stand
// for, so that a shortcut counts as that flag being set (it then outranks
// the environment and the file like any flag). Arguments after "--" are
// left alone.
func expandShortcuts(args []string, shortcuts map[string]string) []string {
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		dashes := strings.TrimLeft(a, "-")
		if dashes == a || len(a)-len(dashes) > 2 {
			out = append(out, a)
			continue
		}
		name, value, hasValue := strings.Cut(dashes, "=")
		if long, ok := shortcuts[name]; ok {
			a = "--" + long
			if hasValue {
				a += "=" + value
			}
		}
		out = append(out, a)
	}
	return out
}

// yamlParser reads the nested YAML file into flags: kafka: {sasl:
// {password_file: x}} sets --kafka-sasl-password-file. A key that is not a
// configuration key, or a value that does not parse as the key's type, is
// an error naming the key and the file line — checked even when a flag or
// the environment overrides that key, so a broken file never goes unseen.
func yamlParser(file *string, fs *flag.FlagSet, keys map[string]bool) ff.ConfigFileParser {
	return func(r io.Reader, set func(name, value string) error) error {
		path := *file // known once the flags and environment are parsed
		var doc yaml.Node
		if err := yaml.NewDecoder(r).Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				return nil // an empty file sets nothing
			}
			return fmt.Errorf("config %s: %w", path, err)
		}
		var walk func(prefix string, n *yaml.Node) error
		walk = func(prefix string, n *yaml.Node) error {
			if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
				n = n.Content[0]
			}
			if n.Kind == yaml.AliasNode {
				n = n.Alias
			}
			if n.Kind != yaml.MappingNode {
				return fmt.Errorf("config %s:%d: %s: want a mapping of keys", path, n.Line, orRoot(prefix))
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				key := k.Value
				if prefix != "" {
					key = prefix + "." + key
				}
				name := keyToFlag.Replace(key)
				if v.Kind == yaml.AliasNode {
					v = v.Alias
				}
				if v.Kind == yaml.MappingNode && !keys[name] {
					if err := walk(key, v); err != nil {
						return err
					}
					continue
				}
				f := fs.Lookup(name)
				if !keys[name] || f == nil {
					return fmt.Errorf("config %s:%d: unknown key %s", path, k.Line, key)
				}
				value, err := scalarValue(f, v)
				if err != nil {
					return fmt.Errorf("config %s:%d: %s: %w", path, v.Line, key, err)
				}
				if err := checkType(f, value); err != nil {
					return fmt.Errorf("config %s:%d: %s: %q is not %s", path, v.Line, key, value, err)
				}
				if err := set(name, value); err != nil {
					return fmt.Errorf("config %s:%d: %s: %w", path, v.Line, key, err)
				}
			}
			return nil
		}
		return walk("", &doc)
	}
}

// scalarValue is the flag value a YAML node gives: a scalar as it is, and
// for a list-valued key (kafka.brokers) a sequence of scalars joined by
// commas, as the flag and the environment variable take it.
func scalarValue(f *flag.Flag, v *yaml.Node) (string, error) {
	if v.Kind == yaml.ScalarNode {
		return v.Value, nil
	}
	if g, ok := f.Value.(flag.Getter); ok && v.Kind == yaml.SequenceNode {
		if _, list := g.Get().([]string); list {
			items := make([]string, len(v.Content))
			for i, item := range v.Content {
				if item.Kind != yaml.ScalarNode || strings.Contains(item.Value, ",") {
					return "", fmt.Errorf("line %d: want a list of single values without commas", item.Line)
				}
				items[i] = item.Value
			}
			return strings.Join(items, ","), nil
		}
	}
	return "", errors.New("want a single value")
}

func orRoot(key string) string {
	if key == "" {
		return "top level"
	}
	return key
}

// checkType parses s as f's type without setting it; the error says what
// the key wants.
func checkType(f *flag.Flag, s string) error {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return nil
	}
	var err error
	want := ""
	switch g.Get().(type) {
	case time.Duration:
		_, err = time.ParseDuration(s)
		want = "a duration (e.g. 500ms, 2s, 1m)"
	case bool:
		_, err = strconv.ParseBool(s)
		want = "true or false"
	case int:
		_, err = strconv.Atoi(s)
		want = "an integer"
	case int64:
		_, err = strconv.ParseInt(s, 10, 64)
		want = "an integer"
	case *rfc3339:
		_, err = time.Parse(time.RFC3339Nano, s)
		want = wantRFC3339
	case *slog.Level:
		var l slog.Level
		err = l.UnmarshalText([]byte(s))
		want = "debug, info, warn or error"
	}
	if err != nil {
		return errors.New(want)
	}
	return nil
}

func secret(v, file, key string) (string, error) {
	if file == "" {
		return v, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("config %s: %w", key, err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// clickhouseDSN returns the DSN with the configured password set.
func (c *Config) clickhouseDSN() string {
	if c.ClickHouse.Password == "" {
		return c.ClickHouse.DSN
	}
	u, err := url.Parse(c.ClickHouse.DSN)
	if err != nil {
		return c.ClickHouse.DSN
	}
	u.User = url.UserPassword(u.User.Username(), c.ClickHouse.Password)
	return u.String()
}
