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
// A Store's state can be written key by key and read back exactly
// (EncodeKeys, DecodeKey, snapshot.go), for state checkpoints.
//
// The Stores of one partition share a KeyTable (keys.go): a screener looks
// a copy's account up once and passes the Key to every Store, each of which
// finds the key's state by its id in a slice instead of hashing the string
// again. Keys of up to 35 bytes sit in the table's map entry by value, so
// the lookup does not follow the string.
//
// Cost per copy: a key's state is a slot and one or two slices per Store,
// each a likely cache miss. Store.Touch reads them without changing
// anything, so a screener touching all of a copy's Stores first has the
// misses overlap; Store.ObserveLazy stores an event without computing a
// value the caller may never read (behaviour functions); and a new key's
// first slice is carved from a per-Store chunk (pool.go) instead of being
// an allocation of its own.
package window

// Behaviour functions (behaviour.go, novelty.go, hist.go, age.go,
// inflow.go) compare a key with its own past. Exact semantics at an event
// or read time ts, and memory (measured by TestBehaviourBytesPerKey for a
// retail account, two payments a week to six counterparties, key and map
// entry included):
//
//   - NewDistinct (new_distinct(f, lookback: L)): the number of distinct
//     hashes with an event in (ts-Over, ts] and none in (ts-Over-L, ts-Over].
//     Window events are kept exactly; a counterparty whose events left the
//     window is kept as (32-bit hash, last second seen), at most 64 per key:
//     beyond that the one seen longest ago is forgotten (Overflow) and reads
//     as new again (an overcount, only for keys with > 64 counterparties in
//     Over+L); a counterparty last seen within the second before
//     ts-Over-L reads as known. About 200 B per key.
//   - HistMean, HistP95, HistMax, HistCount (hist_*(f, recent: R)): the
//     mean, 95th percentile (nearest rank: the ceil(0.95 n)-th smallest),
//     maximum and number of the key's inputs with a time in
//     (ts-Over, ts-R], so the current event and the burst around it are
//     never their own baseline; 0 for an empty history. Events newer than
//     R (plus lateness) are kept exactly; older ones are folded into
//     buckets of W = Over/4 aligned to multiples of W since the epoch, each
//     keeping count, sum and its 3 largest inputs as float32. The history's
//     old edge is rounded to the bucket: it starts at the beginning of the
//     bucket holding ts-Over, i.e. between Over and Over+W back. P95 is
//     exact while the history has fewer than 60 inputs (the rank needed is
//     among each bucket's top 3); above, each bucket's unkept inputs count
//     at its third largest, so P95 reads an upper bound (never above the
//     max). Sums and inputs round to float32 (relative 6e-8). About 245 B
//     per key (at most 5 buckets of 24 B).
//   - Age (age): seconds from the key's first event to ts; the history
//     restarts with an event Over or more after the key's previous one (as
//     after eviction), and reads 0 then and for unknown keys. 16 B per key.
//   - InflowMatch (inflow_match(f, tolerance: X), by account, flow in): the
//     key keeps its 4 largest inflows of the last Over+lateness (time,
//     amount, origin account, tx id; a smaller one arriving at a full key is
//     dropped, Overflow). Read with an amount x by a transfer to party P, the
//     value is the amount a of the inflow in (ts-Over, ts] from another
//     party than P with |x-a| <= X*a, the closest amount winning, then the
//     latest; 0 when none. Path gives that inflow and the reading transfer
//     as hops, for the alert's explanation. Inflows from P are skipped: a
//     transfer back to where the money came from is a refund, not a hop.
//     About 160 B per key.
//
// All of them are per key and partition-local, so values do not depend on
// how keys are spread over partitions (stream == batch). Specs with one
// Spec.StateKey (hist_count and hist_max of one history, inflow_match with
// two origins) keep the same state: the screener lets such aggregates
// share one Store and reads it with Store.ValueWith.
