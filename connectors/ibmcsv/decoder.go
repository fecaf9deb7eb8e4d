package ibmcsv

import (
	"errors"
	"time"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/civil"
	"github.com/socwatch/socwatch/internal/fnv1a"
	"github.com/socwatch/socwatch/internal/lines"
)

// DefaultMaxBytes is the line size limit when Decoder.MaxBytes is 0.
const DefaultMaxBytes = 64 << 10

// role is a column the decoder needs.
type role int

const (
	roleTimestamp role = iota
	roleFromBank
	roleFromAccount
	roleToBank
	roleToAccount
	roleAmountPaid
	rolePaymentCurrency
	rolePaymentFormat
	numRoles
)

// roleNames are the display names used in errors (IBM's own spelling).
var roleNames = [numRoles]string{"Timestamp", "From Bank", "From Account", "To Bank", "To Account", "Amount Paid", "Payment Currency", "Payment Format"}

// headerRoles maps normalized header names (see normalize) to roles; both
// IBM's spelling and the snake_case export are listed.
var headerRoles = map[string]role{
	"timestamp":       roleTimestamp,
	"frombank":        roleFromBank,
	"frombankid":      roleFromBank,
	"fromaccount":     roleFromAccount,
	"fromaccountid":   roleFromAccount,
	"tobank":          roleToBank,
	"tobankid":        roleToBank,
	"toaccount":       roleToAccount,
	"toaccountid":     roleToAccount,
	"amountpaid":      roleAmountPaid,
	"paymentcurrency": rolePaymentCurrency,
	"paymentformat":   rolePaymentFormat,
}

// Decoder decodes lines of one IBM AMLworld CSV file. It keeps scratch
// buffers between lines: use one per goroutine.
type Decoder struct {
	// MaxBytes is the longest line accepted; 0 means DefaultMaxBytes.
	MaxBytes int

	cols    [numRoles]int
	byName  map[string]int // normalized header name → first column index
	nFields int

	split   lines.CSVSplitter
	scratch []byte
	// Previous accounts: consecutive rows often share one (fan-out,
	// fan-in), so the string is reused instead of allocated.
	lastDebtor, lastCreditor string
}

// NewDecoder maps columns by the names in header (the file's first line).
// Missing required columns are an error; extra columns are ignored. IBM's
// original header names both account columns "Account": the first is the
// From account, the second the To account.
func NewDecoder(header []byte) (*Decoder, error) {
	accounts := 0
	cols, keys, err := lines.HeaderColumns("IBM CSV", header, roleNames[:], func(_ int, key string) (int, bool) {
		r, ok := headerRoles[key]
		if key == "account" {
			switch accounts {
			case 0:
				r, ok = roleFromAccount, true
			case 1:
				r, ok = roleToAccount, true
			}
			accounts++
		}
		return int(r), ok
	})
	if err != nil {
		return nil, err
	}
	d := &Decoder{byName: make(map[string]int, len(keys)), nFields: len(keys)}
	for i, key := range keys {
		if _, dup := d.byName[key]; !dup {
			d.byName[key] = i
		}
	}
	copy(d.cols[:], cols)
	return d, nil
}

// Decode fills tx from one data line. tx is reset first; line is not
// retained. Errors are *engine.RejectError.
//
// tx_id is "ibm-" + 16 hex digits of fnv1a.Sum64 of the line (without its
// line ending): byte-identical rows get the same id, which is what a replay
// of the same file needs, and is also how IBM's data has to be read since
// it has no id column.
func (d *Decoder) Decode(line []byte, tx *engine.Tx) error {
	tx.Reset()
	line = lines.TrimEOL(line)
	fields, err := d.fields(line)
	if err != nil {
		return err
	}
	ts, err := parseTimestamp(fields[d.cols[roleTimestamp]])
	if err != nil {
		return engine.Reject(engine.ReasonInvalid, "Timestamp %q: %v", lines.Clip(fields[d.cols[roleTimestamp]]), err)
	}
	tx.TS = ts

	if tx.Debtor.Account, err = d.account(fields, roleFromBank, roleFromAccount, &d.lastDebtor); err != nil {
		return err
	}
	if tx.Creditor.Account, err = d.account(fields, roleToBank, roleToAccount, &d.lastCreditor); err != nil {
		return err
	}

	if tx.Amount, err = lines.Decimal("Amount Paid", fields[d.cols[roleAmountPaid]]); err != nil {
		return err
	}

	cur := fields[d.cols[rolePaymentCurrency]]
	if tx.Currency = currencyCode(cur); tx.Currency == "" {
		return engine.Reject(engine.ReasonInvalid, "unknown Payment Currency %q", lines.Clip(cur))
	}
	format := fields[d.cols[rolePaymentFormat]]
	var ok bool
	if tx.Channel, ok = channelOf(format); !ok {
		return engine.Reject(engine.ReasonInvalid, "unknown Payment Format %q", lines.Clip(format))
	}

	var id [4 + 16]byte
	tx.TxID = string(lines.AppendHex16(append(id[:0], "ibm-"...), fnv1a.Sum64(line)))
	return tx.Validate()
}

// fields splits a data line and checks it against the header.
func (d *Decoder) fields(line []byte) ([][]byte, error) {
	limit := d.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	if len(line) > limit {
		return nil, engine.Reject(engine.ReasonTooLarge, "line is %d bytes, limit is %d", len(line), limit)
	}
	fields, err := d.split.Split(line)
	if err != nil {
		return nil, engine.Reject(engine.ReasonDecode, "CSV: %v", err)
	}
	if len(fields) != d.nFields {
		return nil, engine.Reject(engine.ReasonDecode, "line has %d fields, header has %d", len(fields), d.nFields)
	}
	return fields, nil
}

// account builds "bank:account". All-digit bank ids lose their leading
// zeros: IBM's files write the same bank as "012" and "12", and an account
// must have one key across files.
func (d *Decoder) account(fields [][]byte, bankRole, accountRole role, last *string) (string, error) {
	bank, acct := fields[d.cols[bankRole]], fields[d.cols[accountRole]]
	if len(bank) == 0 {
		return "", engine.Reject(engine.ReasonMissing, "%s is empty", roleNames[bankRole])
	}
	if len(acct) == 0 {
		return "", engine.Reject(engine.ReasonMissing, "%s is empty", roleNames[accountRole])
	}
	if allDigits(bank) {
		for len(bank) > 1 && bank[0] == '0' {
			bank = bank[1:]
		}
	}
	d.scratch = append(append(append(d.scratch[:0], bank...), ':'), acct...)
	if *last == string(d.scratch) {
		return *last, nil
	}
	*last = string(d.scratch)
	return *last, nil
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

var (
	errTSSyntax = errors.New("want YYYY/MM/DD HH:MM")
	errTSRange  = errors.New("date or time out of range")
)

// parseTimestamp reads IBM's "YYYY/MM/DD HH:MM", which is UTC.
func parseTimestamp(b []byte) (time.Time, error) {
	if len(b) != 16 || b[4] != '/' || b[7] != '/' || b[10] != ' ' || b[13] != ':' {
		return time.Time{}, errTSSyntax
	}
	year, ok1 := civil.Digits(b[0:4])
	month, ok2 := civil.Digits(b[5:7])
	day, ok3 := civil.Digits(b[8:10])
	hour, ok4 := civil.Digits(b[11:13])
	minute, ok5 := civil.Digits(b[14:16])
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		return time.Time{}, errTSSyntax
	}
	if year < 1 || month < 1 || month > 12 || day < 1 || day > civil.DaysIn(year, month) || hour > 23 || minute > 59 {
		return time.Time{}, errTSRange
	}
	return time.Date(year, time.Month(month), day, hour, minute, 0, 0, time.UTC), nil
}

// currencyCode maps IBM's currency names to ISO 4217; "" if unknown.
func currencyCode(name []byte) string {
	switch string(name) {
	case "US Dollar":
		return "USD"
	case "Euro":
		return "EUR"
	case "Bitcoin":
		return "BTC"
	case "Yuan":
		return "CNY"
	case "Yen":
		return "JPY"
	case "Rupee":
		return "INR"
	case "Ruble":
		return "RUB"
	case "UK Pound":
		return "GBP"
	case "Swiss Franc":
		return "CHF"
	case "Saudi Riyal":
		return "SAR"
	case "Shekel":
		return "ILS"
	case "Brazil Real":
		return "BRL"
	case "Mexican Peso":
		return "MXN"
	case "Australian Dollar":
		return "AUD"
	case "Canadian Dollar":
		return "CAD"
	}
	return ""
}

// channelOf maps IBM's Payment Format to the channel vocabulary.
func channelOf(format []byte) (string, bool) {
	switch string(format) {
	case "ACH":
		return "sepa", true
	case "Wire":
		return "swift", true
	case "Credit Card":
		return "card", true
	case "Cash":
		return "cash_deposit", true
	case "Bitcoin":
		return "crypto", true
	case "Cheque", "Reinvestment":
		return "other", true
	}
	return "", false
}

// Decoder is the engine's decoder boundary.
var _ engine.Decoder = (*Decoder)(nil)
