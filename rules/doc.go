// Package rules loads rule packs written by FIU analysts (YAML files with
// lists, aggregates and rules whose conditions are expr-lang expressions) and
// compiles them into an engine.RuleSet.
//
// Compilation type-checks every expression against engine.Env once, with one
// shared option set; rewrites each aggregate name a rule mentions into an
// index into Env.Agg (so a rule reads a precomputed float64, not a function
// call); records which fields and aggregates a rule reads (its alerts'
// explanation); and decides which perspective (partition key) each rule runs
// under, refusing a rule that would need state from two partitions. Every
// error names file:line and the rule or aggregate it belongs to; a pack with
// any error is refused whole, so a running engine keeps its previous set.
package rules
