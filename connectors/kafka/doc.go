// Package kafka connects SOC-Watch to Apache Kafka with franz-go: Source is a
// consumer group that hands each assigned partition's records, in order, to
// its own engine processor and commits only the contiguous prefix of batches
// whose outputs are durable; DeadLetter produces rejected records, with their
// original key and value and the reason in headers, to a dead-letter topic;
// Rekeyer is the re-key stage that merges the input partitions in event-time
// order (a record dated beyond the future bound keeps its partition's
// previous place, see merger) and writes one copy of each transaction per perspective
// (debtor account, creditor account) to the internal topic keyed by that
// account. With Config.CheckpointInterval set, the Source also checkpoints
// each partition's processor state (StateSnapshotter) to a compacted state
// topic and restores the newest complete checkpoint on assignment
// (Source.RestoreState, state.go; the format of its records is in
// state_manifest.go), falling back to replaying history (ReplayHistory).
// The package depends on engine only for the record and acknowledgement
// types; it never decodes transactions itself, and treats checkpoint
// chunks as opaque bytes.
package kafka
