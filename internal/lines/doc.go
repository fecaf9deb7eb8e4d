// Package lines reads line-oriented input files (JSON lines, CSV) for file
// mode: Scan delivers one line at a time without its line ending, survives
// lines longer than the limit by reporting them instead of aborting;
// CSVSplitter splits one CSV line into fields with encoding/csv quoting
// rules but without allocating per field; TrimEOL, TrimBOM, HeaderKey,
// Roles and AppendHex16 are the helpers the CSV decoders share.
package lines
