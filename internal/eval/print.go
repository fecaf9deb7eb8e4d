package eval

import (
	"fmt"
	"io"
	"math"
)

// pct formats a ratio as a percentage; NaN (no denominator) is "–".
func pct(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100*v)
}

func per1k(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.1f", v)
}

// Print writes the report as compact tables: the totals, then per rule and
// per typology (transaction labels) or per rule (account labels).
func Print(w io.Writer, r *Report) error {
	fmt.Fprintf(w, "transactions %d: laundering %d in %d attempts", r.Transactions, r.Laundering, r.Attempts)
	if r.MinAttemptTx > 1 {
		fmt.Fprintf(w, " of >= %d tx (%d smaller left out of attempt recall)", r.MinAttemptTx, r.Small)
	}
	fmt.Fprintf(w, ", legit %d\n", r.Legit)
	o := r.Overall
	fmt.Fprintf(w, "all rules: %d alerts (%s per 1,000 tx), precision %s, recall %s of attempts / %s of tx, legit alerted %s\n",
		o.Alerts, per1k(o.Per1000), pct(o.Precision), pct(o.RecallAttempt), pct(o.RecallTx), pct(o.LegitShare))
	if r.Accounts != nil {
		a := r.Accounts
		fmt.Fprintf(w, "accounts: %d in the feed, %d labelled laundering; flagged %d: precision %s, recall %s, F1 %.3f\n",
			r.AccountsSeen, a.Fraud, a.Flagged, pct(a.Precision), pct(a.Recall), a.F1)
	}
	fmt.Fprintln(w)
	if r.Accounts != nil {
		var t Table
		t.Add("rule", "typology", "alerts", "/1k tx", "flagged", "acct prec", "acct recall", "F1")
		for _, rs := range r.Rules {
			a := rs.Accounts
			t.Addf("%s\t%s\t%d\t%s\t%d\t%s\t%s\t%.3f", rs.ID, rs.Typology, rs.Alerts, per1k(rs.Per1000),
				a.Flagged, pct(a.Precision), pct(a.Recall), a.F1)
		}
		return t.Write(w)
	}
	var t Table
	t.Add("rule", "typology", "alerts", "/1k tx", "precision", "recall own", "recall all", "legit alerted")
	for _, rs := range r.Rules {
		t.Addf("%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s", rs.ID, rs.Typology, rs.Alerts, per1k(rs.Per1000),
			pct(rs.Precision), pct(rs.RecallOwn), pct(rs.RecallAttempt), pct(rs.LegitShare))
	}
	if err := t.Write(w); err != nil {
		return err
	}
	fmt.Fprintln(w)
	t = Table{}
	t.Add("typology", "attempts", "tx", "recall att", "recall tx", "rules", "alerts", "/1k tx", "precision", "recall own", "legit alerted")
	for _, ts := range r.Typologies {
		t.Addf("%s\t%d\t%d\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s", ts.Typology, ts.Attempts, ts.Tx,
			pct(ts.RecallAttempt), pct(ts.RecallTx), ts.Rules, ts.Alerts, per1k(ts.Per1000),
			pct(ts.Precision), pct(ts.RecallOwn), pct(ts.LegitShare))
	}
	if err := t.Write(w); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nrecall att/tx: share of labelled attempts/transactions alerted by any rule; recall own: by rules of the row's typology;")
	fmt.Fprintln(w, "precision: share of alerted transactions that are labelled laundering; legit alerted: share of unlabelled transactions alerted.")
	return nil
}
