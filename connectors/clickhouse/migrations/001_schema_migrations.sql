-- Bookkeeping for the migrations in this directory. Plain MergeTree: a
-- version recorded twice (two sinks starting at once) is harmless, readers
-- use DISTINCT.
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    UInt32,
    name       String,
    applied_at DateTime('UTC') DEFAULT now()
) ENGINE = MergeTree ORDER BY version;
