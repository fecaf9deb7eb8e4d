// Package engine is the screening core of SOC-Watch: the canonical transaction
// (Tx), the expr environment rules are evaluated against (Env), the alert
// (Alert), and the boundary interfaces the connectors implement (Decoder,
// Sink, DeadLetter). A Stream screens the records of one partition (or one
// file) in order: decode, enrich, update per-account windows, evaluate the
// compiled rules, and hand alerts to the Sink with an acknowledgement that
// travels with the batch. The engine imports no connector; cmd/socwatch wires
// them together.
package engine
