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
//
// Loading is bounded before any parser runs (see Limits), because a rule
// file is input from people, and the parsers are not: yaml.v3 allocates
// ~125 MB per MiB of one-letter scalars (the rule file cap is 1 MiB), and
// expr's parser recurses once per bracket or unary operator before its
// node cap applies (1 MB of parentheses took 1 GB and overflowed the
// stack). So a rule file is size-capped; each expression is length-capped
// and pre-scanned for nesting (brackets, unary runs, right-recursive
// chains; default 64 levels) before expr sees it; yaml.v3's own limits
// (depth 10,000, alias expansion) cover the YAML. Every file a pack reads
// (rule files, lists) goes through readPackFile: it must resolve, symlinks
// followed, to a regular file inside the pack directory, within a size cap
// (lists 16 MiB, also after gzip inflation), read within a timeout; a named
// pipe is never opened (mode checked first, then a non-blocking open and a
// second check on the open file). The pack hash is computed from the bytes
// loaded, so nothing is read twice.
package rules
