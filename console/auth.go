package console

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/socwatch/socwatch/console/users"
)

const sessionCookie = "socwatch_session"

// session is one logged-in browser.
type session struct {
	user    users.User
	csrf    string
	expires time.Time
}

// sessions holds the live sessions in memory: a restart logs everyone out,
// which loses nothing since every action is already in ClickHouse.
type sessions struct {
	mu  sync.Mutex
	m   map[string]*session
	ttl time.Duration
	now func() time.Time
}

func newSessions(ttl time.Duration) *sessions {
	return &sessions{m: map[string]*session{}, ttl: ttl, now: time.Now}
}

func randomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand: " + err.Error()) // no entropy: no safe session is possible
	}
	return hex.EncodeToString(b[:])
}

func (s *sessions) create(u users.User) (id string, sess *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for k, v := range s.m { // drop expired ones; sessions are few
		if now.After(v.expires) {
			delete(s.m, k)
		}
	}
	id = randomToken()
	sess = &session{user: u, csrf: randomToken(), expires: now.Add(s.ttl)}
	s.m[id] = sess
	return id, sess
}

func (s *sessions) get(id string) (*session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.m[id]
	if !ok || s.now().After(sess.expires) {
		delete(s.m, id)
		return nil, false
	}
	return sess, true
}

func (s *sessions) delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// limiter rate-limits login attempts per client address and per user name:
// at most burst failures per window, after which attempts are refused
// until the window has passed.
type limiter struct {
	mu     sync.Mutex
	fails  map[string][]time.Time
	burst  int
	window time.Duration
	now    func() time.Time
}

func newLimiter(burst int, window time.Duration) *limiter {
	return &limiter{fails: map[string][]time.Time{}, burst: burst, window: window, now: time.Now}
}

func (l *limiter) recent(key string) []time.Time {
	cut := l.now().Add(-l.window)
	ts := l.fails[key]
	i := 0
	for i < len(ts) && ts[i].Before(cut) {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, key)
	} else {
		l.fails[key] = ts
	}
	return ts
}

// allow reports whether every key may try again.
func (l *limiter) allow(keys ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if len(l.recent(k)) >= l.burst {
			return false
		}
	}
	return true
}

func (l *limiter) fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		l.fails[k] = append(l.recent(k), l.now())
	}
}

// clientIP is the connection's address: the rate limit must not trust a
// header the client writes.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type ctxKey struct{}

// principal is who a request acts as.
type principal struct {
	user users.User
	csrf string
}

func withPrincipal(ctx context.Context, p *principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

func principalOf(r *http.Request) *principal {
	p, _ := r.Context().Value(ctxKey{}).(*principal)
	return p
}

// proxyCSRF derives the CSRF token of a proxy-authenticated user from a
// per-process secret, so no session is needed in that mode.
func proxyCSRF(secret []byte, user string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(user))
	return hex.EncodeToString(m.Sum(nil))
}

func tokensEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
