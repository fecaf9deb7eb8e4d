package kafka

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"
)

// RegisterFlags registers the keys of c that are deployment settings on fs,
// under the kafka- prefix, with their defaults: brokers, group, DLQ topic,
// in-flight bounds, commit interval, SASL and TLS. The topics, client id,
// drain timeout, logger and registerer are the program's choice, not a
// setting. Call Validate after the flags are parsed.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	c.Brokers = []string{"127.0.0.1:9092"}
	fs.Var((*listValue)(&c.Brokers), "kafka-brokers", "comma-separated bootstrap brokers")
	fs.StringVar(&c.Group, "kafka-group", "socwatch", "consumer group shared by all instances (the re-key stage uses <group>-rekey)")
	fs.StringVar(&c.DLQTopic, "kafka-dlq-topic", "", "dead-letter topic (default <topic>.dlq)")
	fs.IntVar(&c.MaxInFlightBatches, "kafka-max-in-flight", 64, "unacknowledged batches per partition before it is paused")
	fs.IntVar(&c.MaxInFlightRecords, "kafka-max-in-flight-records", 64*1024, "unacknowledged records per process, shared equally by its partitions; a partition holding its share is paused")
	fs.DurationVar(&c.CommitInterval, "kafka-commit-interval", time.Second, "how often acknowledged offsets are committed")
	fs.DurationVar(&c.MergeIdle, "kafka-merge-idle", 0, "how long the re-key merge waits for a caught-up input partition before releasing later records of the others (0 = not at all)")
	fs.DurationVar(&c.CheckpointInterval, "kafka-checkpoint-interval", time.Minute, "how often each screening partition checkpoints its state to <internal topic>.state (0 = off: state is rebuilt by replaying history)")
	fs.StringVar(&c.SASL.Mechanism, "kafka-sasl-mechanism", "", "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (empty: no SASL)")
	fs.StringVar(&c.SASL.User, "kafka-sasl-user", "", "SASL user")
	fs.StringVar(&c.SASL.Password, "kafka-sasl-password", "", "SASL password (prefer the environment or a password file)")
	fs.BoolVar(&c.TLS.Enabled, "kafka-tls-enabled", false, "use TLS to the brokers")
	fs.StringVar(&c.TLS.CAFile, "kafka-tls-ca-file", "", "CA bundle (default: the system roots)")
	fs.StringVar(&c.TLS.CertFile, "kafka-tls-cert-file", "", "client certificate")
	fs.StringVar(&c.TLS.KeyFile, "kafka-tls-key-file", "", "client key")
}

// Validate checks the keys RegisterFlags registers; each error names the
// key (kafka.brokers, kafka.sasl.mechanism, …).
func (c *Config) Validate() error {
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("kafka.brokers: required"))
	}
	if c.Group == "" {
		errs = append(errs, errors.New("kafka.group: required"))
	}
	if c.MaxInFlightBatches <= 0 {
		errs = append(errs, fmt.Errorf("kafka.max_in_flight: %d, must be > 0", c.MaxInFlightBatches))
	}
	if c.MaxInFlightRecords <= 0 {
		errs = append(errs, fmt.Errorf("kafka.max_in_flight_records: %d, must be > 0", c.MaxInFlightRecords))
	}
	if c.CommitInterval <= 0 {
		errs = append(errs, fmt.Errorf("kafka.commit_interval: %s, must be > 0", c.CommitInterval))
	}
	if c.MergeIdle < 0 {
		errs = append(errs, fmt.Errorf("kafka.merge_idle: %s, must be >= 0", c.MergeIdle))
	}
	if c.CheckpointInterval < 0 {
		errs = append(errs, fmt.Errorf("kafka.checkpoint_interval: %s, must be >= 0", c.CheckpointInterval))
	}
	switch c.SASL.Mechanism {
	case "":
	case SASLPlain, SASLScramSHA256, SASLScramSHA512:
		if c.SASL.User == "" || c.SASL.Password == "" {
			errs = append(errs, fmt.Errorf("kafka.sasl: mechanism %s needs user and password", c.SASL.Mechanism))
		}
	default:
		errs = append(errs, fmt.Errorf("kafka.sasl.mechanism: %q, want %s, %s or %s",
			c.SASL.Mechanism, SASLPlain, SASLScramSHA256, SASLScramSHA512))
	}
	return errors.Join(errs...)
}

// listValue is a comma-separated list flag; blanks around items and empty
// items are dropped.
type listValue []string

func (l *listValue) String() string { return strings.Join(*l, ",") }

func (l *listValue) Set(s string) error {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	*l = out
	return nil
}

// Get makes listValue a flag.Getter, so callers can tell its type.
func (l *listValue) Get() any { return []string(*l) }
