package stats

import (
	"math"
	"os"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	hundred := make([]float64, 100)
	for i := range hundred {
		hundred[i] = float64(100 - i) // 100..1, unsorted on purpose
	}
	tests := []struct {
		name   string
		xs     []float64
		q      float64
		want   float64
		wantOK bool
	}{
		{"empty", nil, 0.5, 0, false},
		{"q below 0", []float64{1}, -0.1, 0, false},
		{"q above 1", []float64{1}, 1.1, 0, false},
		{"single", []float64{7}, 0.99, 7, true},
		{"median of 1..100", hundred, 0.5, 50, true},
		{"p99 of 1..100", hundred, 0.99, 99, true},
		{"p99.9 of 1..100 is the max", hundred, 0.999, 100, true},
		{"q 0 is the min", hundred, 0, 1, true},
		{"q 1 is the max", hundred, 1, 100, true},
		{"three values p50", []float64{3, 1, 2}, 0.5, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Percentile(tt.xs, tt.q)
			if ok != tt.wantOK || got != tt.want {
				t.Fatalf("Percentile(%v) = %v, %v; want %v, %v", tt.q, got, ok, tt.want, tt.wantOK)
			}
		})
	}
	if hundred[0] != 100 {
		t.Fatal("Percentile sorted its input in place")
	}
}

func TestHistogramQuantile(t *testing.T) {
	// 10 observations ≤ 0.1, 80 in (0.1, 0.2], 10 in (0.2, 0.4].
	h := Histogram{Buckets: []Bucket{{0.1, 10}, {0.2, 90}, {0.4, 100}, {math.Inf(1), 100}}, Count: 100}
	tests := []struct {
		name         string
		h            Histogram
		q            float64
		want, lo, hi float64
		wantOK       bool
	}{
		{"median interpolates in the second bucket", h, 0.5, 0.15, 0.1, 0.2, true},
		{"p05 in the first bucket from 0", h, 0.05, 0.05, 0, 0.1, true},
		{"p99 in the third bucket", h, 0.99, 0.38, 0.2, 0.4, true},
		{"p100 is the top of the last filled bucket", h, 1, 0.4, 0.2, 0.4, true},
		{"in +Inf returns highest finite bound", Histogram{Buckets: []Bucket{{1, 1}, {math.Inf(1), 2}}}, 0.99, 1, 1, math.Inf(1), true},
		{"empty", Histogram{Buckets: []Bucket{{1, 0}, {math.Inf(1), 0}}}, 0.5, 0, 0, 0, false},
		{"no buckets", Histogram{}, 0.5, 0, 0, 0, false},
		{"bad q", h, 2, 0, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, lo, hi, ok := tt.h.Quantile(tt.q)
			if ok != tt.wantOK || math.Abs(v-tt.want) > 1e-9 || lo != tt.lo || hi != tt.hi {
				t.Fatalf("Quantile(%v) = %v [%v, %v] %v; want %v [%v, %v] %v", tt.q, v, lo, hi, ok, tt.want, tt.lo, tt.hi, tt.wantOK)
			}
		})
	}
}

func TestParseHistogramAndSub(t *testing.T) {
	text, err := os.ReadFile("testdata/metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	h, ok, err := ParseHistogram(string(text), "socwatch_alert_latency_seconds")
	if err != nil || !ok {
		t.Fatalf("ParseHistogram: ok %v err %v", ok, err)
	}
	// Two label sets (table="alerts" and table="transactions") are summed.
	want := []Bucket{{0.001, 0}, {0.01, 3}, {0.1, 13}, {1, 19}, {math.Inf(1), 20}}
	if len(h.Buckets) != len(want) {
		t.Fatalf("buckets %v, want %v", h.Buckets, want)
	}
	for i := range want {
		if h.Buckets[i] != want[i] {
			t.Fatalf("bucket %d = %v, want %v", i, h.Buckets[i], want[i])
		}
	}
	if h.Count != 20 || math.Abs(h.Sum-3.5) > 1e-9 {
		t.Fatalf("count %v sum %v, want 20 and 3.5", h.Count, h.Sum)
	}
	if _, ok, _ := ParseHistogram(string(text), "no_such_metric"); ok {
		t.Fatal("found a histogram that is not there")
	}
	earlier := Histogram{Buckets: []Bucket{{0.001, 0}, {0.01, 3}, {0.1, 3}, {1, 3}, {math.Inf(1), 3}}, Count: 3, Sum: 0.01}
	d, err := h.Sub(earlier)
	if err != nil {
		t.Fatal(err)
	}
	if d.Buckets[1].Count != 0 || d.Buckets[2].Count != 10 || d.Count != 17 {
		t.Fatalf("Sub = %+v", d)
	}
	if _, err := h.Sub(Histogram{Buckets: []Bucket{{1, 1}}}); err == nil {
		t.Fatal("Sub of mismatched histograms: want error")
	}
	// One label set only: table="transactions".
	for _, c := range []struct {
		key, value string
		count      float64
		ok         bool
	}{{"table", "transactions", 4, true}, {"table", "alerts", 16, true}, {"table", "none", 0, false}, {"stage", "alerts", 0, false}} {
		h, ok, err := ParseHistogramWith(string(text), "socwatch_alert_latency_seconds", c.key, c.value)
		if err != nil || ok != c.ok || h.Count != c.count {
			t.Errorf("ParseHistogramWith(%s=%s) = count %v ok %v err %v, want count %v ok %v", c.key, c.value, h.Count, ok, err, c.count, c.ok)
		}
	}
	if _, _, err := ParseHistogram(`x_bucket{a="b"} 1`, "x"); err == nil {
		t.Fatal("bucket without le: want error")
	}
}

func TestRateAndRatio(t *testing.T) {
	if got := Rate(500, 2*time.Second); got != 250 {
		t.Fatalf("Rate = %v", got)
	}
	if got := Rate(500, 0); got != 0 {
		t.Fatalf("Rate over 0 = %v", got)
	}
	if got := Ratio(1, 4); got != 0.25 {
		t.Fatalf("Ratio = %v", got)
	}
	if got := Ratio(1, 0); got != 0 {
		t.Fatalf("Ratio by 0 = %v", got)
	}
}

func FuzzParseHistogram(f *testing.F) {
	if b, err := os.ReadFile("testdata/metrics.txt"); err == nil {
		f.Add(string(b))
	}
	f.Add(`h_bucket{le="+Inf"} 3` + "\n" + `h_bucket{le="0.5"} 1`)
	f.Add(`h_bucket{le="x"} 1`)
	f.Fuzz(func(t *testing.T, text string) {
		h, ok, err := ParseHistogram(text, "h")
		if err != nil || !ok {
			return
		}
		for i := 1; i < len(h.Buckets); i++ {
			if h.Buckets[i-1].UpperBound > h.Buckets[i].UpperBound {
				t.Fatalf("buckets not sorted: %v", h.Buckets)
			}
		}
		for _, q := range []float64{0, 0.5, 0.99, 1} {
			h.Quantile(q) // must not panic on any parsed input
		}
	})
}
