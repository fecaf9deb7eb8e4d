package eval

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/socwatch/socwatch/engine/enrich"
	"github.com/socwatch/socwatch/rules"
)

// Literal is one number a sweep can vary: a numeric literal of the rule's
// `when` or of the `where` of an aggregate the rule reads, the duration of
// such an aggregate's `over`, or a number or duration in its `fn` (a
// lookback, a quantile).
type Literal struct {
	// Place says where it is written: "when", "<aggregate>.where",
	// "<aggregate>.over" or "<aggregate>.fn".
	Place string
	Text  string  // as written
	Value float64 // its value (durations in their written unit)
	Int   bool    // an integer literal: varied values are rounded
	Unit  string  // duration unit (d, h, m, s); "" for expression literals
	// from and to are byte offsets of Text in the place's source.
	from, to int
}

// String names the literal for tables: place and text.
func (l Literal) String() string { return l.Place + " " + l.Text }

// Format writes v as this literal would be written.
func (l Literal) Format(v float64) string {
	if l.Int {
		return strconv.FormatInt(int64(math.Round(v)), 10) + l.Unit
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if l.Unit != "" {
		return s + l.Unit
	}
	if !strings.ContainsAny(s, ".") {
		s += ".0" // stays a float literal
	}
	return s
}

// durationRe finds durations in `over`; numberRe durations and plain
// numbers in `fn` (a lookback, a quantile).
var (
	durationRe = regexp.MustCompile(`\b(\d+(?:\.\d+)?)([dhms])\b`)
	numberRe   = regexp.MustCompile(`\b(\d+(?:\.\d+)?)([dhms]?)\b`)
)

// Literals lists the numbers of rule ruleID a sweep can vary, in the
// order: when, then each aggregate it reads (as declared).
func Literals(p *rules.Pack, ruleID string) ([]Literal, error) {
	r := findRule(p, ruleID)
	if r == nil {
		return nil, fmt.Errorf("sweep: no rule %q in the pack", ruleID)
	}
	out, idents, err := exprLiterals(r.When, "when")
	if err != nil {
		return nil, fmt.Errorf("sweep: rule %s: %w", ruleID, err)
	}
	for _, a := range p.Aggregates {
		if !idents[a.Name] {
			continue
		}
		if a.Where != "" {
			lits, _, err := exprLiterals(a.Where, a.Name+".where")
			if err != nil {
				return nil, fmt.Errorf("sweep: aggregate %s: %w", a.Name, err)
			}
			out = append(out, lits...)
		}
		out = append(out, numbers(durationRe, a.Over, a.Name+".over")...)
		out = append(out, numbers(numberRe, a.Fn, a.Name+".fn")...)
	}
	return out, nil
}

func findRule(p *rules.Pack, id string) *rules.RuleDecl {
	for _, r := range p.Rules {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// literalFinder collects numeric literals and identifiers of an expression.
type literalFinder struct {
	src    string
	place  string
	lits   []Literal
	idents map[string]bool
}

func (f *literalFinder) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IntegerNode:
		f.add(n.Location().From, n.Location().To, float64(n.Value), true)
	case *ast.FloatNode:
		f.add(n.Location().From, n.Location().To, n.Value, false)
	case *ast.IdentifierNode:
		f.idents[n.Value] = true
	}
}

// add records a literal at rune offsets [from, to) of the source, which
// expr's lexer counts in runes; edits need bytes.
func (f *literalFinder) add(from, to int, v float64, isInt bool) {
	bf, bt := byteOffset(f.src, from), byteOffset(f.src, to)
	if bf < 0 || bt < bf || bt > len(f.src) {
		return // a node without a usable location (not from the source)
	}
	f.lits = append(f.lits, Literal{Place: f.place, Text: f.src[bf:bt], Value: v, Int: isInt, from: bf, to: bt})
}

func byteOffset(s string, runes int) int {
	i := 0
	for n := 0; n < runes; n++ {
		if i >= len(s) {
			return -1
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

func exprLiterals(src, place string) ([]Literal, map[string]bool, error) {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil, nil, err
	}
	f := &literalFinder{src: src, place: place, idents: map[string]bool{}}
	ast.Walk(&tree.Node, f)
	return f.lits, f.idents, nil
}

// numbers finds the matches of re (number, unit) in src.
func numbers(re *regexp.Regexp, src, place string) []Literal {
	var out []Literal
	for _, m := range re.FindAllStringSubmatchIndex(src, -1) {
		v, err := strconv.ParseFloat(src[m[2]:m[3]], 64)
		if err != nil {
			continue
		}
		out = append(out, Literal{Place: place, Text: src[m[0]:m[1]], Value: v, Unit: src[m[4]:m[5]],
			Int: !strings.Contains(src[m[2]:m[3]], "."), from: m[0], to: m[1]})
	}
	return out
}

// Only returns a copy of the pack holding rule ruleID alone (and every
// aggregate and list), so a sweep screens nothing the rule does not read.
func Only(p *rules.Pack, ruleID string) (*rules.Pack, error) {
	r := findRule(p, ruleID)
	if r == nil {
		return nil, fmt.Errorf("sweep: no rule %q in the pack", ruleID)
	}
	q := *p
	rc := *r
	q.Rules = []*rules.RuleDecl{&rc}
	q.Aggregates = make([]*rules.AggregateDecl, len(p.Aggregates))
	for i, a := range p.Aggregates {
		ac := *a
		q.Aggregates[i] = &ac
	}
	return &q, nil
}

// Apply writes v in place of the literal in a pack made by Only.
func (l Literal) Apply(q *rules.Pack, v float64) error {
	text := l.Format(v)
	edit := func(s *string) error {
		if l.to > len(*s) || (*s)[l.from:l.to] != l.Text {
			return fmt.Errorf("sweep: %s is not at its place in %q", l, *s)
		}
		*s = (*s)[:l.from] + text + (*s)[l.to:]
		return nil
	}
	if l.Place == "when" {
		return edit(&q.Rules[0].When)
	}
	name, field, _ := strings.Cut(l.Place, ".")
	for _, a := range q.Aggregates {
		if a.Name != name {
			continue
		}
		switch field {
		case "where":
			return edit(&a.Where)
		case "over":
			return edit(&a.Over)
		case "fn":
			return edit(&a.Fn)
		}
	}
	return fmt.Errorf("sweep: no place %s", l.Place)
}

// ParseGrid reads comma-separated positive multipliers, sorted.
func ParseGrid(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || v <= 0 || math.IsInf(v, 0) {
			return nil, fmt.Errorf("grid: %q is not a positive multiplier", f)
		}
		out = append(out, v)
	}
	sort.Float64s(out) // points of a literal plot in order
	return out, nil
}

// SweepPoint is the rule's quality with one literal set to Value.
type SweepPoint struct {
	Literal int // index into Sweep.Literals; -1 for the baseline
	Mult    float64
	Value   string // as written
	RuleScore
}

// Sweep is the result of RunSweep.
type Sweep struct {
	RuleID   string
	Typology string
	Literals []Literal
	Baseline SweepPoint
	Points   []SweepPoint
	// AccountLevel: precision and recall are of flagged accounts.
	AccountLevel bool
}

// PR is the point's precision and recall as the sweep plots them: of
// flagged accounts with account labels, else of alerted transactions
// against the attempts of the rule's typology (all attempts when the
// labels have none of it).
func (s *Sweep) PR(p SweepPoint) (precision, recall float64) {
	if s.AccountLevel && p.Accounts != nil {
		return p.Accounts.Precision, p.Accounts.Recall
	}
	recall = p.RecallOwn
	if math.IsNaN(recall) {
		recall = p.RecallAttempt
	}
	return p.Precision, recall
}

// RunSweep screens the prepared feed with rule ruleID alone: once as
// written, then once per literal and multiplier (rounded integers that
// repeat a value are screened once).
func RunSweep(p *rules.Pack, ruleID string, mults []float64, ro rules.Options, prep *Prepared, t *Truth, en *enrich.Enricher, o Options) (*Sweep, error) {
	lits, err := Literals(p, ruleID)
	if err != nil {
		return nil, err
	}
	run := func(q *rules.Pack) (RuleScore, error) {
		rs, err := rules.Compile(q, ro)
		if err != nil {
			return RuleScore{}, err
		}
		alerts, err := Screen(rs, prep, en)
		if err != nil {
			return RuleScore{}, err
		}
		return Compute(prep.Feed, t, Rules(rs), alerts, o).Rules[0], nil
	}
	base, err := Only(p, ruleID)
	if err != nil {
		return nil, err
	}
	bs, err := run(base)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	s := &Sweep{RuleID: ruleID, Typology: bs.Typology, Literals: lits, AccountLevel: t.Accounts != nil,
		Baseline: SweepPoint{Literal: -1, Mult: 1, Value: "as written", RuleScore: bs}}
	for i, l := range lits {
		done := map[string]bool{l.Format(l.Value): true}
		for _, m := range mults {
			text := l.Format(l.Value * m)
			if done[text] || l.Value*m == 0 {
				continue
			}
			done[text] = true
			q, err := Only(p, ruleID)
			if err != nil {
				return nil, err
			}
			if err := l.Apply(q, l.Value*m); err != nil {
				return nil, err
			}
			rsc, err := run(q)
			if err != nil {
				return nil, fmt.Errorf("sweep %s = %s: %w", l, text, err)
			}
			s.Points = append(s.Points, SweepPoint{Literal: i, Mult: m, Value: text, RuleScore: rsc})
		}
	}
	return s, nil
}
