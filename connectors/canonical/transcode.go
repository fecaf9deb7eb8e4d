package canonical

import (
	"fmt"

	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/enrich"
	"github.com/socwatch/socwatch/engine/eventtime"
	"github.com/socwatch/socwatch/engine/fx"
)

// Transcoder is the re-key stage's side: it decodes and enriches a
// canonical JSON record once, then answers the event time, the key of each
// perspective and the binary copy from that one decode. Use one per
// goroutine.
type Transcoder struct {
	dec    jsonl.Decoder
	en     *enrich.Enricher
	keys   []*engine.Field // one per perspective
	env    engine.Env
	decErr error // of the last Decode's JSON decode
	err    error // of the last Decode: decoding or enriching
}

// NewTranscoder returns a Transcoder for records of at most maxBytes (0:
// jsonl.DefaultMaxBytes) that keys copies by perspectives, which must
// name string fields (e.g. "debtor.account").
func NewTranscoder(rates *fx.Table, maxBytes int, perspectives []string) (*Transcoder, error) {
	t := &Transcoder{dec: jsonl.Decoder{MaxBytes: maxBytes}, en: enrich.New(rates)}
	for _, p := range perspectives {
		f := engine.Fields[p]
		if f == nil || f.Kind != engine.KindString {
			return nil, fmt.Errorf("perspective %q is not a string field of the transaction", p)
		}
		t.keys = append(t.keys, f)
	}
	return t, nil
}

// Decode decodes and enriches value; the other methods answer for it until
// the next Decode. It returns the first failure (a *engine.RejectError).
func (t *Transcoder) Decode(value []byte) error {
	t.decErr = t.dec.Decode(value, &t.env.Tx)
	t.err = t.decErr
	if t.err == nil {
		t.err = t.en.Enrich(&t.env.Tx)
	}
	return t.err
}

// EventTime is the last record's ts; false when it did not decode. A
// record that decodes but cannot be enriched (no FX rate) still has one,
// so it keeps its place in event time.
func (t *Transcoder) EventTime() (unixNano int64, ok bool) {
	if t.decErr != nil {
		return 0, false
	}
	return eventtime.UnixNano(t.env.TS), true
}

// AppendKeys appends the last record's key of each perspective, in the
// order NewTranscoder got them. The keys are sub-slices of one fresh
// buffer (one allocation per record), each capped at its end so that
// appending to one cannot reach into the next. It returns dst unchanged
// and false when the record cannot be screened (it did not decode or
// enrich, or a key is empty): the re-key stage then forwards it once as
// it came, so that screening rejects it with its reason.
func (t *Transcoder) AppendKeys(dst [][]byte) ([][]byte, bool) {
	if t.err != nil {
		return dst, false
	}
	size := 0
	for _, f := range t.keys {
		k := f.Str(&t.env)
		if k == "" {
			return dst, false
		}
		size += len(k)
	}
	buf := make([]byte, 0, size)
	for _, f := range t.keys {
		start := len(buf)
		buf = append(buf, f.Str(&t.env)...)
		dst = append(dst, buf[start:len(buf):len(buf)])
	}
	return dst, true
}

// AppendBinary appends the last record's EncodingTx value to dst; a dst
// of capacity BinaryCap(len(value)) rarely has to grow.
func (t *Transcoder) AppendBinary(dst []byte) []byte { return appendTx(dst, &t.env.Tx) }

// Tx returns a copy of the last record's transaction (the re-key stage's
// flow tracer needs it after later records are decoded).
func (t *Transcoder) Tx() *engine.Tx {
	tx := t.env.Tx
	return &tx
}

// BinaryCap is the capacity to allocate for a record's tx/1 value, from
// the size of its canonical JSON. tx/1 is 44–63 % of the JSON on the
// synthetic feed (median 52 %); the former estimate, half, made most
// values grow once, which allocated and copied about twice what they
// needed. A feed with more JSON around the same fields only leaves more
// slack.
func BinaryCap(jsonLen int) int { return jsonLen * 5 / 8 }
