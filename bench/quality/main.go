// Command quality measures detection quality of a rule pack:
//
//   - on the synthetic feed (`socwatch gen`): recall per typology, counted per
//     injected scenario (a scenario is detected when any of its transactions
//     raises an alert of its typology), and the share of legitimate
//     transactions that raise any alert;
//   - on IBM AMLworld's laundering patterns (patterns_flat.csv): per pattern
//     family, the share of laundering attempts with at least one alert. The
//     file holds only laundering transactions, so this is recall, not
//     precision.
//
// Run it with `make quality`.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/socwatch/socwatch/connectors/file"
	"github.com/socwatch/socwatch/connectors/ibmcsv"
	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/internal/lines"
	"github.com/socwatch/socwatch/internal/synth"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/rules"
)

func main() {
	pack := flag.String("rules", "rules/packs/aml-core", "rule pack")
	seed := flag.Int64("seed", 1, "seed of the synthetic feed")
	count := flag.Int("count", 100000, "transactions in the synthetic feed")
	ibm := flag.String("ibm", "", "IBM AMLworld patterns_flat.csv (skipped when empty)")
	flag.Parse()
	rs, err := rules.Load(*pack, rules.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := synthetic(os.Stdout, rs, *seed, *count); err != nil {
		fmt.Fprintln(os.Stderr, "synthetic:", err)
		os.Exit(1)
	}
	if *ibm != "" {
		if err := ibmFamilies(os.Stdout, rs, *ibm); err != nil {
			fmt.Fprintln(os.Stderr, "ibm:", err)
			os.Exit(1)
		}
	}
}

type collect struct{ alerts []engine.Alert }

func (c *collect) Write(_ context.Context, a []engine.Alert, done engine.Done) {
	c.alerts = append(c.alerts, a...)
	done(nil)
}
func (c *collect) Close(context.Context) error { return nil }

func replay(rs *engine.RuleSet, format string, in io.Reader) ([]engine.Alert, *file.Summary, error) {
	sink := &collect{}
	sum, err := file.Replay(in, file.ReplayOptions{Format: format, Rules: rs, Sink: sink,
		Rejects: file.NewRejectWriter(nil, nil)})
	return sink.alerts, sum, err
}

func synthetic(w io.Writer, rs *engine.RuleSet, seed int64, count int) error {
	g := synth.New(synth.Config{Seed: seed, Count: count})
	var buf bytes.Buffer
	var tx engine.Tx
	label := map[string]string{}     // tx_id → typology
	scenario := map[string]string{}  // tx_id → scenario id
	scenarios := map[string]string{} // scenario → typology
	legit := 0
	for {
		l, ok := g.Next(&tx)
		if !ok {
			break
		}
		buf.Write(jsonl.Encode(nil, &tx))
		buf.WriteByte('\n')
		if l == "" {
			legit++
			continue
		}
		label[tx.TxID] = l
		scenario[tx.TxID] = g.Scenario()
		scenarios[g.Scenario()] = l
	}
	alerts, sum, err := replay(rs, "jsonl", &buf)
	if err != nil {
		return err
	}
	detected := map[string]bool{}
	legitAlerted := map[string]bool{}
	for _, a := range alerts {
		l, injected := label[a.TxID]
		switch {
		case !injected:
			legitAlerted[a.TxID] = true
		case l == a.Typology:
			detected[scenario[a.TxID]] = true
		}
	}
	per := map[string][2]int{}
	for sc, typ := range scenarios {
		c := per[typ]
		c[1]++
		if detected[sc] {
			c[0]++
		}
		per[typ] = c
	}
	fmt.Fprintf(w, "Synthetic feed: seed %d, %d transactions (%d rejected), %d injected scenarios, %d alerts\n\n",
		seed, sum.Records, sum.Rejects, len(scenarios), len(alerts))
	fmt.Fprintf(w, "| typology | scenarios | detected | recall |\n|---|---:|---:|---:|\n")
	for _, typ := range rules.Typologies {
		c := per[typ]
		fmt.Fprintf(w, "| %s | %d | %d | %s |\n", typ, c[1], c[0], pct(c[0], c[1]))
	}
	fmt.Fprintf(w, "\nLegitimate transactions alerted: %d of %d (%s)\n\n", len(legitAlerted), legit, pct(len(legitAlerted), legit))
	return nil
}

func ibmFamilies(w io.Writer, rs *engine.RuleSet, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	alerts, sum, err := replay(rs, "ibm-csv", bytes.NewReader(data))
	if err != nil {
		return err
	}
	alerted := map[string]bool{}
	for _, a := range alerts {
		alerted[a.TxID] = true
	}
	// Map each row's tx id to its pattern with the same decoder.
	var dec *ibmcsv.Decoder
	attempts := map[string]string{} // pattern id → family
	hit := map[string]bool{}
	var tx engine.Tx
	err = lines.Scan(bytes.NewReader(data), 0, func(n int, line []byte) error {
		if dec == nil {
			dec, err = ibmcsv.NewDecoder(append([]byte(nil), line...))
			return err
		}
		pid, _, _ := dec.Extra(line, "Pattern ID")
		fam, _, _ := dec.Extra(line, "Pattern Family")
		if pid == "" {
			return nil
		}
		attempts[pid] = fam
		if dec.Decode(line, &tx) == nil && alerted[tx.TxID] {
			hit[pid] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	per := map[string][2]int{}
	for pid, fam := range attempts {
		c := per[fam]
		c[1]++
		if hit[pid] {
			c[0]++
		}
		per[fam] = c
	}
	fams := make([]string, 0, len(per))
	for f := range per {
		fams = append(fams, f)
	}
	sort.Strings(fams)
	fmt.Fprintf(w, "IBM AMLworld HI-Small laundering patterns: %d transactions (%d rejected), %d attempts, %d alerts\n\n",
		sum.Records, sum.Rejects, len(attempts), len(alerts))
	fmt.Fprintf(w, "| family | attempts | with ≥1 alert | share |\n|---|---:|---:|---:|\n")
	for _, f := range fams {
		c := per[f]
		fmt.Fprintf(w, "| %s | %d | %d | %s |\n", f, c[1], c[0], pct(c[0], c[1]))
	}
	byRule := make([]string, 0, len(sum.Alerts))
	for r, n := range sum.Alerts {
		byRule = append(byRule, fmt.Sprintf("%s=%d", r, n))
	}
	sort.Strings(byRule)
	fmt.Fprintf(w, "\nAlerts by rule: %s\n", strings.Join(byRule, " "))
	return nil
}

func pct(a, b int) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f %%", 100*float64(a)/float64(b))
}
