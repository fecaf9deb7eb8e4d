// Package screen runs compiled rule sets over records: a Stream owns the
// state of one partition (or one file) and screens its records in order —
// decode, enrich, update the per-account windows, evaluate the rules with one
// reused expr VM — then hands the batch's alerts to the Sink and its rejects
// to the DeadLetter, calling the batch's Done only when both are durable.
// `socwatch screen` (a file) and `socwatch run` (Kafka) go through the same
// Stream, which is why they produce the same alerts.
package screen
