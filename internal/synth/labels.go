package synth

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Typology names, as the rule pack's `typology:` fields spell them.
const (
	Threshold            = "threshold"
	Structuring          = "structuring"
	Velocity             = "velocity"
	FanIn                = "fan_in"
	FanOut               = "fan_out"
	PassThrough          = "pass_through"
	HighRiskJurisdiction = "high_risk_jurisdiction"
	RoundAmount          = "round_amount"
	DormantReactivation  = "dormant_reactivation"
	Sanctions            = "sanctions"
	CashIntensive        = "cash_intensive"
	Corridor             = "corridor"
)

// Typologies is the vocabulary of injected scenarios; every one of them is
// injected in any feed of 20,000 transactions or more.
var Typologies = []string{
	Threshold, Structuring, Velocity, FanIn, FanOut, PassThrough,
	HighRiskJurisdiction, RoundAmount, DormantReactivation, Sanctions,
	CashIntensive, Corridor,
}

// LabelHeader is the first line of a labels file.
const LabelHeader = "tx_id,typology\n"

// WriteLabelHeader writes the header line of a labels file.
func WriteLabelHeader(w io.Writer) error {
	_, err := io.WriteString(w, LabelHeader)
	return err
}

// WriteLabel writes one `tx_id,typology` line; typology is empty for a
// legitimate transaction. Generated ids and typologies never contain commas,
// quotes or newlines, so no CSV quoting is needed.
func WriteLabel(w io.Writer, txID, typology string) error {
	_, err := fmt.Fprintf(w, "%s,%s\n", txID, typology)
	return err
}

// ReadLabels reads a labels file into tx_id → typology (legitimate
// transactions map to ""). It accepts a file with or without the header and
// refuses lines that are not two fields, duplicate ids, and typologies
// outside the vocabulary.
func ReadLabels(r io.Reader) (map[string]string, error) {
	known := make(map[string]bool, len(Typologies)+1)
	known[""] = true
	for _, t := range Typologies {
		known[t] = true
	}
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if line == 1 && text+"\n" == LabelHeader {
			continue
		}
		if text == "" {
			continue
		}
		id, typ, ok := strings.Cut(text, ",")
		if !ok || strings.Contains(typ, ",") {
			return nil, fmt.Errorf("labels line %d: want 2 fields tx_id,typology, got %q", line, text)
		}
		if id == "" {
			return nil, fmt.Errorf("labels line %d: empty tx_id", line)
		}
		if !known[typ] {
			return nil, fmt.Errorf("labels line %d: unknown typology %q", line, typ)
		}
		if _, dup := out[id]; dup {
			return nil, fmt.Errorf("labels line %d: duplicate tx_id %q", line, id)
		}
		out[id] = typ
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read labels after line %d: %w", line, err)
	}
	return out, nil
}
