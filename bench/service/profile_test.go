package service

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

func TestCPUProfileMergesChunksUntilStop(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		pprof.Profile(w, r)
	}))
	defer srv.Close()
	c := &Child{Pprof: strings.TrimPrefix(srv.URL, "http://")}
	p := c.StartCPUProfile(context.Background(), time.Second)
	time.Sleep(1500 * time.Millisecond) // into the second chunk
	prof, err := p.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("%d chunks fetched, want 2", n)
	}
	if prof.DurationNanos < int64(2*time.Second) {
		t.Errorf("merged profile covers %v, want both chunks (≥ 2 s)", time.Duration(prof.DurationNanos))
	}
}

func TestCPUProfileWithoutPprof(t *testing.T) {
	if _, err := (&Child{}).StartCPUProfile(context.Background(), time.Second).Stop(); err == nil {
		t.Fatal("no error from a child without a pprof address")
	}
}

func TestAllocsSince(t *testing.T) {
	fn := &profile.Function{ID: 1, Name: "f"}
	gn := &profile.Function{ID: 2, Name: "g"}
	locF := &profile.Location{ID: 1, Line: []profile.Line{{Function: fn}}}
	locG := &profile.Location{ID: 2, Line: []profile.Line{{Function: gn}}}
	mk := func(f, g int64) *profile.Profile {
		return &profile.Profile{
			SampleType: []*profile.ValueType{{Type: "alloc_objects", Unit: "count"}, {Type: "alloc_space", Unit: "bytes"}},
			PeriodType: &profile.ValueType{Type: "space", Unit: "bytes"}, Period: 1,
			Function: []*profile.Function{fn, gn}, Location: []*profile.Location{locF, locG},
			Sample: []*profile.Sample{
				{Location: []*profile.Location{locF}, Value: []int64{f, f * 16}},
				{Location: []*profile.Location{locG}, Value: []int64{g, g * 16}},
			},
		}
	}
	// f allocated 10 more objects during the phase; g nothing.
	diff, err := AllocsSince(mk(5, 7), mk(15, 7))
	if err != nil {
		t.Fatal(err)
	}
	if len(diff.Sample) != 1 {
		t.Fatalf("samples %v, want only f's", diff.Sample)
	}
	s := diff.Sample[0]
	if s.Location[0].Line[0].Function.Name != "f" || s.Value[0] != 10 || s.Value[1] != 160 {
		t.Errorf("sample %s %v, want f [10 160]", s.Location[0].Line[0].Function.Name, s.Value)
	}
}
