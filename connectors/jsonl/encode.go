package jsonl

import (
	"time"
	"unicode/utf8"

	"github.com/socwatch/socwatch/engine"
)

// Encode appends the canonical JSON of tx's wire fields to dst (no
// newline): amount as an exact decimal string, ts in UTC with nanoseconds
// when present, empty optional fields omitted. Derived fields are not
// written: the receiving stage enriches again. Strings are escaped so the
// output is valid JSON even for invalid UTF-8 (replaced by U+FFFD).
func Encode(dst []byte, tx *engine.Tx) []byte {
	dst = append(dst, `{"tx_id":`...)
	dst = appendString(dst, tx.TxID)
	dst = append(dst, `,"ts":"`...)
	dst = tx.TS.UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","amount":"`...)
	dst = tx.Amount.AppendTo(dst)
	dst = append(dst, `","currency":`...)
	dst = appendString(dst, tx.Currency)
	dst = append(dst, `,"debtor":`...)
	dst = appendParty(dst, &tx.Debtor)
	dst = append(dst, `,"creditor":`...)
	dst = appendParty(dst, &tx.Creditor)
	dst = appendOptional(dst, `,"channel":`, tx.Channel)
	dst = appendOptional(dst, `,"reporting_entity":`, tx.ReportingEntity)
	dst = appendOptional(dst, `,"purpose":`, tx.Purpose)
	dst = appendOptional(dst, `,"direction":`, tx.Direction)
	return append(dst, '}')
}

func appendParty(dst []byte, p *engine.Party) []byte {
	dst = append(dst, `{"account":`...)
	dst = appendString(dst, p.Account)
	dst = appendOptional(dst, `,"name":`, p.Name)
	dst = appendOptional(dst, `,"country":`, p.Country)
	dst = appendOptional(dst, `,"bic":`, p.BIC)
	dst = appendOptional(dst, `,"customer_id":`, p.CustomerID)
	dst = appendOptional(dst, `,"type":`, p.Type)
	return append(dst, '}')
}

func appendOptional(dst []byte, key, v string) []byte {
	if v == "" {
		return dst
	}
	return appendString(append(dst, key...), v)
}

const hexDigits = "0123456789abcdef"

func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if plain[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, `\ufffd`...)
				i++
				start = i
				continue
			}
			i += n
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
