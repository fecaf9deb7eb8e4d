// Package packs holds the rule packs SOC-Watch ships (YAML, not Go): each
// directory is one pack — aml-core, the default anti-money-laundering
// rules, and structure-only, rules without amount floors for simulated
// feeds such as AMLSim — with a `*_test.yaml` fixture beside every rule
// file. The package's
// Go tests compile every pack and run every fixture, so `go test ./...`
// fails on a broken rule or a fixture that no longer holds, as
// `socwatch rules lint` and `socwatch rules test` do in CI.
package packs
