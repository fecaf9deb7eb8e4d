package screen_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/screen"
)

// TestRejectedSeriesExistBeforeTheFirstReject: each reject reason is
// exported at 0 from the start, so that an alert on its rate sees the
// first rejected record.
func TestRejectedSeriesExistBeforeTheFirstReject(t *testing.T) {
	reg := prometheus.NewRegistry()
	screen.NewMetrics(reg)
	if n := testutil.CollectAndCount(reg, "socwatch_records_rejected_total"); n != len(engine.RejectReasons) {
		t.Fatalf("socwatch_records_rejected_total has %d series, want one per reason (%d: %v)", n, len(engine.RejectReasons), engine.RejectReasons)
	}
}
