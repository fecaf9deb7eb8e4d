package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// prometheusReadyTimeout covers a cold start of Debian's prometheus (TSDB
// creation, WAL replay of an empty dir) on a loaded 2-core CI machine.
const prometheusReadyTimeout = 30 * time.Second

// Prometheus starts Debian's prometheus binary (or SOCWATCH_PROMETHEUS_BIN) on
// a free 127.0.0.1 port with a temporary data dir and a generated config that
// scrapes itself (job "prometheus") and scrapeTargets (job "targets", host:port
// each, path /metrics) every second. It waits until the server is ready and
// stops it when the test ends. It returns the base URL, e.g.
// http://127.0.0.1:41234. A missing binary fails the test: gate callers with
// Integration.
func Prometheus(t testing.TB, scrapeTargets []string) string {
	t.Helper()
	bin, err := prometheusBinary()
	if err != nil {
		t.Fatalf("%v; install it with `deploy/local/prometheus.sh up` (Debian package prometheus)", err)
	}
	dir := t.TempDir()
	port := FreePort(t)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, PrometheusConfig(port, scrapeTargets), 0o644); err != nil {
		t.Fatalf("write prometheus config: %v", err)
	}
	logBuf := &SyncBuffer{}
	cmd := exec.Command(bin,
		"--config.file="+cfgPath,
		"--web.listen-address=127.0.0.1:"+strconv.Itoa(port),
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.enable-lifecycle",
	)
	cmd.Stdout = logBuf
	cmd.Stderr = logBuf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { stopProcess(t, cmd, exited) })

	base := "http://127.0.0.1:" + strconv.Itoa(port)
	if err := waitReady(base+"/-/ready", exited, prometheusReadyTimeout); err != nil {
		t.Fatalf("prometheus on %s: %v\nlast output:\n%s", base, err, Tail(logBuf.String(), 30))
	}
	return base
}

// PrometheusConfig renders the scrape config Prometheus uses: 1 s scrape and
// evaluation intervals so tests see samples quickly.
func PrometheusConfig(selfPort int, scrapeTargets []string) []byte {
	var b strings.Builder
	b.WriteString("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n")
	b.WriteString("scrape_configs:\n")
	fmt.Fprintf(&b, "  - job_name: prometheus\n    static_configs:\n      - targets: [%q]\n", "127.0.0.1:"+strconv.Itoa(selfPort))
	if len(scrapeTargets) > 0 {
		b.WriteString("  - job_name: targets\n    metrics_path: /metrics\n    static_configs:\n      - targets:\n")
		for _, target := range scrapeTargets {
			// %q yields a double-quoted YAML scalar, safe for any target text.
			fmt.Fprintf(&b, "          - %q\n", target)
		}
	}
	return []byte(b.String())
}

func prometheusBinary() (string, error) {
	if bin := os.Getenv(EnvPrometheus); bin != "" {
		return bin, nil
	}
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		return "", fmt.Errorf("prometheus binary not found in PATH (or %s): %w", EnvPrometheus, err)
	}
	return bin, nil
}

func waitReady(url string, exited <-chan error, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("build request %s: %w", url, err)
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-exited:
			return fmt.Errorf("exited before becoming ready: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("not ready after %s", timeout)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stopProcess sends SIGTERM (Prometheus flushes its head block on it), and
// SIGKILL if it has not exited after 10 s.
func stopProcess(t testing.TB, cmd *exec.Cmd, exited <-chan error) {
	if cmd.Process == nil {
		return
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Logf("stop prometheus pid %d: %v", cmd.Process.Pid, err)
	}
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Logf("prometheus pid %d ignored SIGTERM for 10s; killing", cmd.Process.Pid)
		_ = cmd.Process.Kill()
		<-exited
	}
}

// SyncBuffer collects a child process's output; the exec package writes to
// it from its own goroutines while the test may read it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// Tail returns the last lines of s, for failure messages.
func Tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}
