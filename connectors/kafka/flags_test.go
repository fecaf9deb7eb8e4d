package kafka

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestConfigFlags(t *testing.T) {
	tests := []struct {
		args    []string
		check   func(Config) bool
		wantErr string // "" = valid
	}{
		{nil, func(c Config) bool {
			return strings.Join(c.Brokers, ",") == "127.0.0.1:9092" && c.Group == "socwatch" && c.MaxInFlightBatches == 64 &&
				c.MaxInFlightRecords == 65536 && c.CommitInterval == time.Second && !c.TLS.Enabled
		}, ""},
		{[]string{"-kafka-brokers", " a:1, ,b:2 ", "-kafka-commit-interval", "250ms", "-kafka-tls-enabled"}, func(c Config) bool {
			return strings.Join(c.Brokers, "|") == "a:1|b:2" && c.CommitInterval == 250*time.Millisecond && c.TLS.Enabled
		}, ""},
		{[]string{"-kafka-brokers", " , "}, nil, "kafka.brokers: required"},
		{[]string{"-kafka-group", ""}, nil, "kafka.group: required"},
		{[]string{"-kafka-max-in-flight", "0"}, nil, "kafka.max_in_flight: 0"},
		{[]string{"-kafka-max-in-flight-records", "-1"}, nil, "kafka.max_in_flight_records: -1"},
		{[]string{"-kafka-commit-interval", "0s"}, nil, "kafka.commit_interval"},
		{[]string{"-kafka-sasl-mechanism", "GSSAPI"}, nil, `kafka.sasl.mechanism: "GSSAPI"`},
		{[]string{"-kafka-sasl-mechanism", "PLAIN", "-kafka-sasl-user", "u"}, nil, "kafka.sasl: mechanism PLAIN needs user and password"},
		{[]string{"-kafka-sasl-mechanism", "SCRAM-SHA-512", "-kafka-sasl-user", "u", "-kafka-sasl-password", "p"}, func(c Config) bool {
			return c.SASL == SASLConfig{Mechanism: SASLScramSHA512, User: "u", Password: "p"}
		}, ""},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var c Config
			c.RegisterFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			err := c.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Validate = %v, want %q", err, tc.wantErr)
			case tc.check != nil && !tc.check(c):
				t.Fatalf("parsed %+v", c)
			}
		})
	}
}
