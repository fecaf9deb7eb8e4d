// Package redact hides secrets in connection strings before they reach a
// log line or an error: the password of a user:pass@ URL and the value of
// every query parameter whose name says it is a secret (password, pass,
// pwd, secret, token, key, …, in any case and URL-encoded or not).
//
// It errs on the side of hiding: a DSN that does not parse as a URL is
// scanned as text, and whatever could be a password in it is masked.
package redact
