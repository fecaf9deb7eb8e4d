// Package eval measures how well a rule pack separates labelled laundering
// from legitimate traffic, for analysts tuning rules (`socwatch eval`) and
// for `make quality`.
//
// Ground truth (Truth) comes from a `tx_id,typology[,attempt]` CSV (what
// `socwatch gen` writes), from IBM AMLworld's own columns (Is Laundering,
// Pattern ID, Pattern Family), or from AMLSim's nodes.csv isFraud flags,
// which label accounts rather than transactions. Screening goes through
// connectors/file.Replay — the code path of `socwatch screen` — so what is
// measured is what the engine does. Metrics (Compute) are counted per rule,
// per typology and overall: recall per laundering attempt and per
// transaction, precision of alerted transactions, alerts per 1,000
// transactions and the share of legitimate transactions alerted; with
// account labels, precision, recall and F1 of flagged accounts.
//
// Sweep varies each numeric literal of one rule (its `when` and the `where`
// and `over` of the aggregates it reads), re-screens with that rule alone
// and reports the precision/recall trade-off, as a table and as an SVG plot.
package eval
