// Package enginebench measures the screening engine without Kafka or
// ClickHouse: records already in memory as bytes go through decode, enrich,
// window updates and every rule of a pack, with alerts handed to a sink
// that discards them. It reports throughput on one core and on all cores,
// per-record cost for packs of different sizes, and the heap the windows
// hold per tracked key.
package enginebench
