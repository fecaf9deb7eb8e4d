package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/socwatch/socwatch/bench/enginebench"
	"github.com/socwatch/socwatch/bench/handover"
	"github.com/socwatch/socwatch/bench/kafkaload"
	"github.com/socwatch/socwatch/bench/report"
	"github.com/socwatch/socwatch/bench/rulegen"
	"github.com/socwatch/socwatch/bench/service"
	"github.com/socwatch/socwatch/bench/stats"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/rules"
)

// options are the command-line flags.
type options struct {
	broker        string
	brokers       string
	clickhouse    string
	count         int
	partitions    int
	seed          int64
	pack          string
	engineCount   int
	ruleCounts    []int
	ruleRecords   int
	stateAccounts int
	handoverAccts int
	latencySecs   int
	latencyRate   float64
	commitPeriod  string
	results       string
	phases        map[string]bool
	socwatch      string
	keep          bool
	cpuProfile    string
	svcCPUProfile string
	svcMemProfile string
	extraArgs     []string
	timeout       time.Duration
}

var allPhases = []string{"baseline", "pipeline", "norekey", "engine", "rules", "state", "latency", "handover"}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("socbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.broker, "broker", "kafka", "kafka (the broker at --brokers) or kfake (in-process)")
	fs.StringVar(&o.brokers, "brokers", "127.0.0.1:9092", "bootstrap brokers of the real Kafka")
	fs.StringVar(&o.clickhouse, "clickhouse", "clickhouse://default@127.0.0.1:9000/", "ClickHouse DSN; each pipeline run gets a fresh database on it")
	fs.IntVar(&o.count, "count", 2000000, "records in the data set")
	fs.IntVar(&o.partitions, "partitions", 8, "partitions of the input topic")
	fs.Int64Var(&o.seed, "seed", 42, "seed of the generated feed")
	fs.StringVar(&o.pack, "pack", "rules/packs/aml-core", "rule pack the pipeline and engine run")
	fs.IntVar(&o.engineCount, "engine-count", 500000, "records the engine-alone phase screens (at most --count)")
	rc := fs.String("rule-counts", "10,100,1000", "rule counts of the generated packs")
	fs.IntVar(&o.ruleRecords, "rule-records", 20000, "records screened per generated pack")
	fs.IntVar(&o.stateAccounts, "state-accounts", 200000, "distinct accounts for the state-memory phase")
	fs.IntVar(&o.handoverAccts, "handover-accounts", 1000000, "accounts of state in the partition of the handover phase")
	fs.IntVar(&o.latencySecs, "latency-seconds", 30, "how long records are produced at a steady rate in the latency phase")
	fs.Float64Var(&o.latencyRate, "latency-rate", 0, "records/s of the latency phase (0 = half the measured pipeline rate)")
	fs.StringVar(&o.commitPeriod, "commit-interval", "250ms", "socwatch run's kafka.commit_interval: completion is seen through committed offsets, so this bounds the end-of-run error")
	fs.StringVar(&o.results, "results", "bench/results", "directory of the JSON results")
	ph := fs.String("phases", strings.Join(allPhases, ","), "phases to run: "+strings.Join(allPhases, ","))
	fs.StringVar(&o.socwatch, "socwatch", "", "socwatch binary (default: build ./cmd/socwatch)")
	fs.BoolVar(&o.keep, "keep", false, "keep the topics and ClickHouse databases the run created")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the engine-alone phase (GOMAXPROCS=1, sanctions warm) to this file")
	fs.StringVar(&o.svcCPUProfile, "service-cpuprofile", "", "write a CPU profile of `socwatch run` during each pipeline phase to this file, with the phase's name before the extension (cpu.pprof → cpu.pipeline.pprof)")
	fs.StringVar(&o.svcMemProfile, "service-memprofile", "", "write an allocation profile of `socwatch run` during each pipeline phase (what it allocated from the first fetch to caught up), named like --service-cpuprofile")
	extra := fs.String("socwatch-args", "", "extra space-separated flags for every `socwatch run` (e.g. \"--clickhouse-batch-wait 20ms\"), for experiments")
	fs.DurationVar(&o.timeout, "phase-timeout", 15*time.Minute, "give up a Kafka phase after this long")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	o.extraArgs = strings.Fields(*extra)
	var err error
	if o.ruleCounts, err = parseInts(*rc); err != nil {
		return nil, fmt.Errorf("--rule-counts: %w", err)
	}
	o.phases = map[string]bool{}
	for _, p := range strings.Split(*ph, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !contains(allPhases, p) {
			return nil, fmt.Errorf("--phases: unknown phase %q (want %s)", p, strings.Join(allPhases, ","))
		}
		o.phases[p] = true
	}
	switch {
	case o.broker != "kafka" && o.broker != "kfake":
		return nil, fmt.Errorf("--broker %q: want kafka or kfake", o.broker)
	case o.count < 1 || o.partitions < 1:
		return nil, fmt.Errorf("--count and --partitions must be positive")
	}
	if o.engineCount <= 0 || o.engineCount > o.count {
		o.engineCount = o.count
	}
	return o, nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := run(os.Args[1:], os.Stdout, os.Stderr, log); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		log.Error("socbench failed", "error", err)
		os.Exit(1)
	}
}

// bench is one run in progress.
type bench struct {
	o       *options
	log     *slog.Logger
	res     *report.Result
	data    *kafkaload.Dataset
	kc      *kafkaload.Client
	brokers []string
	bin     string
	repo    string
	id      string
	topics  []string
	dbs     []string
	// cleanupFns run at the end (kfake, temporary binary), last first.
	cleanupFns []func()
}

func run(args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	repo, err := os.Getwd()
	if err != nil {
		return err
	}
	b := &bench{o: o, log: log, repo: repo, id: strconv.FormatInt(time.Now().Unix(), 36)}
	b.res = &report.Result{Started: time.Now().UTC(), Commit: gitCommit(repo), Machine: report.ReadMachine()}
	b.res.Config = report.Config{
		Broker: o.broker, Count: o.count, Partitions: o.partitions, Seed: o.seed, Pack: o.pack,
		EngineCount: o.engineCount, RuleCounts: o.ruleCounts, StateKeys: o.stateAccounts,
		LatencySecs: o.latencySecs, CommitPeriod: o.commitPeriod, SocwatchArgs: o.extraArgs,
	}
	log.Info("socbench starting", "count", o.count, "partitions", o.partitions, "broker", o.broker,
		"load_average", b.res.Machine.LoadAverage, "commit", b.res.Commit)

	start := time.Now()
	b.data = kafkaload.Generate(o.seed, o.count)
	b.res.Config.RecordBytes = b.data.Bytes
	log.Info("data set generated", "records", len(b.data.Values), "bytes", b.data.Bytes, "took", time.Since(start).Round(time.Millisecond))

	// The in-memory phases first: they do not need the services.
	b.phase("engine", b.engine)
	b.phase("rules", b.rules)
	b.phase("state", b.state)

	if o.phases["baseline"] || o.phases["pipeline"] || o.phases["norekey"] || o.phases["latency"] || o.phases["handover"] {
		if err := b.setupKafka(ctx); err != nil {
			b.res.Errors = append(b.res.Errors, err.Error())
		} else {
			defer b.cleanup()
			b.phaseCtx(ctx, "baseline", b.baseline)
			b.phaseCtx(ctx, "pipeline", func(ctx context.Context) error { return b.pipeline(ctx, "pipeline", "auto", &b.res.Pipeline) })
			b.phaseCtx(ctx, "norekey", b.noRekey)
			b.phaseCtx(ctx, "latency", b.latency)
			b.phaseCtx(ctx, "handover", b.handover)
		}
	}

	b.res.Finished = time.Now().UTC()
	b.res.Machine.LoadAtEnd, _ = report.ReadLoadAverage()
	b.res.EvaluateTargets()
	if err := report.WriteTable(stdout, b.res); err != nil {
		return err
	}
	path, err := report.WriteJSON(o.results, b.res)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nresults written to %s (took %s)\n", path, time.Since(start).Round(time.Second))
	return nil
}

func (b *bench) phase(name string, fn func() error) {
	b.phaseCtx(context.Background(), name, func(context.Context) error { return fn() })
}

// phaseCtx runs one phase if it was asked for; its failure is recorded and
// the run goes on, so one broken service does not lose the other figures.
func (b *bench) phaseCtx(ctx context.Context, name string, fn func(context.Context) error) {
	if !b.o.phases[name] {
		b.res.Skipped = append(b.res.Skipped, name)
		return
	}
	if ctx.Err() != nil {
		b.res.Errors = append(b.res.Errors, name+": interrupted")
		return
	}
	b.log.Info("phase starting", "phase", name)
	start := time.Now()
	pctx, cancel := context.WithTimeout(ctx, b.o.timeout)
	defer cancel()
	if err := fn(pctx); err != nil {
		b.log.Error("phase failed", "phase", name, "error", err)
		b.res.Errors = append(b.res.Errors, name+": "+err.Error())
		return
	}
	b.log.Info("phase done", "phase", name, "took", time.Since(start).Round(time.Millisecond))
}

func gitCommit(dir string) string {
	cmd := exec.Command("git", "rev-parse", "--short", "HEAD")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	commit := strings.TrimSpace(string(out))
	cmd = exec.Command("git", "status", "--porcelain", "--untracked-files=no")
	cmd.Dir = dir
	if out, err := cmd.Output(); err == nil && len(strings.TrimSpace(string(out))) > 0 {
		commit += "-dirty"
	}
	return commit
}

// ---- in-memory phases ----

func (b *bench) loadPack() (*engine.RuleSet, error) {
	rs, err := rules.Load(b.o.pack, rules.Options{})
	if err != nil {
		return nil, fmt.Errorf("load pack %s: %w", b.o.pack, err)
	}
	return rs, nil
}

func (b *bench) engine() error {
	rs, err := b.loadPack()
	if err != nil {
		return err
	}
	recs := enginebench.Records(b.data.Values[:b.o.engineCount])
	// The first run meets every name cold and fills the sanctions caches
	// (they live with the rule set); the timed figure of the target is the
	// second, warm run, each run with fresh window state.
	cold, _, err := enginebench.Run(rs, [][]engine.Record{recs}, 1)
	if err != nil {
		return err
	}
	b.res.EngineOneCoreCold = cold
	if b.o.cpuProfile != "" {
		f, err := os.Create(b.o.cpuProfile)
		if err != nil {
			return fmt.Errorf("create cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("start cpu profile: %w", err)
		}
	}
	one, _, err := enginebench.Run(rs, [][]engine.Record{recs}, 1)
	if b.o.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	b.res.EngineOneCore = one
	parts := enginebench.Partition(recs, b.o.partitions, func(i int) []byte { return b.data.Keys[i] })
	all, _, err := enginebench.Run(rs, parts, runtime.NumCPU())
	if err != nil {
		return err
	}
	b.res.EngineAllCores = all
	return nil
}

func (b *bench) rules() error {
	src, err := rules.Parse(b.o.pack)
	if err != nil {
		return fmt.Errorf("parse pack %s: %w", b.o.pack, err)
	}
	dir, err := os.MkdirTemp("", "socbench-packs")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	n := min(b.o.ruleRecords, len(b.data.Values))
	recs := enginebench.Records(b.data.Values[:n])
	b.res.RuleScaling = nil
	for _, count := range b.o.ruleCounts {
		path, err := rulegen.WritePack(src, count, filepath.Join(dir, strconv.Itoa(count)))
		if err != nil {
			return err
		}
		rs, err := rules.Load(path, rules.Options{})
		if err != nil {
			return fmt.Errorf("load generated pack of %d rules: %w", count, err)
		}
		t, alerts, err := enginebench.Run(rs, [][]engine.Record{recs}, 1)
		if err != nil {
			return err
		}
		b.res.RuleScaling = append(b.res.RuleScaling, report.RuleCost{Rules: count, NsPerRecord: t.NsPerRecord, RecordsPerSec: t.RecordsPerSec, Alerts: alerts})
		b.log.Info("rule scaling", "rules", count, "ns_per_record", int(t.NsPerRecord))
	}
	if k := len(b.res.RuleScaling); k > 1 {
		b.res.RuleCostRatio = stats.Ratio(b.res.RuleScaling[k-1].NsPerRecord, b.res.RuleScaling[0].NsPerRecord)
	}
	return nil
}

func (b *bench) state() error {
	rs, err := b.loadPack()
	if err != nil {
		return err
	}
	s, err := enginebench.StateMemory(rs, enginebench.DistinctAccounts(b.o.seed, b.o.stateAccounts))
	if err != nil {
		return err
	}
	b.res.State = s
	return nil
}

// ---- Kafka phases ----

// handover measures a partition's handover with checkpoints and with a
// history replay (bench/handover).
func (b *bench) handover(ctx context.Context) error {
	rs, err := b.loadPack()
	if err != nil {
		return err
	}
	h, err := handover.Run(ctx, handover.Options{Brokers: b.brokers, Rules: rs, Accounts: b.o.handoverAccts,
		Seed: b.o.seed, ID: b.id, Keep: b.o.keep, Log: b.log})
	b.res.Handover = h
	return err
}

func (b *bench) setupKafka(ctx context.Context) error {
	b.brokers = strings.Split(b.o.brokers, ",")
	if b.o.broker == "kfake" {
		addr, stop, err := kafkaload.Kfake(b.o.partitions)
		if err != nil {
			return err
		}
		b.brokers = []string{addr}
		b.res.Config.Broker = "kfake"
		b.cleanupFns = append(b.cleanupFns, stop)
	}
	kc, err := kafkaload.Dial(b.brokers)
	if err != nil {
		return err
	}
	b.kc = kc
	if b.o.socwatch != "" {
		b.bin = b.o.socwatch
	} else {
		dir, err := os.MkdirTemp("", "socbench-bin")
		if err != nil {
			return err
		}
		b.cleanupFns = append(b.cleanupFns, func() { os.RemoveAll(dir) })
		if b.bin, err = service.Build(ctx, b.repo, dir); err != nil {
			return err
		}
	}
	topic := "socbench-" + b.id
	if err := b.kc.CreateTopic(ctx, topic, b.o.partitions); err != nil {
		return err
	}
	b.topics = append(b.topics, runTopics(topic)...)
	took, err := b.kc.ProduceAll(ctx, topic, b.data)
	if err != nil {
		return err
	}
	b.log.Info("data set produced", "topic", topic, "records", len(b.data.Values), "took", took.Round(time.Millisecond),
		"records_per_sec", int(stats.Rate(float64(len(b.data.Values)), took)))
	return nil
}

func (b *bench) topic() string { return "socbench-" + b.id }

// runTopics are the topics `socwatch run` on input topic creates, with the
// input itself: the internal topic, the dead-letter topic, and the state
// checkpoint topic of whichever topic it screens (the internal one with
// the re-key stage, the input with --kafka-rekey never).
func runTopics(topic string) []string {
	internal := topic + ".by-account"
	return []string{topic, internal, topic + ".dlq", topic + ".state", internal + ".state"}
}

func (b *bench) baseline(ctx context.Context) error {
	t, err := kafkaload.Baseline(ctx, b.brokers, b.topic(), "socbench-baseline-"+b.id, int64(len(b.data.Values)))
	if err != nil {
		return err
	}
	b.res.Baseline = t
	return nil
}

// database returns a DSN naming a fresh database for one pipeline run.
func (b *bench) database(name string) (string, error) {
	u, err := url.Parse(b.o.clickhouse)
	if err != nil {
		return "", fmt.Errorf("--clickhouse: %w", err)
	}
	db := "socbench_" + b.id + "_" + name
	u.Path = "/" + db
	b.dbs = append(b.dbs, u.String())
	return u.String(), nil
}

// startRun starts `socwatch run` on topic with a fresh group and database,
// serving pprof when the run is to be profiled.
func (b *bench) startRun(topic, group, rekey, dbName string, profiled bool) (*service.Child, error) {
	dsn, err := b.database(dbName)
	if err != nil {
		return nil, err
	}
	args := []string{"--brokers", strings.Join(b.brokers, ","), "--topic", topic, "--group", group,
		"--clickhouse", dsn, "--rules", b.o.pack, "--kafka-rekey", rekey, "--kafka-commit-interval", b.o.commitPeriod,
		"--log-level", "warn"}
	return service.Start(b.bin, b.repo, profiled, append(args, b.o.extraArgs...)...)
}

// stages are the (group, topic) pairs whose lag must reach 0 for a run to
// be complete.
func stages(group, topic, rekey string) [][2]string {
	if rekey == "never" {
		return [][2]string{{group, topic}}
	}
	return [][2]string{{group + "-rekey", topic}, {group, topic + ".by-account"}}
}

// waitCaughtUp polls the groups' lag until every stage has committed the
// end of its input: every alert of every record is durable.
func (b *bench) waitCaughtUp(ctx context.Context, c *service.Child, st [][2]string) (time.Time, error) {
	for {
		done := true
		for _, s := range st {
			ok, _, err := b.kc.Lag(ctx, s[0], s[1])
			if err != nil {
				b.log.Debug("lag", "error", err)
			}
			if !ok {
				done = false
				break
			}
		}
		if done {
			return time.Now(), nil
		}
		if ok, err := c.Exited(); ok {
			return time.Time{}, err
		}
		select {
		case <-ctx.Done():
			text, _ := c.Scrape(context.Background())
			return time.Time{}, fmt.Errorf("not caught up (screened %.0f records): %w",
				service.Sum(text, "socwatch_records_screened_total"), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// noRekey runs the pipeline screening the input directly, to show what
// the re-key stage costs — unless the pack's rules read trace fields,
// which only the re-key stage sets (socwatch refuses to start so): the
// phase is then left out, with the reason in the log.
func (b *bench) noRekey(ctx context.Context) error {
	rs, err := b.loadPack()
	if err != nil {
		return err
	}
	if rs.Traced {
		b.log.Info("phase left out: the pack traces flows, which needs the re-key stage", "phase", "norekey", "pack", b.o.pack)
		return nil
	}
	return b.pipeline(ctx, "norekey", "never", &b.res.PipelineNoRekey)
}

func (b *bench) pipeline(ctx context.Context, phase, rekey string, out *report.Pipeline) error {
	group := "socbench-" + rekey + "-" + b.id
	c, err := b.startRun(b.topic(), group, rekey, rekey, b.o.svcCPUProfile != "" || b.o.svcMemProfile != "")
	if err != nil {
		return err
	}
	defer c.Stop()
	first, err := c.WaitFirstFetch(ctx, 20*time.Millisecond)
	if err != nil {
		return err
	}
	prof, err := b.startProfiles(ctx, c)
	if err != nil {
		return err
	}
	end, err := b.waitCaughtUp(ctx, c, stages(group, b.topic(), rekey))
	if err != nil {
		prof.stop(ctx, "")
		return err
	}
	// The CPU seconds before the profiles' last chunk ends: it runs past
	// the end of the phase, when socwatch is idle.
	cpu, rss := c.CPUSeconds(), c.PeakRSSMB()
	if err := prof.stop(ctx, phase); err != nil {
		return err
	}
	text, _ := c.Scrape(ctx)
	n := int64(len(b.data.Values))
	el := end.Sub(first)
	*out = report.Pipeline{
		Throughput: report.Throughput{Records: n, Bytes: b.data.Bytes, Seconds: el.Seconds(),
			RecordsPerSec: stats.Rate(float64(n), el), MBPerSec: stats.Rate(float64(b.data.Bytes)/1e6, el)},
		Rekey: rekey, RatioToBaseline: stats.Ratio(stats.Rate(float64(n), el), b.res.Baseline.RecordsPerSec),
		Alerts: service.Sum(text, "socwatch_alerts_total"), StartupSeconds: first.Sub(c.Started).Seconds(),
		CPUSeconds: cpu, PeakRSSMB: rss,
	}
	return nil
}

func (b *bench) latency(ctx context.Context) error {
	rate := b.o.latencyRate
	if rate <= 0 {
		rate = b.res.Pipeline.RecordsPerSec / 2
	}
	if rate <= 0 {
		return fmt.Errorf("no rate: run the pipeline phase or pass --latency-rate")
	}
	topic := "socbench-lat-" + b.id
	if err := b.kc.CreateTopic(ctx, topic, b.o.partitions); err != nil {
		return err
	}
	b.topics = append(b.topics, runTopics(topic)...)
	group := "socbench-lat-" + b.id
	c, err := b.startRun(topic, group, "auto", "latency", false)
	if err != nil {
		return err
	}
	defer c.Stop()
	// Warm up: the group joins and the sink connects before the clock
	// starts; the warm-up's observations are subtracted below.
	warm := min(2000, len(b.data.Values))
	if _, err := b.kc.ProduceAtRate(ctx, topic, b.data, 0, warm, float64(warm)); err != nil {
		return err
	}
	st := stages(group, topic, "auto")
	if _, err := b.waitCaughtUp(ctx, c, st); err != nil {
		return err
	}
	before, err := c.Scrape(ctx)
	if err != nil {
		return err
	}
	n := int(rate * float64(b.o.latencySecs))
	produced, err := b.kc.ProduceAtRate(ctx, topic, b.data, warm, n, rate)
	if err != nil {
		return err
	}
	achieved := produced.Rate
	if _, err := b.waitCaughtUp(ctx, c, st); err != nil {
		return err
	}
	after, err := c.Scrape(ctx)
	if err != nil {
		return err
	}
	h, ok, err := histogramDelta(before, after, "socwatch_alert_latency_seconds", "", "")
	if err != nil || !ok {
		return fmt.Errorf("latency histogram not found on /metrics: %v", err)
	}
	l := report.Latency{TargetRate: rate, AchievedRate: achieved, Records: int64(n), Alerts: h.Count,
		Source:  "socwatch_alert_latency_seconds histogram (Kafka record time → alert durable), interpolated within buckets",
		Buckets: map[string][2]float64{}}
	for _, q := range []struct {
		name string
		q    float64
		dst  *float64
	}{{"p50", 0.5, &l.P50}, {"p99", 0.99, &l.P99}, {"p99.9", 0.999, &l.P999}} {
		v, lo, hi, ok := h.Quantile(q.q)
		if math.IsInf(hi, 1) {
			hi = -1 // JSON has no infinity: -1 marks the open-ended bucket
		}
		if ok {
			*q.dst = v
			l.Buckets[q.name] = [2]float64{lo, hi}
		}
	}
	if sh, ok, err := histogramDelta(before, after, "socwatch_sink_batch_duration_seconds", "", ""); err == nil && ok {
		l.SinkP50, _, _, _ = sh.Quantile(0.5)
		l.SinkP99, _, _, _ = sh.Quantile(0.99)
	}
	var acked report.Quantiles
	acked.P50, _ = stats.Percentile(produced.AckDelays, 0.5)
	acked.P99, _ = stats.Percentile(produced.AckDelays, 0.99)
	l.Stages = map[string]report.Quantiles{"acknowledged": acked}
	for _, stage := range []string{"forwarded", "screening"} {
		if sh, ok, err := histogramDelta(before, after, "socwatch_record_delay_seconds", "stage", stage); err == nil && ok && sh.Count > 0 {
			var q report.Quantiles
			q.P50, _, _, _ = sh.Quantile(0.5)
			q.P99, _, _, _ = sh.Quantile(0.99)
			l.Stages[stage] = q
		}
	}
	b.res.Latency = l
	return nil
}

// histogramDelta is a histogram's observations between two scrapes of
// /metrics (of the series whose label key is value, when key is given).
func histogramDelta(before, after, name, key, value string) (stats.Histogram, bool, error) {
	h0, _, err := stats.ParseHistogramWith(before, name, key, value)
	if err != nil {
		return stats.Histogram{}, false, err
	}
	h1, ok, err := stats.ParseHistogramWith(after, name, key, value)
	if err != nil || !ok {
		return stats.Histogram{}, ok, err
	}
	h, err := h1.Sub(h0)
	return h, err == nil, err
}

// cleanup removes what the run created, unless --keep.
func (b *bench) cleanup() {
	defer func() {
		for i := len(b.cleanupFns) - 1; i >= 0; i-- {
			b.cleanupFns[i]()
		}
	}()
	if b.kc != nil {
		defer b.kc.Close()
	}
	if b.o.keep {
		b.log.Info("keeping topics and databases", "topics", b.topics, "databases", b.dbs)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if b.kc != nil && len(b.topics) > 0 {
		if err := b.kc.DeleteTopics(ctx, b.topics...); err != nil {
			b.log.Warn("cleanup", "error", err)
		}
	}
	for _, dsn := range b.dbs {
		if err := dropDatabase(ctx, dsn); err != nil {
			b.log.Warn("cleanup", "error", err)
		}
	}
}
