-- What analysts and tests read: one row per alert id even before background
-- merges have run. FINAL inside a view works on 18.16 and current releases.
CREATE VIEW IF NOT EXISTS alerts_dedup AS
SELECT
    alert_id, rule_id, rule_version, typology, severity, score, mode, tx_id, ts,
    debtor_account, creditor_account, debtor_country, creditor_country,
    amount_eur, explanation, inserted_at
FROM alerts FINAL;
