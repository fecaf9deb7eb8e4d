// Package window keeps per-key sliding event-time windows for AML aggregates
// (count, sum, avg, min, max, distinct, time since last) in memory, one Store
// per aggregate per partition, owned by a single worker. The window of an
// event at time ts is the half-open interval (ts-Over, ts]: an event exactly
// Over before ts is OUT, an event at the same ts is IN, and the event being
// observed is IN its own window (peers get this wrong). Windows are exact, not
// bucketed: every event inside the window is kept with its own timestamp and
// input, so values do not depend on bucket boundaries, on when Evict runs, or
// on how keys are spread over partitions. Events may arrive out of order by up
// to Spec.Lateness behind the key's newest event and are placed at their time
// position; older ones are late, counted and not stored. Memory per key is
// bounded by the events inside Over+Lateness and by Spec.MaxEvents: beyond the
// cap the oldest event is dropped and counted in Overflow, after which values
// whose window reached back to dropped events undercount. Distinct compares
// 64-bit hashes (HashString), so two values colliding in 64 bits count once.
package window
