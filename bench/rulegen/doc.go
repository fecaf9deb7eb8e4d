// Package rulegen writes rule packs of a chosen size for the rule-count
// scaling benchmark: N rules derived from the rules of a source pack (the
// default aml-core), each a variant with its comparison thresholds scaled
// and its two-letter country literals rotated, so that the variants are as
// costly to evaluate as real rules but not identical programs. The source's
// lists and aggregates are kept unchanged, so only the number of rules
// differs between packs.
package rulegen
