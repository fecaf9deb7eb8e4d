package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Alert is one alert with its current triage state.
type Alert struct {
	ID              string          `json:"alert_id"`
	RuleID          string          `json:"rule_id"`
	RuleVersion     uint32          `json:"rule_version"`
	Typology        string          `json:"typology"`
	Severity        string          `json:"severity"`
	Score           uint8           `json:"score"`
	Mode            string          `json:"mode"`
	TxID            string          `json:"tx_id"`
	TS              time.Time       `json:"ts"`
	DebtorAccount   string          `json:"debtor_account"`
	CreditorAccount string          `json:"creditor_account"`
	DebtorCountry   string          `json:"debtor_country"`
	CreditorCountry string          `json:"creditor_country"`
	AmountEUR       string          `json:"amount_eur"`
	Explanation     json.RawMessage `json:"explanation,omitempty"`
	State
}

// State is an alert's triage state, derived from its events.
type State struct {
	Status      string `json:"status"`
	Assignee    string `json:"assignee"`
	Disposition string `json:"disposition,omitempty"`
	CaseID      string `json:"case_id,omitempty"`
}

// Statuses in workflow order; an alert without events is new.
var Statuses = []string{"new", "in_review", "escalated", "closed"}

// Severities the rule packs use.
var Severities = []string{"low", "medium", "high", "critical"}

// Sort orders of the queue.
const (
	SortTime  = "time"
	SortScore = "score"
)

// Filter selects alerts for the queue. Empty fields do not filter.
type Filter struct {
	Status   string
	Typology string
	Severity string
	Rule     string
	Account  string
	Assignee string
	From, To time.Time
	Sort     string // SortTime (default) or SortScore
	Limit    int
	Cursor   string
}

// ErrBadFilter marks a filter the caller must fix (HTTP 400).
var ErrBadFilter = errors.New("bad filter")

// token is what free-text filters may contain: ids, account numbers and
// names of rules and typologies. Anything else cannot match a stored value
// the engine writes, so it is refused rather than sent to the database.
var token = regexp.MustCompile(`^[\p{L}\p{N}_.:@/ -]{1,128}$`)

// MaxLimit bounds a page.
const MaxLimit = 500

// Validate checks f and fills defaults.
func (f *Filter) Validate() error {
	if f.Status != "" && !contains(Statuses, f.Status) {
		return fmt.Errorf("%w: status must be one of %s", ErrBadFilter, strings.Join(Statuses, ", "))
	}
	if f.Severity != "" && !contains(Severities, f.Severity) {
		return fmt.Errorf("%w: severity must be one of %s", ErrBadFilter, strings.Join(Severities, ", "))
	}
	for name, v := range map[string]string{"typology": f.Typology, "rule": f.Rule, "account": f.Account, "assignee": f.Assignee} {
		if v != "" && !token.MatchString(v) {
			return fmt.Errorf("%w: %s has characters no stored value has", ErrBadFilter, name)
		}
	}
	switch f.Sort {
	case "":
		f.Sort = SortTime
	case SortTime, SortScore:
	default:
		return fmt.Errorf("%w: sort must be time or score", ErrBadFilter)
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 1 || f.Limit > MaxLimit {
		return fmt.Errorf("%w: limit must be 1..%d", ErrBadFilter, MaxLimit)
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return fmt.Errorf("%w: to is before from", ErrBadFilter)
	}
	return nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// cursor is the position after the last alert of a page (keyset paging):
// the sort key of that alert.
type cursor struct {
	Score uint8  `json:"s"`
	TS    int64  `json:"t"`
	ID    string `json:"i"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

var alertID = regexp.MustCompile(`^[0-9a-f]{1,64}$`)

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 256 {
		return c, fmt.Errorf("%w: cursor", ErrBadFilter)
	}
	if err := json.Unmarshal(b, &c); err != nil || !alertID.MatchString(c.ID) {
		return c, fmt.Errorf("%w: cursor", ErrBadFilter)
	}
	return c, nil
}

// ValidAlertID reports whether id has the shape engine.AlertID produces.
func ValidAlertID(id string) bool { return alertID.MatchString(id) }

// alertCols is the column list every alert read uses, in scanAlert order.
const alertCols = `alert_id, rule_id, rule_version, typology, severity, score, mode, tx_id, ts,
	debtor_account, creditor_account, debtor_country, creditor_country, toString(amount_eur)`

type scanner interface{ Scan(dest ...any) error }

func scanAlert(r scanner, a *Alert, extra ...any) error {
	dst := append([]any{&a.ID, &a.RuleID, &a.RuleVersion, &a.Typology, &a.Severity, &a.Score, &a.Mode, &a.TxID, &a.TS,
		&a.DebtorAccount, &a.CreditorAccount, &a.DebtorCountry, &a.CreditorCountry, &a.AmountEUR}, extra...)
	if err := r.Scan(dst...); err != nil {
		return fmt.Errorf("scan alert: %w", err)
	}
	a.TS = a.TS.UTC()
	return nil
}

// scanExplainedAlert scans alertCols followed by the explanation, kept
// when it is valid JSON.
func scanExplainedAlert(r scanner, a *Alert) error {
	var expl string
	if err := scanAlert(r, a, &expl); err != nil {
		return err
	}
	if json.Valid([]byte(expl)) {
		a.Explanation = json.RawMessage(expl)
	}
	return nil
}

// stateSQL derives each alert's state from its events. A disposition only
// counts while the latest status event is the disposal (a reopened alert
// has none).
const stateSelect = `SELECT alert_id,
	` + statusExpr + ` AS status,
	` + assigneeExpr + ` AS assignee,
	` + dispositionExpr + ` AS disposition,
	argMaxIf(` + "`to`" + `, seq, action IN ('case_add', 'case_remove')) AS case_id
FROM alert_events`

// statusExpr and assigneeExpr aggregate an alert's events to its status
// (empty: new) and assignee.
const (
	statusExpr   = "argMaxIf(if(action = 'dispose', 'closed', `to`), seq, action IN ('status', 'dispose'))"
	assigneeExpr = "argMaxIf(`to`, seq, action = 'assign')"
	// dispositionExpr is the disposition of the latest status event:
	// empty unless that is the disposal.
	dispositionExpr = "argMaxIf(if(action = 'dispose', `to`, ''), seq, action IN ('status', 'dispose'))"
)

// stateSQL is stateSelect over every alert with events.
const stateSQL = stateSelect + " WHERE alert_id != ''"

// stateSQLFor is stateSQL for the alerts in an IN list, read with PREWHERE.
func stateSQLFor(in string) string {
	return stateSelect + " PREWHERE alert_id IN " + in
}

// where builds the shared WHERE clause of the queue and its counts.
func (f *Filter) where(withStatus bool) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, vals ...any) {
		conds = append(conds, cond)
		args = append(args, vals...)
	}
	if f.Typology != "" {
		add("typology = ?", f.Typology)
	}
	if f.Severity != "" {
		add("severity = ?", f.Severity)
	}
	if f.Rule != "" {
		add("rule_id = ?", f.Rule)
	}
	if f.Account != "" {
		add("(debtor_account = ? OR creditor_account = ?)", f.Account, f.Account)
	}
	if !f.From.IsZero() {
		add("ts >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("ts < ?", f.To.UTC())
	}
	if f.Assignee != "" {
		add("alert_id IN (SELECT alert_id FROM ("+stateSQL+" GROUP BY alert_id) WHERE assignee = ?)", f.Assignee)
	}
	if withStatus {
		switch f.Status {
		case "":
		case "new":
			add("alert_id NOT IN (SELECT alert_id FROM (" + stateSQL + " GROUP BY alert_id) WHERE status != '')")
		default:
			add("alert_id IN (SELECT alert_id FROM ("+stateSQL+" GROUP BY alert_id) WHERE status = ?)", f.Status)
		}
	}
	if len(conds) == 0 {
		return "1", nil
	}
	return strings.Join(conds, " AND "), args
}

// Page is one page of the queue.
type Page struct {
	Alerts []Alert `json:"alerts"`
	Next   string  `json:"next"`
}

// after is the keyset condition "sorts after c", over the columns (or
// aliases) holding the time and the score. The time is bound as a
// DateTime for a DateTime column (so partition pruning applies) and as
// unix seconds for a UInt32 alias.
func after(sort string, c cursor, tsCol, scoreCol string, asTime bool) (string, []any) {
	var t any = uint32(c.TS)
	if asTime {
		t = time.Unix(c.TS, 0).UTC()
	}
	if sort == SortScore {
		return "(" + scoreCol + " < ? OR (" + scoreCol + " = ? AND (" + tsCol + " < ? OR (" + tsCol + " = ? AND alert_id < ?))))", []any{c.Score, c.Score, t, t, c.ID}
	}
	return "(" + tsCol + " < ? OR (" + tsCol + " = ? AND alert_id < ?))", []any{t, t, c.ID}
}

// triagedOnly reports whether f selects by triage state and by nothing
// stored only in alerts, so the keys come from alert_events alone.
func (f *Filter) triagedOnly() bool {
	return f.Status != "" && f.Status != "new" && f.Typology == "" && f.Severity == "" && f.Rule == "" && f.Account == ""
}

// keysQuery is the query for the next fetch sort keys after pos.
func (f *Filter) keysQuery(pos *cursor, fetch int) (string, []any) {
	order := "t DESC, alert_id DESC"
	if f.Sort == SortScore {
		order = "sc DESC, t DESC, alert_id DESC"
	}
	tail := " ORDER BY " + order + " LIMIT " + strconv.Itoa(fetch)
	if f.triagedOnly() {
		var where []string
		var args []any
		if !f.From.IsZero() {
			where, args = append(where, "alert_ts >= ?"), append(args, f.From.UTC())
		}
		if !f.To.IsZero() {
			where, args = append(where, "alert_ts < ?"), append(args, f.To.UTC())
		}
		having := []string{statusExpr + " = ?"}
		args = append(args, f.Status)
		if f.Assignee != "" {
			having, args = append(having, assigneeExpr+" = ?"), append(args, f.Assignee)
		}
		if pos != nil {
			cond, cargs := after(f.Sort, *pos, "t", "sc", false)
			having, args = append(having, cond), append(args, cargs...)
		}
		// Only the events that decide status (and assignee) are aggregated:
		// notes and case changes do not move an alert between queues.
		actions := "'status', 'dispose'"
		if f.Assignee != "" {
			actions += ", 'assign'"
		}
		q := "SELECT alert_id, toUInt32(any(alert_ts)) AS t, any(score) AS sc FROM alert_events WHERE action IN (" + actions + ")"
		for _, w := range where {
			q += " AND " + w
		}
		return q + " GROUP BY alert_id HAVING " + strings.Join(having, " AND ") + tail, args
	}
	where, args := f.where(true)
	if pos != nil {
		cond, cargs := after(f.Sort, *pos, "ts", "score", true)
		where, args = where+" AND "+cond, append(args, cargs...)
	}
	return "SELECT alert_id, toUInt32(ts) AS t, score AS sc FROM alerts WHERE " + where + tail, args
}

// List returns the page of the queue f selects. Paging is by keyset (the
// sort key of the page's last alert), so a deep page costs what the first
// does. The page is found in two steps: the sort keys alone (three narrow
// columns, a partial sort), then the page's rows by primary key — reading
// every column of every matching alert just to sort them costs ten times
// more. Copies of an alert a replay wrote before ReplacingMergeTree merged
// them sort next to each other and are folded here.
func (s *Store) List(ctx context.Context, f Filter) (*Page, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	var pos *cursor
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, err
		}
		pos = &c
	}
	want := f.Limit + 1 // one more tells whether there is a next page
	fetch := 2 * want
	var keys []cursor
	seen := map[string]bool{}
	for len(keys) < want {
		q, a := f.keysQuery(pos, fetch)
		rows, err := s.conn.Query(ctx, q, a...)
		if err != nil {
			return nil, fmt.Errorf("query alert queue: %w", err)
		}
		n := 0
		for rows.Next() {
			var k cursor
			var ts uint32
			if err := rows.Scan(&k.ID, &ts, &k.Score); err != nil {
				rows.Close()
				return nil, fmt.Errorf("scan alert queue: %w", err)
			}
			k.TS = int64(ts)
			n++
			pos = &k
			if !seen[k.ID] && len(keys) < want {
				seen[k.ID] = true
				keys = append(keys, k)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("read alert queue: %w", err)
		}
		if n < fetch {
			break // the queue ends here
		}
	}
	page := &Page{Alerts: []Alert{}}
	if len(keys) > f.Limit {
		keys = keys[:f.Limit]
		last := keys[f.Limit-1]
		page.Next = encodeCursor(last)
	}
	ids := make([]string, len(keys))
	var lo, hi int64
	for i, k := range keys {
		ids[i] = k.ID
		if i == 0 || k.TS < lo {
			lo = k.TS
		}
		if i == 0 || k.TS > hi {
			hi = k.TS
		}
	}
	alerts, err := s.alertsByID(ctx, ids, time.Unix(lo, 0), time.Unix(hi, 0))
	if err != nil {
		return nil, err
	}
	byID := make(map[string]Alert, len(alerts))
	for _, a := range alerts {
		byID[a.ID] = a
	}
	for _, id := range ids {
		if a, ok := byID[id]; ok {
			page.Alerts = append(page.Alerts, a)
		}
	}
	return page, nil
}

// fillStates reads the state of the given alerts (one query for a page).
func (s *Store) fillStates(ctx context.Context, alerts []Alert) error {
	if len(alerts) == 0 {
		return nil
	}
	ids := make([]string, len(alerts))
	for i := range alerts {
		ids[i] = alerts[i].ID
		alerts[i].Status = "new"
	}
	states, err := s.States(ctx, ids)
	if err != nil {
		return err
	}
	for i := range alerts {
		if st, ok := states[alerts[i].ID]; ok {
			alerts[i].State = st
		}
	}
	return nil
}

// States returns the triage state of the given alerts that have events
// (an alert without is new).
func (s *Store) States(ctx context.Context, ids []string) (map[string]State, error) {
	rows, err := s.conn.Query(ctx, stateSQLFor(inList(len(ids)))+" GROUP BY alert_id", strArgs(ids)...)
	if err != nil {
		return nil, fmt.Errorf("query alert states: %w", err)
	}
	defer rows.Close()
	out := make(map[string]State, len(ids))
	for rows.Next() {
		var id string
		var st State
		if err := rows.Scan(&id, &st.Status, &st.Assignee, &st.Disposition, &st.CaseID); err != nil {
			return nil, fmt.Errorf("scan alert state: %w", err)
		}
		if st.Status == "" {
			st.Status = "new"
		}
		out[id] = st
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read alert states: %w", err)
	}
	return out, nil
}

// AutoClosed is the Counts key of the closed alerts the console closed on
// its own (AutoUser) because their sanctions match was cleared; the alert
// an analyst clears a match from is closed by the analyst.
const AutoClosed = "auto_closed"

// Counts returns the number of alerts per status among those f selects
// (its status filter aside), so the queue's tabs show what each holds,
// and under AutoClosed how many of the closed ones were closed by a
// cleared match.
// The total and the per-status counts run side by side.
func (s *Store) Counts(ctx context.Context, f Filter) (map[string]uint64, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	where, args := f.where(false)
	// Stored rows, not distinct ids: a copy that a replay after a crash
	// wrote is counted until ClickHouse merges it away (usually minutes),
	// which a tab count can afford and the list itself never shows. The
	// distinct count costs ten times more over a million alerts.
	var total, auto uint64
	var totalErr, autoErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		// One after the other: both are short beside the status counts,
		// and a third query at once competes with them for the server.
		defer wg.Done()
		totalErr = s.conn.QueryRow(ctx, "SELECT count() FROM alerts WHERE "+where, args...).Scan(&total)
		if totalErr == nil {
			auto, autoErr = s.autoClosedCount(ctx, where, args)
		}
	}()
	out, triaged, err := s.statusCounts(ctx, where, args)
	wg.Wait()
	for _, e := range []error{err, totalErr, autoErr} {
		if e != nil {
			return nil, fmt.Errorf("count alerts: %w", e)
		}
	}
	if triaged <= total {
		out["new"] = total - triaged
	}
	out[AutoClosed] = auto
	return out, nil
}

// autoClosedCount counts the alerts matching where that the console closed
// on its own and nobody reopened since: their latest status event is
// AutoUser's, which only ever closes an alert of a cleared match. Only the
// alerts AutoUser ever touched are aggregated, so it costs next to nothing
// beside the status counts (the same aggregate over every triaged alert
// adds a tenth to them).
func (s *Store) autoClosedCount(ctx context.Context, where string, args []any) (uint64, error) {
	q := "SELECT count() FROM (SELECT alert_id, argMax(user = '" + AutoUser + "', seq) AS auto FROM alert_events" +
		" WHERE action IN ('status', 'dispose') AND alert_id IN (SELECT alert_id FROM alert_events WHERE user = '" + AutoUser + "')" +
		" GROUP BY alert_id) WHERE auto"
	if where != "1" {
		q += " AND alert_id IN (SELECT alert_id FROM alerts WHERE " + where + ")"
	}
	var n uint64
	if err := s.conn.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count automatically closed alerts: %w", err)
	}
	return n, nil
}

// statusCounts counts the triaged (not new) alerts matching where by status.
func (s *Store) statusCounts(ctx context.Context, where string, args []any) (map[string]uint64, uint64, error) {
	q := "SELECT status, count() FROM (SELECT alert_id, " + statusExpr + " AS status FROM alert_events WHERE action IN ('status', 'dispose') GROUP BY alert_id) WHERE status != ''"
	if where != "1" {
		q += " AND alert_id IN (SELECT alert_id FROM alerts WHERE " + where + ")"
	}
	rows, err := s.conn.Query(ctx, q+" GROUP BY status", args...)
	if err != nil {
		return nil, 0, fmt.Errorf("count alerts by status: %w", err)
	}
	defer rows.Close()
	out := map[string]uint64{}
	for _, st := range Statuses {
		out[st] = 0
	}
	var triaged uint64
	for rows.Next() {
		var st string
		var n uint64
		if err := rows.Scan(&st, &n); err != nil {
			return nil, 0, fmt.Errorf("scan status count: %w", err)
		}
		out[st] += n
		triaged += n
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("read status counts: %w", err)
	}
	return out, triaged, nil
}

// ErrNotFound means no such alert or case.
var ErrNotFound = errors.New("not found")

// Get returns one alert with its explanation and state.
func (s *Store) Get(ctx context.Context, id string) (*Alert, error) {
	if !ValidAlertID(id) {
		return nil, ErrNotFound
	}
	var a Alert
	row := s.conn.QueryRow(ctx, "SELECT "+alertCols+", explanation FROM alerts PREWHERE alert_id = ? ORDER BY inserted_at DESC LIMIT 1", id)
	if err := scanExplainedAlert(row, &a); err != nil {
		if strings.Contains(err.Error(), "no rows") {
			return nil, ErrNotFound
		}
		return nil, err
	}
	one := []Alert{a}
	if err := s.fillStates(ctx, one); err != nil {
		return nil, err
	}
	return &one[0], nil
}

// ExplanationsWith returns the explanations, by alert id, of those of the
// given alerts whose explanation has an entry whose key ends with one of
// suffixes (a whole key is a suffix of itself). The keys are matched as
// text in ClickHouse, so only the alerts that have one are read; the
// caller decodes the entries it wants.
func (s *Store) ExplanationsWith(ctx context.Context, ids []string, suffixes ...string) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	if len(ids) == 0 || len(suffixes) == 0 {
		return out, nil
	}
	args := strArgs(ids)
	var conds []string
	for _, suffix := range suffixes {
		quoted, _ := json.Marshal(suffix)
		// A key of the JSON object ends with the suffix and its closing quote.
		conds = append(conds, "position(explanation, ?) > 0")
		args = append(args, string(quoted[1:])+":")
	}
	q := "SELECT alert_id, explanation FROM alerts PREWHERE alert_id IN " + inList(len(ids)) +
		" WHERE (" + strings.Join(conds, " OR ") + ") ORDER BY alert_id, inserted_at DESC LIMIT 1 BY alert_id"
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query explanations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, expl string
		if err := rows.Scan(&id, &expl); err != nil {
			return nil, fmt.Errorf("read explanations: %w", err)
		}
		if json.Valid([]byte(expl)) {
			out[id] = json.RawMessage(expl)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read explanations: %w", err)
	}
	return out, nil
}

// Related returns up to limit other alerts on any of the accounts within
// window of at, newest first, with their state. The window lets the
// monthly partitions outside it be skipped: the alerts table is ordered by
// alert id, so an account's alerts are otherwise a full scan.
func (s *Store) Related(ctx context.Context, accounts []string, exclude string, at time.Time, window time.Duration, limit int) ([]Alert, error) {
	in := inList(len(accounts))
	q := "SELECT " + alertCols + " FROM alerts PREWHERE debtor_account IN " + in + " OR creditor_account IN " + in + " WHERE ts >= ? AND ts <= ? AND alert_id != ? ORDER BY ts DESC, alert_id DESC LIMIT 1 BY alert_id LIMIT " + strconv.Itoa(limit)
	args := append(strArgs(accounts), strArgs(accounts)...)
	args = append(args, at.Add(-window).UTC(), at.Add(window).UTC(), exclude)
	return s.queryAlerts(ctx, "related alerts", q, args, false)
}

// AlertsByID returns the given alerts with their state, newest first.
func (s *Store) AlertsByID(ctx context.Context, ids []string) ([]Alert, error) {
	return s.alertsByID(ctx, ids, time.Time{}, time.Time{})
}

// alertsByID reads alerts by id; a non-zero [from, to] that holds them all
// lets ClickHouse skip the other months' partitions. PREWHERE reads the ids
// first and the other columns only where an id matched: the table is
// ordered by alert id, so a page's ids are spread over as many granules.
func (s *Store) alertsByID(ctx context.Context, ids []string, from, to time.Time) ([]Alert, error) {
	if len(ids) == 0 {
		return []Alert{}, nil
	}
	q := "SELECT " + alertCols + " FROM alerts PREWHERE alert_id IN " + inList(len(ids))
	args := strArgs(ids)
	if !from.IsZero() {
		q += " WHERE ts >= ? AND ts <= ?"
		args = append(args, from.UTC(), to.UTC())
	}
	return s.queryAlerts(ctx, "alerts by id", q+" ORDER BY ts DESC, alert_id DESC LIMIT 1 BY alert_id", args, false)
}

// queryAlerts runs a query selecting alertCols (then the explanation, when
// explained) and returns its alerts with their state; what names the query
// in errors.
func (s *Store) queryAlerts(ctx context.Context, what, q string, args []any, explained bool) ([]Alert, error) {
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", what, err)
	}
	defer rows.Close()
	out := []Alert{}
	for rows.Next() {
		var a Alert
		if explained {
			err = scanExplainedAlert(rows, &a)
		} else {
			err = scanAlert(rows, &a)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return out, s.fillStates(ctx, out)
}
