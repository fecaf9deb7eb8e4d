-- One row per alert. alert_id is derived from (rule id, rule version, tx id),
-- so a replay after a crash writes the same id again; ReplacingMergeTree keeps
-- the newest copy (by inserted_at) once parts merge. It only dedups within a
-- partition: partitioning by the month of ts is safe because ts is the
-- transaction's own time, which the tx id (hence the alert id) determines, so
-- every copy of an alert lands in the same partition.
-- amount_eur is Decimal(38, 2) rather than Decimal(18, 2) so that every
-- engine.Decimal (int64 units) fits exactly after rounding to cents.
-- Plain String instead of LowCardinality: 18.16 needs a profile setting for it.
CREATE TABLE IF NOT EXISTS alerts (
    alert_id         String,
    rule_id          String,
    rule_version     UInt32,
    typology         String,
    severity         String,
    score            UInt8,
    mode             String,
    tx_id            String,
    ts               DateTime('UTC'),
    debtor_account   String,
    creditor_account String,
    debtor_country   String,
    creditor_country String,
    amount_eur       Decimal(38, 2),
    explanation      String,
    inserted_at      DateTime('UTC') DEFAULT now()
) ENGINE = ReplacingMergeTree(inserted_at)
PARTITION BY toYYYYMM(ts)
ORDER BY alert_id;
