package eval

import (
	"fmt"
	"html"
	"io"
	"math"
)

// PrintSweep writes the sweep as a table: the rule as written, then each
// literal's values with alerts, precision, recall and legit alerted share
// (or account precision, recall and F1 with account labels). Values below
// the written one show what a looser rule would add (below the line),
// values above what a stricter one would lose (above the line).
func PrintSweep(w io.Writer, s *Sweep) error {
	fmt.Fprintf(w, "sweep of %s (%s), screened alone; %d literals\n\n", s.RuleID, s.Typology, len(s.Literals))
	var t Table
	if s.AccountLevel {
		t.Add("literal", "×", "value", "alerts", "/1k tx", "flagged", "acct prec", "acct recall", "F1")
	} else {
		t.Add("literal", "×", "value", "alerts", "/1k tx", "precision", "recall", "legit alerted")
	}
	row := func(name string, p SweepPoint) {
		prec, rec := s.PR(p)
		if s.AccountLevel && p.Accounts != nil {
			t.Addf("%s\t%.2f\t%s\t%d\t%s\t%d\t%s\t%s\t%.3f", name, p.Mult, p.Value, p.Alerts,
				per1k(p.Per1000), p.Accounts.Flagged, pct(prec), pct(rec), p.Accounts.F1)
			return
		}
		t.Addf("%s\t%.2f\t%s\t%d\t%s\t%s\t%s\t%s", name, p.Mult, p.Value, p.Alerts,
			per1k(p.Per1000), pct(prec), pct(rec), pct(p.LegitShare))
	}
	row("(as written)", s.Baseline)
	for i, l := range s.Literals {
		for _, p := range s.Points {
			if p.Literal == i {
				row(l.String(), p)
			}
		}
	}
	if err := t.Write(w); err != nil {
		return err
	}
	if s.AccountLevel {
		fmt.Fprintln(w, "\nprecision and recall of flagged accounts against the account labels.")
	} else {
		fmt.Fprintln(w, "\nrecall: share of labelled attempts of the rule's typology alerted (all attempts when none is labelled with it).")
	}
	return nil
}

// Plot geometry (SVG user units).
const (
	plotW, plotH   = 720, 480
	plotL, plotR   = 60, 220 // margins; the legend sits on the right
	plotT, plotB   = 40, 50
	plotInnerW     = plotW - plotL - plotR
	plotInnerH     = plotH - plotT - plotB
	plotPointR     = 3.5
	plotLegendLine = 16
)

// palette is colour-blind friendly (Okabe–Ito).
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"}

// PlotSweep writes the sweep as an SVG precision/recall chart: one line per
// literal through its values (ordered by multiplier), the rule as written
// as a black ring. Points without a defined precision (no alerts) are
// left out.
func PlotSweep(w io.Writer, s *Sweep) {
	x := func(recall float64) float64 { return plotL + recall*plotInnerW }
	y := func(precision float64) float64 { return plotT + (1-precision)*plotInnerH }
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n",
		plotW, plotH, plotW, plotH)
	fmt.Fprintf(w, `<rect width="%d" height="%d" fill="white"/>`+"\n", plotW, plotH)
	fmt.Fprintf(w, `<text x="%d" y="20" font-size="14">%s: precision vs recall</text>`+"\n", plotL, html.EscapeString(s.RuleID))
	for i := 0; i <= 10; i++ {
		v := float64(i) / 10
		fmt.Fprintf(w, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", x(v), plotT, x(v), plotT+plotInnerH)
		fmt.Fprintf(w, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", plotL, y(v), plotL+plotInnerW, y(v))
		fmt.Fprintf(w, `<text x="%.1f" y="%d" text-anchor="middle">%.0f%%</text>`+"\n", x(v), plotT+plotInnerH+15, 100*v)
		fmt.Fprintf(w, `<text x="%d" y="%.1f" text-anchor="end">%.0f%%</text>`+"\n", plotL-5, y(v)+4, 100*v)
	}
	fmt.Fprintf(w, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>`+"\n", plotL, plotT, plotInnerW, plotInnerH)
	fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="middle">recall</text>`+"\n", plotL+plotInnerW/2, plotH-12)
	fmt.Fprintf(w, `<text transform="translate(15 %d) rotate(-90)" text-anchor="middle">precision</text>`+"\n", plotT+plotInnerH/2)
	for i, l := range s.Literals {
		colour := palette[i%len(palette)]
		pts := []SweepPoint{}
		for _, p := range s.Points {
			if p.Literal == i {
				pts = append(pts, p)
			}
		}
		pts = insertBaseline(pts, s.Baseline)
		var path []byte
		for _, p := range pts {
			prec, rec := s.PR(p)
			if math.IsNaN(prec) || math.IsNaN(rec) {
				continue
			}
			cmd := "L"
			if len(path) == 0 {
				cmd = "M"
			}
			path = fmt.Appendf(path, "%s%.1f %.1f ", cmd, x(rec), y(prec))
			fmt.Fprintf(w, `<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s"><title>%s = %s: precision %s, recall %s</title></circle>`+"\n",
				x(rec), y(prec), plotPointR, colour, html.EscapeString(l.String()), html.EscapeString(p.Value), pct(prec), pct(rec))
		}
		if len(path) > 0 {
			fmt.Fprintf(w, `<path d="%s" fill="none" stroke="%s" stroke-width="1.5"/>`+"\n", path, colour)
		}
		ly := plotT + 10 + i*plotLegendLine
		fmt.Fprintf(w, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/>`+"\n",
			plotW-plotR+15, ly, plotW-plotR+35, ly, colour)
		fmt.Fprintf(w, `<text x="%d" y="%d">%s</text>`+"\n", plotW-plotR+40, ly+4, html.EscapeString(l.String()))
	}
	if prec, rec := s.PR(s.Baseline); !math.IsNaN(prec) && !math.IsNaN(rec) {
		fmt.Fprintf(w, `<circle cx="%.1f" cy="%.1f" r="7" fill="none" stroke="black" stroke-width="2"><title>as written: precision %s, recall %s</title></circle>`+"\n",
			x(rec), y(prec), pct(prec), pct(rec))
	}
	fmt.Fprintln(w, "</svg>")
}

// insertBaseline places the as-written point (multiplier 1) among a
// literal's points ordered by multiplier, so its line passes through it.
func insertBaseline(pts []SweepPoint, base SweepPoint) []SweepPoint {
	out := make([]SweepPoint, 0, len(pts)+1)
	placed := false
	for _, p := range pts {
		if !placed && p.Mult > 1 {
			out = append(out, base)
			placed = true
		}
		out = append(out, p)
	}
	if !placed {
		out = append(out, base)
	}
	return out
}
