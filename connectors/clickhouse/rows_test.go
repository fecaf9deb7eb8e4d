package clickhouse

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine"
)

func TestChDecimal(t *testing.T) {
	tests := []struct {
		in    engine.Decimal
		scale int32
		want  string
	}{
		{engine.Decimal{Units: 1499999, Scale: 2}, 2, "14999.99"},
		{engine.Decimal{Units: 5, Scale: 0}, 2, "5.00"},
		{engine.Decimal{Units: 1005, Scale: 3}, 2, "1.01"},   // half away from zero
		{engine.Decimal{Units: -1005, Scale: 3}, 2, "-1.01"}, // symmetric for negatives
		{engine.Decimal{Units: 1004, Scale: 3}, 2, "1.00"},
		{engine.Decimal{Units: 12345678, Scale: 8}, 12, "0.123456780000"},
		{engine.Decimal{Units: math.MaxInt64, Scale: 0}, 2, "9223372036854775807.00"},
		{engine.Decimal{Units: math.MinInt64, Scale: 12}, 2, "-9223372.04"},
	}
	for _, tt := range tests {
		if got := chDecimal(tt.in, tt.scale).StringFixed(tt.scale); got != tt.want {
			t.Errorf("chDecimal(%s, %d) = %s, want %s", tt.in, tt.scale, got, tt.want)
		}
	}
}

func TestClampDateTime(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{"zero", time.Time{}, time.Unix(0, 0).UTC()},
		{"before epoch", time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), time.Unix(0, 0).UTC()},
		{"in range, other zone", time.Date(2024, 1, 1, 1, 0, 0, 0, cet), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"after 2106", time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC), maxDateTime},
	}
	for _, tt := range tests {
		got := clampDateTime(tt.in)
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("%s: clampDateTime(%v) = %v, want %v in UTC", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestClampUint(t *testing.T) {
	tests := []struct {
		v    int
		max  uint64
		want uint64
	}{
		{-1, 255, 0}, {0, 255, 0}, {70, 255, 70}, {255, 255, 255}, {256, 255, 255}, {math.MaxInt, math.MaxUint32, math.MaxUint32},
	}
	for _, tt := range tests {
		if got := clampUint(tt.v, tt.max); got != tt.want {
			t.Errorf("clampUint(%d, %d) = %d, want %d", tt.v, tt.max, got, tt.want)
		}
	}
}

func TestExplanationJSON(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]any
		want map[string]any
	}{
		{"nil", nil, map[string]any{}},
		{"plain", map[string]any{"n": 3, "s": "x"}, map[string]any{"n": 3.0, "s": "x"}},
		{"nan and inf", map[string]any{"avg": math.NaN(), "max": math.Inf(1), "n": 2},
			map[string]any{"avg": "NaN", "max": "+Inf", "n": 2.0}},
		{"channel", map[string]any{"c": make(chan int), "ok": true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := explanationJSON(tt.in)
			var back map[string]any
			if err := json.Unmarshal([]byte(got), &back); err != nil {
				t.Fatalf("explanationJSON = %q, not JSON: %v", got, err)
			}
			if len(back) != len(tt.in) {
				t.Fatalf("explanationJSON = %s: %d keys, want %d", got, len(back), len(tt.in))
			}
			for k, v := range tt.want {
				if back[k] != v {
					t.Errorf("key %s = %v, want %v", k, back[k], v)
				}
			}
		})
	}
}

func TestAlertValuesColumnCount(t *testing.T) {
	a := engine.Alert{AlertID: "a", RuleVersion: -3, Score: 1000, AmountEUR: engine.Decimal{Units: 1, Scale: 0}}
	vals := make([]any, alertColumns)
	alertValues(&a, vals)
	for i, v := range vals {
		if v == nil {
			t.Errorf("column %d left nil", i)
		}
	}
	if vals[2] != uint32(0) || vals[5] != uint8(255) {
		t.Errorf("rule_version, score = %v, %v; want clamped 0, 255", vals[2], vals[5])
	}
	tx := engine.Tx{TxID: "t", CrossBorder: true}
	tvals := make([]any, txColumns)
	txValues(&tx, tvals)
	for i, v := range tvals {
		if v == nil {
			t.Errorf("tx column %d left nil", i)
		}
	}
	if tvals[12] != uint8(1) {
		t.Errorf("cross_border = %v, want 1", tvals[12])
	}
}

// FuzzExplanationJSON: whatever an explanation holds, the stored text is a
// JSON object with the same keys.
func FuzzExplanationJSON(f *testing.F) {
	f.Add("k", "v", 1.5, int64(3))
	f.Add("", "\xff\xfe", math.NaN(), int64(-1))
	f.Add("a\x00b", "ł", math.Inf(-1), int64(math.MaxInt64))
	f.Fuzz(func(t *testing.T, k1, s string, fl float64, n int64) {
		m := map[string]any{k1: s, k1 + "_f": fl, k1 + "_n": n, k1 + "_l": []any{fl, s}}
		got := explanationJSON(m)
		var back map[string]any
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Fatalf("explanationJSON(%v) = %q: not JSON: %v", m, got, err)
		}
		if len(back) != len(m) {
			t.Fatalf("explanationJSON(%v) = %q: %d keys, want %d", m, got, len(back), len(m))
		}
	})
}

func BenchmarkAlertValues(b *testing.B) {
	alerts := makeAlerts(0, 1000)
	vals := make([]any, alertColumns)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		alertValues(&alerts[i%len(alerts)], vals)
	}
}
