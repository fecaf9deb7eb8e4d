package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/socwatch/socwatch/console/goaml"
	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/iban"
)

// ExportGoAML writes case id's goAML STR to w and records the export, by
// user, in the case's trail (after the report is complete, before it is
// handed out). The console's endpoint and `socwatch goaml` share it.
//
// The report holds the transactions of the case's alerts and every
// transfer of the paths their explanations list — a flow alert's traced
// path (trace.path) and an aggregate's path (forwarded_inflow_96h_path of
// AML-LAYER-001, engine.AggregatePathSuffix): a layering chain, a round
// trip or a pass-through is reported as the money's way, not as its last
// transfer alone.
func ExportGoAML(ctx context.Context, st *store.Store, m *goaml.Mapping, id, user string, w io.Writer) error {
	v, err := loadCase(ctx, st, id)
	if err != nil {
		return err
	}
	paths, err := casePathTxs(ctx, st, v)
	if err != nil {
		return err
	}
	c := goamlCase(v, paths, time.Now())
	var buf bytes.Buffer
	if err := m.Write(&buf, c); err != nil {
		return errorf(http.StatusConflict, "%v", err)
	}
	if err := st.Append(ctx, []store.Event{{CaseID: v.Case.ID, User: user, Action: "goaml_export",
		Note: fmt.Sprintf("%d transactions, %d of them from the alerts' paths", len(c.Txs), len(paths))}}); err != nil {
		return err
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write goaml report: %w", err)
	}
	return nil
}

// goamlCase turns a case view into the goAML writer's input: every
// transaction of the case's alerts and the transfers of their paths
// (paths, from casePathTxs), oldest first, with the typologies of the
// alerts.
func goamlCase(v *caseView, paths []goaml.Tx, now time.Time) goaml.Case {
	c := goaml.Case{ID: v.Case.ID, Title: v.Case.Title, Reason: v.Case.Reason, Action: v.Case.Action, Submitted: now}
	typs := map[string]bool{}
	for _, a := range v.Alerts {
		typs[a.Typology] = true
	}
	for t := range typs {
		c.Typologies = append(c.Typologies, t)
	}
	sort.Strings(c.Typologies)
	for _, t := range v.Transactions {
		c.Txs = append(c.Txs, goamlTx(t, ""))
	}
	c.Txs = append(c.Txs, paths...)
	sort.SliceStable(c.Txs, func(i, j int) bool {
		if !c.Txs[i].TS.Equal(c.Txs[j].TS) {
			return c.Txs[i].TS.Before(c.Txs[j].TS)
		}
		return c.Txs[i].ID < c.Txs[j].ID
	})
	return c
}

// goamlTx is a stored transaction as the report lists it.
func goamlTx(t store.Tx, description string) goaml.Tx {
	return goaml.Tx{
		ID: t.ID, TS: t.TS, Channel: t.Channel, Currency: t.Currency, Amount: t.Amount, AmountEUR: t.AmountEUR,
		Description: description,
		From:        goaml.Party{Account: t.DebtorAccount, Name: t.DebtorName, Country: t.DebtorCountry},
		To:          goaml.Party{Account: t.CreditorAccount, Name: t.CreditorName, Country: t.CreditorCountry},
	}
}

// casePathTxs returns the report transactions of the transfers on the
// paths of v's alerts that are not among v's transactions.
func casePathTxs(ctx context.Context, st *store.Store, v *caseView) ([]goaml.Tx, error) {
	ids := make([]string, len(v.Alerts))
	for i, a := range v.Alerts {
		ids[i] = a.ID
	}
	expl, err := st.ExplanationsWith(ctx, ids, engine.TracePathKey, engine.AggregatePathSuffix)
	if err != nil {
		return nil, err
	}
	hops := pathHopsToReport(v.Alerts, expl, v.Transactions)
	if len(hops) == 0 {
		return nil, nil
	}
	txIDs := make([]string, len(hops))
	for i, h := range hops {
		txIDs[i] = h.TxID
	}
	stored, err := st.TransactionsByID(ctx, txIDs)
	if err != nil {
		return nil, err
	}
	return pathTxs(hops, stored), nil
}

// reportHop is a transfer of an alert's path that the report adds, the
// alert whose path lists it and the explanation entry that does.
type reportHop struct {
	pathHop
	AlertID string
	Key     string // engine.TracePathKey or an aggregate's path entry
}

// alertPaths returns the paths an alert's explanation lists, by entry key
// in key order: the traced path and every aggregate's path. A path's
// transfer that is the alert's own is marked Alerted.
func alertPaths(a *store.Alert, raw json.RawMessage) map[string][]pathHop {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	out := map[string][]pathHop{}
	if p := parseTracePath(raw); p != nil {
		out[engine.TracePathKey] = p.Hops
	}
	for k, rv := range m {
		if hops, ok := decodeTransferList(k, rv); ok {
			for i := range hops {
				hops[i].Alerted = hops[i].TxID == a.TxID
			}
			out[k] = hops
		}
	}
	return out
}

// pathHopsToReport returns the transfers on the paths of alerts (their
// explanations by alert id) that are not among have, each once.
func pathHopsToReport(alerts []store.Alert, expl map[string]json.RawMessage, have []store.Tx) []reportHop {
	seen := map[string]bool{}
	for _, t := range have {
		seen[t.ID] = true
	}
	var out []reportHop
	for i := range alerts {
		a := &alerts[i]
		paths := alertPaths(a, expl[a.ID])
		keys := make([]string, 0, len(paths))
		for k := range paths {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, h := range paths[k] {
				if !seen[h.TxID] {
					seen[h.TxID] = true
					out = append(out, reportHop{h, a.ID, k})
				}
			}
		}
	}
	return out
}

// role is what a path's transfer is to the report: the description of
// its transaction.
func (h reportHop) role() string {
	switch {
	case h.Key == engine.TracePathKey && h.Alerted:
		return "Alerted transfer of alert " + h.AlertID + ", the last of its traced path"
	case h.Key == engine.TracePathKey:
		return "On the traced path of the money of alert " + h.AlertID
	case h.Alerted:
		return "Alerted transfer of alert " + h.AlertID + ", the last of its " + h.Key
	}
	return "On the " + h.Key + " of alert " + h.AlertID + ": a transfer its aggregate matched"
}

// pathTxs returns the report transactions of hops: the stored
// transaction when there is one (the transactions table holds what the
// bank sent: currency, names, countries, channel), else what the path
// holds — tx id, accounts, time and the EUR amount the engine converted
// (an aggregate's path holds the aggregate's input: amount_eur in the
// shipped packs, pathAmountUnit).
// Then the currency, channel and names are unknown: amount_local is
// converted from EUR without a foreign-currency block, the mapping's
// default funds and transmission codes apply, the account number stands
// for the name and the country is the IBAN's (goaml.Write's rules for
// what a stored transaction lacks); the description says so.
func pathTxs(hops []reportHop, stored []store.Tx) []goaml.Tx {
	byID := make(map[string]store.Tx, len(stored))
	for _, t := range stored {
		byID[t.ID] = t
	}
	out := make([]goaml.Tx, 0, len(hops))
	for _, h := range hops {
		role := h.role()
		if t, ok := byID[h.TxID]; ok {
			out = append(out, goamlTx(t, role))
			continue
		}
		eur := strconv.FormatFloat(h.AmountEUR, 'f', -1, 64)
		out = append(out, goaml.Tx{ID: h.TxID, TS: h.TS, AmountEUR: eur,
			Description: role + " (not stored: accounts, time and EUR amount from the alert's explanation; currency, channel and names unknown)",
			From:        goaml.Party{Account: h.From.Account, Country: ibanCountry(h.From.Account)},
			To:          goaml.Party{Account: h.To.Account, Country: ibanCountry(h.To.Account)}})
	}
	return out
}

// ibanCountry is the country of an IBAN, "" for another account number.
func ibanCountry(acct string) string {
	c, _ := iban.Country(acct)
	return c
}
