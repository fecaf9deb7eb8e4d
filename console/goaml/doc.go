// Package goaml writes goAML (schema 5.0.x) suspicious transaction reports
// from a console case. What differs per FIU — the reporting entity, the
// reporting person, the local currency and the code lists for funds,
// transmission modes and indicators — comes from a mapping file, so the
// same case exports for any goAML FIU whose schema the mapping matches.
// A transaction known only in EUR (a traced path's transfer the console
// has no stored copy of) is reported in local currency converted from EUR,
// without a foreign-currency block that would claim a currency.
package goaml
