package engine

import (
	"sort"
	"time"
)

// FieldKind is the type of a transaction field as rules and aggregates see it.
type FieldKind uint8

const (
	KindString FieldKind = iota + 1
	KindNumber
	KindBool
	KindTime
)

// Field reads one transaction field by its expr path. Exactly one getter is
// set, matching Kind.
type Field struct {
	Path string
	Kind FieldKind
	Str  func(*Env) string
	Num  func(*Env) float64
	Bool func(*Env) bool
	Time func(*Env) time.Time
}

// Value returns the field as an any, for alert explanations.
func (f *Field) Value(e *Env) any {
	switch f.Kind {
	case KindString:
		return f.Str(e)
	case KindNumber:
		return f.Num(e)
	case KindBool:
		return f.Bool(e)
	case KindTime:
		return f.Time(e).UTC().Format(time.RFC3339)
	}
	return nil
}

// Fields maps every expr path of the transaction (and the perspective) to
// its getter. Aggregate keys (`by`), aggregate inputs (`sum(amount_eur)`,
// `distinct(debtor.account)`) and alert explanations resolve through it.
var Fields = func() map[string]*Field {
	m := map[string]*Field{}
	str := func(p string, g func(*Env) string) { m[p] = &Field{Path: p, Kind: KindString, Str: g} }
	num := func(p string, g func(*Env) float64) { m[p] = &Field{Path: p, Kind: KindNumber, Num: g} }
	str("tx_id", func(e *Env) string { return e.TxID })
	m["ts"] = &Field{Path: "ts", Kind: KindTime, Time: func(e *Env) time.Time { return e.TS }}
	num("amount", func(e *Env) float64 { return e.AmountF })
	num("amount_eur", func(e *Env) float64 { return e.AmountEURF })
	str("currency", func(e *Env) string { return e.Currency })
	str("channel", func(e *Env) string { return e.Channel })
	str("reporting_entity", func(e *Env) string { return e.ReportingEntity })
	str("purpose", func(e *Env) string { return e.Purpose })
	str("direction", func(e *Env) string { return e.Direction })
	m["cross_border"] = &Field{Path: "cross_border", Kind: KindBool, Bool: func(e *Env) bool { return e.CrossBorder }}
	m["own_account"] = &Field{Path: "own_account", Kind: KindBool, Bool: func(e *Env) bool { return e.OwnAccount }}
	str("perspective", func(e *Env) string { return e.Perspective })
	num("trace.hops", func(e *Env) float64 { return float64(e.Trace.Hops) })
	str("trace.origin", func(e *Env) string { return e.Trace.Origin })
	m["trace.cycle"] = &Field{Path: "trace.cycle", Kind: KindBool, Bool: func(e *Env) bool { return e.Trace.Cycle }}
	num("trace.hours", func(e *Env) float64 { return e.Trace.Hours })
	num("trace.ratio", func(e *Env) float64 { return e.Trace.Ratio })
	str("account", func(e *Env) string { return e.Account })
	str("counterparty", func(e *Env) string { return e.Counterparty })
	for _, side := range []struct {
		name string
		p    func(*Env) *Party
	}{
		{"debtor", func(e *Env) *Party { return &e.Debtor }},
		{"creditor", func(e *Env) *Party { return &e.Creditor }},
	} {
		p := side.p
		str(side.name+".account", func(e *Env) string { return p(e).Account })
		str(side.name+".name", func(e *Env) string { return p(e).Name })
		str(side.name+".name_norm", func(e *Env) string { return p(e).NameNorm })
		str(side.name+".country", func(e *Env) string { return p(e).Country })
		str(side.name+".bic", func(e *Env) string { return p(e).BIC })
		str(side.name+".customer_id", func(e *Env) string { return p(e).CustomerID })
		str(side.name+".type", func(e *Env) string { return p(e).Type })
	}
	return m
}()

// FieldPaths lists the field paths in sorted order, for error messages.
func FieldPaths() []string {
	out := make([]string, 0, len(Fields))
	for p := range Fields {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
