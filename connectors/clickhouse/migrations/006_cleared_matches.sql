-- The analyst console's cleared sanctions matches ("good-guy list"): an
-- analyst established that the customer holding `account` is not the listed
-- entity (`list`, `entity_id`) its name resembles, so later alerts of that
-- account against that entity are closed automatically, citing the
-- clearing. Append-only like alert_events: a clearing is one 'clear' row,
-- and a supervisor's revocation one 'revoke' row with the same
-- clearing_id; the current state is derived per clearing_id. alert_id is
-- the alert the match was cleared from. review_by is the date the clearing
-- lapses unless renewed (1970-01-01: none); DateTime, not Nullable, as
-- alert_events' alert_ts.
CREATE TABLE IF NOT EXISTS cleared_matches (
    clearing_id String,
    action      String,
    account     String,
    list        String,
    entity_id   String,
    entity_name String,
    alert_id    String,
    at          DateTime('UTC'),
    seq         UInt64,
    user        String,
    reason      String,
    review_by   DateTime('UTC')
) ENGINE = MergeTree
ORDER BY (account, entity_id, clearing_id, seq);
