package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// newRegistry returns the process registry with Go runtime and process
// collectors.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// readiness reports whether the service can do its job; /readyz answers 503
// with the reason while it cannot (e.g. ClickHouse down: consumption is
// paused until it is back).
type readiness func() error

// httpServer serves /metrics, /healthz and /readyz, or the pprof
// handlers (what names which, in errors).
type httpServer struct {
	what string
	ln   net.Listener
	srv  *http.Server
	log  *slog.Logger
}

// listenHTTP binds addr, so that a port in use is a start-up error; run
// serves. It registers socwatch_ready on reg: Prometheus does not probe
// /readyz, so the gauge is how an alert learns that an instance is up but
// cannot do its job.
func listenHTTP(addr string, reg *prometheus.Registry, ready readiness, log *slog.Logger) (*httpServer, error) {
	if err := reg.Register(readyGauge(ready)); err != nil {
		return nil, fmt.Errorf("register socwatch_ready: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	return listen("metrics", addr, mux, log)
}

// readyGauge is 1 while ready returns nil (/readyz answers 200), else 0;
// it asks ready at each scrape, which answers from the last check.
func readyGauge(ready readiness) prometheus.GaugeFunc {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "socwatch_ready",
		Help: "1 while /readyz answers 200; 0 while it answers 503 (alert sink down, no broker answers, or heap near GOMEMLIMIT; /readyz and the log say which).",
	}, func() float64 {
		if ready() != nil {
			return 0
		}
		return 1
	})
}

// listenPprof binds addr (Config.Validate allows loopback only) for
// net/http/pprof's handlers under /debug/pprof/.
func listenPprof(addr string, log *slog.Logger) (*httpServer, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return listen("pprof", addr, mux, log)
}

func listen(what, addr string, h http.Handler, log *slog.Logger) (*httpServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s listener %s: %w", what, addr, err)
	}
	// No write timeout: a CPU profile takes its ?seconds= to write.
	return &httpServer{what: what, ln: ln, srv: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}, log: log}, nil
}

func (h *httpServer) addr() string { return h.ln.Addr().String() }

// run serves until ctx ends, then shuts the server down (1 s for requests
// in progress).
func (h *httpServer) run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- h.srv.Serve(h.ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("%s server: %w", h.what, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := h.srv.Shutdown(sctx); err != nil {
		h.log.Warn(h.what+" server shutdown", "error", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("%s server: %w", h.what, err)
	}
	return nil
}
