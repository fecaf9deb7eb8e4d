package service

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/google/pprof/profile"
)

// CPUProfile collects a CPU profile of a child over a span of time the
// harness does not know in advance (until the pipeline has caught up).
// net/http/pprof profiles for a fixed ?seconds= and writes nothing to a
// client that disconnects early, so it fetches consecutive chunks and
// merges them; the gap between two chunks is one request's round trip.
type CPUProfile struct {
	stop chan struct{}
	done chan struct{}
	prof *profile.Profile
	err  error
}

// StartCPUProfile starts fetching chunk-long CPU profiles from the child's
// pprof endpoint, back to back, until Stop. The child must have been
// started with profiling on.
func (c *Child) StartCPUProfile(ctx context.Context, chunk time.Duration) *CPUProfile {
	p := &CPUProfile{stop: make(chan struct{}), done: make(chan struct{})}
	secs := max(int(chunk/time.Second), 1)
	go func() {
		defer close(p.done)
		var parts []*profile.Profile
		for {
			part, err := c.fetchProfile(ctx, fmt.Sprintf("profile?seconds=%d", secs))
			if err != nil {
				p.err = err
				return
			}
			parts = append(parts, part)
			select {
			case <-p.stop:
				p.prof, p.err = profile.Merge(parts)
				return
			default:
			}
		}
	}()
	return p
}

// Stop waits for the chunk in progress to end (at most one chunk) and
// returns the merged profile.
func (p *CPUProfile) Stop() (*profile.Profile, error) {
	close(p.stop)
	<-p.done
	if p.err != nil {
		return nil, fmt.Errorf("cpu profile: %w", p.err)
	}
	return p.prof, nil
}

// Allocs returns the child's allocation profile (cumulative since it
// started; see AllocsSince).
func (c *Child) Allocs(ctx context.Context) (*profile.Profile, error) {
	return c.fetchProfile(ctx, "allocs")
}

// AllocsSince returns what the child allocated after base was taken: the
// allocs profile counts from process start, and start-up (rule loading,
// migrations) is not what a phase measures.
func AllocsSince(base, now *profile.Profile) (*profile.Profile, error) {
	neg := base.Copy()
	neg.Scale(-1)
	p, err := profile.Merge([]*profile.Profile{now, neg})
	if err != nil {
		return nil, fmt.Errorf("allocation profile difference: %w", err)
	}
	return p.Compact(), nil
}

func (c *Child) fetchProfile(ctx context.Context, name string) (*profile.Profile, error) {
	if c.Pprof == "" {
		return nil, fmt.Errorf("socwatch run was started without --pprof-addr")
	}
	url := "http://" + c.Pprof + "/debug/pprof/" + name
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: %s", url, resp.Status)
	}
	p, err := profile.Parse(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", url, err)
	}
	return p, nil
}
