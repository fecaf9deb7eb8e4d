package goaml

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"

	"gopkg.in/yaml.v3"
)

// Mapping is the goAML mapping file: who reports, and how SOC-Watch's
// channels and typologies translate into the FIU's code lists.
type Mapping struct {
	SchemaVersion     string `yaml:"schema_version"`
	RentityID         string `yaml:"rentity_id"`
	RentityBranch     string `yaml:"rentity_branch"`
	SubmissionCode    string `yaml:"submission_code"` // E (electronic) by default
	ReportCode        string `yaml:"report_code"`     // STR by default
	CurrencyCodeLocal string `yaml:"currency_code_local"`
	// LocalPerEUR converts amount_eur to the local currency when the
	// local currency is not EUR and the transaction was in another one.
	LocalPerEUR float64 `yaml:"local_per_eur"`
	// Institution names the reporting bank in t_account (account holder
	// institution for accounts we cannot attribute to another bank).
	InstitutionName  string `yaml:"institution_name"`
	InstitutionSwift string `yaml:"institution_swift"`
	// OwnAccountPrefixes are the account (IBAN) prefixes of accounts held
	// at the reporting institution; other accounts are reported with
	// institution_code "UNKNOWN" because the transactions table does not
	// hold the counterparty bank.
	OwnAccountPrefixes []string `yaml:"own_account_prefixes"`
	TransactionPlace   string   `yaml:"transaction_location"`
	ReportingPerson    Person   `yaml:"reporting_person"`
	// Location is the reporting entity's address (required by some
	// schemas, e.g. the generic 5.0.1).
	Location      *Address `yaml:"location"`
	FundsCode     CodeMap  `yaml:"funds_code"`     // by channel
	TransmodeCode CodeMap  `yaml:"transmode_code"` // by channel
	// TransmodeComment is by channel too; when it has no default the
	// channel name itself is the comment (FIUs differ: the UAE schema
	// allows one character, the generic one 50).
	TransmodeComment CodeMap  `yaml:"transmode_comment"`
	Indicators       ListMap  `yaml:"indicators"` // by typology
	Reason           string   `yaml:"default_reason"`
	Action           string   `yaml:"default_action"`
	AlwaysIndicators []string `yaml:"always_indicators"`
}

// Person is the reporting person (usually the MLRO).
type Person struct {
	Gender     string `yaml:"gender"`
	FirstName  string `yaml:"first_name"`
	LastName   string `yaml:"last_name"`
	Occupation string `yaml:"occupation"`
	Email      string `yaml:"email"`
}

// Address is a goAML t_address.
type Address struct {
	Type        string `yaml:"address_type" xml:"address_type"`
	Address     string `yaml:"address" xml:"address"`
	City        string `yaml:"city" xml:"city"`
	Zip         string `yaml:"zip" xml:"zip,omitempty"`
	CountryCode string `yaml:"country_code" xml:"country_code"`
}

// CodeMap maps a SOC-Watch value (channel) to a code, with a default.
type CodeMap struct {
	Default string            `yaml:"default"`
	By      map[string]string `yaml:"by"`
}

// Code returns the code for v.
func (m CodeMap) Code(v string) string {
	if c, ok := m.By[v]; ok {
		return c
	}
	return m.Default
}

// ListMap maps a SOC-Watch value (typology) to codes.
type ListMap struct {
	Default []string            `yaml:"default"`
	By      map[string][]string `yaml:"by"`
}

var (
	currency = regexp.MustCompile(`^[A-Z]{3}$`)
	code     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,20}$`)
)

// ParseMapping decodes and checks a mapping file; unknown keys are errors
// (a typo must not silently drop a code list).
func ParseMapping(data []byte) (*Mapping, error) {
	var m Mapping
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode goaml mapping: %w", err)
	}
	if m.SubmissionCode == "" {
		m.SubmissionCode = "E"
	}
	if m.ReportCode == "" {
		m.ReportCode = "STR"
	}
	if m.SchemaVersion == "" {
		m.SchemaVersion = "5.0.2"
	}
	var errs []error
	req := func(name, v string) {
		if v == "" {
			errs = append(errs, fmt.Errorf("goaml mapping: %s is required", name))
		}
	}
	req("rentity_id", m.RentityID)
	req("institution_name", m.InstitutionName)
	req("institution_swift", m.InstitutionSwift)
	req("reporting_person.first_name", m.ReportingPerson.FirstName)
	req("reporting_person.last_name", m.ReportingPerson.LastName)
	req("funds_code.default", m.FundsCode.Default)
	req("transmode_code.default", m.TransmodeCode.Default)
	if l := m.Location; l != nil {
		req("location.address_type", l.Type)
		req("location.address", l.Address)
		req("location.city", l.City)
		req("location.country_code", l.CountryCode)
	}
	if !currency.MatchString(m.CurrencyCodeLocal) {
		errs = append(errs, fmt.Errorf("goaml mapping: currency_code_local %q is not an ISO 4217 code", m.CurrencyCodeLocal))
	}
	if m.CurrencyCodeLocal != "EUR" && !(m.LocalPerEUR > 0) {
		errs = append(errs, errors.New("goaml mapping: local_per_eur must be > 0 when the local currency is not EUR"))
	}
	codes := []string{m.FundsCode.Default, m.TransmodeCode.Default, m.SubmissionCode, m.ReportCode}
	for _, c := range m.FundsCode.By {
		codes = append(codes, c)
	}
	for _, c := range m.TransmodeCode.By {
		codes = append(codes, c)
	}
	codes = append(codes, m.Indicators.Default...)
	codes = append(codes, m.AlwaysIndicators...)
	for _, cs := range m.Indicators.By {
		codes = append(codes, cs...)
	}
	for _, c := range codes {
		if c != "" && !code.MatchString(c) {
			errs = append(errs, fmt.Errorf("goaml mapping: %q is not a code", c))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &m, nil
}

// LoadMapping reads a mapping file.
func LoadMapping(path string) (*Mapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read goaml mapping: %w", err)
	}
	m, err := ParseMapping(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
