// Package kafka connects SOC-Watch to Apache Kafka with franz-go: Source is a
// consumer group that hands each assigned partition's records, in order, to
// its own engine processor and commits only the contiguous prefix of batches
// whose outputs are durable; DeadLetter produces rejected records, with their
// original key and value and the reason in headers, to a dead-letter topic;
// Rekeyer is the re-key stage that merges the input partitions in event-time
// order (a record dated beyond the future bound keeps its partition's
// previous place, see merger) and writes one copy of each transaction per perspective
// (debtor account, creditor account) to the internal topic keyed by that
// account. Each input record is decoded once, when it is fetched, by the
// integrator's Prepare (connectors/canonical); the result travels with the
// record through the merge and gives the copies' keys and value (the
// enriched transaction in binary, named by the socwatch-encoding header),
// and each copy names its input record in one socwatch-source header
// (topic/partition@offset; screening also reads the three source headers
// of copies older builds wrote, and dead letters keep those three).
// The internal topic's batches are lz4-compressed.
//
// Topology: the re-key stage's consumer group (<group>-rekey) uses
// singleOwnerBalancer, which gives every input partition to the
// longest-lived member, so however many instances run, one merge orders the
// internal topic and alerts do not depend on instance count or timing; the
// other members stand by and take over when the owner leaves or dies. The
// throughput limit is one re-keyer's; screening (<group>, on the internal
// topic) scales over every instance. Records the stage cannot forward
// (over-size, refused by the broker for their own sake) go to the
// dead-letter topic instead of stopping it.
//
// State: with Config.CheckpointInterval set, the Source also checkpoints
// each partition's processor state (StateSnapshotter) to a compacted state
// topic and restores the newest complete checkpoint on assignment
// (Source.RestoreState, state.go; the format of its records is in
// state_manifest.go), falling back to replaying history (ReplayHistory).
//
// The package depends on engine only for the record and acknowledgement
// types; it never decodes transactions itself, and treats checkpoint
// chunks as opaque bytes.
package kafka
