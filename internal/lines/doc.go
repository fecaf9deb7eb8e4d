// Package lines reads line-oriented input files (JSON lines, CSV) for file
// mode: Scan delivers one line at a time without its line ending, survives
// lines longer than the limit by reporting them instead of aborting;
// CSVSplitter splits one CSV line into fields with encoding/csv quoting
// rules but without allocating per field; Hash gives the stable line hash
// the CSV decoders derive record ids from.
package lines
