// Package canonical owns the way from a canonical record to the
// transaction screening reads, on both sides of the internal topic
// (docs/design.md §3 "The re-key stage"):
//
//   - Transcoder, in the re-key stage, decodes and enriches each input
//     record (canonical JSON, connectors/jsonl) exactly once and gives what
//     the stage needs of it: the event time for the merge order, the key of
//     each perspective, and the value of the copies — the enriched
//     transaction in the binary encoding tx/1 (AppendBinary).
//   - Decoder, in the screening stage and in the state rebuild, decodes a
//     record of the internal topic by its socwatch-encoding header: tx/1
//     without JSON and without enriching again, a record with no header (a
//     feed screened directly, a bad record the re-key stage forwarded as
//     is, or an internal topic written by an older version) as canonical
//     JSON.
//
// The binary encoding is versioned twice: the header names it (tx/1) and
// its first byte is the version, so a mislabelled value is refused instead
// of misread. Its decoder treats the bytes as untrusted: it never panics,
// never allocates more than the input can hold (internal/wire), and checks
// the transaction's contract (engine.Tx.Validate) as the JSON decoder does.
// A record it cannot decode is rejected with reason decode.
package canonical
