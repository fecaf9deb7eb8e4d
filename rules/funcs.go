package rules

import (
	"fmt"
	"math"
	"time"

	"github.com/expr-lang/expr"
	"github.com/socwatch/socwatch/engine/fx"
	"github.com/socwatch/socwatch/engine/iban"
)

// listFuncs are the functions whose second argument names a list; the
// compiler checks that the name is a string literal of a declared list.
var listFuncs = map[string]bool{"in_list": true, "name_match": true, "sanctions_score": true}

// functions returns the built-in rule functions bound to a pack's lists and
// FX table. Types are declared so expressions are checked at load time and
// the VM calls them without reflection.
func functions(lists map[string]*List, rates *fx.Table) []expr.Option {
	list := func(name any) (*List, error) {
		l := lists[name.(string)]
		if l == nil {
			return nil, fmt.Errorf("unknown list %q", name)
		}
		return l, nil
	}
	return []expr.Option{
		expr.Function("in_list", func(p ...any) (any, error) {
			l, err := list(p[1])
			if err != nil {
				return false, err
			}
			return l.Contains(p[0].(string)), nil
		}, new(func(string, string) bool)),
		expr.Function("name_match", func(p ...any) (any, error) {
			l, err := list(p[1])
			if err != nil {
				return false, err
			}
			return l.MatchName(p[0].(string)), nil
		}, new(func(string, string) bool)),
		expr.Function("sanctions_score", func(p ...any) (any, error) {
			l, err := list(p[1])
			if err != nil {
				return 0.0, err
			}
			return l.Matcher.Score(p[0].(string), ""), nil
		}, new(func(string, string) float64)),
		expr.Function("is_round", func(p ...any) (any, error) {
			return IsRound(p[0].(float64), p[1].(float64)), nil
		}, new(func(float64, float64) bool)),
		expr.Function("iban_country", func(p ...any) (any, error) {
			c, _ := iban.Country(p[0].(string))
			return c, nil
		}, new(func(string) string)),
		expr.Function("fx", func(p ...any) (any, error) {
			day := time.Now().UTC()
			if len(p) == 4 {
				day = p[3].(time.Time)
			}
			return rates.Convert(p[0].(float64), p[1].(string), p[2].(string), day)
		}, new(func(float64, string, string) float64), new(func(float64, string, string, time.Time) float64)),
	}
}

// IsRound reports whether amount is a whole multiple of step (e.g. 1000).
// Amounts reach rules as float64 copies of exact decimals, so compare with a
// tolerance far below a cent.
func IsRound(amount, step float64) bool {
	if step <= 0 || amount == 0 || math.IsNaN(amount) || math.IsInf(amount, 0) {
		return false
	}
	q := math.Round(amount / step)
	return q != 0 && math.Abs(amount-q*step) <= 1e-10*math.Max(1, math.Abs(amount))
}
