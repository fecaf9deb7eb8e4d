// Package intern turns the byte strings of decoded records into Go strings
// without allocating for the values that repeat: a field equal to the same
// field of the previous record (the same account sending again, the same
// name) is reused after one compare, and short values that alternate
// between records (currencies, countries, channels, BICs) come from a
// bounded table. The decoders of the canonical JSON and of the internal
// topic's binary encoding share it, so both allocate only for the strings
// a transaction keeps that they have not seen recently.
package intern
