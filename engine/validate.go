package engine

import (
	"errors"
	"fmt"
)

// RejectError is a record that cannot be screened. Reason is a short stable
// token for metrics labels and DLQ headers (bounded cardinality); Err the
// detail for humans.
type RejectError struct {
	Reason string
	Err    error
}

func (e *RejectError) Error() string { return e.Reason + ": " + e.Err.Error() }
func (e *RejectError) Unwrap() error { return e.Err }

// Reject builds a RejectError.
func Reject(reason string, format string, args ...any) error {
	return &RejectError{Reason: reason, Err: fmt.Errorf(format, args...)}
}

// RejectReason returns the reason token of err, or "other".
func RejectReason(err error) string {
	var re *RejectError
	if errors.As(err, &re) {
		return re.Reason
	}
	return ReasonOther
}

// Reject reasons (bounded set, used as metric labels).
const (
	ReasonDecode    = "decode"     // not parseable in the declared format
	ReasonMissing   = "missing"    // a required field is absent
	ReasonInvalid   = "invalid"    // a field has an invalid value
	ReasonFXMissing = "fx_missing" // no rate for currency/date
	ReasonTooLarge  = "too_large"  // record exceeds the size limit
	ReasonTSFuture  = "ts_future"  // ts too far ahead of the stream's watermark or the clock
	ReasonOther     = "other"      // an error that is not a RejectError
)

// RejectReasons are all reasons RejectReason returns, so that metrics can
// create a series for each before the first rejection: a dashboard's rate()
// of a series that appears with its first sample misses that sample.
var RejectReasons = []string{ReasonDecode, ReasonMissing, ReasonInvalid, ReasonFXMissing, ReasonTooLarge, ReasonTSFuture, ReasonOther}

// Validate checks the wire fields a decoder filled. Decoders call it so that
// every format enforces the same contract.
func (t *Tx) Validate() error {
	switch {
	case t.TxID == "":
		return Reject(ReasonMissing, "tx_id is required")
	case t.TS.IsZero():
		return Reject(ReasonMissing, "ts is required")
	case t.Currency == "":
		return Reject(ReasonMissing, "currency is required")
	case t.Debtor.Account == "":
		return Reject(ReasonMissing, "debtor.account is required")
	case t.Creditor.Account == "":
		return Reject(ReasonMissing, "creditor.account is required")
	}
	if t.Amount.Sign() <= 0 {
		return Reject(ReasonInvalid, "amount must be > 0, got %s", t.Amount)
	}
	if len(t.Currency) != 3 || !isUpperAlpha(t.Currency) {
		return Reject(ReasonInvalid, "currency %q is not an ISO 4217 code", t.Currency)
	}
	if !Channels[t.Channel] {
		return Reject(ReasonInvalid, "unknown channel %q", t.Channel)
	}
	for _, p := range [2]*Party{&t.Debtor, &t.Creditor} {
		if p.Country != "" && (len(p.Country) != 2 || !isUpperAlpha(p.Country)) {
			return Reject(ReasonInvalid, "country %q is not ISO 3166 alpha-2", p.Country)
		}
		if !PartyTypes[p.Type] {
			return Reject(ReasonInvalid, "party type %q is not person|company", p.Type)
		}
	}
	return nil
}

func isUpperAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
