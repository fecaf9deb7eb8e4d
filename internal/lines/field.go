package lines

import (
	"errors"

	"github.com/socwatch/socwatch/engine"
)

// Decimal reads the required decimal field named name (for the reject
// message) of a CSV line: empty is ReasonMissing, anything but a plain
// decimal, or one out of range, ReasonInvalid.
func Decimal(name string, b []byte) (engine.Decimal, error) {
	if len(b) == 0 {
		return engine.Decimal{}, engine.Reject(engine.ReasonMissing, "%s is empty", name)
	}
	v, err := engine.ParseDecimalBytes(b)
	switch {
	case errors.Is(err, engine.ErrDecimalOverflow):
		return engine.Decimal{}, engine.Reject(engine.ReasonInvalid, "%s %q is out of range: %v", name, Clip(b), err)
	case err != nil:
		return engine.Decimal{}, engine.Reject(engine.ReasonInvalid, "%s %q is not a plain decimal", name, Clip(b))
	}
	return v, nil
}
