package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Clearing is a cleared sanctions match: an analyst established that the
// customer holding Account is not the listed entity (List, EntityID) its
// name resembles. While it is active, alerts of that account against that
// entity are closed automatically (the console's sweep), citing it.
type Clearing struct {
	ID         string    `json:"clearing_id"`
	Account    string    `json:"account"`
	List       string    `json:"list"`
	EntityID   string    `json:"entity_id"`
	EntityName string    `json:"entity_name"`
	AlertID    string    `json:"alert_id"` // the alert it was cleared from
	User       string    `json:"user"`
	At         time.Time `json:"at"`
	Reason     string    `json:"reason"`
	// ReviewBy is when the clearing lapses unless cleared again (zero:
	// never): a customer's circumstances change, so screening practice
	// reviews standing exceptions.
	ReviewBy     time.Time `json:"review_by,omitzero"`
	Revoked      bool      `json:"revoked"`
	RevokedBy    string    `json:"revoked_by,omitempty"`
	RevokedAt    time.Time `json:"revoked_at,omitzero"`
	RevokeReason string    `json:"revoke_reason,omitempty"`
}

// Active reports whether c closes alerts at now: not revoked, and not past
// its review date.
func (c *Clearing) Active(now time.Time) bool {
	return !c.Revoked && (c.ReviewBy.IsZero() || now.Before(c.ReviewBy))
}

// Clearing actions, the action column of cleared_matches.
const (
	clearAction  = "clear"
	revokeAction = "revoke"
)

// AddClearing records c (one appended row) and fills its ID and At. It
// returns once ClickHouse has the row.
func (s *Store) AddClearing(ctx context.Context, c *Clearing) error {
	c.ID = NewID()
	now := s.now().UTC()
	c.At = now.Truncate(time.Second)
	return s.appendClearing(ctx, clearAction, c, c.User, c.Reason, now)
}

// RevokeClearing records that user revoked clearing c for reason.
func (s *Store) RevokeClearing(ctx context.Context, c *Clearing, user, reason string) error {
	return s.appendClearing(ctx, revokeAction, c, user, reason, s.now().UTC())
}

func (s *Store) appendClearing(ctx context.Context, action string, c *Clearing, user, reason string, now time.Time) error {
	review := c.ReviewBy.UTC()
	if c.ReviewBy.IsZero() {
		review = epoch
	}
	// A one-row batch: the native protocol sends INSERT data as a block,
	// not as bound VALUES.
	batch, err := s.conn.PrepareBatch(ctx, `INSERT INTO cleared_matches (clearing_id, action, account, list, entity_id,
		entity_name, alert_id, at, seq, user, reason, review_by)`)
	if err != nil {
		return fmt.Errorf("prepare cleared match %s: %w", action, err)
	}
	if err := batch.Append(c.ID, action, c.Account, c.List, c.EntityID, c.EntityName, c.AlertID, now.Truncate(time.Second),
		s.nextSeq(now), user, reason, review); err != nil {
		_ = batch.Abort()
		return fmt.Errorf("append cleared match %s: %w", action, err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert cleared match %s: %w", action, err)
	}
	return nil
}

// ClearingEventID and RevocationEventID are the ids of the trail events
// (alert_events) that record clearing id and its revocation. ClickHouse
// 18.16 cannot insert into two tables atomically, so a clearing's row and
// its trail event are two inserts; derived ids make the event safe to
// append again when the console cannot tell whether it was
// (RecordedEvents).
func ClearingEventID(id string) string { return id }

// RevocationEventID: see ClearingEventID.
func RevocationEventID(id string) string {
	sum := sha256.Sum256([]byte("revoke " + id))
	return hex.EncodeToString(sum[:16])
}

// RecordedEvents returns which of eventIDs, events on the alerts
// alertIDs, the trail holds. The trail is ordered by alert id, so this
// reads those alerts' events alone: its cost does not grow with the
// trail (the sweep asks it about clearings' events every run).
func (s *Store) RecordedEvents(ctx context.Context, alertIDs, eventIDs []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(alertIDs) == 0 || len(eventIDs) == 0 {
		return out, nil
	}
	q := "SELECT DISTINCT event_id FROM alert_events WHERE alert_id IN " + inList(len(alertIDs)) + " AND event_id IN " + inList(len(eventIDs))
	rows, err := s.conn.Query(ctx, q, append(strArgs(alertIDs), strArgs(eventIDs)...)...)
	if err != nil {
		return nil, fmt.Errorf("query recorded events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan recorded event: %w", err)
		}
		out[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read recorded events: %w", err)
	}
	return out, nil
}

// clearingSQL derives each clearing's state from its rows.
const clearingSQL = `SELECT clearing_id,
	argMaxIf(account, seq, action = 'clear'), argMaxIf(list, seq, action = 'clear'),
	argMaxIf(entity_id, seq, action = 'clear'), argMaxIf(entity_name, seq, action = 'clear'),
	argMaxIf(alert_id, seq, action = 'clear'), argMaxIf(user, seq, action = 'clear'),
	minIf(at, action = 'clear') AS cleared_at, argMaxIf(reason, seq, action = 'clear'),
	argMaxIf(review_by, seq, action = 'clear'),
	countIf(action = 'revoke') > 0, argMaxIf(user, seq, action = 'revoke'),
	maxIf(at, action = 'revoke'), argMaxIf(reason, seq, action = 'revoke')
FROM cleared_matches`

// Clearings returns every clearing, newest first.
func (s *Store) Clearings(ctx context.Context) ([]Clearing, error) {
	return s.queryClearings(ctx, clearingSQL+" GROUP BY clearing_id HAVING countIf(action = 'clear') > 0 ORDER BY cleared_at DESC, clearing_id")
}

// ClearingByID returns one clearing.
func (s *Store) ClearingByID(ctx context.Context, id string) (*Clearing, error) {
	if !ValidAlertID(id) { // the same random hex ids as events and cases
		return nil, ErrNotFound
	}
	cs, err := s.queryClearings(ctx, clearingSQL+" WHERE clearing_id = ? GROUP BY clearing_id HAVING countIf(action = 'clear') > 0", id)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, ErrNotFound
	}
	return &cs[0], nil
}

func (s *Store) queryClearings(ctx context.Context, q string, args ...any) ([]Clearing, error) {
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query cleared matches: %w", err)
	}
	defer rows.Close()
	out := []Clearing{}
	for rows.Next() {
		var c Clearing
		if err := rows.Scan(&c.ID, &c.Account, &c.List, &c.EntityID, &c.EntityName, &c.AlertID, &c.User, &c.At, &c.Reason,
			&c.ReviewBy, &c.Revoked, &c.RevokedBy, &c.RevokedAt, &c.RevokeReason); err != nil {
			return nil, fmt.Errorf("scan cleared match: %w", err)
		}
		c.At, c.ReviewBy, c.RevokedAt = c.At.UTC(), noEpoch(c.ReviewBy), noEpoch(c.RevokedAt)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read cleared matches: %w", err)
	}
	return out, nil
}

// noEpoch is t in UTC, or the zero time for the epoch that stands for
// "none" in a DateTime column.
func noEpoch(t time.Time) time.Time {
	if !t.After(epoch) {
		return time.Time{}
	}
	return t.UTC()
}

// UntriagedWith returns the new alerts (no status or
// disposition event yet) of the given accounts, either side, whose
// explanation contains one of needles, oldest first, with their
// explanation and state. The account condition is read first (PREWHERE),
// so only those accounts' alerts are decompressed.
func (s *Store) UntriagedWith(ctx context.Context, accounts, needles []string) ([]Alert, error) {
	if len(accounts) == 0 || len(needles) == 0 {
		return []Alert{}, nil
	}
	in := inList(len(accounts))
	// multiSearchAny is younger than ClickHouse 18.16.
	found := strings.TrimSuffix(strings.Repeat("position(explanation, ?) > 0 OR ", len(needles)), " OR ")
	q := "SELECT " + alertCols + ", explanation FROM alerts PREWHERE debtor_account IN " + in + " OR creditor_account IN " + in +
		" WHERE (" + found + ") AND alert_id NOT IN (SELECT alert_id FROM alert_events WHERE action IN ('status', 'dispose'))" +
		" ORDER BY ts, alert_id LIMIT 1 BY alert_id"
	args := append(strArgs(accounts), strArgs(accounts)...)
	return s.queryAlerts(ctx, "untriaged alerts", q, append(args, strArgs(needles)...), true)
}

// AutoUser is the user of the events the console appends on its own
// (closing alerts of a cleared match): not a valid users-file name, so no
// person can be mistaken for it.
const AutoUser = "(automatic)"

// ClearedMatch is the disposition of an alert closed because its match
// was cleared.
const ClearedMatch = "cleared_match"
