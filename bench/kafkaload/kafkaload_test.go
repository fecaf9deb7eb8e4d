package kafkaload

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"
)

func TestPace(t *testing.T) {
	tests := []struct {
		name    string
		rate    float64
		elapsed time.Duration
		n, want int
	}{
		{"start", 1000, 0, 100, 0},
		{"half a second at 1000/s", 1000, 500 * time.Millisecond, 10000, 500},
		{"capped at n", 1000, 10 * time.Second, 300, 300},
		{"fractional rate", 2.5, 2 * time.Second, 10, 5},
		{"negative elapsed", 1000, -time.Second, 10, 0},
	}
	for _, tt := range tests {
		if got := Pace(tt.rate, tt.elapsed, tt.n); got != tt.want {
			t.Errorf("%s: Pace = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestGenerateIsSeededAndKeyedByDebtor(t *testing.T) {
	a, b := Generate(7, 500), Generate(7, 500)
	c := Generate(8, 500)
	if len(a.Values) != 500 || len(a.Keys) != 500 {
		t.Fatalf("%d values, %d keys", len(a.Values), len(a.Keys))
	}
	var size int64
	for i := range a.Values {
		if !bytes.Equal(a.Values[i], b.Values[i]) {
			t.Fatalf("record %d differs between runs with one seed", i)
		}
		if !bytes.Contains(a.Values[i], append(append([]byte(`"debtor":{"account":"`), a.Keys[i]...), '"')) {
			t.Fatalf("record %d is not keyed by its debtor account: key %s, value %s", i, a.Keys[i], a.Values[i])
		}
		size += int64(len(a.Values[i]) + len(a.Keys[i]))
	}
	if size != a.Bytes {
		t.Fatalf("Bytes = %d, want %d", a.Bytes, size)
	}
	same := 0
	for i := range a.Values {
		if bytes.Equal(a.Values[i], c.Values[i]) {
			same++
		}
	}
	if same == len(a.Values) {
		t.Fatal("another seed produced the same feed")
	}
}

// TestKfakeRoundTrip produces the data set to the in-process broker and
// reads it back with the baseline consumer.
func TestKfakeRoundTrip(t *testing.T) {
	addr, stop, err := Kfake(4)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	kc, err := Dial([]string{addr})
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := kc.CreateTopic(ctx, "t", 4); err != nil {
		t.Fatal(err)
	}
	d := Generate(1, 3000)
	if _, err := kc.ProduceAll(ctx, "t", d); err != nil {
		t.Fatal(err)
	}
	got, err := Baseline(ctx, []string{addr}, "t", "g", int64(len(d.Values)))
	if err != nil {
		t.Fatal(err)
	}
	if got.Records != int64(len(d.Values)) || got.Bytes != d.Bytes || got.RecordsPerSec <= 0 {
		t.Fatalf("baseline %+v, want %d records of %d bytes", got, len(d.Values), d.Bytes)
	}
	produced, err := kc.ProduceAtRate(ctx, "t", d, 0, 200, 1000)
	achieved := produced.Rate
	if len(produced.AckDelays) != 200 || slices.Min(produced.AckDelays) < 0 {
		t.Fatalf("ack delays: %d, min %v; want one per record, none negative", len(produced.AckDelays), slices.Min(produced.AckDelays))
	}
	if err != nil {
		t.Fatal(err)
	}
	if achieved < 500 || achieved > 1500 {
		t.Fatalf("ProduceAtRate achieved %.0f/s, want about 1000/s", achieved)
	}
	ok, lag, err := kc.Lag(ctx, "no-such-group", "t")
	if ok || lag != -1 {
		t.Fatalf("Lag of an unknown group = %v, %d, %v", ok, lag, err)
	}
}
