package file

import (
	"fmt"
	"io"

	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/lines"
)

// Decode reads a file the way Replay does — same decoders, same header
// handling — and calls fn with every record that decodes, in file order,
// without enriching or screening it. Records that do not decode are counted
// in rejected and skipped, as Replay would send them to the dead letter.
// Evaluation uses it to learn which transactions a replay saw.
func Decode(in io.Reader, format string, maxBytes int, fn func(tx *engine.Tx) error) (rejected int, err error) {
	if format == "" {
		format = "jsonl"
	}
	if maxBytes <= 0 {
		maxBytes = lines.DefaultMaxBytes
	}
	var dec engine.Decoder
	switch format {
	case "jsonl":
		dec = &jsonl.Decoder{MaxBytes: maxBytes}
	case "ibm-csv", "amlsim":
	default:
		return 0, fmt.Errorf("unknown format %q (want jsonl, ibm-csv or amlsim)", format)
	}
	var tx engine.Tx
	err = lines.Scan(in, maxBytes, func(_ int, line []byte) error {
		if lines.TooLong(line) {
			rejected++
			return nil
		}
		if dec == nil {
			newDecoder, err := csvDecoderFactory(format, append([]byte(nil), line...))
			if err != nil {
				return err
			}
			dec = newDecoder()
			return nil
		}
		if dec.Decode(line, &tx) != nil {
			rejected++
			return nil
		}
		return fn(&tx)
	})
	return rejected, err
}
