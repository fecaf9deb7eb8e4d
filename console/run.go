package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/socwatch/socwatch/connectors/clickhouse"
	"github.com/socwatch/socwatch/console/goaml"
	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/engine/fx"
	"github.com/socwatch/socwatch/rules"
)

// Running is a started console.
type Running struct {
	Addr  string // the address it listens on (resolved when the port was 0)
	URL   string
	srv   *http.Server
	cons  *Server
	store *store.Store
	done  chan error

	closeOnce sync.Once // Close runs on ctx end and from callers
	closeErr  error
}

// Start migrates the database, loads the pack and the goAML mapping, and
// serves the console until ctx ends or Close is called.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Running, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	setup, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := clickhouse.Migrate(setup, cfg.ClickHouse, log); err != nil {
		return nil, err
	}
	st, err := store.Open(setup, cfg.ClickHouse)
	if err != nil {
		return nil, err
	}
	deps := Deps{Store: st, Log: log, FX: fx.Default(), RulesPath: cfg.Rules, Metrics: cfg.Metrics}
	if cfg.Rules != "" {
		c, err := rules.LoadCompiled(cfg.Rules, rules.Options{FX: deps.FX})
		if err != nil {
			st.Close()
			return nil, fmt.Errorf("console rules: %w", err)
		}
		deps.Rules, deps.Sanctions = c.Rules, c.Sanctions
	}
	if cfg.GoAML != "" {
		if deps.GoAML, err = goaml.LoadMapping(cfg.GoAML); err != nil {
			st.Close()
			return nil, err
		}
	}
	cons, err := New(cfg, deps)
	if err != nil {
		st.Close()
		return nil, err
	}
	cons.sweep.start()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("console listen: %w", err)
	}
	scheme := "http"
	if cfg.TLS() {
		scheme = "https"
	}
	r := &Running{Addr: ln.Addr().String(), srv: &http.Server{
		Handler: cons.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}, cons: cons, store: st, done: make(chan error, 1)}
	r.URL = scheme + "://" + r.Addr + "/"
	go func() {
		var err error
		if cfg.TLS() {
			err = r.srv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			err = r.srv.Serve(ln)
		}
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		r.done <- err
	}()
	go func() {
		<-ctx.Done()
		r.Close()
	}()
	log.Info("analyst console listening", "url", r.URL, "users", cfg.Users, "rules", cfg.Rules)
	return r, nil
}

// Wait blocks until the server stops.
func (r *Running) Wait() error {
	err := <-r.done
	r.done <- err
	return err
}

// Close stops the server, letting in-flight requests (and their inserts)
// finish first. It is safe to call more than once (the ClickHouse pool
// blocks on a second close).
func (r *Running) Close() error {
	r.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.cons.Close()
		r.closeErr = r.srv.Shutdown(ctx)
		r.store.Close()
	})
	return r.closeErr
}
