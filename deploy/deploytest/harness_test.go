package deploytest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/socwatch/socwatch/internal/testenv"
)

// repoRoot is the module root: tests run in deploy/deploytest.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatalf("repo root: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repo root %s has no go.mod: %v", root, err)
	}
	return root
}

// child is a process the test started; its output is kept for failures.
type child struct {
	name   string
	cmd    *exec.Cmd
	out    *testenv.SyncBuffer
	exited chan error
}

func startChild(t testing.TB, name string, cmd *exec.Cmd) *child {
	t.Helper()
	c := &child{name: name, cmd: cmd, out: &testenv.SyncBuffer{}, exited: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = c.out, c.out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { c.exited <- cmd.Wait() }()
	t.Cleanup(func() { c.stop(t) })
	return c
}

// stop sends SIGTERM and kills after 15 s.
func (c *child) stop(t testing.TB) {
	if c.cmd.ProcessState != nil {
		return
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Logf("stop %s: %v", c.name, err)
	}
	select {
	case <-c.exited:
	case <-time.After(15 * time.Second):
		t.Logf("%s ignored SIGTERM for 15s; killing", c.name)
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}

// running fails the test with the child's output when it has exited.
func (c *child) running(t testing.TB) {
	t.Helper()
	select {
	case err := <-c.exited:
		c.exited <- err
		t.Fatalf("%s exited early: %v\n%s", c.name, err, testenv.Tail(c.out.String(), 40))
	default:
	}
}

// waitHTTP polls url until it answers 200 or the timeout passes.
func waitHTTP(ctx context.Context, url string, timeout time.Duration, alive func() error) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	var last error
	for time.Now().Before(deadline) {
		if err := alive(); err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("request %s: %w", url, err)
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after %s: %v", url, timeout, last)
}

// promSample is one series of an instant query result.
type promSample struct {
	Metric map[string]string
	Value  float64
}

// promQuery runs an instant query. A parse or evaluation error is returned
// with Prometheus' errorType and message.
func promQuery(ctx context.Context, base, expr string) ([]promSample, error) {
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := promGet(ctx, base, "/api/v1/query", url.Values{"query": {expr}}, &data); err != nil {
		return nil, err
	}
	switch data.ResultType {
	case "vector":
		var vec []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		}
		if err := json.Unmarshal(data.Result, &vec); err != nil {
			return nil, fmt.Errorf("decode vector: %w", err)
		}
		out := make([]promSample, 0, len(vec))
		for _, s := range vec {
			v, err := sampleValue(s.Value[1])
			if err != nil {
				return nil, err
			}
			out = append(out, promSample{Metric: s.Metric, Value: v})
		}
		return out, nil
	case "scalar":
		var sc [2]any
		if err := json.Unmarshal(data.Result, &sc); err != nil {
			return nil, fmt.Errorf("decode scalar: %w", err)
		}
		v, err := sampleValue(sc[1])
		if err != nil {
			return nil, err
		}
		return []promSample{{Value: v}}, nil
	default:
		return nil, fmt.Errorf("result type %q, want vector or scalar", data.ResultType)
	}
}

func sampleValue(v any) (float64, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("sample value %v is not a string", v)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("parse sample %q: %w", s, err)
	}
	return f, nil
}

// finite counts the samples that are numbers (not NaN or ±Inf): a
// histogram_quantile over no observations is NaN, which a panel shows as
// nothing.
func finite(samples []promSample) int {
	n := 0
	for _, s := range samples {
		if !math.IsNaN(s.Value) && !math.IsInf(s.Value, 0) {
			n++
		}
	}
	return n
}

// promGet calls a Prometheus HTTP API endpoint and decodes its data field.
func promGet(ctx context.Context, base, path string, params url.Values, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path+"?"+params.Encode(), nil)
	if err != nil {
		return fmt.Errorf("request %s: %w", path, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("get %s: %w", path, err)
	}
	defer resp.Body.Close()
	var body struct {
		Status    string          `json:"status"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("decode %s response (%s): %w", path, resp.Status, err)
	}
	if body.Status != "success" {
		return fmt.Errorf("%s: %s: %s", path, body.ErrorType, body.Error)
	}
	if err := json.Unmarshal(body.Data, into); err != nil {
		return fmt.Errorf("decode %s data: %w", path, err)
	}
	return nil
}

// labelValues answers a Grafana label_values(selector, label) variable query
// the way Grafana does: the label's values over the matching series.
func labelValues(ctx context.Context, base string, q LabelValuesQuery, from, to time.Time) ([]string, error) {
	params := url.Values{
		"start": {strconv.FormatInt(from.Unix(), 10)},
		"end":   {strconv.FormatInt(to.Unix(), 10)},
	}
	if q.Selector != "" {
		params.Set("match[]", q.Selector)
	}
	var vals []string
	if err := promGet(ctx, base, "/api/v1/label/"+q.Label+"/values", params, &vals); err != nil {
		return nil, err
	}
	return vals, nil
}
