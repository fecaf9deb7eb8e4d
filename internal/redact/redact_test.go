package redact

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestDSN(t *testing.T) {
	tests := []struct {
		name, dsn string
		secrets   []string // must not survive
		keep      []string // must survive
	}{
		{"no secret", "clickhouse://default@127.0.0.1:9000/socwatch", nil, []string{"clickhouse://default@127.0.0.1:9000/socwatch"}},
		{"user:pass", "clickhouse://socwatch:s3cret@db:9000/aml", []string{"s3cret"}, []string{"socwatch:***@db:9000/aml"}},
		{"password with @ and /", "clickhouse://u:p@ss/w0rd@db:9000/aml", []string{"p@ss/w0rd", "ss/w0rd"}, []string{"u:***@db:9000/aml"}},
		{"url-encoded password", "clickhouse://u:p%40ss%2Fw0rd@db:9000/aml", []string{"p%40ss", "w0rd"}, []string{"u:***@db:9000"}},
		{"query password", "clickhouse://db:9000/aml?username=default&password=hunter2", []string{"hunter2"}, []string{"username=default", "password=***"}},
		{"query pass", "clickhouse://db:9000/aml?pass=hunter2&dial_timeout=5s", []string{"hunter2"}, []string{"dial_timeout=5s"}},
		{"query secret upper case", "clickhouse://db:9000/aml?SECRET=hunter2", []string{"hunter2"}, []string{"SECRET=***"}},
		{"query token mixed case", "clickhouse://db:9000/aml?debug=true&Access_Token=hunter2", []string{"hunter2"}, []string{"debug=true"}},
		{"query value url-encoded", "clickhouse://db:9000/aml?password=hun%26ter2", []string{"hun%26ter2", "hun&ter2", "ter2"}, nil},
		{"query name url-encoded", "clickhouse://db:9000/aml?pass%77ord=hunter2", []string{"hunter2"}, nil},
		{"semicolon separator", "clickhouse://db:9000/aml?compress=lz4;password=hunter2", []string{"hunter2"}, []string{"compress=lz4"}},
		{"both forms", "clickhouse://u:one@db:9000/aml?password=two", []string{"one", "two"}, []string{"u:***@"}},
		{"unparsable url", "clickhouse://u:hunter2@db:port/aml?password=%zz", []string{"hunter2", "%zz"}, []string{"db:port"}},
		{"no scheme", "u:hunter2@db:9000", []string{"hunter2"}, []string{"u:***@db:9000"}},
		{"fragment", "clickhouse://db:9000/aml#hunter2", []string{"hunter2"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := DSN(tc.dsn)
			for _, s := range tc.secrets {
				if strings.Contains(got, s) {
					t.Errorf("DSN(%q) = %q still contains %q", tc.dsn, got, s)
				}
			}
			for _, k := range tc.keep {
				if !strings.Contains(got, k) {
					t.Errorf("DSN(%q) = %q lost %q", tc.dsn, got, k)
				}
			}
		})
	}
}

// Errors from url.Parse and from drivers quote the DSN or its parts; Error
// masks every secret wherever it appears and keeps the error chain.
func TestError(t *testing.T) {
	dsn := "clickhouse://u:p%40ss@db:notaport/aml?password=hunter2"
	_, perr := url.Parse(dsn)
	if perr == nil {
		t.Fatal("expected url.Parse to fail on a bad port")
	}
	for _, err := range []error{
		perr,
		fmt.Errorf("driver: auth as u with password %q failed", "p@ss"),
		fmt.Errorf("bad option password=%s", "hunter2"),
	} {
		got := Error(err, dsn)
		for _, s := range []string{"p%40ss", "p@ss", "hunter2"} {
			if strings.Contains(got.Error(), s) {
				t.Errorf("Error(%v) = %q still contains %q", err, got, s)
			}
		}
		if !errors.Is(got, err) {
			t.Errorf("Error(%v) lost the error chain", err)
		}
	}
	if Error(nil, dsn) != nil {
		t.Error("Error(nil) != nil")
	}
}

func FuzzDSN(f *testing.F) {
	f.Add("clickhouse://u:pw@h:9000/db?password=x&a=b")
	f.Add("u:p@h")
	f.Add("clickhouse://h?token=%zz#frag")
	f.Fuzz(func(t *testing.T, dsn string) {
		got := DSN(dsn)
		// A secret may also occur elsewhere in the DSN (a host equal to the
		// password); one that occurs once, and is longer than the mask's
		// characters could spell by chance, must be gone.
		var raw []string
		scan(dsn, func(s string) { raw = append(raw, s) })
		for _, s := range raw {
			if len(s) >= 4 && strings.Count(dsn, s) == 1 && strings.Contains(got, s) {
				t.Fatalf("DSN(%q) = %q keeps secret %q", dsn, got, s)
			}
		}
	})
}
