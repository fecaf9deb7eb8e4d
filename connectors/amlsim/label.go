package amlsim

import (
	"errors"
	"fmt"
	"io"

	"github.com/socwatch/socwatch/internal/lines"
)

// ReadNodeLabels reads AMLSim's nodes.csv (nodeid,isFraud,…; columns found
// by name like the transaction header) and returns every node's isFraud
// flag keyed by the account as Decode spells it ("amlsim:<node id>"), so
// the labels join the parties of decoded transactions. isFraud must be 0
// or 1 and a node may appear once.
func ReadNodeLabels(r io.Reader) (map[string]bool, error) {
	var sp lines.CSVSplitter
	idCol, fraudCol, nFields := -1, -1, 0
	out := map[string]bool{}
	err := lines.Scan(r, DefaultMaxBytes, func(_ int, line []byte) error {
		if lines.TooLong(line) {
			return fmt.Errorf("line longer than %d bytes", DefaultMaxBytes)
		}
		fields, err := sp.Split(line)
		if err != nil {
			return fmt.Errorf("AMLSim nodes: %w", err)
		}
		if nFields == 0 {
			nFields = len(fields)
			for i, raw := range fields {
				switch lines.HeaderKey(lines.TrimBOM(raw)) {
				case "nodeid":
					idCol = i
				case "isfraud":
					fraudCol = i
				}
			}
			if idCol < 0 || fraudCol < 0 {
				return fmt.Errorf("AMLSim nodes header %q: want columns nodeid and isFraud", lines.Clip(line))
			}
			return nil
		}
		if len(fields) != nFields {
			return fmt.Errorf("AMLSim nodes: %d fields, header has %d", len(fields), nFields)
		}
		id := fields[idCol]
		if len(id) == 0 {
			return errors.New("AMLSim nodes: empty nodeid")
		}
		var fraud bool
		switch string(fields[fraudCol]) {
		case "1":
			fraud = true
		case "0":
		default:
			return fmt.Errorf("AMLSim nodes: isFraud %q is not 0 or 1", lines.Clip(fields[fraudCol]))
		}
		acct := "amlsim:" + string(id)
		if _, dup := out[acct]; dup {
			return fmt.Errorf("AMLSim nodes: node %q listed twice", lines.Clip(id))
		}
		out[acct] = fraud
		return nil
	})
	if err != nil {
		return nil, err
	}
	if nFields == 0 {
		return nil, errors.New("AMLSim nodes: no header line")
	}
	return out, nil
}
