package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Alert is one rule firing on one transaction, with the evidence that fired
// it. AlertID is deterministic so a replay after a crash dedups downstream.
type Alert struct {
	AlertID         string         `json:"alert_id"`
	RuleID          string         `json:"rule_id"`
	RuleVersion     int            `json:"rule_version"`
	Typology        string         `json:"typology"`
	Severity        string         `json:"severity"`
	Score           int            `json:"score"`
	Mode            string         `json:"mode"`
	TxID            string         `json:"tx_id"`
	TS              time.Time      `json:"ts"`
	DebtorAccount   string         `json:"debtor_account"`
	CreditorAccount string         `json:"creditor_account"`
	DebtorCountry   string         `json:"debtor_country"`
	CreditorCountry string         `json:"creditor_country"`
	AmountEUR       Decimal        `json:"amount_eur"`
	Explanation     map[string]any `json:"explanation"`

	// RecordTime is when the source record was written (Kafka timestamp),
	// for end-to-end latency; not part of the stored alert.
	RecordTime time.Time `json:"-"`
}

// AlertID derives the id from (rule id, rule version, tx id): the same
// transaction screened twice, or from two perspectives, yields one id.
func AlertID(ruleID string, version int, txID string) string {
	h := sha256.New()
	h.Write([]byte(ruleID))
	h.Write([]byte{0})
	h.Write(strconv.AppendInt(nil, int64(version), 10))
	h.Write([]byte{0})
	h.Write([]byte(txID))
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:16])
}
