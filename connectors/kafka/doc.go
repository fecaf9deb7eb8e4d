// Package kafka connects SOC-Watch to Apache Kafka with franz-go: Source is a
// consumer group that hands each assigned partition's records, in order, to
// its own engine processor and commits only the contiguous prefix of batches
// whose outputs are durable; DeadLetter produces rejected records, with their
// original key and value and the reason in headers, to a dead-letter topic;
// Rekeyer is the re-key stage that merges the input partitions in event-time
// order (a record dated beyond the future bound keeps its partition's
// previous place, see merger) and writes one copy of each transaction per perspective
// (debtor account, creditor account) to the internal topic keyed by that
// account. The package depends on engine only for the record and
// acknowledgement types; it never decodes transactions itself.
package kafka
