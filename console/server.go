package console

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/socwatch/socwatch/console/goaml"
	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/fx"
	"github.com/socwatch/socwatch/engine/sanctions"
	"github.com/socwatch/socwatch/rules"
)

// Deps are what a Server works with; only Store and Users are required.
type Deps struct {
	Store *store.Store
	// Rules is the running pack (nil: the rules page lists rules seen in
	// alerts only, and a backtest has no default pack).
	Rules *engine.RuleSet
	// Sanctions are its sanctions lists' matchers by list name
	// (rules.Compiled), which score a name again without the entities
	// cleared for a customer; none: a cleared fuzzy match never closes
	// an alert.
	Sanctions map[string]*sanctions.Matcher
	// RulesPath is where Rules was loaded from (the backtest default);
	// the console re-reads it when its files change.
	RulesPath string
	GoAML     *goaml.Mapping // nil: goAML export is refused
	FX        *fx.Table      // rates for backtests (fx.Default() when nil)
	Log       *slog.Logger
	// Metrics is where the console's gauges (the untriaged queue's age)
	// are registered; nil: nowhere.
	Metrics prometheus.Registerer
}

// Server is the console's HTTP handler.
type Server struct {
	cfg        Config
	deps       Deps
	users      *userDB
	sessions   *sessions
	limiter    *limiter
	proxyKey   []byte
	pages      *template.Template
	backtests  *backtests
	mux        *http.ServeMux
	queryLimit time.Duration
	// packs holds the running pack (Deps.Rules), re-read from
	// Deps.RulesPath when its files change.
	packs  *packReloader
	sweep  *sweeper
	ageing *queueAgeing
}

// New builds the console handler.
func New(cfg Config, deps Deps) (*Server, error) {
	if deps.Store == nil {
		return nil, errors.New("console: no store")
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	if deps.FX == nil {
		deps.FX = fx.Default()
	}
	udb, err := openUserDB(cfg.Users)
	if err != nil {
		return nil, err
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 8 * time.Hour
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, deps: deps, users: udb,
		sessions:   newSessions(cfg.SessionTTL),
		limiter:    newLimiter(5, time.Minute),
		proxyKey:   make([]byte, 32),
		pages:      pages,
		queryLimit: 20 * time.Second,
	}
	if _, err := rand.Read(s.proxyKey); err != nil {
		return nil, fmt.Errorf("console: random key: %w", err)
	}
	s.backtests = newBacktests(s)
	s.packs = newPackReloader(deps.RulesPath, &rules.Compiled{Rules: deps.Rules, Sanctions: deps.Sanctions})
	s.sweep = newSweeper(s, cfg.ClearedMatchSweep)
	if s.ageing, err = newQueueAgeing(deps.Metrics); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

// pack is the running pack: Deps.Rules, or what the sweep re-read since.
func (s *Server) pack() *runningPack { return s.packs.pack() }

// ServeHTTP makes the Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops running backtests and the cleared-match sweep.
func (s *Server) Close() {
	s.backtests.stopAll()
	s.sweep.close()
}

func (s *Server) routes() {
	m := http.NewServeMux()
	// Open routes.
	m.Handle("GET /static/", staticHandler())
	m.HandleFunc("GET /login", s.loginPage)
	m.HandleFunc("POST /login", s.loginForm)
	m.HandleFunc("POST /api/login", s.apiLogin)
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })

	// Everything else needs a user.
	auth := func(pattern string, h http.HandlerFunc) { m.Handle(pattern, s.authed(h)) }
	auth("POST /logout", s.logout)
	auth("POST /api/logout", s.logout)
	auth("GET /api/session", s.apiSession)
	auth("GET /api/alerts", s.apiAlerts)
	auth("GET /api/alerts/{id}", s.apiAlert)
	auth("POST /api/alerts/{id}/events", s.apiAlertEvent)
	auth("POST /api/alerts/events", s.apiBulk)
	auth("GET /api/cases", s.apiCases)
	auth("POST /api/cases", s.apiCreateCase)
	auth("GET /api/cases/{id}", s.apiCase)
	auth("POST /api/cases/{id}/events", s.apiCaseEvent)
	auth("GET /api/cases/{id}/goaml.xml", s.goamlExport)
	auth("POST /api/alerts/{id}/clearings", s.apiClear)
	auth("GET /api/clearings", s.apiClearings)
	auth("POST /api/clearings/{id}/revoke", s.apiRevoke)
	auth("GET /api/rules", s.apiRules)
	auth("POST /api/backtest", s.apiBacktest)
	auth("GET /api/backtest/{id}", s.apiBacktestStatus)

	auth("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/alerts", http.StatusSeeOther) })
	auth("GET /alerts", s.queuePage)
	auth("GET /alerts/{id}", s.alertPage)
	auth("POST /alerts/{id}/action", s.alertForm)
	auth("POST /alerts/bulk", s.bulkForm)
	auth("GET /cases", s.casesPage)
	auth("POST /cases", s.createCaseForm)
	auth("GET /cases/{id}", s.casePage)
	auth("POST /cases/{id}/action", s.caseForm)
	auth("GET /clearings", s.clearingsPage)
	auth("POST /clearings/{id}/revoke", s.revokeForm)
	auth("GET /rules", s.rulesPage)
	auth("GET /backtest", s.backtestPage)
	auth("POST /backtest", s.backtestForm)
	auth("GET /backtest/{id}", s.backtestJobPage)
	s.mux = m
}

// statusRecorder keeps the status for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Handler wraps the console with security headers and an access log that
// names the user of every request.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if s.cfg.TLS() {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		rec := &statusRecorder{ResponseWriter: w}
		holder := &principal{}
		r = r.WithContext(context.WithValue(r.Context(), logKey{}, holder))
		s.ServeHTTP(rec, r)
		s.deps.Log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"user", holder.user.Name, "remote", clientIP(r), "ms", time.Since(start).Milliseconds())
	})
}

type logKey struct{}

// identify returns the request's user, or nil.
func (s *Server) identify(r *http.Request) *principal {
	if s.cfg.ProxyUserHeader != "" {
		name := r.Header.Get(s.cfg.ProxyUserHeader)
		u, ok := s.users.lookup(strings.ToLower(strings.TrimSpace(name)))
		if !ok {
			return nil
		}
		return &principal{user: u, csrf: proxyCSRF(s.proxyKey, u.Name)}
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	sess, ok := s.sessions.get(c.Value)
	if !ok {
		return nil
	}
	// The role comes from the users file now, so a demotion or removal
	// takes effect on the next request.
	u, ok := s.users.lookup(sess.user.Name)
	if !ok {
		return nil
	}
	return &principal{user: u, csrf: sess.csrf}
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// authed requires a user and, on state-changing methods, the CSRF token:
// the X-CSRF-Token header (API) or the csrf form field (pages).
func (s *Server) authed(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := s.identify(r)
		if p == nil {
			if isAPI(r) || r.Method != http.MethodGet {
				s.jsonError(w, r, http.StatusUnauthorized, "login required")
				return
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if holder, ok := r.Context().Value(logKey{}).(*principal); ok {
			*holder = *p
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			tok := r.Header.Get("X-CSRF-Token")
			if tok == "" && !isAPI(r) {
				r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
				tok = r.PostFormValue("csrf")
			}
			if !tokensEqual(tok, p.csrf) {
				s.jsonError(w, r, http.StatusForbidden, "missing or wrong CSRF token")
				return
			}
		}
		h(w, r.WithContext(withPrincipal(r.Context(), p)))
	})
}

func (s *Server) ctx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), s.queryLimit)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// jsonError answers with {"error": msg}. Server errors are logged in full
// and answered generically: a ClickHouse message never reaches the client.
func (s *Server) jsonError(w http.ResponseWriter, r *http.Request, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// fail answers err with its status; internal errors are logged, not shown.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := statusOf(err)
	msg := err.Error()
	if code == http.StatusInternalServerError {
		s.deps.Log.Error("request failed", "path", r.URL.Path, "error", err)
		msg = "internal error (logged)"
	}
	if isAPI(r) {
		s.jsonError(w, r, code, msg)
		return
	}
	s.render(w, r, code, "error", map[string]any{"Code": code, "Message": msg})
}

// serveCreated serves a JSON POST that records something: it decodes the
// body into a Req, runs do under the request's deadline and answers 201
// with its result, or the error's status.
func serveCreated[Req any](s *Server, w http.ResponseWriter, r *http.Request, do func(context.Context, Req) (any, error)) {
	var req Req
	if err := decodeJSON(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	res, err := do(ctx, req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, res)
}

// decodeJSON reads a bounded JSON body into v, refusing unknown fields.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errorf(http.StatusBadRequest, "bad JSON body: %v", err)
	}
	return nil
}

// login checks credentials under the rate limit and starts a session.
func (s *Server) login(w http.ResponseWriter, r *http.Request, name, password string) (*session, error) {
	if s.cfg.ProxyUserHeader != "" {
		return nil, errorf(http.StatusNotFound, "login is done by the reverse proxy")
	}
	name = strings.ToLower(strings.TrimSpace(name))
	keys := []string{"ip:" + clientIP(r), "user:" + name}
	if !s.limiter.allow(keys...) {
		s.deps.Log.Warn("login rate-limited", "user", name, "remote", clientIP(r))
		return nil, errorf(http.StatusTooManyRequests, "too many failed logins; wait a minute")
	}
	f, err := s.users.current()
	if f == nil {
		return nil, err
	}
	u, ok := f.Authenticate(name, password)
	if !ok {
		s.limiter.fail(keys...)
		s.deps.Log.Warn("login failed", "user", name, "remote", clientIP(r))
		return nil, errorf(http.StatusUnauthorized, "wrong user name or password")
	}
	id, sess := s.sessions.create(u)
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, Secure: s.cfg.TLS(),
		SameSite: http.SameSiteStrictMode, MaxAge: int(s.cfg.SessionTTL.Seconds()),
	})
	s.deps.Log.Info("login", "user", u.Name, "role", u.Role, "remote", clientIP(r))
	if holder, ok := r.Context().Value(logKey{}).(*principal); ok {
		holder.user = u
	}
	return sess, nil
}

func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) {
	var req struct {
		User     string `json:"user"`
		Password string `json:"password"`
	}
	if err := decodeJSON(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	sess, err := s.login(w, r, req.User, req.Password)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"csrf": sess.csrf, "user": sess.user.Name, "role": sess.user.Role})
}

func (s *Server) apiSession(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	writeJSON(w, http.StatusOK, map[string]string{"csrf": p.csrf, "user": p.user.Name, "role": p.user.Role})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.sessions.delete(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.cfg.TLS(), SameSite: http.SameSiteStrictMode})
	if isAPI(r) {
		writeJSON(w, http.StatusOK, map[string]string{})
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// requireRole refuses a user below role.
func requireRole(p *principal, role, what string) error {
	if !p.user.AtLeast(role) {
		return errorf(http.StatusForbidden, "only a %s may %s", role, what)
	}
	return nil
}
