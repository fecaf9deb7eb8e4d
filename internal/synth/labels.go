package synth

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Typology names, as the rule pack's `typology:` fields spell them.
const (
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
	LayeringChain        = "layering_chain"
	RoundTrip            = "round_trip"
)

// Typologies is the vocabulary of injected scenarios; every one of them is
// injected in any feed of 20,000 transactions or more.
var Typologies = []string{
	Structuring, Velocity, FanIn, FanOut, PassThrough,
	HighRiskJurisdiction, RoundAmount, DormantReactivation, Sanctions,
	CashIntensive, Corridor, LayeringChain, RoundTrip,
}

// LabelHeader is the first line of a labels file: each transaction's id,
// typology ("" for legitimate traffic) and scenario (the id of the injected
// instance it belongs to, "" for legitimate traffic), so recall can be
// counted per scenario as well as per transaction.
const LabelHeader = "tx_id,typology,scenario\n"

// legacyHeader is the header of two-column files (no scenario), still read.
const legacyHeader = "tx_id,typology\n"

// Label is one transaction's ground truth.
type Label struct {
	Typology string // "" for legitimate traffic
	Scenario string // "" for legitimate traffic and in two-column files
}

// WriteLabelHeader writes the header line of a labels file.
func WriteLabelHeader(w io.Writer) error {
	_, err := io.WriteString(w, LabelHeader)
	return err
}

// WriteLabel writes one `tx_id,typology,scenario` line; typology and
// scenario are empty for a legitimate transaction. Generated ids,
// typologies and scenario ids never contain commas, quotes or newlines, so
// no CSV quoting is needed.
func WriteLabel(w io.Writer, txID, typology, scenario string) error {
	_, err := fmt.Fprintf(w, "%s,%s,%s\n", txID, typology, scenario)
	return err
}

// ReadLabels reads a labels file into tx_id → label. The header says
// whether lines have a scenario column (LabelHeader) or not (the
// two-column `tx_id,typology` layout, also assumed without a header). It
// refuses lines of another width, duplicate ids, typologies outside the
// vocabulary, and a legitimate line (no typology) with a scenario.
func ReadLabels(r io.Reader) (map[string]Label, error) {
	known := make(map[string]bool, len(Typologies)+1)
	known[""] = true
	for _, t := range Typologies {
		known[t] = true
	}
	out := map[string]Label{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line, width := 0, 2
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if line == 1 {
			switch text + "\n" {
			case LabelHeader:
				width = 3
				continue
			case legacyHeader:
				continue
			}
		}
		if text == "" {
			continue
		}
		fields := strings.Split(text, ",")
		if len(fields) != width {
			return nil, fmt.Errorf("labels line %d: want %d fields as in the header, got %q", line, width, text)
		}
		id, typ := fields[0], fields[1]
		if id == "" {
			return nil, fmt.Errorf("labels line %d: empty tx_id", line)
		}
		if !known[typ] {
			return nil, fmt.Errorf("labels line %d: unknown typology %q", line, typ)
		}
		l := Label{Typology: typ}
		if width == 3 {
			l.Scenario = fields[2]
			if typ == "" && l.Scenario != "" {
				return nil, fmt.Errorf("labels line %d: a scenario without a typology, got %q", line, text)
			}
		}
		if _, dup := out[id]; dup {
			return nil, fmt.Errorf("labels line %d: duplicate tx_id %q", line, id)
		}
		out[id] = l
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read labels after line %d: %w", line, err)
	}
	return out, nil
}
