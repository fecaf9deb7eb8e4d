package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// Event is one row of the audit trail.
type Event struct {
	ID      string    `json:"event_id"`
	AlertID string    `json:"alert_id,omitempty"`
	CaseID  string    `json:"case_id,omitempty"`
	At      time.Time `json:"at"`
	Seq     uint64    `json:"seq"`
	User    string    `json:"user"`
	Action  string    `json:"action"`
	From    string    `json:"from"`
	To      string    `json:"to"`
	Note    string    `json:"note,omitempty"`
	// AlertTS and Score are the alert's, copied so triaged queues sort
	// from the events alone.
	AlertTS time.Time `json:"-"`
	Score   uint8     `json:"-"`
}

const eventCols = "event_id, alert_id, case_id, at, seq, user, action, `from`, `to`, note"

var epoch = time.Unix(0, 0).UTC()

// NewID returns a random 16-byte hex id (events and cases).
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // the OS has no entropy source: nothing is safe
	}
	return hex.EncodeToString(b[:])
}

// Append writes events as one insert block, so they land together or not
// at all, and returns only once ClickHouse has accepted them: an action
// acknowledged to the analyst survives the console's death. It fills each
// event's At and Seq, and its ID unless set: an event that may be
// appended twice (a clearing's, by its request and by the sweep's
// reconciliation) carries an id derived from what it records, and the
// trail reads each id once.
func (s *Store) Append(ctx context.Context, evs []Event) error {
	if len(evs) == 0 {
		return nil
	}
	batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO alert_events ("+eventCols+", alert_ts, score)")
	if err != nil {
		return fmt.Errorf("prepare event insert: %w", err)
	}
	sent := false
	defer func() {
		if !sent {
			_ = batch.Abort()
		}
	}()
	now := s.now().UTC()
	for i := range evs {
		e := &evs[i]
		if e.ID == "" {
			e.ID = NewID()
		}
		e.At = now.Truncate(time.Second)
		e.Seq = s.nextSeq(now)
		ats := e.AlertTS.UTC()
		if ats.Before(epoch) {
			ats = epoch // case events have no alert
		}
		if err := batch.Append(e.ID, e.AlertID, e.CaseID, e.At, e.Seq, e.User, e.Action, e.From, e.To, e.Note, ats, e.Score); err != nil {
			return fmt.Errorf("append event: %w", err)
		}
	}
	if batch.Rows() != len(evs) {
		return fmt.Errorf("event batch holds %d rows, want %d", batch.Rows(), len(evs))
	}
	sent = true
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d events: %w", len(evs), err)
	}
	return nil
}

func (s *Store) queryEvents(ctx context.Context, q string, args ...any) ([]Event, error) {
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query events: %w", err)
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.ID, &e.AlertID, &e.CaseID, &e.At, &e.Seq, &e.User, &e.Action, &e.From, &e.To, &e.Note); err != nil {
			return nil, fmt.Errorf("scan event: %w", err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return out, nil
}

// AlertEvents returns an alert's history, oldest first, each event once
// (the first appended, of an id appended twice).
func (s *Store) AlertEvents(ctx context.Context, alertID string) ([]Event, error) {
	return s.queryEvents(ctx, "SELECT "+eventCols+" FROM alert_events PREWHERE alert_id = ? ORDER BY seq LIMIT 1 BY event_id", alertID)
}

// CaseEvents returns a case's timeline, oldest first, each event once:
// the case's own events and every event on its alerts while they
// belonged to it.
func (s *Store) CaseEvents(ctx context.Context, caseID string) ([]Event, error) {
	return s.queryEvents(ctx, "SELECT "+eventCols+" FROM alert_events WHERE case_id = ? ORDER BY seq LIMIT 1 BY event_id", caseID)
}

// Case is a case's current state.
type Case struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Status   string    `json:"status"`
	Owner    string    `json:"owner"`
	Assignee string    `json:"assignee"`
	Opened   time.Time `json:"opened"`
	Updated  time.Time `json:"updated"`
	Reason   string    `json:"reason"`
	Action   string    `json:"action_taken"`
	AlertIDs []string  `json:"alert_ids"`
}

// caseSQL derives each case's state from its events.
const caseSQL = `SELECT case_id,
	argMaxIf(note, seq, action = 'case_open') AS title,
	argMaxIf(` + "`to`" + `, seq, action IN ('case_open', 'case_status')) AS status,
	argMaxIf(user, seq, action = 'case_open') AS owner,
	argMaxIf(` + "`to`" + `, seq, action = 'case_assign') AS assignee,
	min(at) AS opened, max(at) AS updated,
	argMaxIf(note, seq, action = 'case_reason') AS reason,
	argMaxIf(note, seq, action = 'case_action') AS action_taken
FROM alert_events WHERE case_id != ''`

func scanCase(r scanner, c *Case) error {
	if err := r.Scan(&c.ID, &c.Title, &c.Status, &c.Owner, &c.Assignee, &c.Opened, &c.Updated, &c.Reason, &c.Action); err != nil {
		return fmt.Errorf("scan case: %w", err)
	}
	c.Opened, c.Updated = c.Opened.UTC(), c.Updated.UTC()
	return nil
}

// Cases lists the cases, most recently updated first.
func (s *Store) Cases(ctx context.Context, limit int) ([]Case, error) {
	rows, err := s.conn.Query(ctx, "SELECT * FROM ("+caseSQL+" GROUP BY case_id) WHERE title != '' ORDER BY updated DESC, case_id LIMIT ?", limit)
	if err != nil {
		return nil, fmt.Errorf("query cases: %w", err)
	}
	defer rows.Close()
	out := []Case{}
	for rows.Next() {
		var c Case
		if err := scanCase(rows, &c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	return out, nil
}

// Case returns one case with the ids of its alerts.
func (s *Store) Case(ctx context.Context, id string) (*Case, error) {
	if !ValidAlertID(id) {
		return nil, ErrNotFound
	}
	var c Case
	if err := scanCase(s.conn.QueryRow(ctx, caseSQL+" AND case_id = ? GROUP BY case_id", id), &c); err != nil {
		return nil, ErrNotFound
	}
	if c.Title == "" {
		return nil, ErrNotFound
	}
	rows, err := s.conn.Query(ctx, `SELECT alert_id FROM alert_events WHERE alert_id IN
		(SELECT alert_id FROM alert_events WHERE action = 'case_add' AND `+"`to`"+` = ?)
		AND action IN ('case_add', 'case_remove') GROUP BY alert_id HAVING argMax(`+"`to`"+`, seq) = ? ORDER BY alert_id`, id, id)
	if err != nil {
		return nil, fmt.Errorf("query case alerts: %w", err)
	}
	defer rows.Close()
	c.AlertIDs = []string{}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, fmt.Errorf("scan case alert: %w", err)
		}
		c.AlertIDs = append(c.AlertIDs, a)
	}
	return &c, rows.Err()
}
