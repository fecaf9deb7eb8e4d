package main

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestReadyGaugeFollowsReadyz: socwatch_ready says what /readyz says, at
// every scrape, as the readiness changes.
func TestReadyGaugeFollowsReadyz(t *testing.T) {
	var notReady error
	reg := newRegistry()
	h, err := listenHTTP("127.0.0.1:0", reg, func() error { return notReady }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer h.ln.Close()
	steps := []struct {
		name      string
		err       error
		wantCode  int
		wantGauge float64
	}{
		{"ready", nil, http.StatusOK, 1},
		{"sink down", errors.New("alert sink: dial tcp: connection refused"), http.StatusServiceUnavailable, 0},
		{"ready again", nil, http.StatusOK, 1},
	}
	for _, s := range steps {
		notReady = s.err
		rec := httptest.NewRecorder()
		h.srv.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		if rec.Code != s.wantCode {
			t.Errorf("%s: /readyz = %d, want %d", s.name, rec.Code, s.wantCode)
		}
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := -1.0
		for _, mf := range mfs {
			if mf.GetName() == "socwatch_ready" {
				got = mf.GetMetric()[0].GetGauge().GetValue()
			}
		}
		if got != s.wantGauge {
			t.Errorf("%s: socwatch_ready = %v, want %v", s.name, got, s.wantGauge)
		}
	}
	if _, err := listenHTTP("127.0.0.1:0", reg, func() error { return nil }, slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil {
		t.Error("a second listenHTTP on the same registry registered socwatch_ready twice without an error")
	}
}
