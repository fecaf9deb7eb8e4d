// Command soak runs the pipeline for a long time at a steady rate and
// records memory, goroutines and lag every interval, to show whether memory
// stays flat (`make soak`, 10 minutes by default; not part of CI):
//
//	go run ./bench/cmd/soak --duration 10m --rate 1500 --every 10s
//
// It builds the socwatch binary, creates a fresh topic on the real broker
// (`make services`), starts `socwatch run` on it as a child process, feeds
// the synthetic cross-border feed at --rate from this process, and scrapes
// the child's /metrics. The broker runs in its own process, so the figures
// are SOC-Watch's own (the demo's embedded broker keeps every record in
// memory, which would swamp them).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/synth"
)

type sample struct {
	At         float64 `json:"at_s"`
	RSSMiB     float64 `json:"rss_mib"`
	HeapMiB    float64 `json:"heap_inuse_mib"`
	Goroutines float64 `json:"goroutines"`
	Lag        float64 `json:"lag"`
	Screened   float64 `json:"screened"`
	StateKeys  float64 `json:"state_keys"`
}

func main() {
	duration := flag.Duration("duration", 10*time.Minute, "how long to run")
	rate := flag.Int("rate", 1500, "transactions per second fed in (about half the measured maximum on 2 cores)")
	brokers := flag.String("brokers", "127.0.0.1:9092", "Kafka broker")
	dsn := flag.String("clickhouse", "clickhouse://default@127.0.0.1:9000/socwatch_soak", "ClickHouse DSN")
	every := flag.Duration("every", 10*time.Second, "sampling interval")
	out := flag.String("out", "", "JSON results file (default bench/results/soak-<date>.json)")
	flag.Parse()
	if err := run(*duration, *rate, *every, *out, *brokers, *dsn); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

func run(duration time.Duration, rate int, every time.Duration, out, brokers, dsn string) error {
	dir, err := os.MkdirTemp("", "soak")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "socwatch")
	if b, err := exec.Command("go", "build", "-o", bin, "./cmd/socwatch").CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, b)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), duration+30*time.Second)
	defer cancel()
	topic := fmt.Sprintf("soak-%d", time.Now().Unix())
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers), kgo.DefaultProduceTopic(topic), kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		return err
	}
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 4, 1, nil, topic); err != nil {
		return fmt.Errorf("create topic %s (is `make services` running?): %w", topic, err)
	}
	cmd := exec.CommandContext(ctx, bin, "run", "--brokers", brokers, "--topic", topic, "--group", topic,
		"--clickhouse", dsn, "--metrics-addr", addr, "--log-level", "warn")
	cmd.Stderr = os.Stderr
	go feed(ctx, cl, rate)
	if err := cmd.Start(); err != nil {
		return err
	}
	start := time.Now()
	var samples []sample
	fmt.Printf("%8s %9s %9s %10s %8s %10s %10s\n", "t", "RSS MiB", "heap MiB", "goroutines", "lag", "screened", "state keys")
	t := time.NewTicker(every)
	defer t.Stop()
	for time.Since(start) < duration {
		<-t.C
		m, err := scrape(addr)
		if err != nil {
			continue
		}
		s := sample{At: time.Since(start).Seconds(), RSSMiB: m["process_resident_memory_bytes"] / (1 << 20),
			HeapMiB: m["go_memstats_heap_inuse_bytes"] / (1 << 20), Goroutines: m["go_goroutines"],
			Lag: m["socwatch_consumer_lag"], Screened: m["socwatch_records_screened_total"], StateKeys: m["socwatch_state_keys"]}
		samples = append(samples, s)
		fmt.Printf("%7.0fs %9.1f %9.1f %10.0f %8.0f %10.0f %10.0f\n", s.At, s.RSSMiB, s.HeapMiB, s.Goroutines, s.Lag, s.Screened, s.StateKeys)
	}
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	verdict := flatness(samples)
	fmt.Println(verdict)
	if out == "" {
		os.MkdirAll("bench/results", 0o755)
		out = filepath.Join("bench/results", "soak-"+time.Now().UTC().Format("2006-01-02T1504")+".json")
	}
	b, _ := json.MarshalIndent(map[string]any{"duration_s": duration.Seconds(), "rate": rate, "samples": samples, "verdict": verdict}, "", "  ")
	return os.WriteFile(out, b, 0o644)
}

// flatness compares the heap in the middle third with the last third: the
// windows fill up first (state grows with the accounts seen), then memory
// should level off.
func flatness(s []sample) string {
	if len(s) < 6 {
		return "too few samples to judge"
	}
	third := len(s) / 3
	mean := func(xs []sample, f func(sample) float64) float64 {
		var t float64
		for _, x := range xs {
			t += f(x)
		}
		return t / float64(len(xs))
	}
	heap := func(x sample) float64 { return x.HeapMiB }
	rss := func(x sample) float64 { return x.RSSMiB }
	mid, last := s[third:2*third], s[2*third:]
	dh := (mean(last, heap) - mean(mid, heap)) / mean(mid, heap)
	dr := (mean(last, rss) - mean(mid, rss)) / mean(mid, rss)
	verdict := "memory flat"
	if dh > 0.10 || dr > 0.10 {
		verdict = "memory still growing"
	}
	return fmt.Sprintf("%s: heap %+.1f %%, RSS %+.1f %% (last third vs middle third); goroutines %0.f → %0.f",
		verdict, 100*dh, 100*dr, s[third].Goroutines, s[len(s)-1].Goroutines)
}

// feed produces the synthetic feed at a steady rate, keyed by debtor
// account, one generated year after another.
func feed(ctx context.Context, cl *kgo.Client, rate int) {
	seed := int64(1)
	g := synth.New(synth.Config{Seed: seed, Count: 1_000_000})
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var tx engine.Tx
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for i := 0; i < max(1, rate/100); i++ {
			if _, ok := g.Next(&tx); !ok {
				seed++
				g = synth.New(synth.Config{Seed: seed, Count: 1_000_000, Start: tx.TS.Add(time.Hour)})
				continue
			}
			cl.Produce(ctx, &kgo.Record{Key: []byte(tx.Debtor.Account), Value: jsonl.Encode(nil, &tx)}, nil)
		}
	}
}

// scrape sums each metric over its series.
func scrape(addr string) (map[string]float64, error) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	m := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		name := line[:i]
		if j := strings.IndexByte(name, '{'); j >= 0 {
			name = name[:j]
		}
		m[name] += v
	}
	return m, sc.Err()
}
