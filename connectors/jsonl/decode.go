package jsonl

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/intern"
	"github.com/socwatch/socwatch/internal/lines"
)

const (
	// DefaultMaxBytes is the record size limit when Decoder.MaxBytes is 0.
	DefaultMaxBytes = 1 << 20
	// MaxDepth is the deepest nesting of objects and arrays accepted; the
	// record object itself is depth 1. It bounds the recursion that skips
	// unknown fields.
	MaxDepth = 32
)

// keptField indexes the string fields whose previous value is remembered:
// a record repeating its predecessor's value (account, name, currency …)
// reuses the string instead of allocating, after one compare. Party fields
// are laid out in partyFields order from the party's base index.
type keptField uint8

const (
	keepTxID keptField = iota
	keepCurrency
	keepChannel
	keepReportingEntity
	keepPurpose
	keepDirection
	keepDebtor
	keepCreditor = keepDebtor + partyFields
)

// Offsets of a party's fields from its base keptField.
const (
	partyAccount keptField = iota
	partyName
	partyCustomerID
	partyCountry
	partyBIC
	partyType
	partyFields
)

// Decoder decodes canonical JSON records. The zero value is ready to use.
// A Decoder keeps scratch buffers and interned strings between records, so
// use one per goroutine.
//
// Contract, beyond the field list in the design document:
//   - amount is a JSON string or number holding a plain decimal; exponents,
//     NaN, Inf and values beyond engine.Decimal are refused, never rounded.
//   - ts is RFC 3339 with optional fractional seconds (digits beyond
//     nanoseconds are truncated) and a Z or ±hh:mm offset; stored in UTC.
//   - null for a known field means absent.
//   - a key given twice: the last occurrence wins; for debtor and creditor
//     the last object replaces the earlier one entirely (no merge).
//   - unknown fields of any type are validated as JSON and skipped.
type Decoder struct {
	// MaxBytes is the largest record accepted; 0 means DefaultMaxBytes.
	MaxBytes int

	unescaped []byte
	strs      intern.Strings
}

// Decode fills tx from one JSON object. tx is reset first; data is not
// retained. Errors are *engine.RejectError.
func (d *Decoder) Decode(data []byte, tx *engine.Tx) error {
	tx.Reset()
	limit := d.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	if len(data) > limit {
		return engine.Reject(engine.ReasonTooLarge, "record is %d bytes, limit is %d", len(data), limit)
	}
	p := parser{d: d, data: data}
	p.skipSpace()
	if p.pos >= len(data) {
		return engine.Reject(engine.ReasonDecode, "empty record")
	}
	if data[p.pos] != '{' {
		return p.fail(engine.ReasonDecode, "record is not a JSON object (starts with %s)", describe(data[p.pos]))
	}
	hasAmount, err := p.record(tx)
	// The record's new strings are set now, in one allocation; also after
	// an error, so that none stays pending for a later record.
	d.strs.Flush()
	if err != nil {
		return err
	}
	p.skipSpace()
	if p.pos != len(data) {
		return p.fail(engine.ReasonDecode, "trailing data after the object")
	}
	if !hasAmount {
		return engine.Reject(engine.ReasonMissing, "amount is required")
	}
	return tx.Validate()
}

type parser struct {
	d    *Decoder
	data []byte
	pos  int
}

// fail builds a reject that says where in the record the problem is.
func (p *parser) fail(reason, format string, args ...any) error {
	return &engine.RejectError{Reason: reason, Err: fmt.Errorf("%s (at byte %d)", fmt.Sprintf(format, args...), p.pos)}
}

func (p *parser) skipSpace() {
	// Compact JSON has no whitespace between tokens: one compare.
	if p.pos < len(p.data) && p.data[p.pos] > ' ' {
		return
	}
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) peek() byte {
	if p.pos < len(p.data) {
		return p.data[p.pos]
	}
	return 0
}

// record parses the top-level object; p.pos is at '{'. It reports whether
// an amount was present, which Validate cannot tell from a zero Decimal.
func (p *parser) record(tx *engine.Tx) (hasAmount bool, err error) {
	p.pos++
	p.skipSpace()
	if p.peek() == '}' {
		p.pos++
		return false, nil
	}
	for {
		key, err := p.key()
		if err != nil {
			return false, err
		}
		switch string(key) {
		case "tx_id":
			err = p.keptString(&tx.TxID, keepTxID, "", "tx_id", false)
		case "ts":
			err = p.timestamp(&tx.TS)
		case "amount":
			hasAmount, err = p.amount(&tx.Amount)
		case "currency":
			err = p.keptString(&tx.Currency, keepCurrency, "", "currency", true)
		case "debtor":
			err = p.party(&tx.Debtor, keepDebtor, "debtor")
		case "creditor":
			err = p.party(&tx.Creditor, keepCreditor, "creditor")
		case "channel":
			err = p.keptString(&tx.Channel, keepChannel, "", "channel", true)
		case "reporting_entity":
			err = p.keptString(&tx.ReportingEntity, keepReportingEntity, "", "reporting_entity", true)
		case "purpose":
			err = p.keptString(&tx.Purpose, keepPurpose, "", "purpose", true)
		case "direction":
			err = p.keptString(&tx.Direction, keepDirection, "", "direction", true)
		default:
			err = p.skipValue(2)
		}
		if err != nil {
			return false, err
		}
		if done, err := p.nextMember(); done || err != nil {
			return hasAmount, err
		}
	}
}

// party parses a debtor or creditor object. base is the kept index of the
// party's account; name and customer id follow it.
func (p *parser) party(party *engine.Party, base keptField, name string) error {
	*party = engine.Party{}
	p.d.strs.Drop(int(base), int(base+partyFields))
	switch p.peek() {
	case 'n':
		return p.literal("null")
	case '{':
	default:
		return p.typeError("", name, "an object")
	}
	p.pos++
	p.skipSpace()
	if p.peek() == '}' {
		p.pos++
		return nil
	}
	for {
		key, err := p.key()
		if err != nil {
			return err
		}
		switch string(key) {
		case "account":
			err = p.keptString(&party.Account, base+partyAccount, name, "account", false)
		case "name":
			err = p.keptString(&party.Name, base+partyName, name, "name", false)
		case "customer_id":
			err = p.keptString(&party.CustomerID, base+partyCustomerID, name, "customer_id", false)
		case "country":
			err = p.keptString(&party.Country, base+partyCountry, name, "country", true)
		case "bic":
			err = p.keptString(&party.BIC, base+partyBIC, name, "bic", true)
		case "type":
			err = p.keptString(&party.Type, base+partyType, name, "type", true)
		default:
			err = p.skipValue(3)
		}
		if err != nil {
			return err
		}
		if done, err := p.nextMember(); done || err != nil {
			return err
		}
	}
}

// key reads `"name" :` and returns the name (valid until the next string).
func (p *parser) key() ([]byte, error) {
	p.skipSpace()
	if p.peek() != '"' {
		return nil, p.fail(engine.ReasonDecode, "expected a quoted key, got %s", describeAt(p.data, p.pos))
	}
	k, err := p.readString()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.peek() != ':' {
		return nil, p.fail(engine.ReasonDecode, "expected ':' after key %q, got %s", lines.Clip(k), describeAt(p.data, p.pos))
	}
	p.pos++
	p.skipSpace()
	return k, nil
}

// nextMember consumes ',' or the closing '}' after a member.
func (p *parser) nextMember() (done bool, err error) {
	p.skipSpace()
	switch p.peek() {
	case ',':
		p.pos++
		return false, nil
	case '}':
		p.pos++
		return true, nil
	}
	return false, p.fail(engine.ReasonDecode, "expected ',' or '}' in object, got %s", describeAt(p.data, p.pos))
}

// stringValue reads a string or null for a known field.
func (p *parser) stringValue(prefix, name string) (b []byte, null bool, err error) {
	switch p.peek() {
	case '"':
		b, err = p.readString()
		return b, false, err
	case 'n':
		return nil, true, p.literal("null")
	}
	return nil, false, p.typeError(prefix, name, "a string")
}

// keptString reads a string field into *dst (internal/intern: a value
// equal to the field's previous one is reused; a new one is set when
// Decode flushes the record's new strings). shared marks codes, short
// values that repeat across records (currencies, countries, BICs,
// reporting entities), which go through the decoder's bounded table.
func (p *parser) keptString(dst *string, f keptField, prefix, name string, shared bool) error {
	b, _, err := p.stringValue(prefix, name)
	if err != nil {
		return err
	}
	p.d.strs.Set(int(f), dst, b, shared)
	return nil
}

func (p *parser) timestamp(dst *time.Time) error {
	*dst = time.Time{} // a later duplicate key, even null, replaces an earlier one
	b, null, err := p.stringValue("", "ts")
	if err != nil || null {
		return err
	}
	t, err := parseRFC3339(b)
	if err != nil {
		return engine.Reject(engine.ReasonInvalid, "ts %q: %v", lines.Clip(b), err)
	}
	*dst = t
	return nil
}

func (p *parser) amount(dst *engine.Decimal) (present bool, err error) {
	*dst = engine.Decimal{} // a later duplicate key, even null, replaces an earlier one
	var b []byte
	switch c := p.peek(); {
	case c == '"':
		if b, err = p.readString(); err != nil {
			return false, err
		}
	case c == '-' || (c >= '0' && c <= '9'):
		var exp bool
		if b, exp, err = p.readNumber(); err != nil {
			return false, err
		}
		if exp {
			return false, engine.Reject(engine.ReasonInvalid, "amount %s uses exponent notation; send a plain decimal", lines.Clip(b))
		}
	case c == 'n':
		return false, p.literal("null")
	default:
		return false, p.typeError("", "amount", "a decimal string or number")
	}
	v, err := engine.ParseDecimalBytes(b)
	switch {
	case errors.Is(err, engine.ErrDecimalOverflow):
		return false, engine.Reject(engine.ReasonInvalid, "amount %q is out of range: %v", lines.Clip(b), err)
	case err != nil:
		return false, engine.Reject(engine.ReasonInvalid, "amount %q is not a plain decimal (exponents, NaN and Inf are refused)", lines.Clip(b))
	}
	*dst = v
	return true, nil
}

func (p *parser) typeError(prefix, name, want string) error {
	if prefix != "" {
		name = prefix + "." + name
	}
	return p.fail(engine.ReasonDecode, "field %s: expected %s, got %s", name, want, describeAt(p.data, p.pos))
}

func (p *parser) literal(lit string) error {
	if len(p.data)-p.pos >= len(lit) && string(p.data[p.pos:p.pos+len(lit)]) == lit {
		p.pos += len(lit)
		return nil
	}
	return p.fail(engine.ReasonDecode, "invalid literal, expected %s", lit)
}

// skipValue validates and skips one value of an unknown field. depth is
// the nesting level a container at this position would have.
func (p *parser) skipValue(depth int) error {
	switch c := p.peek(); {
	case c == '"':
		_, err := p.readString()
		return err
	case c == '{' || c == '[':
		if depth > MaxDepth {
			return p.fail(engine.ReasonDecode, "nesting deeper than %d levels", MaxDepth)
		}
		return p.skipContainer(depth)
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		_, _, err := p.readNumber()
		return err
	}
	return p.fail(engine.ReasonDecode, "expected a JSON value, got %s", describeAt(p.data, p.pos))
}

func (p *parser) skipContainer(depth int) error {
	isObject := p.data[p.pos] == '{'
	closer := byte(']')
	if isObject {
		closer = '}'
	}
	p.pos++
	p.skipSpace()
	if p.peek() == closer {
		p.pos++
		return nil
	}
	for {
		if isObject {
			if _, err := p.key(); err != nil {
				return err
			}
		}
		if err := p.skipValue(depth + 1); err != nil {
			return err
		}
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
			p.skipSpace()
			continue
		case closer:
			p.pos++
			return nil
		}
		return p.fail(engine.ReasonDecode, "expected ',' or '%c', got %s", closer, describeAt(p.data, p.pos))
	}
}

// readNumber scans a JSON number (RFC 8259 grammar) and reports whether it
// has an exponent.
func (p *parser) readNumber() (num []byte, exp bool, err error) {
	data, start, i := p.data, p.pos, p.pos
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i] >= '1' && data[i] <= '9':
		i = skipDigits(data, i)
	default:
		p.pos = i
		return nil, false, p.fail(engine.ReasonDecode, "invalid number")
	}
	if i < len(data) && data[i] == '.' {
		d := i + 1
		if i = skipDigits(data, d); i == d {
			p.pos = i
			return nil, false, p.fail(engine.ReasonDecode, "invalid number: no digits after '.'")
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		exp = true
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		d := i
		if i = skipDigits(data, d); i == d {
			p.pos = i
			return nil, false, p.fail(engine.ReasonDecode, "invalid number: no digits in exponent")
		}
	}
	p.pos = i
	return data[start:i], exp, nil
}

// skipDigits returns the index of the first byte at or after i that is not
// an ASCII digit.
func skipDigits(data []byte, i int) int {
	for i < len(data) && data[i] >= '0' && data[i] <= '9' {
		i++
	}
	return i
}

// plain marks bytes that need no attention inside a string: not '"', not
// '\\', not a control character, ASCII.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// hasSpecial reports whether any of the eight bytes in w is not plain:
// '"', '\\', a control character or a non-ASCII byte (SWAR: a byte is
// zero in w^pattern exactly where it matches; false positives are harmless
// because the byte loop then decides).
func hasSpecial(w uint64) bool {
	quote := w ^ (lsb * '"')
	backslash := w ^ (lsb * '\\')
	return ((quote-lsb)&^quote|(backslash-lsb)&^backslash|(w-lsb*0x20)|w)&msb != 0
}

// readString reads a string at p.pos ('"') and returns its unescaped bytes:
// a sub-slice of the record when it has no escapes, otherwise the decoder's
// scratch buffer (valid until the next string).
func (p *parser) readString() ([]byte, error) {
	data := p.data
	start := p.pos + 1
	i := start
	for {
		// Skip eight plain bytes at a time: most of a record is ASCII text.
		for i+8 <= len(data) && !hasSpecial(binary.LittleEndian.Uint64(data[i:])) {
			i += 8
		}
		// Then byte by byte up to the next byte that needs a decision; the
		// word loop resumes only after a multi-byte character.
		for i < len(data) && plain[data[i]] {
			i++
		}
		if i >= len(data) {
			break
		}
		c := data[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return data[start:i], nil
		case c == '\\':
			p.d.unescaped = append(p.d.unescaped[:0], data[start:i]...)
			return p.readEscaped(i)
		case c < 0x20:
			p.pos = i
			return nil, p.fail(engine.ReasonDecode, "control character 0x%02x in string must be escaped", c)
		}
		n, err := p.utf8At(i)
		if err != nil {
			return nil, err
		}
		i += n
	}
	p.pos = start - 1
	return nil, p.fail(engine.ReasonDecode, "unterminated string")
}

func (p *parser) utf8At(i int) (int, error) {
	r, n := utf8.DecodeRune(p.data[i:])
	if r == utf8.RuneError && n <= 1 {
		p.pos = i
		return 0, p.fail(engine.ReasonDecode, "invalid UTF-8 in string")
	}
	return n, nil
}

// readEscaped continues readString from the first backslash at i, copying
// into the scratch buffer.
func (p *parser) readEscaped(i int) ([]byte, error) {
	data := p.data
	buf := p.d.unescaped
	for i < len(data) {
		c := data[i]
		if plain[c] {
			buf = append(buf, c)
			i++
			continue
		}
		switch {
		case c == '"':
			p.pos = i + 1
			p.d.unescaped = buf
			return buf, nil
		case c == '\\':
			if i+1 >= len(data) {
				break
			}
			esc := data[i+1]
			i += 2
			switch esc {
			case '"', '\\', '/':
				buf = append(buf, esc)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, n, err := p.unicodeEscape(i - 2)
				if err != nil {
					return nil, err
				}
				buf = utf8.AppendRune(buf, r)
				i = i - 2 + n
			default:
				p.pos = i - 2
				return nil, p.fail(engine.ReasonDecode, "invalid escape \\%s in string (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", describe(esc))
			}
			continue
		case c < 0x20:
			p.pos = i
			return nil, p.fail(engine.ReasonDecode, "control character 0x%02x in string must be escaped", c)
		default:
			n, err := p.utf8At(i)
			if err != nil {
				return nil, err
			}
			buf = append(buf, data[i:i+n]...)
			i += n
			continue
		}
		break
	}
	p.d.unescaped = buf
	return nil, p.fail(engine.ReasonDecode, "unterminated string")
}

// unicodeEscape decodes \uXXXX at i, combining a UTF-16 surrogate pair;
// it returns the rune and the bytes consumed. Lone surrogates are refused:
// they cannot be represented in UTF-8.
func (p *parser) unicodeEscape(i int) (rune, int, error) {
	r, ok := hex4(p.data, i+2)
	if !ok {
		p.pos = i
		return 0, 0, p.fail(engine.ReasonDecode, "invalid \\u escape")
	}
	switch {
	case r < 0xD800 || r >= 0xE000:
		return r, 6, nil
	case r < 0xDC00:
		if i+12 <= len(p.data) && p.data[i+6] == '\\' && p.data[i+7] == 'u' {
			if lo, ok := hex4(p.data, i+8); ok && lo >= 0xDC00 && lo < 0xE000 {
				return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), 12, nil
			}
		}
	}
	p.pos = i
	return 0, 0, p.fail(engine.ReasonDecode, "invalid UTF-16 surrogate in \\u escape")
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// describe names a byte for error messages.
func describe(c byte) string {
	switch {
	case c == '"':
		return "a string"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "a number"
	case c >= 0x21 && c < 0x7f:
		return fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

func describeAt(b []byte, i int) string {
	if i >= len(b) {
		return "end of input"
	}
	return describe(b[i])
}

// Decoder is the engine's decoder boundary.
var _ engine.Decoder = (*Decoder)(nil)
