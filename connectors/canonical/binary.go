package canonical

import (
	"math"
	"time"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/intern"
	"github.com/socwatch/socwatch/internal/wire"
)

// EncodingTx names the binary encoding of an enriched transaction in the
// socwatch-encoding header of an internal-topic record.
const EncodingTx = "tx/1"

// First byte of an EncodingTx value: txVersion for a transaction alone,
// txVersionTraced when a trace section follows (AppendTrace). Version 2,
// a trace whose hops do not mark own-account moves, is what versions
// before engine.Hop.OwnAccount wrote; it is still read (none marked).
const (
	txVersion            = 1
	txVersionTracedNoOwn = 2
	txVersionTraced      = 3
)

// appendTx appends the binary encoding of an enriched tx to dst:
//
//	u8 version (1; 2 when a trace section follows, AppendTrace)
//	string tx_id
//	varint ts seconds, uvarint ts nanoseconds (UTC)
//	decimal amount (varint units, u8 scale)
//	string currency
//	party debtor, party creditor: strings account, name, name_norm,
//	    country, bic, customer_id, type
//	strings channel, reporting_entity, purpose, direction
//	decimal amount_eur
//	bool cross_border
//
// Strings are length-prefixed (uvarint). The float copies of the amounts
// are not written: the decoder derives them as enrichment does.
func appendTx(dst []byte, tx *engine.Tx) []byte {
	dst = append(dst, txVersion)
	dst = wire.AppendString(dst, tx.TxID)
	dst = wire.AppendVarint(dst, tx.TS.Unix())
	dst = wire.AppendUvarint(dst, uint64(tx.TS.Nanosecond()))
	dst = appendDecimal(dst, tx.Amount)
	dst = wire.AppendString(dst, tx.Currency)
	dst = appendParty(dst, &tx.Debtor)
	dst = appendParty(dst, &tx.Creditor)
	dst = wire.AppendString(dst, tx.Channel)
	dst = wire.AppendString(dst, tx.ReportingEntity)
	dst = wire.AppendString(dst, tx.Purpose)
	dst = wire.AppendString(dst, tx.Direction)
	dst = appendDecimal(dst, tx.AmountEUR)
	return wire.AppendBool(dst, tx.CrossBorder)
}

// AppendTrace turns value, an EncodingTx value of version 1, into one
// that carries tr (version 3), appending:
//
//	uvarint hops; when hops > 0:
//	string origin, bool cycle, f64 hours, f64 ratio,
//	uvarint n, then n hops: strings tx_id, debtor, creditor,
//	    f64 amount_eur, varint ts (unix ns), bool own_account
//	    (version 2: without own_account)
func AppendTrace(value []byte, tr *engine.Trace) []byte {
	value[0] = txVersionTraced
	value = wire.AppendUvarint(value, uint64(tr.Hops))
	if tr.Hops == 0 {
		return value
	}
	value = wire.AppendString(value, tr.Origin)
	value = wire.AppendBool(value, tr.Cycle)
	value = wire.AppendF64(value, tr.Hours)
	value = wire.AppendF64(value, tr.Ratio)
	value = wire.AppendUvarint(value, uint64(len(tr.Path)))
	for i := range tr.Path {
		h := &tr.Path[i]
		value = wire.AppendString(value, h.TxID)
		value = wire.AppendString(value, h.Debtor)
		value = wire.AppendString(value, h.Creditor)
		value = wire.AppendF64(value, h.AmountEUR)
		value = wire.AppendVarint(value, h.TS.UnixNano())
		value = wire.AppendBool(value, h.OwnAccount)
	}
	return value
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// maxTracePath bounds a decoded trace's path (the tracer lists at most 64).
const maxTracePath = 64

// readTrace reads what AppendTrace appended, in a value of version v
// (txVersionTraced or txVersionTracedNoOwn).
func readTrace(r *wire.Reader, tr *engine.Trace, v uint8) {
	tr.Hops = int(min(r.Uvarint(), 1<<31))
	if tr.Hops == 0 || r.Err() != nil {
		return
	}
	tr.Origin = r.String()
	tr.Cycle = r.Bool()
	tr.Hours, tr.Ratio = r.F64(), r.F64()
	if !finite(tr.Hours) || !finite(tr.Ratio) {
		r.Failf("trace hours %v, ratio %v", tr.Hours, tr.Ratio)
		return
	}
	n := r.Count(maxTracePath, 3+8+1)
	if n == 0 {
		return
	}
	tr.Path = make([]engine.Hop, n)
	for i := range tr.Path {
		h := &tr.Path[i]
		h.TxID, h.Debtor, h.Creditor = r.String(), r.String(), r.String()
		if h.AmountEUR = r.F64(); !finite(h.AmountEUR) {
			r.Failf("trace hop amount %v", h.AmountEUR)
			return
		}
		h.TS = time.Unix(0, r.Varint()).UTC()
		if v == txVersionTraced {
			h.OwnAccount = r.Bool()
		}
	}
}

func appendDecimal(dst []byte, d engine.Decimal) []byte {
	return append(wire.AppendVarint(dst, d.Units), d.Scale)
}

func appendParty(dst []byte, p *engine.Party) []byte {
	for _, s := range [...]string{p.Account, p.Name, p.NameNorm, p.Country, p.BIC, p.CustomerID, p.Type} {
		dst = wire.AppendString(dst, s)
	}
	return dst
}

// String slots of the intern table: the transaction's own fields, then
// each party's in appendParty order.
const (
	slotTxID = iota
	slotCurrency
	slotChannel
	slotReportingEntity
	slotPurpose
	slotDirection
	slotDebtor
	slotCreditor = slotDebtor + partySlots
)

const partySlots = 7

// sharedPartySlot marks the party fields that are short codes.
var sharedPartySlot = [partySlots]bool{3: true, 4: true, 6: true} // country, bic, type

// binaryDecoder decodes EncodingTx values. The zero value is ready to use;
// it keeps recently seen strings between records (internal/intern), so use
// one per goroutine.
type binaryDecoder struct {
	strs intern.Strings
}

// Decode fills tx, wire and derived fields, from one EncodingTx value. tx
// is reset first; data is not retained. Errors are *engine.RejectError
// with reason decode, or the transaction contract's reasons.
func (d *binaryDecoder) Decode(data []byte, tx *engine.Tx) error {
	tx.Reset()
	r := wire.NewReader(data)
	v := r.U8()
	if r.Err() == nil && v != txVersion && v != txVersionTracedNoOwn && v != txVersionTraced {
		return engine.Reject(engine.ReasonDecode, "binary transaction of version %d, want %d to %d", v, txVersion, txVersionTraced)
	}
	d.str(r, &tx.TxID, slotTxID, false)
	sec, nsec := r.Varint(), r.Uvarint()
	tx.Amount = readDecimal(r)
	d.str(r, &tx.Currency, slotCurrency, true)
	d.party(r, &tx.Debtor, slotDebtor)
	d.party(r, &tx.Creditor, slotCreditor)
	d.str(r, &tx.Channel, slotChannel, true)
	d.str(r, &tx.ReportingEntity, slotReportingEntity, true)
	d.str(r, &tx.Purpose, slotPurpose, true)
	d.str(r, &tx.Direction, slotDirection, true)
	tx.AmountEUR = readDecimal(r)
	tx.CrossBorder = r.Bool()
	if v == txVersionTraced || v == txVersionTracedNoOwn {
		readTrace(r, &tx.Trace, v)
	}
	// The new strings are set now, in one allocation; also after an
	// error, so that none stays pending for a later record.
	d.strs.Flush()
	if err := r.Done(); err != nil {
		return engine.Reject(engine.ReasonDecode, "binary transaction: %v", err)
	}
	// A time the JSON decoder could have produced: RFC 3339 years and a
	// nanosecond part below one second.
	if nsec >= uint64(time.Second) || sec < minUnix || sec > maxUnix {
		return engine.Reject(engine.ReasonDecode, "binary transaction: ts %d.%d out of range", sec, nsec)
	}
	tx.TS = time.Unix(sec, int64(nsec)).UTC()
	tx.AmountF, tx.AmountEURF = tx.Amount.Float64(), tx.AmountEUR.Float64()
	return tx.Validate()
}

// Unix seconds of 0000-01-01 and 9999-12-31T23:59:59, the RFC 3339 range.
var (
	minUnix = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	maxUnix = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
)

// str reads a string into *dst (internal/intern: reused, or set by the
// Flush after the record); shared marks codes.
func (d *binaryDecoder) str(r *wire.Reader, dst *string, slot int, shared bool) {
	if b := r.Bytes(); r.Err() == nil {
		d.strs.Set(slot, dst, b, shared)
	}
}

func (d *binaryDecoder) party(r *wire.Reader, p *engine.Party, base int) {
	for i, dst := range [...]*string{&p.Account, &p.Name, &p.NameNorm, &p.Country, &p.BIC, &p.CustomerID, &p.Type} {
		d.str(r, dst, base+i, sharedPartySlot[i])
	}
}

// readDecimal reads what appendDecimal wrote; a scale beyond
// engine.MaxDecimalScale fails the reader (Float64 indexes by it).
func readDecimal(r *wire.Reader) engine.Decimal {
	units, scale := r.Varint(), r.U8()
	if scale > engine.MaxDecimalScale {
		r.Failf("decimal scale %d exceeds %d", scale, engine.MaxDecimalScale)
		return engine.Decimal{}
	}
	return engine.Decimal{Units: units, Scale: scale}
}
