// Package amlsim decodes IBM AMLSim transaction CSV
// (sourceNodeId,targetNodeId,value,time) into engine.Tx. AMLSim counts time
// in simulation steps, so a timestamp is made from a configured epoch and
// step length plus a deterministic offset within the step taken from the
// line's hash: transactions of one step are spread and always in the same
// order. Accounts are "amlsim:<node id>"; the file has no id column, so
// tx_id is derived from the same hash, with the repeat count of a
// byte-identical line within its step appended (AMLSim writes a transfer
// made twice as two identical lines).
package amlsim
