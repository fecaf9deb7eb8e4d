package window_test

import (
	"testing"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/window"
)

// TestFnMirrorsEngineAggFn guards the documented conversion window.Fn(aggFn):
// the package does not import engine, so the values must stay in step by hand.
func TestFnMirrorsEngineAggFn(t *testing.T) {
	tests := []struct {
		agg  engine.AggFn
		want window.Fn
	}{
		{engine.FnCount, window.Count},
		{engine.FnSum, window.Sum},
		{engine.FnAvg, window.Avg},
		{engine.FnMin, window.Min},
		{engine.FnMax, window.Max},
		{engine.FnDistinct, window.Distinct},
		{engine.FnSinceLast, window.SinceLast},
		{engine.FnNewDistinct, window.NewDistinct},
		{engine.FnHistMean, window.HistMean},
		{engine.FnHistP95, window.HistP95},
		{engine.FnHistMax, window.HistMax},
		{engine.FnHistCount, window.HistCount},
		{engine.FnAge, window.Age},
		{engine.FnInflowMatch, window.InflowMatch},
	}
	for _, tt := range tests {
		if got := window.Fn(tt.agg); got != tt.want {
			t.Errorf("window.Fn(engine AggFn %d) = %s, want %s", tt.agg, got, tt.want)
		}
	}
}
