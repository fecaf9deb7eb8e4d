// Command quality measures the detection quality of a rule pack with
// internal/eval (the code behind `socwatch eval`) and prints compact tables:
//
//   - own generated feeds (`socwatch gen`, realistic profile: legitimate
//     look-alikes of every typology) for each seed: recall per typology,
//     counted per injected scenario (any alert on any of its transactions),
//     the share of legitimate transactions alerted, and that share per
//     look-alike family — which legitimate business a pack cannot tell
//     from laundering;
//   - IBM AMLworld HI-Small: the laundering patterns (patterns_flat.csv)
//     screened together with the legitimate sample (transactions_sample.csv),
//     recall per pattern family over the attempts with at least two
//     transactions in the file (a lone transfer shows no pattern), and the
//     legitimate sample's alerted share;
//   - AMLSim 20K_fanin200cycle200: precision, recall and F1 of flagged
//     accounts against nodes.csv isFraud, for the pack and for a
//     structure-only pack (--amlsim-rules, no amount floors), since the
//     simulation's amounts carry no meaning a pack's floors could use.
//
// Run it with `make quality`.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/eval"
	"github.com/socwatch/socwatch/internal/synth"
	"github.com/socwatch/socwatch/rules"
)

func main() {
	pack := flag.String("rules", "rules/packs/aml-core", "rule pack")
	seeds := flag.String("seeds", "1,2", "seeds of the generated feeds, comma-separated")
	count := flag.Int("count", 100000, "transactions per generated feed")
	profile := flag.String("profile", "realistic", "generator profile: realistic or classic")
	ibm := flag.String("ibm", "", "directory with IBM AMLworld HI-Small patterns_flat.csv and transactions_sample.csv (skipped when empty)")
	amlsim := flag.String("amlsim", "", "AMLSim output directory with transactions.csv and nodes.csv (skipped when empty)")
	amlsimRules := flag.String("amlsim-rules", "", "a second pack to measure on AMLSim too (the structure-only pack; skipped when empty)")
	warmup := flag.Duration("warmup", 0, "generated feeds: screen but do not count the first DURATION (histories fill first)")
	flag.Parse()
	if err := run(os.Stdout, *pack, *seeds, *count, *profile, *warmup, *ibm, *amlsim, *amlsimRules); err != nil {
		fmt.Fprintln(os.Stderr, "quality:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, pack, seeds string, count int, profile string, warmup time.Duration, ibm, amlsim, amlsimRules string) error {
	rs, err := rules.Load(pack, rules.Options{})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Detection quality of %s\n\n", pack)
	var gens []genResult
	for _, s := range strings.Split(seeds, ",") {
		seed, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return fmt.Errorf("seed %q: %w", s, err)
		}
		g, err := generated(rs, synth.Config{Seed: seed, Count: count, Realistic: profile == "realistic"}, warmup)
		if err != nil {
			return fmt.Errorf("gen seed %d: %w", seed, err)
		}
		gens = append(gens, g)
	}
	if err := printGenerated(w, profile, gens); err != nil {
		return err
	}
	if ibm != "" {
		if err := ibmPatterns(w, rs, ibm); err != nil {
			return fmt.Errorf("ibm: %w", err)
		}
	}
	if amlsim == "" {
		return nil
	}
	if err := amlsimAccounts(w, rs, pack, amlsim); err != nil {
		return fmt.Errorf("amlsim: %w", err)
	}
	if amlsimRules == "" {
		return nil
	}
	structural, err := rules.Load(amlsimRules, rules.Options{})
	if err != nil {
		return err
	}
	if err := amlsimAccounts(w, structural, amlsimRules, amlsim); err != nil {
		return fmt.Errorf("amlsim with %s: %w", amlsimRules, err)
	}
	return nil
}

// genResult is one generated feed's evaluation, with the look-alike
// family of every legitimate transaction that has one.
type genResult struct {
	seed   int64
	rep    *eval.Report
	family map[string]string // tx id → family
	perFam map[string][2]int // family → alerted, total
	// behaviour is the number of counted legitimate transactions alerted
	// by a rule that is neither a threshold report nor sanctions
	// screening: what the pack's judgement of behaviour costs analysts.
	behaviour int // warm is the deployment view: the feed screened with --alerts-from
	// its start + coldStartWarmup, scored on the transactions from then on.
	warm *eval.Report
}

// coldStartWarmup is the history a new deployment screens before it
// alerts in the "legit alerted after a warm-up" row: long enough for the
// pack's 30-day windows, most of the 90-day novelty look-back.
const coldStartWarmup = 60 * 24 * time.Hour

// mandatory are the typologies whose alerts do not judge behaviour: a
// transaction at a reporting threshold is reported whatever its purpose,
// and a name hit goes to sanctions screening.
var mandatory = map[string]bool{"threshold": true, "sanctions": true}

func generated(rs *engine.RuleSet, cfg synth.Config, warmup time.Duration) (genResult, error) {
	g := synth.New(cfg)
	truth := &eval.Truth{Tx: map[string]eval.Label{}}
	res := genResult{seed: cfg.Seed, family: map[string]string{}, perFam: map[string][2]int{}}
	var buf []byte
	var tx engine.Tx
	for {
		label, ok := g.Next(&tx)
		if !ok {
			break
		}
		buf = append(jsonl.Encode(buf, &tx), '\n')
		switch {
		case label != "":
			truth.Tx[tx.TxID] = eval.Label{Typology: label, Attempt: g.Scenario()}
		case g.Family() != "":
			res.family[tx.TxID] = g.Family()
		}
	}
	prep, err := eval.Prepare([]eval.Input{{Name: "gen", Format: "jsonl", Data: buf}})
	if err != nil {
		return res, err
	}
	alerts, err := eval.Screen(rs, prep, nil)
	if err != nil {
		return res, err
	}
	res.rep = eval.Compute(prep.Feed, truth, eval.Rules(rs), alerts, eval.Options{Warmup: warmup})
	warmAlerts, err := eval.ScreenFrom(rs, prep, nil, eval.WarmupEnd(prep.Feed, coldStartWarmup))
	if err != nil {
		return res, err
	}
	res.warm = eval.Compute(prep.Feed, truth, eval.Rules(rs), warmAlerts, eval.Options{Warmup: coldStartWarmup})
	alerted, judged := map[string]bool{}, map[string]bool{}
	for i := range alerts {
		alerted[alerts[i].TxID] = true
		if !mandatory[alerts[i].Typology] {
			judged[alerts[i].TxID] = true
		}
	}
	from := eval.WarmupEnd(prep.Feed, warmup)
	counted := map[string]bool{}
	for i, id := range prep.Feed.IDs {
		counted[id] = !prep.Feed.TS[i].Before(from)
	}
	for id, fam := range res.family {
		if !counted[id] {
			continue
		}
		v := res.perFam[fam]
		v[1]++
		if alerted[id] {
			v[0]++
		}
		res.perFam[fam] = v
	}
	for id := range judged {
		if _, laundering := truth.Tx[id]; counted[id] && !laundering {
			res.behaviour++
		}
	}
	return res, nil
}

func pct(a, b int) string {
	if b == 0 {
		return eval.Percent(math.NaN())
	}
	return eval.Percent(float64(a) / float64(b))
}

func printGenerated(w io.Writer, profile string, gens []genResult) error {
	if len(gens) == 0 {
		return nil
	}
	fmt.Fprintf(w, "Own gen (%s profile, %d transactions per seed", profile, gens[0].rep.Transactions)
	if gens[0].rep.Warmup > 0 {
		fmt.Fprintf(w, " counted after a %s warm-up", gens[0].rep.Warmup)
	}
	fmt.Fprintf(w, "): recall per typology over injected scenarios, legit alerted\n\n")
	var t eval.Table
	head := []string{"typology"}
	for _, g := range gens {
		s := strconv.FormatInt(g.seed, 10)
		head = append(head, "scen s"+s, "recall s"+s)
	}
	t.Add(head...)
	for _, typ := range synth.Typologies {
		row := []string{typ}
		for _, g := range gens {
			ts := typology(g.rep, typ)
			row = append(row, strconv.Itoa(ts.Attempts), eval.Percent(ts.RecallAttempt))
		}
		t.Add(row...)
	}
	row := []string{"legit alerted"}
	for _, g := range gens {
		row = append(row, strconv.Itoa(g.rep.Legit), eval.Percent(g.rep.Overall.LegitShare))
	}
	t.Add(row...)
	row = []string{"  by behaviour rules"}
	for _, g := range gens {
		row = append(row, "", pct(g.behaviour, g.rep.Legit))
	}
	t.Add(row...)
	row = []string{fmt.Sprintf("legit alerted after a %d-day warm-up", coldStartWarmup/(24*time.Hour))}
	for _, g := range gens {
		// Two decimals: the row is there to compare with the cold start
		// at shares of a few per 1,000.
		row = append(row, strconv.Itoa(g.warm.Legit), fmt.Sprintf("%.2f%%", 100*g.warm.Overall.LegitShare))
	}
	t.Add(row...)
	row = []string{"alerts per 1,000 tx"}
	for _, g := range gens {
		row = append(row, "", fmt.Sprintf("%.1f", g.rep.Overall.Per1000))
	}
	t.Add(row...)
	for _, fam := range synth.Families {
		row := []string{"  legit: " + fam}
		for _, g := range gens {
			v := g.perFam[fam]
			row = append(row, strconv.Itoa(v[1]), pct(v[0], v[1]))
		}
		t.Add(row...)
	}
	for i, r := range gens[0].rep.Rules {
		noisy := false
		for _, g := range gens {
			noisy = noisy || g.rep.Rules[i].LegitShare >= 0.001
		}
		if !noisy {
			continue
		}
		row := []string{"  legit by " + r.ID}
		for _, g := range gens {
			row = append(row, strconv.Itoa(g.rep.Rules[i].Alerts), eval.Percent(g.rep.Rules[i].LegitShare))
		}
		t.Add(row...)
	}
	if err := t.Write(w); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n(scen: injected scenarios, or legitimate transactions in the legit rows; legit rows: share of them alerted by any rule;\n after a warm-up: screened with --alerts-from the feed's start + %d days, the legitimate transactions from then on;\n by behaviour rules: by a rule that is neither a threshold report nor sanctions screening;\n legit by RULE: the rule's alerts and the share of all legitimate transactions it alerts, rules at 0.1 %% or more)\n", coldStartWarmup/(24*time.Hour))
	fmt.Fprintln(w)
	return nil
}

func typology(r *eval.Report, typ string) eval.TypologyScore {
	for _, ts := range r.Typologies {
		if ts.Typology == typ {
			return ts
		}
	}
	return eval.TypologyScore{Typology: typ}
}

func readInput(path, format string) (eval.Input, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return eval.Input{}, err
	}
	return eval.Input{Name: path, Format: format, Data: data}, nil
}

func ibmPatterns(w io.Writer, rs *engine.RuleSet, dir string) error {
	truth := &eval.Truth{Tx: map[string]eval.Label{}}
	var ins []eval.Input
	for _, name := range []string{"patterns_flat.csv", "transactions_sample.csv"} {
		in, err := readInput(filepath.Join(dir, name), "ibm-csv")
		if err != nil {
			return err
		}
		l, err := eval.ReadIBMLabels(bytes.NewReader(in.Data))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		truth.Merge(l)
		ins = append(ins, in)
	}
	prep, err := eval.Prepare(ins)
	if err != nil {
		return err
	}
	rep, err := eval.Evaluate(rs, prep, truth, nil, eval.Options{MinAttemptTx: 2})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "IBM AMLworld HI-Small: laundering patterns + legitimate sample (%d transactions, %d rejected)\n\n", rep.Transactions, prep.Rejected)
	var t eval.Table
	t.Add("pattern family", "attempts >= 2 tx", "recall")
	for _, ts := range rep.Typologies {
		if ts.Attempts > 0 {
			t.Addf("%s\t%d\t%s", ts.Typology, ts.Attempts, eval.Percent(ts.RecallAttempt))
		}
	}
	t.Addf("all families\t%d\t%s", rep.Attempts, eval.Percent(rep.Overall.RecallAttempt))
	t.Addf("legit alerted (sample)\t%d\t%s", rep.Legit, eval.Percent(rep.Overall.LegitShare))
	if err := t.Write(w); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n(%d attempts of a single transaction left out)\n\n", rep.Small)
	return nil
}

func amlsimAccounts(w io.Writer, rs *engine.RuleSet, pack, dir string) error {
	in, err := readInput(filepath.Join(dir, "transactions.csv"), "amlsim")
	if err != nil {
		return err
	}
	nodes, err := os.ReadFile(filepath.Join(dir, "nodes.csv"))
	if err != nil {
		return err
	}
	truth, err := eval.ReadLabels(nodes)
	if err != nil {
		return err
	}
	prep, err := eval.Prepare([]eval.Input{in})
	if err != nil {
		return err
	}
	rep, err := eval.Evaluate(rs, prep, truth, nil, eval.Options{})
	if err != nil {
		return err
	}
	a := rep.Accounts
	fmt.Fprintf(w, "AMLSim %s with %s: %d transactions, %d accounts (%d labelled fraud)\n\n", filepath.Base(dir), pack, rep.Transactions, rep.AccountsSeen, a.Fraud)
	var t eval.Table
	t.Add("flagged accounts", "precision", "recall", "F1", "alerts")
	t.Addf("%d\t%s\t%s\t%.3f\t%d", a.Flagged, eval.Percent(a.Precision), eval.Percent(a.Recall), a.F1, rep.Overall.Alerts)
	if err := t.Write(w); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return nil
}
