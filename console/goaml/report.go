package goaml

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/socwatch/socwatch/engine/names"
)

// Case is what a report is written from.
type Case struct {
	ID         string
	Title      string
	Reason     string
	Action     string
	Typologies []string
	Txs        []Tx
	Submitted  time.Time
}

// Tx is one reported transaction. A transaction known only in EUR (a
// traced path's transfer that was not stored) has no Currency and no
// Amount: its amount_local is converted from AmountEUR, with no foreign
// currency block.
type Tx struct {
	ID          string
	TS          time.Time
	Channel     string
	Currency    string // "": unknown
	Amount      string // decimal, in Currency; unused without one
	AmountEUR   string // decimal
	Description string
	From, To    Party
}

// Party is one side of a transaction, as the bank knows it.
type Party struct {
	Account string
	Name    string
	Country string
}

// The XML document, elements in the order the XSD's sequences require.
type report struct {
	XMLName           xml.Name `xml:"report"`
	SchemaVersion     string   `xml:"schema_version"`
	RentityID         string   `xml:"rentity_id"`
	RentityBranch     string   `xml:"rentity_branch,omitempty"`
	SubmissionCode    string   `xml:"submission_code"`
	ReportCode        string   `xml:"report_code"`
	EntityReference   string   `xml:"entity_reference"`
	SubmissionDate    string   `xml:"submission_date"`
	CurrencyCodeLocal string   `xml:"currency_code_local"`
	ReportingPerson   person   `xml:"reporting_person"`
	Location          *Address `xml:"location,omitempty"`
	Reason            string   `xml:"reason,omitempty"`
	Action            string   `xml:"action,omitempty"`
	Transactions      []transaction
	Indicators        []string `xml:"report_indicators>indicator"`
}

type person struct {
	Gender     string `xml:"gender,omitempty"`
	FirstName  string `xml:"first_name"`
	LastName   string `xml:"last_name"`
	Email      string `xml:"email,omitempty"`
	Occupation string `xml:"occupation,omitempty"`
}

type transaction struct {
	XMLName          xml.Name `xml:"transaction"`
	Number           string   `xml:"transactionnumber"`
	InternalRef      string   `xml:"internal_ref_number,omitempty"`
	Location         string   `xml:"transaction_location"`
	Description      string   `xml:"transaction_description"`
	Date             string   `xml:"date_transaction"`
	TransmodeCode    string   `xml:"transmode_code"`
	TransmodeComment string   `xml:"transmode_comment"`
	AmountLocal      string   `xml:"amount_local"`
	From             from     `xml:"t_from"`
	To               to       `xml:"t_to"`
}

type from struct {
	FundsCode string   `xml:"from_funds_code"`
	Foreign   *foreign `xml:"from_foreign_currency,omitempty"`
	Account   account  `xml:"from_account"`
	Country   string   `xml:"from_country"`
}

type to struct {
	FundsCode string   `xml:"to_funds_code"`
	Foreign   *foreign `xml:"to_foreign_currency,omitempty"`
	Account   account  `xml:"to_account"`
	Country   string   `xml:"to_country"`
}

type foreign struct {
	Currency string `xml:"foreign_currency_code"`
	Amount   string `xml:"foreign_amount"`
	Rate     string `xml:"foreign_exchange_rate"`
}

type account struct {
	InstitutionName string `xml:"institution_name,omitempty"`
	InstitutionCode string `xml:"institution_code,omitempty"`
	Swift           string `xml:"swift,omitempty"`
	Account         string `xml:"account"`
	AccountName     string `xml:"account_name"`
}

const sqlDate = "2006-01-02T15:04:05"

// accountName is what goAML's account_name accepts.
var accountNameChars = regexp.MustCompile(`[^a-zA-Z0-9 .'-]+`)

func accountName(name, acct string) string {
	n := strings.TrimSpace(accountNameChars.ReplaceAllString(names.Normalize(name), " "))
	if n == "" {
		n = strings.TrimSpace(accountNameChars.ReplaceAllString(acct, " "))
	}
	if n == "" {
		n = "unknown"
	}
	if len(n) > 255 {
		n = n[:255]
	}
	return n
}

var country = regexp.MustCompile(`^[A-Z]{2}$`)

// countryOr returns c if it is a country code, else the placeholder the
// FIU's country list must hold for unknown ("-" would not validate; XX is
// not a country): the reporting entity's own country is the safe default.
func countryOr(c, def string) string {
	if country.MatchString(c) {
		return c
	}
	return def
}

// localAmount converts a transaction to the local currency exactly (big
// rationals), rounded to 2 decimals; foreign is set when the transaction
// was in another currency.
func (m *Mapping) localAmount(t Tx) (string, *foreign, error) {
	var amt *big.Rat
	if t.Currency != "" {
		var ok bool
		if amt, ok = new(big.Rat).SetString(t.Amount); !ok {
			return "", nil, fmt.Errorf("transaction %s: amount %q is not a decimal", t.ID, t.Amount)
		}
	}
	if t.Currency == m.CurrencyCodeLocal {
		return amt.FloatString(2), nil, nil
	}
	eur, ok := new(big.Rat).SetString(t.AmountEUR)
	if !ok {
		return "", nil, fmt.Errorf("transaction %s: amount_eur %q is not a decimal", t.ID, t.AmountEUR)
	}
	local := eur
	if m.CurrencyCodeLocal != "EUR" {
		local = new(big.Rat).Mul(eur, new(big.Rat).SetFloat64(m.LocalPerEUR))
	}
	if amt == nil {
		return local.FloatString(2), nil, nil
	}
	var f *foreign
	if currency.MatchString(t.Currency) && amt.Sign() != 0 {
		f = &foreign{Currency: t.Currency, Amount: amt.FloatString(2), Rate: new(big.Rat).Quo(local, amt).FloatString(6)}
	}
	return local.FloatString(2), f, nil
}

// Write writes c as a goAML report.
func (m *Mapping) Write(w io.Writer, c Case) error {
	if len(c.Txs) == 0 {
		return errors.New("goaml: a report needs at least one transaction; the case's alerts have none stored (store transactions with clickhouse.transactions)")
	}
	home := countryOr(strings.ToUpper(m.InstitutionSwift[min(4, len(m.InstitutionSwift)):min(6, len(m.InstitutionSwift))]), "")
	r := report{
		SchemaVersion: m.SchemaVersion, RentityID: m.RentityID, RentityBranch: m.RentityBranch,
		SubmissionCode: m.SubmissionCode, ReportCode: m.ReportCode,
		EntityReference:   "SOCWATCH-" + c.ID,
		SubmissionDate:    c.Submitted.UTC().Format(sqlDate),
		CurrencyCodeLocal: m.CurrencyCodeLocal,
		ReportingPerson: person{Gender: m.ReportingPerson.Gender, FirstName: m.ReportingPerson.FirstName,
			LastName: m.ReportingPerson.LastName, Email: m.ReportingPerson.Email, Occupation: m.ReportingPerson.Occupation},
		Location: m.Location,
		Reason:   firstNonEmpty(c.Reason, m.Reason, c.Title),
		Action:   firstNonEmpty(c.Action, m.Action),
	}
	location := firstNonEmpty(m.TransactionPlace, m.InstitutionName)
	for _, t := range c.Txs {
		amount, fx, err := m.localAmount(t)
		if err != nil {
			return err
		}
		acct := func(p Party) account {
			a := account{Account: p.Account, AccountName: accountName(p.Name, p.Account)}
			if m.ownAccount(p.Account) {
				a.InstitutionName, a.Swift = m.InstitutionName, m.InstitutionSwift
			} else {
				// Some schemas require a name; the transactions table does
				// not hold the counterparty's bank.
				a.InstitutionName, a.InstitutionCode = "Unknown", "UNKNOWN"
			}
			return a
		}
		funds := m.FundsCode.Code(t.Channel)
		r.Transactions = append(r.Transactions, transaction{
			Number: t.ID, InternalRef: "SOCWATCH-" + c.ID, Location: location,
			Description:   firstNonEmpty(t.Description, "Transaction "+t.ID),
			Date:          t.TS.UTC().Format(sqlDate),
			TransmodeCode: m.TransmodeCode.Code(t.Channel), TransmodeComment: firstNonEmpty(m.TransmodeComment.Code(t.Channel), t.Channel, "unknown"),
			AmountLocal: amount,
			From:        from{FundsCode: funds, Foreign: fx, Account: acct(t.From), Country: countryOr(t.From.Country, home)},
			To:          to{FundsCode: funds, Foreign: fx, Account: acct(t.To), Country: countryOr(t.To.Country, home)},
		})
	}
	r.Indicators = m.indicators(c.Typologies)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write goaml report: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write goaml report: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write goaml report: %w", err)
	}
	return nil
}

func (m *Mapping) ownAccount(acct string) bool {
	for _, p := range m.OwnAccountPrefixes {
		if p != "" && strings.HasPrefix(acct, p) {
			return true
		}
	}
	return false
}

func (m *Mapping) indicators(typologies []string) []string {
	set := map[string]bool{}
	for _, c := range m.AlwaysIndicators {
		set[c] = true
	}
	for _, t := range typologies {
		cs, ok := m.Indicators.By[t]
		if !ok {
			cs = m.Indicators.Default
		}
		for _, c := range cs {
			set[c] = true
		}
	}
	if len(set) == 0 {
		for _, c := range m.Indicators.Default {
			set[c] = true
		}
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}
