// Package intern turns the byte strings of decoded records into Go strings
// with as few allocations as the values allow. A field equal to the same
// field of the previous record (the same account sending again, the same
// name) is reused after one compare; codes, the short values that
// alternate between records (currencies, countries, channels, BICs), come
// from a bounded table (4,096 values of at most 64 bytes); every
// other new value of a record — transaction id, accounts, names, customer
// ids — is copied, when the decoder flushes the record, into a string
// carved from a shared 1 KiB chunk, so a record costs about an eighth of
// an allocation for them (one per chunk), and nothing when they all
// repeat. A kept value keeps its chunk alive: a few records' new values.
//
// Accounts, names and customer ids do not go through the table: measured
// on a 300,000-record feed with ~50,000 distinct values (bench/README.md,
// "decode and enrich without allocation"), a table large enough to hold
// them cost more CPU in cache misses (one for the set, one for the bytes
// compared, the engine's window state having evicted both) than the
// allocations it saved.
//
// The decoders of the canonical JSON and of the internal topic's binary
// encoding share it, one Strings per decoder, and the Kafka source keeps
// its header values with it.
package intern
