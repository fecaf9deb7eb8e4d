package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the service configuration: one YAML file, every key overridable
// by an environment variable SOCWATCH_<KEY> (nested keys joined by _, e.g.
// SOCWATCH_KAFKA_SASL_PASSWORD) and by a flag. Precedence: flag > env > file
// > default.
type Config struct {
	Kafka struct {
		Brokers  string `yaml:"brokers" help:"comma-separated bootstrap brokers"`
		Topic    string `yaml:"topic" help:"input topic of canonical JSON transactions"`
		Group    string `yaml:"group" help:"consumer group shared by all instances"`
		DLQTopic string `yaml:"dlq_topic" help:"dead-letter topic (default <topic>.dlq)"`
		// Rekey: auto re-keys when the rules use more than the debtor
		// perspective; never when the input is already keyed for them.
		Rekey              string `yaml:"rekey" help:"re-key stage: auto, always, never, stage (re-key only) or screen (screen <topic>.by-account only)"`
		Partitions         int    `yaml:"partitions" help:"partitions of the internal re-keyed topic (0 = as many as the input)"`
		SASL               SASL   `yaml:"sasl"`
		TLS                TLS    `yaml:"tls"`
		MaxInFlight        int    `yaml:"max_in_flight" help:"unacknowledged batches per partition before it is paused"`
		MaxInFlightRecords int    `yaml:"max_in_flight_records" help:"unacknowledged records per process, shared equally by its partitions; a partition holding its share is paused"`
		CommitPeriod       string `yaml:"commit_interval" help:"how often acknowledged offsets are committed"`
	} `yaml:"kafka"`
	ClickHouse struct {
		DSN          string `yaml:"dsn" help:"clickhouse://user@host:9000/db (password from password/password_file)"`
		Password     string `yaml:"password" secret:"true" help:"ClickHouse password (prefer env or password_file)"`
		PasswordFile string `yaml:"password_file" help:"file holding the ClickHouse password"`
		BatchRows    int    `yaml:"batch_rows" help:"alerts per insert"`
		BatchWait    string `yaml:"batch_wait" help:"longest wait before a partial batch is inserted"`
		Transactions bool   `yaml:"transactions" help:"also store every screened transaction"`
	} `yaml:"clickhouse"`
	Rules          string `yaml:"rules" help:"rule pack directory or file"`
	ReloadInterval string `yaml:"reload_interval" help:"how often rule files are checked for changes (SIGHUP reloads at once)"`
	MetricsAddr    string `yaml:"metrics_addr" help:"address of /metrics, /healthz and /readyz"`
	MaxRecordBytes int    `yaml:"max_record_bytes" help:"records larger than this go to the DLQ"`
	ReadyHeapPct   int    `yaml:"ready_heap_percent" help:"/readyz fails while the Go heap is above this percentage of GOMEMLIMIT"`
	LogLevel       string `yaml:"log_level" help:"debug, info, warn or error"`
}

// SASL configures Kafka authentication.
type SASL struct {
	Mechanism    string `yaml:"mechanism" help:"PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (empty: none)"`
	User         string `yaml:"user" help:"SASL user"`
	Password     string `yaml:"password" secret:"true" help:"SASL password (prefer env or password_file)"`
	PasswordFile string `yaml:"password_file" help:"file holding the SASL password"`
}

// TLS configures Kafka transport security.
type TLS struct {
	Enabled  bool   `yaml:"enabled" help:"use TLS to the brokers"`
	CAFile   string `yaml:"ca_file" help:"CA bundle"`
	CertFile string `yaml:"cert_file" help:"client certificate"`
	KeyFile  string `yaml:"key_file" help:"client key"`
}

func defaultConfig() Config {
	var c Config
	c.Kafka.Brokers = "127.0.0.1:9092"
	c.Kafka.Topic = "transactions"
	c.Kafka.Group = "socwatch"
	c.Kafka.Rekey = "auto"
	c.Kafka.MaxInFlight = 64
	c.Kafka.MaxInFlightRecords = 64 * 1024
	c.Kafka.CommitPeriod = "1s"
	c.ClickHouse.DSN = "clickhouse://default@127.0.0.1:9000/socwatch"
	c.ClickHouse.BatchRows = 5000
	c.ClickHouse.BatchWait = "200ms"
	c.Rules = defaultPack
	c.ReloadInterval = "2s"
	c.MetricsAddr = "127.0.0.1:9464"
	c.MaxRecordBytes = 1 << 20
	c.ReadyHeapPct = 90
	c.LogLevel = "info"
	return c
}

// configField is one leaf of Config, addressed by its dotted yaml path.
type configField struct {
	path   string // kafka.sasl.password
	v      reflect.Value
	help   string
	secret bool
}

func configFields(c *Config) []configField {
	var out []configField
	var walk func(prefix string, v reflect.Value)
	walk = func(prefix string, v reflect.Value) {
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name := strings.Split(f.Tag.Get("yaml"), ",")[0]
			path := name
			if prefix != "" {
				path = prefix + "." + name
			}
			if f.Type.Kind() == reflect.Struct {
				walk(path, v.Field(i))
				continue
			}
			out = append(out, configField{path: path, v: v.Field(i), help: f.Tag.Get("help"), secret: f.Tag.Get("secret") == "true"})
		}
	}
	walk("", reflect.ValueOf(c).Elem())
	return out
}

func envName(path string) string {
	return "SOCWATCH_" + strings.ToUpper(strings.NewReplacer(".", "_").Replace(path))
}

func flagName(path string) string {
	return strings.NewReplacer(".", "-", "_", "-").Replace(path)
}

func setField(f configField, s string) error {
	switch f.v.Kind() {
	case reflect.String:
		f.v.SetString(s)
	case reflect.Int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("%s: %q is not an integer", f.path, s)
		}
		f.v.SetInt(int64(n))
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%s: %q is not true/false", f.path, s)
		}
		f.v.SetBool(b)
	}
	return nil
}

// configFlags registers one flag per config key on fs; the returned
// function applies file, env and the flags that were set, in that order.
func configFlags(fs *flag.FlagSet, shortcuts map[string]string) func() (Config, error) {
	cfgFile := fs.String("config", "", "YAML configuration file")
	c := defaultConfig()
	probe := defaultConfig()
	vals := map[string]*string{}
	for _, f := range configFields(&probe) {
		def := fmt.Sprint(f.v.Interface())
		if f.secret {
			def = ""
		}
		p := new(string)
		vals[f.path] = p
		fs.StringVar(p, flagName(f.path), def, fmt.Sprintf("%s (env %s)", f.help, envName(f.path)))
	}
	for short, path := range shortcuts {
		fs.StringVar(vals[path], short, *vals[path], "shortcut for --"+flagName(path))
	}
	return func() (Config, error) {
		if *cfgFile != "" {
			data, err := os.ReadFile(*cfgFile)
			if err != nil {
				return c, fmt.Errorf("config: %w", err)
			}
			dec := yaml.NewDecoder(strings.NewReader(string(data)))
			dec.KnownFields(true)
			if err := dec.Decode(&c); err != nil {
				return c, fmt.Errorf("config %s: %w", *cfgFile, err)
			}
		}
		set := map[string]bool{}
		fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
		for short, path := range shortcuts {
			if set[short] {
				set[flagName(path)] = true
			}
		}
		for _, f := range configFields(&c) {
			if env, ok := os.LookupEnv(envName(f.path)); ok {
				if err := setField(f, env); err != nil {
					return c, fmt.Errorf("env %s: %w", envName(f.path), err)
				}
			}
			if set[flagName(f.path)] {
				if err := setField(f, *vals[f.path]); err != nil {
					return c, fmt.Errorf("flag --%s: %w", flagName(f.path), err)
				}
			}
		}
		return c, c.validate()
	}
}

// validate checks the configuration and resolves secrets from files.
func (c *Config) validate() error {
	if strings.TrimSpace(c.Kafka.Brokers) == "" {
		return fmt.Errorf("config kafka.brokers: required")
	}
	if c.Kafka.Topic == "" {
		return fmt.Errorf("config kafka.topic: required")
	}
	if c.Kafka.Group == "" {
		return fmt.Errorf("config kafka.group: required")
	}
	switch c.Kafka.Rekey {
	case "auto", "always", "never", "stage", "screen":
	default:
		return fmt.Errorf("config kafka.rekey: %q, want auto, always, never, stage or screen", c.Kafka.Rekey)
	}
	switch c.Kafka.SASL.Mechanism {
	case "", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
	default:
		return fmt.Errorf("config kafka.sasl.mechanism: %q, want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", c.Kafka.SASL.Mechanism)
	}
	for path, d := range map[string]string{"kafka.commit_interval": c.Kafka.CommitPeriod,
		"clickhouse.batch_wait": c.ClickHouse.BatchWait, "reload_interval": c.ReloadInterval} {
		if _, err := time.ParseDuration(d); err != nil {
			return fmt.Errorf("config %s: %q is not a duration", path, d)
		}
	}
	if c.Kafka.MaxInFlight <= 0 {
		return fmt.Errorf("config kafka.max_in_flight: must be > 0")
	}
	if c.Kafka.MaxInFlightRecords <= 0 {
		return fmt.Errorf("config kafka.max_in_flight_records: must be > 0")
	}
	if c.ClickHouse.BatchRows <= 0 {
		return fmt.Errorf("config clickhouse.batch_rows: must be > 0")
	}
	if c.MaxRecordBytes <= 0 {
		return fmt.Errorf("config max_record_bytes: must be > 0")
	}
	if c.ClickHouse.DSN != "" {
		u, err := url.Parse(c.ClickHouse.DSN)
		if err != nil || u.Scheme != "clickhouse" || u.Host == "" {
			return fmt.Errorf("config clickhouse.dsn: want clickhouse://user@host:port/db")
		}
	}
	var err error
	if c.Kafka.SASL.Password, err = secret(c.Kafka.SASL.Password, c.Kafka.SASL.PasswordFile, "kafka.sasl.password_file"); err != nil {
		return err
	}
	if c.ClickHouse.Password, err = secret(c.ClickHouse.Password, c.ClickHouse.PasswordFile, "clickhouse.password_file"); err != nil {
		return err
	}
	if c.Kafka.SASL.Mechanism != "" && (c.Kafka.SASL.User == "" || c.Kafka.SASL.Password == "") {
		return fmt.Errorf("config kafka.sasl: mechanism %s needs user and password", c.Kafka.SASL.Mechanism)
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

func (c *Config) brokers() []string {
	var out []string
	for _, b := range strings.Split(c.Kafka.Brokers, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

func mustDuration(s string) time.Duration {
	d, _ := time.ParseDuration(s)
	return d
}
