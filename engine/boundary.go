package engine

import (
	"context"
	"errors"
	"time"
)

// Decoder turns one raw record into a transaction. Implementations live in
// connectors/ (JSON lines, IBM CSV, AMLSim CSV, pacs.008). Decode must fill
// every wire field of tx (it is reused between records), must not retain
// data, and returns a *RejectError for input it cannot accept.
type Decoder interface {
	Decode(data []byte, tx *Tx) error
}

// RecordDecoder is a Decoder that decodes by the record's Encoding, and
// may deliver the transaction already enriched (a re-key stage's binary
// copy), in which case the stream does not enrich it again.
type RecordDecoder interface {
	Decoder
	DecodeRecord(rec *Record, tx *Tx) (enriched bool, err error)
}

// AsRecordDecoder returns d as a RecordDecoder: d itself when it is one
// (it decodes by the record's encoding), otherwise one that decodes every
// record as d's own format. Callers decide once, not per record.
func AsRecordDecoder(d Decoder) RecordDecoder {
	if rd, ok := d.(RecordDecoder); ok {
		return rd
	}
	return plainDecoder{d}
}

// plainDecoder decodes every record's value as its Decoder's format.
type plainDecoder struct{ Decoder }

func (d plainDecoder) DecodeRecord(rec *Record, tx *Tx) (enriched bool, err error) {
	return false, d.Decode(rec.Value, tx)
}

// Record is one raw input record as a source delivers it.
type Record struct {
	Key   []byte
	Value []byte
	// Time is the record's timestamp at the source (Kafka record time);
	// zero in file mode.
	Time time.Time
	// Perspective names the aggregate key this copy is screened under when a
	// re-key stage produced it (e.g. "debtor.account"); empty means every
	// perspective, as in file mode or when the re-key stage is skipped.
	Perspective string
	// Encoding names Value's encoding when it is not the source's own
	// format: a re-key stage's binary copy ("tx/1", the socwatch-encoding
	// header); empty for the feed's format (canonical JSON on Kafka).
	Encoding string
	// Position identifies the record at its source, for DLQ headers and
	// logs (e.g. "topic/3@1042" or "line 17").
	Position string
}

// Rejected is a record that failed decoding or validation, with the reason.
type Rejected struct {
	Record Record
	Err    error
}

// Done is the acknowledgement that travels with a batch: it is called exactly
// once, with nil when every output of the batch is durable, or with the error
// that prevented it. A source commits a position only after its Done(nil).
type Done func(err error)

// Sink receives alerts. Write must not block for long: it takes ownership of
// alerts and calls done once they are durable (or failed for good). A Sink
// applies backpressure by blocking Write when its buffer is full.
type Sink interface {
	Write(ctx context.Context, alerts []Alert, done Done)
	// Close flushes what is buffered and waits for outstanding writes.
	Close(ctx context.Context) error
}

// DeadLetter receives records that cannot be screened, with their reason.
// Same contract as Sink: done is called once the records are durable.
type DeadLetter interface {
	Reject(ctx context.Context, recs []Rejected, done Done)
}

// TxSink optionally stores every screened transaction (for analysts'
// drill-down), with the same contract as Sink.
type TxSink interface {
	WriteTransactions(ctx context.Context, txs []Tx, done Done)
}

// ErrStateRules is a state checkpoint that is intact but does not hold the
// state the current rules need (they changed since it was taken): the
// state must be rebuilt by replaying history. Sources tell it apart from a
// corrupt checkpoint by errors.Is.
var ErrStateRules = errors.New("state checkpoint does not cover the current rules' aggregates")
