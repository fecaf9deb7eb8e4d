package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/socwatch/socwatch/connectors/clickhouse"
	"github.com/socwatch/socwatch/console"
	"github.com/socwatch/socwatch/console/goaml"
	"github.com/socwatch/socwatch/console/store"
)

// cmdGoAML writes a case's goAML STR to a file, as the console's export
// does, and records the export in the case's audit trail.
func cmdGoAML(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("goaml", "goaml --case ID --out FILE --mapping FILE [--clickhouse DSN] [--user NAME] [--schema XSD]", stderr)
	dsn := fs.String("clickhouse", "clickhouse://default@127.0.0.1:9000/socwatch", "ClickHouse DSN holding the case")
	caseID := fs.String("case", "", "case id")
	out := fs.String("out", "", "report file to write")
	mapping := fs.String("mapping", "", "goAML mapping file (reporting entity, code lists)")
	user := fs.String("user", os.Getenv("USER"), "who exports, for the audit trail")
	schema := fs.String("schema", "", "validate the report against this XSD with xmllint before writing it")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *caseID == "" || *out == "" || *mapping == "" {
		return errors.New("goaml: --case, --out and --mapping are required")
	}
	m, err := goaml.LoadMapping(*mapping)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := clickhouse.Migrate(ctx, *dsn, nil); err != nil {
		return err
	}
	st, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	var buf bytes.Buffer
	if err := console.ExportGoAML(ctx, st, m, *caseID, *user, &buf); err != nil {
		return fmt.Errorf("goaml: %w", err)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("goaml: %w", err)
	}
	if *schema != "" {
		if err := goaml.Validate(*schema, *out); err != nil {
			return fmt.Errorf("goaml: %w", err)
		}
	}
	fmt.Fprintf(stdout, "goAML report for case %s written to %s\n", *caseID, *out)
	return nil
}
