package rules

import (
	"errors"
	"flag"
	"fmt"
)

// RegisterFlags registers the limits on fs as configuration keys
// rule_limits.* (flags --rule-limits-*), with the defaults loading applies
// to a zero Limits. Call Validate after the flags are parsed.
func (l *Limits) RegisterFlags(fs *flag.FlagSet) {
	fs.Int64Var(&l.MaxRuleFileBytes, "rule-limits-max-file-bytes", DefaultMaxRuleFileBytes,
		"largest rule file a pack may hold, in bytes (yaml.v3 allocates ~125 MB per MiB of one-letter scalars)")
	fs.Int64Var(&l.MaxListBytes, "rule-limits-max-list-bytes", DefaultMaxListBytes,
		"largest list file, and a gzip list's content after inflating, in bytes")
	fs.DurationVar(&l.ReadTimeout, "rule-limits-read-timeout", DefaultReadTimeout,
		"time allowed to read one pack file (a file on a hung mount fails the load)")
	fs.IntVar(&l.MaxExprBytes, "rule-limits-max-expr-bytes", DefaultMaxExprBytes,
		"longest expression, in bytes")
	fs.IntVar(&l.MaxNesting, "rule-limits-max-nesting", DefaultMaxNesting,
		"deepest expression nesting (brackets, runs of unary operators, ** ^ ?: chains); bounds the parser's stack")
}

// Validate checks the keys RegisterFlags registers; each error names the
// key. Zero is refused: in a Limits literal it means the default, but a
// configured 0 would read as "no limit".
func (l *Limits) Validate() error {
	var errs []error
	positive := func(key string, v int64) {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("rule_limits.%s: %d, must be > 0", key, v))
		}
	}
	positive("max_file_bytes", l.MaxRuleFileBytes)
	positive("max_list_bytes", l.MaxListBytes)
	positive("max_expr_bytes", int64(l.MaxExprBytes))
	positive("max_nesting", int64(l.MaxNesting))
	if l.ReadTimeout <= 0 {
		errs = append(errs, fmt.Errorf("rule_limits.read_timeout: %s, must be > 0", l.ReadTimeout))
	}
	return errors.Join(errs...)
}
