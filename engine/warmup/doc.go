// Package warmup lets a new deployment build its state on history before it
// alerts. The default pack judges accounts against their own past (new
// counterparties, 90- and 365-day histories), so a deployment that starts
// screening a feed at its first record sees every account as new for its
// first weeks. Feeding months of history through the engine fills that
// past; Sink then withholds the alerts of transactions dated before the
// go-live time (config screen.alerts_from, --alerts-from), so analysts
// only see alerts from the cut on, judged against a full history.
//
// The cut is by the transaction's event time (Alert.TS), not by the clock
// or by when a record arrives, so it is deterministic: `socwatch screen`
// over a file and `socwatch run` over the same records withhold the same
// alerts. Withheld alerts are counted (OnWithheld) and their batches are
// acknowledged like any other, so the source commits their offsets: no
// record waits for an alert that will never be written.
//
// The cut sits at the edge, on the way out of the screener: every record
// is still screened, and windows, state and flow tracing see it.
package warmup
