// Package engine holds the types every other package of SOC-Watch shares:
// the canonical transaction (Tx) with its exact Decimal amounts, the expr
// environment rules are evaluated against (Env, Fields), the compiled rule
// set (RuleSet, Rule, Aggregate), the alert (Alert), reject reasons, and the
// interfaces at the engine's boundary that connectors implement (Decoder,
// Sink, TxSink, DeadLetter, with the Done acknowledgement that travels with
// a batch). It holds no screening logic: engine/screen runs the records of
// a partition or file through decoding, enrichment (engine/enrich), windows
// (engine/window) and rules. No engine package imports a connector;
// cmd/socwatch wires them together (docs/design.md §1).
package engine
