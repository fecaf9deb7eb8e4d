-- The analyst console's audit trail: every action on an alert or a case is
-- one appended row, never updated or deleted, so the table is the complete
-- history. The current state of an alert or case is the latest row of each
-- kind (argMax by seq). seq is the event time in nanoseconds, because `at`
-- (DateTime, seconds) cannot order two actions within one second and
-- DateTime64 does not exist on 18.16. case_id is empty for an event on an
-- alert outside any case; alert_id is empty for an event on a case alone.
-- `from` and `to` are the state before and after (status, assignee,
-- disposition, case membership), quoted because they are SQL keywords.
-- alert_ts and score are copied from the alert (they never change), so a
-- queue of triaged alerts (status in_review, escalated, closed) sorts and
-- pages from this table alone instead of probing a million alerts.
CREATE TABLE IF NOT EXISTS alert_events (
    event_id String,
    alert_id String,
    case_id  String,
    at       DateTime('UTC'),
    seq      UInt64,
    user     String,
    action   String,
    `from`   String,
    `to`     String,
    note     String,
    alert_ts DateTime('UTC'),
    score    UInt8
) ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (alert_id, case_id, seq);
