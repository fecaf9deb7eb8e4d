package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
	"github.com/twmb/franz-go/plugin/kprom"
	"github.com/twmb/franz-go/plugin/kslog"
)

// Header names SOC-Watch reads and writes on Kafka records.
const (
	HeaderPerspective = "socwatch-perspective"
	HeaderError       = "socwatch-error"
	HeaderReason      = "socwatch-reason"
	// HeaderSource says which input record a re-keyed copy was made from,
	// as "topic/partition@offset" (the engine.Record Position form): one
	// header instead of the three below saves 55 of a copy's ~455 bytes
	// and two header strings per fetched copy (bench/README.md, "Re-key
	// stage, sixth push"). Copies written before it carry the three.
	HeaderSource = "socwatch-source"
	// The three source headers: on every dead letter (its documented form,
	// which DLQ consumers deduplicate by), and on copies older builds of
	// the re-key stage wrote, which screening still reads.
	HeaderSourceTopic     = "socwatch-source-topic"
	HeaderSourcePartition = "socwatch-source-partition"
	HeaderSourceOffset    = "socwatch-source-offset"
	// HeaderEncoding names the encoding of a re-keyed copy's value when it
	// is not the input's (e.g. "tx/1"); absent, the value is the input
	// record's, unchanged.
	HeaderEncoding = "socwatch-encoding"
)

// StartOffset says where a group starts on a partition it has no commit for.
type StartOffset int

const (
	// StartEarliest reads the partition from its first retained record
	// (the default: a new deployment screens what is already there).
	StartEarliest StartOffset = iota
	// StartLatest reads only records produced after the group joined.
	StartLatest
)

// SASL mechanisms accepted in SASLConfig.Mechanism.
const (
	SASLPlain       = "PLAIN"
	SASLScramSHA256 = "SCRAM-SHA-256"
	SASLScramSHA512 = "SCRAM-SHA-512"
)

// SASLConfig enables SASL authentication when Mechanism is set.
type SASLConfig struct {
	Mechanism string
	User      string
	Password  string
}

// TLSConfig enables TLS to the brokers when Enabled is true. Without CAFile
// the system roots are used; CertFile and KeyFile enable client certificates.
type TLSConfig struct {
	Enabled            bool
	CAFile             string
	CertFile           string
	KeyFile            string
	InsecureSkipVerify bool
}

// Config holds what the Kafka source, dead-letter writer and re-key stage
// need to reach the cluster. Zero values take the defaults documented on
// each field.
type Config struct {
	Brokers []string
	Topics  []string
	Group   string
	// ClientID prefixes the client id of each franz-go client ("-source",
	// "-dlq", "-rekey" are appended); default "socwatch".
	ClientID string
	// DLQTopic receives rejected records; default "<Topics[0]>.dlq".
	DLQTopic string
	// MaxInFlightBatches pauses fetching a partition once this many of its
	// batches are fetched but not yet acknowledged; default 64.
	MaxInFlightBatches int
	// MaxInFlightRecords bounds the records fetched but not yet
	// acknowledged in the whole source, so that memory does not grow with
	// the partition count: each assigned partition is paused once it holds
	// its equal share (MaxInFlightRecords / assigned partitions, at least
	// one batch). Default 64×1024.
	MaxInFlightRecords int
	// CommitInterval is how often acknowledged offsets are committed;
	// default 1 s.
	CommitInterval time.Duration
	// MergeIdle is how long the re-key stage's merge waits for an input
	// partition that is caught up (nothing buffered, nothing more on the
	// broker) before releasing other partitions' records past it, as Kafka
	// Streams' max.task.idle.ms: a record written to it a moment later is
	// still merged in event-time order. 0 (the default) releases at once.
	// The price: while a partition keeps receiving records older than
	// another's buffered ones (a backfill, a feed whose clock went back),
	// the newer ones wait until it stays idle this long.
	MergeIdle time.Duration
	// FetchMaxBytes bounds one fetch response; default franz-go's (50 MiB).
	FetchMaxBytes int32
	// MetadataMaxAge is how often the client refreshes metadata, and so
	// how soon partitions added to a topic are consumed; default 5 s
	// (franz-go's default, 5 min, left new partitions unread that long).
	MetadataMaxAge time.Duration
	// CheckpointInterval is how often each screening partition writes its
	// state to StateTopic (state.go); 0 turns checkpoints off, and a newly
	// assigned partition then always replays its history.
	CheckpointInterval time.Duration
	// StateTopic is the compacted topic of state checkpoints; default
	// "<Topics[0]>.state".
	StateTopic string
	// DrainTimeout bounds how long a revoke or shutdown waits for in-flight
	// batches to be acknowledged before committing what is; default 10 s.
	DrainTimeout time.Duration
	SASL         SASLConfig
	TLS          TLSConfig
	// Registerer receives the socwatch_* metrics and franz-go's metrics
	// (namespace socwatch_kafka); default a private registry.
	Registerer  prometheus.Registerer
	Logger      *slog.Logger
	StartOffset StartOffset
	// OnAssigned, if set, is called once per newly assigned partition with
	// the next offset the group will read (its committed offset, or -1 when
	// the group has no commit and starts at StartOffset), before any record
	// of that partition is fetched. It is where a worker rebuilds its state
	// by replaying history; fetching waits for it.
	OnAssigned func(ctx context.Context, topic string, partition int32, committedOffset int64)
}

// withDefaults validates c and returns a copy with defaults filled in.
func (c Config) withDefaults() (Config, error) {
	if len(c.Brokers) == 0 {
		return c, errors.New("kafka config: no brokers")
	}
	if len(c.Topics) == 0 {
		return c, errors.New("kafka config: no topics")
	}
	if c.Group == "" {
		return c, errors.New("kafka config: no consumer group")
	}
	if c.ClientID == "" {
		c.ClientID = "socwatch"
	}
	if c.DLQTopic == "" {
		c.DLQTopic = c.Topics[0] + ".dlq"
	}
	if c.StateTopic == "" {
		c.StateTopic = c.Topics[0] + ".state"
	}
	if c.MaxInFlightBatches <= 0 {
		c.MaxInFlightBatches = 64
	}
	if c.MaxInFlightRecords <= 0 {
		c.MaxInFlightRecords = 64 * 1024
	}
	if c.CommitInterval <= 0 {
		c.CommitInterval = time.Second
	}
	if c.MetadataMaxAge <= 0 {
		c.MetadataMaxAge = 5 * time.Second
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = 10 * time.Second
	}
	if c.Registerer == nil {
		c.Registerer = prometheus.NewRegistry()
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	switch c.SASL.Mechanism {
	case "", SASLPlain, SASLScramSHA256, SASLScramSHA512:
	default:
		return c, fmt.Errorf("kafka config: unknown SASL mechanism %q (want %s, %s or %s)",
			c.SASL.Mechanism, SASLPlain, SASLScramSHA256, SASLScramSHA512)
	}
	return c, nil
}

// clientOpts are the options every franz-go client of this package shares:
// brokers, identity, security, logging and kprom metrics. role names the
// client ("source", "dlq", "rekey") so that several clients can register
// kprom metrics on one registerer (they differ by the client_id label).
func (c Config) clientOpts(role string) ([]kgo.Opt, error) {
	opts, err := c.plainClientOpts(role)
	if err != nil {
		return nil, err
	}
	return append(opts, kgo.WithHooks(kprom.NewMetrics("socwatch_kafka",
		kprom.Registerer(c.Registerer), kprom.WithClientLabel()))), nil
}

// groupConsumerOpts are the consumer-group options the source and the
// re-key stage share: manual commits of acknowledged offsets only, and
// rebalances held until the poll loop allows them, so partition callbacks
// never race with records being handed out.
func (c Config) groupConsumerOpts(assigned, revoked, lost func(context.Context, *kgo.Client, map[string][]int32)) []kgo.Opt {
	return []kgo.Opt{
		kgo.ConsumerGroup(c.Group),
		kgo.ConsumeTopics(c.Topics...),
		kgo.ConsumeResetOffset(c.resetOffset()),
		// A partition added to a topic is noticed at the next metadata
		// refresh; the group leader then rebalances and the new partition
		// is read from the reset offset (the start, by default).
		kgo.MetadataMaxAge(c.MetadataMaxAge),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsAssigned(assigned),
		kgo.OnPartitionsRevoked(revoked),
		kgo.OnPartitionsLost(lost),
	}
}

// plainClientOpts is clientOpts without client metrics, for short-lived
// clients: a kprom hook must not be shared by several clients (its
// OnNewClient races with the previous client's late hook calls).
func (c Config) plainClientOpts(role string) ([]kgo.Opt, error) {
	id := c.ClientID + "-" + role
	opts := []kgo.Opt{
		kgo.SeedBrokers(c.Brokers...),
		kgo.ClientID(id),
		// kslog maps franz-go's levels to slog's; its debug level is very
		// chatty and only on when the handler asks for debug.
		kgo.WithLogger(kslog.New(c.Logger.With("kafka_client", id))),
	}
	if c.TLS.Enabled {
		tc, err := c.TLS.build()
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	switch c.SASL.Mechanism {
	case SASLPlain:
		opts = append(opts, kgo.SASL(plain.Auth{User: c.SASL.User, Pass: c.SASL.Password}.AsMechanism()))
	case SASLScramSHA256:
		opts = append(opts, kgo.SASL(scram.Auth{User: c.SASL.User, Pass: c.SASL.Password}.AsSha256Mechanism()))
	case SASLScramSHA512:
		opts = append(opts, kgo.SASL(scram.Auth{User: c.SASL.User, Pass: c.SASL.Password}.AsSha512Mechanism()))
	}
	return opts, nil
}

func (c Config) resetOffset() kgo.Offset {
	if c.StartOffset == StartLatest {
		return kgo.NewOffset().AtEnd()
	}
	return kgo.NewOffset().AtStart()
}

func (t TLSConfig) build() (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.InsecureSkipVerify} //nolint:gosec // opt-in for test clusters
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read kafka CA file %s: %w", t.CAFile, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kafka CA file %s: no PEM certificates", t.CAFile)
		}
		tc.RootCAs = pool
	}
	if t.CertFile != "" || t.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("load kafka client certificate %s: %w", t.CertFile, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}
