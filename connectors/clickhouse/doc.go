// Package clickhouse is the alert sink that writes screened alerts (and,
// optionally, every screened transaction) to ClickHouse over the native
// protocol. It implements engine.Sink: Write takes ownership of a batch of
// alerts, rows are buffered and inserted in batches, and each Write's done is
// called exactly once, in the order the Writes arrived, only after every row
// of that Write is durably inserted. When ClickHouse is unreachable the sink
// retries with backoff, reports itself not ready, and blocks Write once its
// buffer is full so the Kafka consumer stops taking records instead of
// buffering without bound. Tables live in embedded migrations that are valid
// on ClickHouse 18.16 and on current releases; alert ids are deterministic and
// the alerts table is a ReplacingMergeTree, so replays dedup in the
// alerts_dedup view that analysts read.
package clickhouse
