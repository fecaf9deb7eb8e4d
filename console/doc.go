// Package console is the analyst console: an HTTP server (net/http and
// html/template, assets embedded) where FIU analysts triage alerts, group
// them into cases, look at rule quality, backtest rule changes and export
// goAML reports. Pages are server-rendered and work without JavaScript;
// the JSON API under /api serves integrations and the pages alike.
//
// A flow alert's traced path (trace.path) is listed and drawn with its
// hops numbered as trace.hops counts them, own-account moves shown as such
// (trace.go); its goAML report holds every transfer of the path, and of
// an aggregate's path (forwarded_inflow_96h_path) too (export.go).
//
// A sanctions match an analyst cleared for a customer (account, listed
// entity: a sanctions list's entity id, or a names list's spelling for an
// exact name_match) closes that pair's new alerts automatically, each
// closure an audit event citing the clearing (clearing.go; which of an
// alert's matches fired: matches.go), but only an alert whose rule could
// not have fired without the cleared matches, which firing.go proves from
// the rule's condition. A fuzzy match's explanation names the name's best
// entity only: with it cleared, the name is scored again against the
// pack's list without the customer's cleared entities, and an entity
// still at the threshold is a match to clear too (pack.go). The running
// pack is re-read when its directory changes (pack.go), so versions a
// hot reload of `socwatch run` loaded are known.
//
// Alerts ticked in the queue are triaged in bulk, each its own checked
// event, all or nothing (bulk.go).
//
// Every analyst action is appended to ClickHouse's alert_events (see
// console/store) before it is acknowledged. Users log in against a bcrypt
// users file, or, in reverse-proxy mode, are named by a trusted header; a
// session cookie (HttpOnly, SameSite=Strict, Secure under TLS) plus a CSRF
// token guards every state-changing request.
package console
