package rules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/socwatch/socwatch/engine"
)

// aggCall is an aggregate's `fn:` parsed: `name`, `name(field)`, or with
// named parameters `name(field, key: value, …)` / `name(key: value)`.
type aggCall struct {
	name   string
	field  string
	params map[string]string
}

var (
	callRe  = regexp.MustCompile(`^([a-z_][a-z0-9_]*)\s*(?:\((.*)\))?$`)
	fieldRe = regexp.MustCompile(`^[a-z_][a-z0-9_.]*$`)
	paramRe = regexp.MustCompile(`^([a-z_]+)\s*:\s*(\S+)$`)
)

func parseAggCall(s string) (aggCall, error) {
	m := callRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return aggCall{}, fmt.Errorf("fn %q: want name or name(field[, key: value…])", s)
	}
	c := aggCall{name: m[1], params: map[string]string{}}
	if strings.TrimSpace(m[2]) == "" {
		return c, nil
	}
	for i, arg := range strings.Split(m[2], ",") {
		arg = strings.TrimSpace(arg)
		if p := paramRe.FindStringSubmatch(arg); p != nil {
			if _, dup := c.params[p[1]]; dup {
				return aggCall{}, fmt.Errorf("fn %q: parameter %s given twice", s, p[1])
			}
			c.params[p[1]] = p[2]
			continue
		}
		if i > 0 || !fieldRe.MatchString(arg) {
			return aggCall{}, fmt.Errorf("fn %q: argument %q is neither the field (first) nor key: value", s, arg)
		}
		c.field = arg
	}
	return c, nil
}

// fnSig is what an aggregate function takes: its field's kind (0 = none)
// its required parameters and its optional ones.
type fnSig struct {
	fn     engine.AggFn
	field  engine.FieldKind
	params []string
	// optional parameters: may be left out
	optional []string
}

var fnSigs = map[string]fnSig{
	"count":        {engine.FnCount, 0, nil, nil},
	"sum":          {engine.FnSum, engine.KindNumber, nil, nil},
	"avg":          {engine.FnAvg, engine.KindNumber, nil, nil},
	"min":          {engine.FnMin, engine.KindNumber, nil, nil},
	"max":          {engine.FnMax, engine.KindNumber, nil, nil},
	"distinct":     {engine.FnDistinct, engine.KindString, nil, nil},
	"since_last":   {engine.FnSinceLast, 0, nil, nil},
	"new_distinct": {engine.FnNewDistinct, engine.KindString, []string{"lookback"}, nil},
	"hist_mean":    {engine.FnHistMean, engine.KindNumber, []string{"recent"}, nil},
	"hist_p95":     {engine.FnHistP95, engine.KindNumber, []string{"recent"}, nil},
	"hist_max":     {engine.FnHistMax, engine.KindNumber, []string{"recent"}, nil},
	"hist_count":   {engine.FnHistCount, 0, []string{"recent"}, nil},
	"age":          {engine.FnAge, 0, nil, nil},
	"inflow_match": {engine.FnInflowMatch, engine.KindNumber, []string{"tolerance"}, []string{"origin"}},
}

// fnList is the fn vocabulary for error messages.
const fnList = "count, sum(f), avg(f), min(f), max(f), distinct(f), since_last, " +
	"new_distinct(f, lookback: D), hist_mean(f, recent: D), hist_p95(f, recent: D), " +
	"hist_max(f, recent: D), hist_count(recent: D), age, inflow_match(f, tolerance: X[, origin: other|same])"

// applyAggFn sets a's function, field and parameters from the `fn:` text.
func applyAggFn(a *engine.Aggregate, text string, flow string) error {
	c, err := parseAggCall(text)
	if err != nil {
		return err
	}
	sig, ok := fnSigs[c.name]
	if !ok {
		return fmt.Errorf("fn %q: want one of %s", text, fnList)
	}
	a.Fn = sig.fn
	switch {
	case sig.field != 0 && c.field == "":
		return fmt.Errorf("fn %s needs a field, e.g. %s(amount_eur)", c.name, c.name)
	case sig.field == 0 && c.field != "":
		return fmt.Errorf("fn %s takes no field", c.name)
	case sig.field != 0:
		f := engine.Fields[c.field]
		if f == nil {
			return fmt.Errorf("fn %s: unknown field %q", c.name, c.field)
		}
		if f.Kind != sig.field {
			kind := "a number"
			if sig.field == engine.KindString {
				kind = "a string"
			}
			return fmt.Errorf("%s needs %s field, %q is not", c.name, kind, c.field)
		}
		a.Field = f
	}
	for k, v := range c.params {
		switch {
		case contains(sig.optional, k):
			if err := setParam(a, k, v); err != nil {
				return fmt.Errorf("fn %s: %v", c.name, err)
			}
		case !contains(sig.params, k):
			return fmt.Errorf("fn %s: unknown parameter %q", c.name, k)
		}
	}
	for _, k := range sig.params {
		v, ok := c.params[k]
		if !ok {
			return fmt.Errorf("fn %s needs %s: …", c.name, k)
		}
		if err := setParam(a, k, v); err != nil {
			return fmt.Errorf("fn %s: %v", c.name, err)
		}
	}
	if a.Fn == engine.FnInflowMatch && (a.By != engine.KeyAccount || flow != "in") {
		return fmt.Errorf("inflow_match keeps money into an account: declare it with by: account and flow: in")
	}
	if a.Recent >= a.Over && a.Recent > 0 {
		return fmt.Errorf("fn %s: recent %s must be shorter than over %s", c.name, a.Recent, a.Over)
	}
	return nil
}

func setParam(a *engine.Aggregate, k, v string) error {
	if k == "origin" {
		if v != "same" && v != "other" {
			return fmt.Errorf("origin %q: want other (money passed on) or same (money sent back)", v)
		}
		a.SameOrigin = v == "same"
		return nil
	}
	if k == "tolerance" {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || !(x > 0 && x < 1) {
			return fmt.Errorf("tolerance %q: want a number in (0, 1) such as 0.1", v)
		}
		a.Tolerance = x
		return nil
	}
	d, err := ParseDuration(v)
	if err != nil || d <= 0 {
		return fmt.Errorf("%s %q: want a positive duration such as 24h or 90d", k, v)
	}
	if k == "lookback" {
		a.Lookback = d
	} else {
		a.Recent = d
	}
	return nil
}
