package service

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Build compiles ./cmd/socwatch of the module at repo into dir and returns
// the binary's path.
func Build(ctx context.Context, repo, dir string) (string, error) {
	bin := filepath.Join(dir, "socwatch")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/socwatch")
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build socwatch in %s: %w\n%s", repo, err, out)
	}
	return bin, nil
}

// Child is a running `socwatch run`.
type Child struct {
	cmd     *exec.Cmd
	Metrics string // host:port of /metrics
	Pprof   string // host:port of /debug/pprof/; "" unless started with profiling
	log     *tailBuffer
	exited  chan struct{}
	waitErr error
	Started time.Time
}

// Start runs `bin run --metrics-addr <free port> args...` in dir, with
// `--pprof-addr <free port>` too when profiled.
func Start(bin, dir string, profiled bool, args ...string) (*Child, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	c := &Child{Metrics: fmt.Sprintf("127.0.0.1:%d", port), log: &tailBuffer{max: 64 << 10}, exited: make(chan struct{})}
	head := []string{"run", "--metrics-addr", c.Metrics}
	if profiled {
		if port, err = freePort(); err != nil {
			return nil, err
		}
		c.Pprof = fmt.Sprintf("127.0.0.1:%d", port)
		head = append(head, "--pprof-addr", c.Pprof)
	}
	c.cmd = exec.Command(bin, append(head, args...)...)
	c.cmd.Dir = dir
	c.cmd.Stdout, c.cmd.Stderr = c.log, c.log
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s run: %w", bin, err)
	}
	c.Started = time.Now()
	go func() {
		c.waitErr = c.cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

// Exited reports whether the child has exited, and its error.
func (c *Child) Exited() (bool, error) {
	select {
	case <-c.exited:
		return true, fmt.Errorf("socwatch run exited: %v; log tail:\n%s", c.waitErr, c.log.String())
	default:
		return false, nil
	}
}

// Log is the tail of the child's output.
func (c *Child) Log() string { return c.log.String() }

// PID is the child's process id.
func (c *Child) PID() int { return c.cmd.Process.Pid }

// CPUSeconds is the user+system CPU time the child has used so far, from
// /proc (Linux); 0 where that is not available.
func (c *Child) CPUSeconds() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	return ParseProcStatCPU(string(b))
}

// PeakRSSMB is the child's peak resident set size (VmHWM) in MB, from
// /proc (Linux); 0 where that is not available.
func (c *Child) PeakRSSMB() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	return ParseProcStatusHWM(string(b))
}

// ParseProcStatusHWM returns VmHWM in MB from /proc/<pid>/status text
// ("VmHWM:\t  123456 kB"); 0 when absent.
func ParseProcStatusHWM(status string) float64 {
	for _, line := range strings.Split(status, "\n") {
		v, ok := strings.CutPrefix(line, "VmHWM:")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0
		}
		kb, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return 0
		}
		return float64(kb) / 1024
	}
	return 0
}

// clockTicks is USER_HZ, which Linux fixes at 100 for /proc.
const clockTicks = 100

// ParseProcStatCPU returns utime+stime in seconds from /proc/<pid>/stat
// text. The command name (field 2) may hold spaces and parentheses, so
// fields are counted after its last ')'.
func ParseProcStatCPU(stat string) float64 {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(stat[i+1:])
	// After the name: state(3) ppid(4) … utime is field 14, stime 15.
	if len(f) < 13 {
		return 0
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	s, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return float64(u+s) / clockTicks
}

// Stop sends SIGTERM and waits up to 20 s, then kills the child.
func (c *Child) Stop() error {
	if ok, _ := c.Exited(); ok {
		return nil
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
		return nil
	case <-time.After(20 * time.Second):
		c.cmd.Process.Kill()
		<-c.exited
		return fmt.Errorf("socwatch run did not exit within 20 s of SIGTERM")
	}
}

// Scrape returns the /metrics text, or an error while the endpoint is not
// up.
func (c *Child) Scrape(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.Metrics+"/metrics", nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("scrape %s: %w", c.Metrics, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("scrape %s: %w", c.Metrics, err)
	}
	return string(b), nil
}

// Sum adds the values of every series of metric name (any labels) in
// Prometheus text exposition.
func Sum(text, name string) float64 {
	var s float64
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		series, val, ok := strings.Cut(line, " ")
		if i := strings.IndexByte(line, '}'); i >= 0 {
			series, val, ok = line[:i+1], strings.TrimSpace(line[i+1:]), true
		}
		if !ok {
			continue
		}
		metric, _, _ := strings.Cut(series, "{")
		if metric != name {
			continue
		}
		if f := strings.Fields(val); len(f) > 0 {
			if v, err := strconv.ParseFloat(f[0], 64); err == nil {
				s += v
			}
		}
	}
	return s
}

// FetchMetrics are the series that move once a client has fetched records:
// kprom's per-client fetch counters and the source's own counter.
var FetchMetrics = []string{
	"socwatch_kafka_fetch_records_total", "socwatch_kafka_fetch_bytes_total",
	"socwatch_kafka_fetch_uncompressed_bytes_total", "socwatch_records_consumed_total",
}

// Fetched reports whether metrics text shows that a stage has partitions
// assigned (its first fetch follows at once) or has fetched records.
func Fetched(text string) bool {
	if Sum(text, "socwatch_partitions_assigned") > 0 {
		return true
	}
	for _, n := range FetchMetrics {
		if Sum(text, n) > 0 {
			return true
		}
	}
	return false
}

// WaitFirstFetch polls /metrics every poll until the child has fetched
// records and returns when it saw that (at most poll late).
func (c *Child) WaitFirstFetch(ctx context.Context, poll time.Duration) (time.Time, error) {
	for {
		if ok, err := c.Exited(); ok {
			return time.Time{}, err
		}
		if text, err := c.Scrape(ctx); err == nil && Fetched(text) {
			return time.Now(), nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("wait for first fetch: %w", ctx.Err())
		case <-time.After(poll):
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
