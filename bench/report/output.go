package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// FileName is the results file of a run: <date>-<shortcommit>.json, with
// -2, -3 … appended when a run of the same commit on the same day already
// wrote one (exists reports whether a name is taken).
func FileName(started time.Time, commit string, exists func(string) bool) string {
	if commit == "" {
		commit = "nocommit"
	}
	if len(commit) > 16 {
		commit = commit[:16]
	}
	base := started.UTC().Format("2006-01-02") + "-" + commit
	name := base + ".json"
	for i := 2; exists(name); i++ {
		name = fmt.Sprintf("%s-%d.json", base, i)
	}
	return name
}

// WriteJSON writes r as one indented JSON object into dir and returns the
// file's path.
func WriteJSON(dir string, r *Result) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create results dir %s: %w", dir, err)
	}
	name := FileName(r.Started, r.Commit, func(n string) bool {
		_, err := os.Stat(filepath.Join(dir, n))
		return !errors.Is(err, fs.ErrNotExist)
	})
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode results: %w", err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("write results %s: %w", path, err)
	}
	return path, nil
}

// WriteTable prints the run as one aligned table: machine, then every
// figure with its unit, then the targets.
func WriteTable(w io.Writer, r *Result) error {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	m := r.Machine
	fmt.Fprintf(tw, "SOC-Watch benchmark\tcommit %s\t%s\n", r.Commit, r.Started.UTC().Format(time.RFC3339))
	fmt.Fprintf(tw, "machine\t%s, %d cores, GOMAXPROCS %d, %s %s/%s\n", orDash(m.CPUModel), m.Cores, m.GOMAXPROCS, m.GoVersion, m.OS, m.Arch)
	fmt.Fprintf(tw, "load average\tstart %.2f %.2f %.2f, end %.2f %.2f %.2f\n",
		m.LoadAverage[0], m.LoadAverage[1], m.LoadAverage[2], m.LoadAtEnd[0], m.LoadAtEnd[1], m.LoadAtEnd[2])
	c := r.Config
	fmt.Fprintf(tw, "data set\t%d records (%s), %d partitions, seed %d, broker %s\n", c.Count, mb(c.RecordBytes), c.Partitions, c.Seed, c.Broker)
	fmt.Fprintln(tw, "\t")
	fmt.Fprintln(tw, "figure\tvalue\tdetail")
	fmt.Fprintln(tw, "------\t-----\t------")
	row := func(name, value, detail string) { fmt.Fprintf(tw, "%s\t%s\t%s\n", name, value, detail) }

	b := r.Baseline
	row("baseline consume (franz-go, no work)", rate(b.RecordsPerSec), fmt.Sprintf("%.1f MB/s, %d records in %.2f s", b.MBPerSec, b.Records, b.Seconds))
	for _, p := range []Pipeline{r.Pipeline, r.PipelineNoRekey} {
		if p.Rekey == "" {
			continue
		}
		row("pipeline socwatch run, rekey "+p.Rekey, rate(p.RecordsPerSec),
			fmt.Sprintf("%.0f%% of baseline, %d records in %.2f s, %.0f alerts, socwatch CPU %.1f s, peak RSS %.0f MB, %.1f s start-up not counted",
				100*p.RatioToBaseline, p.Records, p.Seconds, p.Alerts, p.CPUSeconds, p.PeakRSSMB, p.StartupSeconds))
	}
	for _, e := range []struct {
		name string
		t    Throughput
	}{{"engine alone, GOMAXPROCS=1, sanctions cold", r.EngineOneCoreCold}, {"engine alone, GOMAXPROCS=1, sanctions warm", r.EngineOneCore}, {"engine alone, all cores", r.EngineAllCores}} {
		row(e.name, rate(e.t.RecordsPerSec), fmt.Sprintf("%.0f ns/record wall, %s of CPU time, %.1f allocs/record, GOMAXPROCS %d, %d records",
			e.t.NsPerRecord, strings.Replace(rate(e.t.RecordsPerCPUSec), "/s", "/CPU-s", 1), e.t.AllocsPerRec, e.t.GOMAXPROCS, e.t.Records))
	}
	for _, rc := range r.RuleScaling {
		row(fmt.Sprintf("engine, %d rules, 1 core", rc.Rules), fmt.Sprintf("%.0f ns/record", rc.NsPerRecord),
			fmt.Sprintf("%s, %d alerts", rate(rc.RecordsPerSec), rc.Alerts))
	}
	if len(r.RuleScaling) > 1 {
		row("rule cost ratio (largest/smallest)", fmt.Sprintf("%.2f×", r.RuleCostRatio), "")
	}
	s := r.State
	row("state per key per aggregate", fmt.Sprintf("%.0f B", s.BytesPerKeyPerAggregate),
		fmt.Sprintf("%d accounts, %d (key, aggregate) pairs, heap +%s (windows' estimate %s)", s.Accounts, s.TotalKeys, mb(s.HeapBytes), mb(s.EstimatedBytes)))
	h := r.Handover
	row("handover: checkpoint / replay", fmt.Sprintf("%.2f s / %.2f s", h.CheckpointSeconds, h.ReplaySeconds),
		fmt.Sprintf("assignment → first screened record, %d accounts in the partition (%d copies); checkpoint + %d records after it vs %d records replayed",
			h.Accounts, h.Records, h.TailRecords, h.ReplayedRecords))
	row("state per account (default pack)", fmt.Sprintf("%.0f B in a checkpoint", h.BytesPerAccount),
		fmt.Sprintf("%.0f B in memory; checkpoint %s in %d chunks, encoded in %.2f s on the partition's worker", h.MemoryBytesPerAccount, mb(h.CheckpointBytes), h.CheckpointChunks, h.SnapshotSeconds))
	l := r.Latency
	row("latency p50 / p99 / p99.9", fmt.Sprintf("%s / %s / %s", ms(l.P50), ms(l.P99), ms(l.P999)),
		fmt.Sprintf("at %s (target %s), %.0f alerts, from %s; ClickHouse insert per batch p50 %s, p99 %s%s", rate(l.AchievedRate), rate(l.TargetRate), l.Alerts, orDash(l.Source), ms(l.SinkP50), ms(l.SinkP99), stageDelays(l.Stages)))
	fmt.Fprintln(tw, "\t")
	fmt.Fprintln(tw, "target\tvalue\tlimit\tmet")
	for _, t := range r.Targets {
		cmp := "≤"
		if t.AtLeast {
			cmp = "≥"
		}
		met := "no"
		switch {
		case !t.Measured:
			met = "not measured"
		case t.Met:
			met = "yes"
		}
		fmt.Fprintf(tw, "%s\t%.3g\t%s %.3g\t%s\n", t.Name, t.Value, cmp, t.Limit, met)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(tw, "error\t%s\n", e)
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(tw, "skipped\t%s\n", s)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

func rate(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM rec/s", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk rec/s", v/1e3)
	}
	return fmt.Sprintf("%.0f rec/s", v)
}

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }

func ms(s float64) string { return fmt.Sprintf("%.0f ms", s*1000) }

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// stageDelays lists the pipeline stages' p50 / p99 delays, in the order
// a record passes them.
func stageDelays(st map[string]Quantiles) string {
	var b strings.Builder
	for _, name := range []string{"acknowledged", "forwarded", "screening"} {
		if q, ok := st[name]; ok {
			fmt.Fprintf(&b, "; record → %s p50 %s, p99 %s", name, ms(q.P50), ms(q.P99))
		}
	}
	return b.String()
}
