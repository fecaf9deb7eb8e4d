package ibmcsv

import (
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/lines"
)

// Label is IBM's ground truth for one row: whether it is laundering and,
// in the patterns file, which attempt and typology family it belongs to.
// Fields are empty when the file has no such column.
type Label struct {
	Laundering bool
	PatternID  string // "IBM-0001"
	Family     string // "FAN-OUT", "CYCLE", …
	Name       string // "FAN-OUT:  Max 16-degree Fan-Out"
}

// HasColumn reports whether the header has the named column (matched like
// the required ones: case, spaces and underscores do not matter).
func (d *Decoder) HasColumn(name string) bool {
	_, ok := d.byName[lines.HeaderKey([]byte(name))]
	return ok
}

// Extra returns the value of any column by header name, for tools that
// need columns Decode does not map. ok is false when the header has no
// such column.
func (d *Decoder) Extra(line []byte, column string) (value string, ok bool, err error) {
	i, ok := d.byName[lines.HeaderKey([]byte(column))]
	if !ok {
		return "", false, nil
	}
	fields, err := d.fields(lines.TrimEOL(line))
	if err != nil {
		return "", true, err
	}
	return string(fields[i]), true, nil
}

// Label reads the ground-truth columns "Is Laundering", "Pattern ID",
// "Pattern Family" and "Pattern Name" of line, those the header has.
func (d *Decoder) Label(line []byte) (Label, error) {
	fields, err := d.fields(lines.TrimEOL(line))
	if err != nil {
		return Label{}, err
	}
	var l Label
	if i, ok := d.byName["islaundering"]; ok {
		switch string(fields[i]) {
		case "1":
			l.Laundering = true
		case "0":
		default:
			return Label{}, engine.Reject(engine.ReasonInvalid, "Is Laundering %q is not 0 or 1", lines.Clip(fields[i]))
		}
	}
	for _, c := range [...]struct {
		column string
		dst    *string
	}{{"patternid", &l.PatternID}, {"patternfamily", &l.Family}, {"patternname", &l.Name}} {
		if i, ok := d.byName[c.column]; ok {
			*c.dst = string(fields[i])
		}
	}
	return l, nil
}
