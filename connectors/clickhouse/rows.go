package clickhouse

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"github.com/socwatch/socwatch/engine"
)

// insertAlertsSQL names every column the sink writes, in the order
// alertValues produces them; inserted_at is left to its DEFAULT.
const insertAlertsSQL = `INSERT INTO alerts (alert_id, rule_id, rule_version, typology, severity, score, mode, tx_id, ts, debtor_account, creditor_account, debtor_country, creditor_country, amount_eur, explanation)`

const alertColumns = 15

// insertTransactionsSQL is the transactions counterpart of insertAlertsSQL.
const insertTransactionsSQL = `INSERT INTO transactions (tx_id, ts, amount, currency, amount_eur, debtor_account, debtor_name, debtor_country, creditor_account, creditor_name, creditor_country, channel, cross_border)`

const txColumns = 13

// DateTime covers 1970-01-01 to 2106-02-07 UTC. clickhouse-go refuses values
// outside it, which would fail the batch forever, so they are clamped.
var (
	minDateTime = time.Unix(0, 0).UTC()
	maxDateTime = time.Date(2106, 2, 7, 0, 0, 0, 0, time.UTC)
)

// clampDateTime maps t into the DateTime range in UTC; the zero time (an
// alert without a timestamp) becomes the epoch.
func clampDateTime(t time.Time) time.Time {
	switch {
	case t.Before(minDateTime):
		return minDateTime
	case t.After(maxDateTime):
		return maxDateTime
	}
	return t.UTC()
}

// chDecimal converts an exact engine.Decimal to the driver's decimal type,
// rounding half away from zero to scale fractional digits. The driver itself
// would truncate extra digits silently.
func chDecimal(d engine.Decimal, scale int32) decimal.Decimal {
	v := decimal.New(d.Units, -int32(d.Scale))
	if int32(d.Scale) > scale {
		v = v.Round(scale)
	}
	return v
}

// clampUint maps v into [0, max]: rule versions and scores are small by
// construction, and a stray value must not make the insert fail for good.
func clampUint(v int, max uint64) uint64 {
	if v < 0 {
		return 0
	}
	if uint64(v) > max {
		return max
	}
	return uint64(v)
}

// explanationJSON renders an alert's explanation. Values json cannot encode
// (NaN or Inf from an empty average, channels, funcs) are replaced by their
// fmt rendering so the alert is stored with its evidence instead of failing.
func explanationJSON(m map[string]any) string {
	if len(m) == 0 {
		return "{}"
	}
	if b, err := json.Marshal(m); err == nil {
		return string(b)
	}
	safe := make(map[string]any, len(m))
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := m[k]
		if _, err := json.Marshal(v); err != nil {
			v = safeValue(v)
		}
		safe[k] = v
	}
	b, err := json.Marshal(safe)
	if err != nil {
		// Unreachable: every value is now a string or json-encodable.
		return fmt.Sprintf(`{"_error":%q}`, err.Error())
	}
	return string(b)
}

func safeValue(v any) any {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprint(x)
		}
	case float32:
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Sprint(x)
		}
	}
	return fmt.Sprintf("%v", v)
}

// alertValues fills dst (len alertColumns) with a's column values in
// insertAlertsSQL order.
func alertValues(a *engine.Alert, dst []any) {
	dst[0] = a.AlertID
	dst[1] = a.RuleID
	dst[2] = uint32(clampUint(a.RuleVersion, math.MaxUint32))
	dst[3] = a.Typology
	dst[4] = a.Severity
	dst[5] = uint8(clampUint(a.Score, math.MaxUint8))
	dst[6] = a.Mode
	dst[7] = a.TxID
	dst[8] = clampDateTime(a.TS)
	dst[9] = a.DebtorAccount
	dst[10] = a.CreditorAccount
	dst[11] = a.DebtorCountry
	dst[12] = a.CreditorCountry
	dst[13] = chDecimal(a.AmountEUR, 2)
	dst[14] = explanationJSON(a.Explanation)
}

// txValues fills dst (len txColumns) with t's column values in
// insertTransactionsSQL order.
func txValues(t *engine.Tx, dst []any) {
	dst[0] = t.TxID
	dst[1] = clampDateTime(t.TS)
	dst[2] = chDecimal(t.Amount, 12)
	dst[3] = t.Currency
	dst[4] = chDecimal(t.AmountEUR, 2)
	dst[5] = t.Debtor.Account
	dst[6] = t.Debtor.Name
	dst[7] = t.Debtor.Country
	dst[8] = t.Creditor.Account
	dst[9] = t.Creditor.Name
	dst[10] = t.Creditor.Country
	dst[11] = t.Channel
	var cb uint8
	if t.CrossBorder {
		cb = 1
	}
	dst[12] = cb
}
