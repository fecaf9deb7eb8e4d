-- Every screened transaction, for drill-down from an alert (only written when
-- the sink runs with Options.Transactions). A transaction screened from two
-- perspectives (debtor and creditor) is written twice; ReplacingMergeTree on
-- tx_id folds the copies, and ts (fixed by tx_id) keeps copies in one
-- partition. amount keeps up to 12 fractional digits (crypto), exactly.
CREATE TABLE IF NOT EXISTS transactions (
    tx_id            String,
    ts               DateTime('UTC'),
    amount           Decimal(38, 12),
    currency         String,
    amount_eur       Decimal(38, 2),
    debtor_account   String,
    debtor_name      String,
    debtor_country   String,
    creditor_account String,
    creditor_name    String,
    creditor_country String,
    channel          String,
    cross_border     UInt8,
    inserted_at      DateTime('UTC') DEFAULT now()
) ENGINE = ReplacingMergeTree(inserted_at)
PARTITION BY toYYYYMM(ts)
ORDER BY tx_id;
