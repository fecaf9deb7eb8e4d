package canonical

import (
	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
)

// Decoder decodes the records screening reads from Kafka by their
// encoding (engine.Record.Encoding, the socwatch-encoding header): tx/1
// arrives enriched; no encoding means canonical JSON, which the stream
// enriches. It implements engine.RecordDecoder. Use one per goroutine.
type Decoder struct {
	// json decodes records without an encoding; its MaxBytes is the
	// record size limit.
	json jsonl.Decoder
	bin  binaryDecoder
}

// NewDecoder returns a Decoder whose JSON records are limited to
// maxBytes (0: jsonl.DefaultMaxBytes).
func NewDecoder(maxBytes int) *Decoder {
	return &Decoder{json: jsonl.Decoder{MaxBytes: maxBytes}}
}

// Decode decodes a canonical JSON record (a record with no encoding).
func (d *Decoder) Decode(data []byte, tx *engine.Tx) error { return d.json.Decode(data, tx) }

// DecodeRecord decodes rec by its encoding; enriched reports that tx's
// derived fields are filled (tx/1).
func (d *Decoder) DecodeRecord(rec *engine.Record, tx *engine.Tx) (enriched bool, err error) {
	switch rec.Encoding {
	case "":
		return false, d.json.Decode(rec.Value, tx)
	case EncodingTx:
		return true, d.bin.Decode(rec.Value, tx)
	}
	tx.Reset()
	return false, engine.Reject(engine.ReasonDecode, "unknown encoding %q (written by a newer version?)", rec.Encoding)
}
