package console

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/console/goaml"
	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/engine"
)

// TestGoAMLReportsTracedPath: the report of a case with a layering chain
// alert holds every transfer of the chain, each once — the stored ones
// as stored, the others from the path — and validates against the FIU's
// schema.
func TestGoAMLReportsTracedPath(t *testing.T) {
	// PL → NO → LT → an account that is no IBAN → DE, the last alerted.
	hops := chain("PL61109010140000071219812874", "NO9386011117947", "LT121000011101001000", "ACC-0042", "DE89370400440532013000")
	alerted := hops[len(hops)-1]
	chainAlert := flowAlert(hops, "layering_chain")
	chainAlert.ID = "chain"
	// An earlier alert of the same chain (its third hop) lists hops the
	// chain's alert lists too.
	early := flowAlert(hops[:3], "layering_chain")
	early.ID = "early"
	stored := func(h engine.Hop, currency, amount string) store.Tx {
		return store.Tx{ID: h.TxID, TS: h.TS, Amount: amount, Currency: currency, AmountEUR: "40000",
			DebtorAccount: h.Debtor, DebtorName: "Jan Kowalski", DebtorCountry: "PL",
			CreditorAccount: h.Creditor, CreditorName: "Ola Nordmann", CreditorCountry: "NO", Channel: "swift"}
	}
	v := &caseView{Case: &store.Case{ID: "c1", Title: "Layering chain"},
		Alerts:       []store.Alert{*chainAlert, *early},
		Transactions: []store.Tx{stored(alerted, "EUR", "31000")}}
	expl := map[string]json.RawMessage{
		"chain": explanation(t, map[string]any{"trace.hops": 4, engine.TracePathKey: hops}),
		"early": explanation(t, map[string]any{"trace.hops": 2, engine.TracePathKey: hops[:3]}),
	}
	toReport := pathHopsToReport(v.Alerts, expl, v.Transactions)
	var ids []string
	for _, h := range toReport {
		ids = append(ids, h.TxID)
	}
	if got := strings.Join(ids, ","); got != "tx-1,tx-2,tx-3" {
		t.Fatalf("path transfers to add %s, want tx-1,tx-2,tx-3 (tx-4 is the case's own)", got)
	}
	// Of the path's earlier transfers only the first is stored.
	paths := pathTxs(toReport, []store.Tx{stored(hops[0], "PLN", "172000")})
	report := writeValidGoAML(t, goamlCase(v, paths, alerted.TS.Add(72*time.Hour)))
	txs := strings.Split(report, "<transaction>")[1:]
	if len(txs) != len(hops) {
		t.Fatalf("%d transactions in the report, want the path's %d", len(txs), len(hops))
	}
	for i, h := range hops { // oldest first, as the money went
		x := txs[i]
		if !strings.Contains(x, "<transactionnumber>"+h.TxID+"</transactionnumber>") ||
			!strings.Contains(x, "<account>"+h.Debtor+"</account>") || !strings.Contains(x, "<account>"+h.Creditor+"</account>") ||
			!strings.Contains(x, "<date_transaction>"+h.TS.Format("2006-01-02T15:04:05")+"</date_transaction>") {
			t.Errorf("transaction %d is not hop %s (%s → %s at %s):\n%s", i, h.TxID, h.Debtor, h.Creditor, h.TS, x)
		}
	}
	// The stored hop as the bank sent it; the unstored ones in local
	// currency from EUR, their countries the IBANs' (the entity's own for
	// the account that is no IBAN), and said to be from the trace.
	wants := []struct {
		hop  int
		want []string
	}{
		{0, []string{"<foreign_currency_code>PLN</foreign_currency_code>", "<account_name>jan kowalski</account_name>", "On the traced path of the money of alert chain<"}},
		{1, []string{"<amount_local>152000.00</amount_local>", "<from_country>NO</from_country>", "<to_country>LT</to_country>", "not stored"}},
		{2, []string{"<from_country>LT</from_country>", "<to_country>AE</to_country>", "<account_name>ACC-0042</account_name>"}},
		{3, []string{"<foreign_currency_code>EUR</foreign_currency_code>"}},
	}
	for _, w := range wants {
		for _, s := range w.want {
			if !strings.Contains(txs[w.hop], s) {
				t.Errorf("hop %d lacks %s:\n%s", w.hop+1, s, txs[w.hop])
			}
		}
	}
	if strings.Count(txs[1], "foreign_currency") != 0 {
		t.Errorf("a transfer known only in EUR claims a foreign currency:\n%s", txs[1])
	}
}

// TestPathHopsToReportAlertedUnstored: a flow alert whose own transfer is
// not stored is still reported, from its path, as the alerted transfer.
func TestPathHopsToReportAlertedUnstored(t *testing.T) {
	hops := chain("A", "B", "C")
	a := flowAlert(hops, "round_trip")
	expl := map[string]json.RawMessage{a.ID: explanation(t, map[string]any{"trace.hops": 2, engine.TracePathKey: hops})}
	got := pathTxs(pathHopsToReport([]store.Alert{*a}, expl, nil), nil)
	if len(got) != 2 || got[1].ID != "tx-2" || !strings.HasPrefix(got[1].Description, "Alerted transfer of alert f") ||
		!strings.HasPrefix(got[0].Description, "On the traced path") {
		t.Fatalf("%+v", got)
	}
	// Without trace.path (an untraced alert) nothing is added.
	if got := pathHopsToReport([]store.Alert{*a}, map[string]json.RawMessage{a.ID: json.RawMessage(`{"amount_eur":1}`)}, nil); len(got) != 0 {
		t.Fatalf("untraced alert adds %+v", got)
	}
}

// TestGoAMLReportsAggregatePath: the transfers of an AML-LAYER-001
// alert's forwarded_inflow_96h_path are reported as its traced path's
// are — the stored one as stored, the other from the path — and a
// transfer two alerts' paths list is reported once.
func TestGoAMLReportsAggregatePath(t *testing.T) {
	layer := &store.Alert{ID: "layer", RuleID: "AML-LAYER-001", TxID: "out-1", Typology: "pass_through"}
	// A chain alert whose traced path starts with the same inflow.
	hops := []engine.Hop{
		{TxID: "in-1", Debtor: "PL61109010140000071219812874", Creditor: "NO9386011117947", AmountEUR: 8000, TS: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)},
		{TxID: "out-2", Debtor: "NO9386011117947", Creditor: "LT121000011101001000", AmountEUR: 7900, TS: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)},
	}
	chainAlert := flowAlert(hops, "layering_chain")
	chainAlert.ID = "chain"
	expl := map[string]json.RawMessage{
		"layer": explanation(t, map[string]any{"forwarded_inflow_96h": 8000, "forwarded_inflow_96h_path": json.RawMessage(layeringPath)}),
		"chain": explanation(t, map[string]any{"trace.hops": 2, engine.TracePathKey: hops}),
	}
	out1 := store.Tx{ID: "out-1", TS: time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC), Amount: "33150", Currency: "NOK", AmountEUR: "7800",
		DebtorAccount: "NO9386011117947", DebtorName: "Ola Nordmann", DebtorCountry: "NO",
		CreditorAccount: "DE89370400440532013000", CreditorName: "Max Mustermann", CreditorCountry: "DE", Channel: "swift"}
	v := &caseView{Case: &store.Case{ID: "c2", Title: "Pass-through"}, Alerts: []store.Alert{*layer, *chainAlert}}
	toReport := pathHopsToReport(v.Alerts, expl, v.Transactions)
	var ids []string
	for _, h := range toReport {
		ids = append(ids, h.AlertID+":"+h.TxID)
	}
	if got := strings.Join(ids, ","); got != "layer:in-1,layer:out-1,chain:out-2" {
		t.Fatalf("path transfers to add %s, want layer:in-1,layer:out-1,chain:out-2 (in-1 once, from the first alert listing it)", got)
	}
	report := writeValidGoAML(t, goamlCase(v, pathTxs(toReport, []store.Tx{out1}), hops[1].TS.Add(72*time.Hour)))
	txs := strings.Split(report, "<transaction>")[1:]
	wants := []struct {
		id   string
		want []string
	}{
		{"in-1", []string{"On the forwarded_inflow_96h_path of alert layer", "not stored", "<amount_local>32000.00</amount_local>", "<from_country>PL</from_country>"}},
		{"out-1", []string{"Alerted transfer of alert layer, the last of its forwarded_inflow_96h_path", "<foreign_currency_code>NOK</foreign_currency_code>", "<account_name>ola nordmann</account_name>"}},
		{"out-2", []string{"Alerted transfer of alert chain, the last of its traced path", "not stored"}},
	}
	if len(txs) != len(wants) {
		t.Fatalf("%d transactions in the report, want %d:\n%s", len(txs), len(wants), report)
	}
	for i, w := range wants { // oldest first
		if !strings.Contains(txs[i], "<transactionnumber>"+w.id+"</transactionnumber>") {
			t.Errorf("transaction %d is not %s:\n%s", i, w.id, txs[i])
		}
		for _, s := range w.want {
			if !strings.Contains(txs[i], s) {
				t.Errorf("%s lacks %s:\n%s", w.id, s, txs[i])
			}
		}
	}
}

// validGoAML fails t unless report validates against the goAML 5.0.2
// schema the console writes to (xmllint, through goaml.Validate).
// writeValidGoAML writes c with the test mapping, checks the report
// against the schema and returns it.
func writeValidGoAML(t *testing.T, c goaml.Case) string {
	t.Helper()
	m, err := goaml.LoadMapping("goaml/testdata/mapping-ae.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Write(&buf, c); err != nil {
		t.Fatal(err)
	}
	validGoAML(t, buf.Bytes())
	return buf.String()
}

func validGoAML(t *testing.T, report []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.xml")
	if err := os.WriteFile(path, report, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := goaml.Validate("goaml/testdata/goAMLSchema-5.0.2-AE.xsd", path); err != nil {
		t.Fatalf("%v\n%.2000s", err, report)
	}
}
