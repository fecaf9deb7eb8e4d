package eval

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/socwatch/socwatch/connectors/amlsim"
	"github.com/socwatch/socwatch/connectors/ibmcsv"
	"github.com/socwatch/socwatch/internal/lines"
)

// Label is the ground truth of one laundering transaction.
type Label struct {
	// Typology is the label's class: a typology of the rule vocabulary for
	// generated feeds, IBM's pattern family, or "laundering" when the
	// source only says that.
	Typology string
	// Attempt groups the transactions of one laundering instance (a
	// generated scenario, an IBM pattern); "" when the source has none,
	// and then the transaction counts as an attempt of its own.
	Attempt string
}

// Truth is what is known about a feed. Transactions not in Tx are
// legitimate. Accounts, when not nil, labels accounts instead (AMLSim):
// true for the accounts that take part in laundering.
type Truth struct {
	Tx       map[string]Label
	Accounts map[string]bool
}

// Merge adds o's labels to t; a transaction or account labelled twice keeps
// its first label.
func (t *Truth) Merge(o *Truth) {
	if o == nil {
		return
	}
	if t.Tx == nil {
		t.Tx = map[string]Label{}
	}
	for id, l := range o.Tx {
		if _, ok := t.Tx[id]; !ok {
			t.Tx[id] = l
		}
	}
	if o.Accounts != nil {
		if t.Accounts == nil {
			t.Accounts = map[string]bool{}
		}
		for a, f := range o.Accounts {
			if _, ok := t.Accounts[a]; !ok {
				t.Accounts[a] = f
			}
		}
	}
}

// Legit is the typology word a labels file may use for legitimate rows.
const Legit = "legit"

// ReadLabels reads ground truth of any supported kind, told apart by the
// header: `tx_id,typology[,attempt|scenario]` CSV, an IBM AMLworld CSV with
// an "Is Laundering" column, or AMLSim's nodes.csv (nodeid,isFraud).
func ReadLabels(data []byte) (*Truth, error) {
	header, _, _ := bytes.Cut(data, []byte("\n"))
	keys := map[string]int{}
	var sp lines.CSVSplitter
	fields, err := sp.Split(lines.TrimBOM(lines.TrimEOL(header)))
	if err != nil {
		return nil, fmt.Errorf("labels header: %w", err)
	}
	for i, f := range fields {
		keys[lines.HeaderKey(f)] = i
	}
	_, txid := keys["txid"]
	_, typ := keys["typology"]
	_, node := keys["nodeid"]
	_, fraud := keys["isfraud"]
	_, laundering := keys["islaundering"]
	switch {
	case txid && typ:
		return ReadTxLabels(bytes.NewReader(data))
	case node && fraud:
		acc, err := amlsim.ReadNodeLabels(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		return &Truth{Tx: map[string]Label{}, Accounts: acc}, nil
	case laundering:
		return ReadIBMLabels(bytes.NewReader(data))
	}
	return nil, fmt.Errorf("labels: header %q is none of tx_id,typology / IBM CSV with Is Laundering / AMLSim nodes.csv", lines.Clip(header))
}

// ReadTxLabels reads a `tx_id,typology` CSV with a header naming its
// columns (an optional `attempt` or `scenario` column groups transactions
// into laundering attempts). Rows with an empty or "legit" typology are
// legitimate. Duplicate ids and rows of the wrong width are errors.
func ReadTxLabels(r io.Reader) (*Truth, error) {
	t := &Truth{Tx: map[string]Label{}}
	var sp lines.CSVSplitter
	idCol, typCol, attCol, nFields := -1, -1, -1, 0
	legit := map[string]bool{}
	err := lines.Scan(r, 0, func(_ int, line []byte) error {
		if lines.TooLong(line) {
			return errors.New("line too long")
		}
		fields, err := sp.Split(line)
		if err != nil {
			return err
		}
		if nFields == 0 {
			nFields = len(fields)
			for i, f := range fields {
				switch lines.HeaderKey(lines.TrimBOM(f)) {
				case "txid":
					idCol = i
				case "typology":
					typCol = i
				case "attempt", "scenario":
					attCol = i
				}
			}
			if idCol < 0 || typCol < 0 {
				return fmt.Errorf("header %q: want columns tx_id and typology", lines.Clip(line))
			}
			return nil
		}
		if len(fields) != nFields {
			return fmt.Errorf("%d fields, header has %d", len(fields), nFields)
		}
		id := string(fields[idCol])
		if id == "" {
			return errors.New("empty tx_id")
		}
		if _, dup := t.Tx[id]; dup || legit[id] {
			return fmt.Errorf("tx_id %q labelled twice", lines.Clip(fields[idCol]))
		}
		typ := string(fields[typCol])
		if typ == "" || typ == Legit {
			legit[id] = true
			return nil
		}
		l := Label{Typology: typ}
		if attCol >= 0 {
			l.Attempt = string(fields[attCol])
		}
		t.Tx[id] = l
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	if nFields == 0 {
		return nil, errors.New("labels: no header line")
	}
	return t, nil
}

// ReadIBMLabels reads IBM AMLworld's ground truth from the transaction
// file itself: rows with Is Laundering 1 are laundering, their typology is
// the Pattern Family (or "laundering" when the file has none) and their
// attempt the Pattern ID.
func ReadIBMLabels(r io.Reader) (*Truth, error) {
	t := &Truth{Tx: map[string]Label{}}
	_, err := ibmcsv.ScanLabels(r, 0, func(txID string, l ibmcsv.Label) {
		if !l.Laundering && l.PatternID == "" {
			return
		}
		typ := l.Family
		if typ == "" {
			typ = "laundering"
		}
		t.Tx[txID] = Label{Typology: typ, Attempt: l.PatternID}
	})
	if err != nil {
		return nil, fmt.Errorf("IBM labels: %w", err)
	}
	return t, nil
}
