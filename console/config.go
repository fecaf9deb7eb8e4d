package console

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Config is the console's configuration (config keys console.*).
type Config struct {
	// ClickHouse is the DSN with its password. It is not a console.* key:
	// the program sets it from the deployment's ClickHouse settings, which
	// the service writes through.
	ClickHouse string
	Listen     string
	Users      string
	Rules      string
	TLSCert    string
	TLSKey     string
	// ProxyUserHeader, when set, names the header a trusted reverse proxy
	// (oauth2-proxy for OIDC single sign-on) puts the user name in; the
	// console then has no login form, and the user must still be in the
	// users file, which gives the role.
	ProxyUserHeader string
	GoAML           string // goAML mapping file (reporting entity, code lists)
	SessionTTL      time.Duration
	// AllowPublic permits a non-loopback listen address without TLS.
	AllowPublic bool
	// MetricsAddr is where `socwatch console` serves its own /metrics
	// (loopback only; "": off); the demo's console reports on the demo's.
	MetricsAddr string
	// Metrics is where the console registers its gauges (nil: nowhere).
	// Not a console.* key: the program that serves /metrics sets it.
	Metrics prometheus.Registerer
	// ClearedMatchSweep is how often new alerts of cleared sanctions
	// matches are closed (0: every 30 s).
	ClearedMatchSweep time.Duration
}

// RegisterFlags registers the console.* keys on fs (flags --console-*)
// with their defaults; ClickHouse is left to the caller.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Listen, "console-listen", "127.0.0.1:8080", "console: listen address (loopback by default)")
	fs.StringVar(&c.Users, "console-users", "console-users.json", "console: users file (socwatch console adduser)")
	fs.StringVar(&c.Rules, "console-rules", "", "console: the running rule pack (rules page, backtest baseline)")
	fs.StringVar(&c.TLSCert, "console-tls-cert", "", "console: TLS certificate file (PEM)")
	fs.StringVar(&c.TLSKey, "console-tls-key", "", "console: TLS key file (PEM)")
	fs.StringVar(&c.ProxyUserHeader, "console-proxy-user-header", "", "console: trust this request header for the user name (only behind an authenticating reverse proxy; off by default)")
	fs.StringVar(&c.GoAML, "console-goaml", "", "console: goAML mapping file (reporting entity, person, code lists); required to export")
	fs.DurationVar(&c.SessionTTL, "console-session-ttl", 8*time.Hour, "console: how long a login lasts")
	fs.BoolVar(&c.AllowPublic, "console-allow-public", false, "console: allow a non-loopback listen address without TLS")
	fs.StringVar(&c.MetricsAddr, "console-metrics-addr", "", "console: address of socwatch console's /metrics (the untriaged queue's age); loopback only, off by default")
	fs.DurationVar(&c.ClearedMatchSweep, "console-cleared-match-sweep", defaultSweep, "console: how often new alerts of cleared sanctions matches are closed")
}

// TLS reports whether the console serves HTTPS.
func (c *Config) TLS() bool { return c.TLSCert != "" }

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if c.ClickHouse == "" {
		errs = append(errs, errors.New("console: no ClickHouse DSN (clickhouse.dsn)"))
	}
	host, _, err := net.SplitHostPort(c.Listen)
	if err != nil {
		errs = append(errs, fmt.Errorf("console.listen: %w", err))
	} else if !c.TLS() && !c.AllowPublic && !isLoopback(host) {
		errs = append(errs, fmt.Errorf("console.listen: %s is not loopback; serve TLS (--tls-cert/--tls-key), or put a proxy in front and pass --allow-public", c.Listen))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("console.tls_cert and console.tls_key: set both or neither"))
	}
	if c.Users == "" {
		errs = append(errs, errors.New("console.users: required"))
	}
	if c.ProxyUserHeader != "" && http.CanonicalHeaderKey(c.ProxyUserHeader) == "" {
		errs = append(errs, errors.New("console.proxy_user_header: not a header name"))
	}
	if c.MetricsAddr != "" {
		if host, _, err := net.SplitHostPort(c.MetricsAddr); err != nil || !isLoopback(host) {
			errs = append(errs, fmt.Errorf("console.metrics_addr: %q: want a loopback host:port", c.MetricsAddr))
		}
	}
	if c.SessionTTL < time.Minute {
		errs = append(errs, errors.New("console.session_ttl: at least 1m"))
	}
	return errors.Join(errs...)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
