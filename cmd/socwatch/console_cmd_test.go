package main

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/socwatch/socwatch/connectors/clickhouse"
	"github.com/socwatch/socwatch/console/goaml"
	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/console/users"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/testenv"
)

func TestConsoleAddUser(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.json")
	run := func(stdin string, args ...string) error {
		var out, errOut bytes.Buffer
		return cmdConsole(append([]string{"adduser", "--users", path}, args...), strings.NewReader(stdin), &out, &errOut)
	}
	if err := run("a long enough secret\n", "--name", "ana", "--role", "supervisor"); err != nil {
		t.Fatal(err)
	}
	if err := run("short\n", "--name", "bob"); err == nil {
		t.Fatal("short password accepted")
	}
	if err := run("a long enough secret\n", "--name", "eve", "--role", "root"); err == nil {
		t.Fatal("unknown role accepted")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "a long enough secret") {
		t.Fatal("password stored in clear")
	}
	f, err := users.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := f.Authenticate("ana", "a long enough secret"); !ok || u.Role != users.Supervisor || len(f.Users) != 1 {
		t.Fatalf("users file holds %+v", f.Users)
	}
}

func TestConsoleRefusesPublicListenWithoutTLS(t *testing.T) {
	var out, errOut bytes.Buffer
	err := cmdConsole([]string{"--listen", "0.0.0.0:18099", "--users", "x.json"}, strings.NewReader(""), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "not loopback") {
		t.Fatalf("public listen: %v", err)
	}
}

// TestIntegrationGoAMLCommand writes a case's report with `socwatch goaml`
// and validates it, as a bank's scheduled job would.
func TestIntegrationGoAMLCommand(t *testing.T) {
	testenv.Integration(t)
	base, err := url.Parse(testenv.ClickHouseDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	base.Path = "/socwatch_console_cli"
	dsn := base.String()
	o, _ := ch.ParseDSN(dsn)
	o.Auth.Database = ""
	conn, err := ch.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(context.Background(), "DROP DATABASE IF EXISTS socwatch_console_cli"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	ctx := context.Background()
	sink, err := clickhouse.New(ctx, clickhouse.Options{DSN: dsn, Transactions: true})
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	amt, _ := engine.ParseDecimal("15250.00")
	tx := engine.Tx{TxID: "cli-1", TS: ts, Amount: amt, AmountEUR: amt, Currency: "EUR", Channel: "sepa",
		Debtor:   engine.Party{Account: "NO9386011117947", Name: "Kari Nordmann", Country: "NO"},
		Creditor: engine.Party{Account: "PL61109010140000071219812874", Name: "Jan Kowalski", Country: "PL"}}
	alert := engine.Alert{AlertID: engine.AlertID("AML-THR-001", 1, "cli-1"), RuleID: "AML-THR-001", RuleVersion: 1, Typology: "threshold",
		Severity: "medium", Score: 40, Mode: "active", TxID: "cli-1", TS: ts, DebtorAccount: tx.Debtor.Account,
		CreditorAccount: tx.Creditor.Account, AmountEUR: amt, Explanation: map[string]any{"amount_eur": 15250}}
	done := make(chan error, 2)
	sink.WriteTransactions(ctx, []engine.Tx{tx}, func(err error) { done <- err })
	sink.Write(ctx, []engine.Alert{alert}, func(err error) { done <- err })
	for i := 0; i < 2; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if err := sink.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	caseID := store.NewID()
	if err := st.Append(ctx, []store.Event{
		{CaseID: caseID, User: "sue", Action: "case_open", To: "open", Note: "Large transfer to PL"},
		{AlertID: alert.AlertID, CaseID: caseID, User: "sue", Action: "case_add", To: caseID, AlertTS: ts, Score: 40},
	}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mapping := filepath.Join(dir, "mapping.yaml")
	if err := os.WriteFile(mapping, goaml.ExampleYAML(), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "str.xml")
	var stdout, stderr bytes.Buffer
	err = dispatch([]string{"goaml", "--clickhouse", dsn, "--case", caseID, "--out", out, "--mapping", mapping, "--user", "sue",
		"--schema", "../../console/goaml/testdata/goAMLSchema-5.0.1.xsd"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	xml, err := os.ReadFile(out)
	if err != nil || !bytes.Contains(xml, []byte("<transactionnumber>cli-1</transactionnumber>")) {
		t.Fatalf("report: %v %.300s", err, xml)
	}
	evs, err := st.CaseEvents(ctx, caseID)
	if err != nil || len(evs) != 3 || evs[2].Action != "goaml_export" || evs[2].User != "sue" {
		t.Fatalf("export not in the case trail: %+v %v", evs, err)
	}
	if err := dispatch([]string{"goaml", "--clickhouse", dsn, "--case", "ffff", "--out", out, "--mapping", mapping}, &stdout, &stderr); err == nil {
		t.Fatal("unknown case exported")
	}
}
