// Package handover measures a screening partition's handover against a
// real broker: the time from its assignment to the first record it
// screens when its state (one partition holding N accounts) is restored
// from a checkpoint in the state topic, against rebuilding it by replaying
// the partition's history; and the state's bytes per account, in a
// checkpoint and in memory. It drives connectors/kafka's Source (the
// checkpointer and RestoreState) and engine/screen's Stream as `socwatch
// run` does, in process, without ClickHouse (alerts are dropped).
package handover
