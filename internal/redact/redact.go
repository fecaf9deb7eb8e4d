package redact

import (
	"net/url"
	"strings"
)

// Mask replaces every hidden value.
const Mask = "***"

// secretParams are query-parameter names (lower case, without _, - or .)
// whose value is a secret. A name containing any of them counts, so
// "sasl_password", "X-Api-Token" and "secret_key" are covered.
var secretParams = []string{"pass", "pwd", "secret", "token", "key", "auth", "credential", "signature"}

func isSecretParam(name string) bool {
	if dec, err := url.QueryUnescape(name); err == nil {
		name = dec
	}
	n := strings.ToLower(strings.NewReplacer("_", "", "-", "", ".", "").Replace(name))
	for _, s := range secretParams {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// DSN returns dsn with its secrets replaced by Mask: the password of the
// userinfo (user:pass@host keeps the user), the values of secret query
// parameters and any fragment. The rest is kept as written, so the result
// still tells an operator which host, database and options were used.
func DSN(dsn string) string {
	return scan(dsn, func(string) {})
}

// Secrets returns the substrings of dsn that DSN masks, each as written
// and, when different, URL-decoded: what must not appear in a message that
// may have quoted the DSN or one of its parts.
func Secrets(dsn string) []string {
	var out []string
	scan(dsn, func(s string) {
		if s == "" {
			return
		}
		out = append(out, s)
		for _, unescape := range []func(string) (string, error){url.QueryUnescape, url.PathUnescape} {
			if dec, err := unescape(s); err == nil && dec != s && dec != "" {
				out = append(out, dec)
			}
		}
	})
	return out
}

// scan is DSN and Secrets: it splits dsn as text, not with url.Parse, so
// that a DSN that does not parse (a raw "@", "?" or "%" in a password, a
// bad port) is masked too; it calls secret with each masked part.
func scan(dsn string, secret func(string)) string {
	var b strings.Builder
	rest := dsn
	if i := strings.Index(rest, "://"); i >= 0 {
		b.WriteString(rest[:i+3])
		rest = rest[i+3:]
	}
	// Userinfo ends at the last "@" before the query; a raw "?" in a
	// password puts the "@" after the first "?", so fall back to the last
	// "@" anywhere — masking too much rather than too little.
	q := strings.IndexByte(rest, '?')
	if q < 0 {
		q = len(rest)
	}
	at := strings.LastIndexByte(rest[:q], '@')
	if at < 0 {
		at = strings.LastIndexByte(rest, '@')
	}
	if at >= 0 {
		if user, pass, ok := strings.Cut(rest[:at], ":"); ok {
			secret(pass)
			b.WriteString(user + ":" + Mask)
		} else {
			b.WriteString(rest[:at])
		}
		b.WriteByte('@')
		rest = rest[at+1:]
	}
	// A fragment never reaches a server and may hold anything.
	rest, frag, hasFrag := strings.Cut(rest, "#")
	// Every name=value segment after the userinfo is checked, with or
	// without a "?" before it: host and path segments hold no "=".
	start := 0
	for i := 0; i <= len(rest); i++ {
		if i < len(rest) && !strings.ContainsRune("?&;", rune(rest[i])) {
			continue
		}
		seg := rest[start:i]
		if name, value, ok := strings.Cut(seg, "="); ok && isSecretParam(name) {
			secret(value)
			seg = name + "=" + Mask
		}
		b.WriteString(seg)
		if i < len(rest) {
			b.WriteByte(rest[i])
		}
		start = i + 1
	}
	if hasFrag {
		secret(frag)
		b.WriteString("#" + Mask)
	}
	return b.String()
}

// Text masks every secret of dsn wherever it occurs in s: for messages
// from libraries that quote the DSN, or a part of it, in their errors.
func Text(s, dsn string) string {
	for _, sec := range Secrets(dsn) {
		s = strings.ReplaceAll(s, sec, Mask)
	}
	return s
}

// Error wraps err so that its message carries no secret of dsn. The
// original error stays reachable through errors.Is and errors.As; only its
// text is masked.
func Error(err error, dsn string) error {
	if err == nil {
		return nil
	}
	return redacted{err: err, msg: Text(err.Error(), dsn)}
}

type redacted struct {
	err error
	msg string
}

func (r redacted) Error() string { return r.msg }
func (r redacted) Unwrap() error { return r.err }
