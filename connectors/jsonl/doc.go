// Package jsonl decodes and encodes SOC-Watch's canonical wire format: one
// JSON object per line (also the Kafka message value) with the fields of
// engine.Tx. Decoder is a hand-rolled single-pass scanner for the per-record
// hot path: no encoding/json, no reflection, no float for amounts, and
// allocation only for the strings a transaction keeps (repeated short codes
// and values equal to the previous record's are reused). It enforces the
// wire contract strictly (types, UTF-8, nesting, size, trailing data) and
// rejects bad records with an *engine.RejectError whose message names the
// field. Encode writes the canonical JSON a Decoder reads back unchanged.
package jsonl
