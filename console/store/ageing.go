package store

import (
	"context"
	"fmt"
	"time"
)

// AgeDays are the ages, in days, the untriaged queue is counted beyond.
var AgeDays = []int{1, 3, 7}

// QueueAge is how long the untriaged alerts (new: no status or
// disposition event yet) have waited, at At: how many there are, when
// the oldest reached the queue (zero: none), and how many have waited
// longer than each of AgeDays (OlderThan[i] for AgeDays[i]).
type QueueAge struct {
	At        time.Time `json:"at"`
	Untriaged uint64    `json:"untriaged"`
	Oldest    time.Time `json:"oldest,omitzero"`
	OlderThan []uint64  `json:"older_than"`
}

// OldestAge is how long the oldest untriaged alert has waited (0: none).
func (q *QueueAge) OldestAge() time.Duration {
	if q.Oldest.IsZero() {
		return 0
	}
	return q.At.Sub(q.Oldest)
}

// UntriagedAge measures the untriaged queue at now. An alert's wait is
// counted from when it was written (inserted_at), not from its
// transaction's time, which a replay or a late feed puts far in the past.
// It counts stored rows, as the queue's tab counts do: a copy a replay
// wrote is counted until ClickHouse merges it away; the oldest is the
// first copy's time.
func (s *Store) UntriagedAge(ctx context.Context, now time.Time) (*QueueAge, error) {
	now = now.UTC().Truncate(time.Second)
	q := "SELECT count(), min(inserted_at)"
	args := []any{}
	for _, d := range AgeDays {
		q += ", countIf(inserted_at < ?)"
		args = append(args, now.Add(-time.Duration(d)*24*time.Hour))
	}
	q += " FROM alerts WHERE alert_id NOT IN (SELECT alert_id FROM alert_events WHERE action IN ('status', 'dispose'))"
	out := &QueueAge{At: now, OlderThan: make([]uint64, len(AgeDays))}
	dest := []any{&out.Untriaged, &out.Oldest}
	for i := range out.OlderThan {
		dest = append(dest, &out.OlderThan[i])
	}
	if err := s.conn.QueryRow(ctx, q, args...).Scan(dest...); err != nil {
		return nil, fmt.Errorf("measure the untriaged queue: %w", err)
	}
	// min() of no rows is the epoch.
	out.Oldest = noEpoch(out.Oldest)
	return out, nil
}
