// Package screen runs compiled rule sets over records: a Stream owns the
// state of one partition (or one file) and screens its records in order —
// decode, enrich, update the per-account windows, evaluate the rules with one
// reused expr VM — then hands the batch's alerts to the Sink and its rejects
// to the DeadLetter, calling the batch's Done only when both are durable.
// `socwatch screen` (a file) and `socwatch run` (Kafka) go through the same
// Stream, which is why they produce the same alerts.
//
// # Records dated in the future
//
// A Screener keeps one event-time watermark per stream (the newest ts it
// screened): it drives idle-key eviction, and each key's windows judge
// lateness against the key's newest event. One record dated a year ahead
// would move both a year forward — every key evicted at the next sweep, the
// key's later events late — so Stream refuses, right after decoding, a
// record whose ts is more than TimeBounds.Ahead
// (config screen.future_bound, default 96h) ahead of the watermark, or more
// than TimeBounds.WallClock (screen.wall_clock_bound, off by default) ahead
// of the clock. It goes to the DeadLetter (the DLQ topic, or --rejects)
// with reason ts_future and touches no window, no watermark, no eviction
// and no duplicate set, so the alerts are those of the feed without it. A
// stream with no watermark yet checks only the clock.
//
// A feed that resumes after a silence longer than the bound is not refused
// for ever: eventtime.RecoverAfter (8) records in a row beyond the bound,
// within the bound of each other and not beyond the clock, move the
// watermark to the earliest of them; those 8 stay in the DLQ with reason
// ts_future (replay them from there), the records after them are screened.
// socwatch_event_time_jumps_total counts such moves. The decision depends
// only on the sequence of ts values a stream sees (and on the clock when
// the wall-clock bound is set). In `socwatch screen` the stream judges
// against the file's watermark. In `socwatch run` the re-key stage judges
// each transaction against the feed's merged event time (the same order
// the file has) and dead-letters future ones itself, so streams of
// <topic>.by-account run with Ahead < 0 (only the wall-clock bound): an
// internal partition's own watermark sees gaps the feed does not have.
// Raise screen.future_bound for feeds with longer silences, or set it to 0
// to turn the check off. Rule fixtures (rules test) run without it.
//
// Checkpoints (checkpoint.go): Stream.SnapshotState encodes everything a
// stream's alerts depend on — windows, the event-time guard, the
// duplicate filter, the eviction countdown — in framed, checksummed
// chunks, and Stream.RestoreState puts it back under the current rules, so
// a restored stream raises exactly the alerts the original would have.
package screen
