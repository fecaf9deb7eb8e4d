package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"strings"
	"testing"
)

func TestHealthReportsBrokerAndHeap(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	down := func(context.Context) error { return errors.New("dial tcp: connection refused") }
	up := func(context.Context) error { return nil }
	cases := []struct {
		name    string
		ping    func(context.Context) error
		limit   int64
		pct     int
		wantErr []string
	}{
		{"all well", up, math.MaxInt64, 90, nil},
		{"broker down", down, math.MaxInt64, 90, []string{"kafka: no broker answers", "connection refused"}},
		{"heap above the limit", up, 1 << 20, 90, []string{"memory: heap", "GOMEMLIMIT"}},
		{"heap check off", up, 1 << 20, 0, nil},
		{"both", down, 1 << 20, 50, []string{"kafka", "memory"}},
		{"generous limit", up, 1 << 40, 90, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetMemoryLimit(tc.limit)
			h := &health{ping: tc.ping, heapPct: tc.pct, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			h.check(context.Background())
			err := h.ready()
			debug.SetMemoryLimit(prev)
			if (err != nil) != (len(tc.wantErr) > 0) {
				t.Fatalf("ready() = %v, want error containing %v", err, tc.wantErr)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("ready() = %q, want it to mention %q", err, w)
				}
			}
		})
	}
}
