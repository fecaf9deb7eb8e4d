// Package store is the analyst console's ClickHouse access: it reads alerts
// and transactions written by the screening sink, and appends analysts'
// actions to alert_events, the append-only audit trail from which the
// current state of every alert and case is derived (argMax by seq; nothing
// is updated in place), and keeps cleared sanctions matches in
// cleared_matches, append-only the same way. Every query binds its values
// as parameters; column names, sort orders and actions come only from
// fixed allowlists.
package store
