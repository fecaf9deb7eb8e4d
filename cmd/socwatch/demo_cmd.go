package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/socwatch/socwatch/connectors/file"
	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/redact"
	"github.com/socwatch/socwatch/internal/synth"
)

// demoPartitions is the partition count of the demo's input topic.
const demoPartitions = 4

// demoFeedChunk is how many transactions one generated feed year holds.
const demoFeedChunk = 1_000_000

func cmdDemo(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", "demo [--rate N] [--count N] [--rules PATH] [--clickhouse DSN] [--metrics-addr ADDR] [--alerts FILE]", stderr)
	load := configFlags(fs, runShortcuts, (*Config).Validate)
	rate := fs.Int("rate", 2000, "transactions per second fed into the embedded broker")
	count := fs.Int("count", 0, "stop feeding after this many transactions (0 = until interrupted)")
	seed := fs.Int64("seed", 1, "seed of the synthetic feed")
	alertsFile := fs.String("alerts", "demo-alerts.jsonl", "where alerts go when ClickHouse is not reachable")
	duration := fs.Duration("duration", 0, "stop this long after the feed starts (0 = until interrupted)")
	cfg, err := load(args)
	if err != nil {
		return err
	}
	if !flagSet(fs, "log-level") { // set by flag, environment or file
		cfg.LogLevel = slog.LevelWarn // the status line is the demo's output
	}
	// The demo stores every transaction so the analyst console can show an
	// alert's surroundings; say --clickhouse-transactions=false to skip.
	if !flagSet(fs, "clickhouse-transactions") { // set by flag, environment or file
		cfg.ClickHouse.Transactions = true
	}
	log := newLogger(stderr, cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// --duration counts from the first record fed, not from start-up: a
	// slow ClickHouse or console start must not use up a short demo.
	ctx, endDemo := context.WithCancel(ctx)
	defer endDemo()

	dlqTopic := cfg.Kafka.DLQTopic
	if dlqTopic == "" {
		dlqTopic = cfg.Kafka.Topic + ".dlq"
	}
	// The embedded broker creates no topic on demand: seed the dead-letter
	// topic too, or the first reject would stop the demo.
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(demoPartitions, cfg.Kafka.Topic), kfake.SeedTopics(1, dlqTopic))
	if err != nil {
		return fmt.Errorf("embedded broker: %w", err)
	}
	defer cluster.Close()
	cfg.Kafka.Brokers = cluster.ListenAddrs()
	cfg.Kafka.Partitions = demoPartitions
	fmt.Fprintf(stdout, "SOC-Watch demo: embedded Kafka broker at %s, topic %q (%d partitions)\n", cfg.Kafka.Brokers, cfg.Kafka.Topic, demoPartitions)

	// Alerts go to ClickHouse when one answers, else to a file — said
	// plainly, since that is where the user must look.
	usedFile := false
	toFile := func(chErr error) (engine.Sink, string, error) {
		usedFile = true
		f, err := os.Create(*alertsFile)
		if err != nil {
			return nil, "", fmt.Errorf("alerts file: %w", err)
		}
		return &fileSink{AlertWriter: file.NewAlertWriter(f), f: f},
			fmt.Sprintf("%s (JSON lines) — ClickHouse not reachable at %s: %v", *alertsFile, redact.DSN(cfg.ClickHouse.DSN), redact.Error(chErr, cfg.clickhouseDSN())), nil
	}
	svc, err := startService(ctx, cfg, log, toFile)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "alerts go to: %s\n", svc.sinkDesc)
	fmt.Fprintf(stdout, "metrics: http://%s/metrics   health: http://%s/readyz\n", svc.addr, svc.addr)
	// --- analyst console (see demo_console.go) ---
	// console.listen (--console-listen) is where the console listens;
	// empty: no console.
	if !usedFile && cfg.Console.Listen != "" {
		stopConsole, err := startDemoConsole(ctx, cfg, svc.reg, stdout, log)
		if err != nil {
			fmt.Fprintf(stdout, "analyst console not started: %v\n", err)
		} else {
			defer stopConsole()
		}
	}
	// --- end analyst console ---
	fmt.Fprintf(stdout, "feeding the synthetic cross-border feed (seed %d) at %d tx/s; Ctrl-C to stop\n\n", *seed, *rate)
	if *duration > 0 {
		defer time.AfterFunc(*duration, endDemo).Stop()
	}
	go feed(ctx, cfg.Kafka.Brokers, cfg.Kafka.Topic, *seed, *count, *rate, log)
	go status(ctx, svc, stdout)
	return svc.wait()
}

// feed produces the synthetic feed to the embedded broker at a steady
// rate, keyed by debtor account as banks' topics often are.
func feed(ctx context.Context, brokers []string, topic string, seed int64, count, rate int, log interface{ Error(string, ...any) }) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic))
	if err != nil {
		log.Error("feed client", "error", err)
		return
	}
	defer cl.Close()
	// Without --count the feed is endless: one generated year after
	// another, each a fresh seed, so memory stays flat.
	n := count
	if n == 0 {
		n = demoFeedChunk
	}
	g := synth.New(synth.Config{Seed: seed, Count: n})
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	perTick := max(1, rate/100)
	var tx engine.Tx
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for i := 0; i < perTick; i++ {
			if _, ok := g.Next(&tx); !ok {
				if count > 0 {
					return
				}
				seed++
				g = synth.New(synth.Config{Seed: seed, Count: n, Start: tx.TS.Add(time.Hour)})
				continue
			}
			val := jsonl.Encode(nil, &tx)
			cl.Produce(ctx, &kgo.Record{Key: []byte(tx.Debtor.Account), Value: val}, func(_ *kgo.Record, err error) {
				if err != nil && ctx.Err() == nil {
					log.Error("feed produce", "error", err)
				}
			})
		}
	}
}

// status prints a line per second: throughput, alerts by typology, lag.
func status(ctx context.Context, svc *service, w io.Writer) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var lastScreened float64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fams, err := svc.reg.Gather()
		if err != nil {
			continue
		}
		screened := sumMetric(fams, "socwatch_records_screened_total", nil)
		// Dead-lettered by screening or by the re-key stage (over-size and
		// future records never reach screening).
		rejected := sumMetric(fams, "socwatch_dlq_records_total", nil)
		lag := sumMetric(fams, "socwatch_consumer_lag", nil)
		byTyp := map[string]float64{}
		sumMetric(fams, "socwatch_alerts_total", func(m *dto.Metric, v float64) {
			for _, l := range m.GetLabel() {
				if l.GetName() == "typology" {
					byTyp[l.GetValue()] += v
				}
			}
		})
		var parts []string
		var total float64
		for k, v := range byTyp {
			parts = append(parts, fmt.Sprintf("%s=%.0f", k, v))
			total += v
		}
		sort.Strings(parts)
		fmt.Fprintf(w, "%s  screened %8.0f (%6.0f/s)  rejected %4.0f  lag %6.0f  alerts %6.0f  %s\n",
			time.Now().Format("15:04:05"), screened, screened-lastScreened, rejected, lag, total, strings.Join(parts, " "))
		lastScreened = screened
	}
}

func sumMetric(fams []*dto.MetricFamily, name string, each func(*dto.Metric, float64)) float64 {
	var sum float64
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			sum += v
			if each != nil {
				each(m, v)
			}
		}
	}
	return sum
}

// fileSink closes the demo's alerts file with the sink.
type fileSink struct {
	*file.AlertWriter
	f *os.File
}

func (s *fileSink) Close(ctx context.Context) error {
	err := s.AlertWriter.Close(ctx)
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
