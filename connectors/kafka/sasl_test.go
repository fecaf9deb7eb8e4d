package kafka

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine"
)

func TestConfigRejectsBadSettings(t *testing.T) {
	ok := Config{Brokers: []string{"b:9092"}, Topics: []string{"t"}, Group: "g"}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no brokers", func(c *Config) { c.Brokers = nil }, "no brokers"},
		{"no topics", func(c *Config) { c.Topics = nil }, "no topics"},
		{"no group", func(c *Config) { c.Group = "" }, "no consumer group"},
		{"bad sasl", func(c *Config) { c.SASL.Mechanism = "GSSAPI" }, "unknown SASL mechanism"},
		{"missing CA", func(c *Config) { c.TLS = TLSConfig{Enabled: true, CAFile: "testdata/does-not-exist.pem"} }, "read kafka CA file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			_, err := NewSource(c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewSource error %v, want one containing %q", err, tt.want)
			}
		})
	}
	c, err := ok.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.DLQTopic != "t.dlq" || c.MaxInFlightBatches != 64 || c.CommitInterval != time.Second || c.ClientID != "socwatch" {
		t.Fatalf("defaults not applied: %+v", c)
	}
}

// TestDeadLetterOverSASLSCRAM runs only against the real broker, whose
// SASL_PLAINTEXT listener (deploy/local/kafka.sh) has SCRAM users.
func TestDeadLetterOverSASLSCRAM(t *testing.T) {
	if os.Getenv("SOCWATCH_INTEGRATION") != "1" {
		return // needs the real broker's SASL listener; kfake is covered elsewhere
	}
	plain := realBroker(t)
	addr := os.Getenv("SOCWATCH_KAFKA_SASL")
	if addr == "" {
		addr = "127.0.0.1:9094"
	}
	pass := os.Getenv("SOCWATCH_TEST_SASL_PASSWORD")
	if pass == "" {
		pass = "socwatch-secret"
	}
	for _, mech := range []string{SASLScramSHA256, SASLScramSHA512} {
		t.Run(mech, func(t *testing.T) {
			topic := unique("sasl")
			cfg := testConfig(backend{brokers: []string{addr}}, topic, "")
			cfg.SASL = SASLConfig{Mechanism: mech, User: "socwatch", Password: pass}
			d, err := NewDeadLetter(cfg)
			if err != nil {
				t.Fatal(err)
			}
			createTopic(t, plain, d.Topic(), 1)
			done := make(chan error, 1)
			d.Reject(context.Background(), []engine.Rejected{{Record: engine.Record{Key: []byte("k"), Value: []byte("v"), Position: topic + "/0@1"},
				Err: engine.Reject(engine.ReasonInvalid, "bad")}}, func(err error) { done <- err })
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("produce over SASL %s: %v", mech, err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("no ack over SASL")
			}
			_ = d.Close(context.Background())
			got := consumeAll(t, plain, d.Topic(), 1)
			if string(got[0].Value) != "v" {
				t.Fatalf("read %q, want v", got[0].Value)
			}
		})
	}
}
