package synth

// bank is one bank of a country: its BIC and the national bank code that
// opens its account numbers (BBAN prefix).
type bank struct {
	bic  string
	code string
}

// country describes how accounts of one country look: the currency its
// residents pay in, its banks, and the BBAN layout after the bank code.
type country struct {
	code     string
	currency string
	banks    []bank
	// acctLen is the number of characters after the bank code in the BBAN
	// (digits; for UA the tail is alphanumeric but digits are valid).
	acctLen int
	// iban is false for countries without IBANs; their accounts are plain
	// national account numbers.
	iban bool
	// weight is the share of the population living in the country.
	weight float64
	// fatf marks countries on the FATF call-for-action or increased
	// monitoring lists; legitimate traffic with them is rare and small.
	fatf bool
	// namer picks the name tables for persons and companies.
	namer nameStyle
}

// countries is the population: the ten core countries of the
// Polish–Norwegian cooperation's feeds, a small share of other partners, and
// a few FATF-listed jurisdictions.
var countries = []country{
	{code: "PL", currency: "PLN", acctLen: 16, iban: true, weight: 30, namer: stylePL, banks: []bank{
		{"PKOPPLPW", "10201026"}, {"PKOPPLPW", "10205558"}, {"PPABPLPK", "12401037"},
		{"BREXPLPW", "11402004"}, {"INGBPLPW", "10501445"}, {"WBKPPLPP", "10901014"},
		{"BIGBPLPW", "11602202"}, {"ALBPPLPW", "24901044"},
	}},
	{code: "NO", currency: "NOK", acctLen: 7, iban: true, weight: 24, namer: styleNO, banks: []bank{
		{"DNBANOKK", "1503"}, {"DNBANOKK", "1201"}, {"NDEANOKK", "6001"},
		{"SPRONO22", "4200"}, {"HANDNOKK", "9050"}, {"SPSONO22", "3000"},
	}},
	{code: "DE", currency: "EUR", acctLen: 10, iban: true, weight: 8, namer: styleDE, banks: []bank{
		{"DEUTDEFF", "50070010"}, {"COBADEFF", "50040000"}, {"HYVEDEMM", "70020270"},
		{"GENODEF1", "50190000"},
	}},
	{code: "SE", currency: "SEK", acctLen: 17, iban: true, weight: 7, namer: styleSE, banks: []bank{
		{"SWEDSESS", "800"}, {"ESSESESS", "500"}, {"HANDSESS", "600"}, {"NDEASESS", "300"},
	}},
	{code: "LT", currency: "EUR", acctLen: 11, iban: true, weight: 5, namer: styleLT, banks: []bank{
		{"HABALT22", "73000"}, {"CBVILT2X", "70440"}, {"AGBLLT2X", "40100"},
	}},
	{code: "UA", currency: "EUR", acctLen: 19, iban: true, weight: 5, namer: styleUA, banks: []bank{
		{"PBANUA2X", "305299"}, {"AVALUAUK", "380805"}, {"UGASUAUK", "320478"},
	}},
	{code: "DK", currency: "DKK", acctLen: 10, iban: true, weight: 4, namer: styleDK, banks: []bank{
		{"DABADKKK", "3000"}, {"NDEADKKK", "2000"}, {"JYBADKKK", "7858"},
	}},
	{code: "FI", currency: "EUR", acctLen: 8, iban: true, weight: 3, namer: styleFI, banks: []bank{
		{"NDEAFIHH", "159030"}, {"OKOYFIHH", "500001"}, {"HELSFIHH", "405510"},
	}},
	{code: "NL", currency: "EUR", acctLen: 10, iban: true, weight: 4, namer: styleNL, banks: []bank{
		{"INGBNL2A", "INGB"}, {"ABNANL2A", "ABNA"}, {"RABONL2U", "RABO"},
	}},
	{code: "GB", currency: "GBP", acctLen: 8, iban: true, weight: 4, namer: styleGB, banks: []bank{
		{"BARCGB22", "BARC200415"}, {"NWBKGB2L", "NWBK601613"}, {"HBUKGB4B", "HBUK400515"},
		{"LOYDGB2L", "LOYD309493"},
	}},
	// Other partners (about 5 % of the population together).
	{code: "FR", currency: "EUR", acctLen: 13, iban: true, weight: 1.2, namer: styleIntl, banks: []bank{
		{"BNPAFRPP", "3000400100"}, {"SOGEFRPP", "3000300050"},
	}},
	{code: "AT", currency: "EUR", acctLen: 11, iban: true, weight: 0.8, namer: styleDE, banks: []bank{
		{"BKAUATWW", "12000"}, {"GIBAATWW", "20111"},
	}},
	{code: "LV", currency: "EUR", acctLen: 13, iban: true, weight: 1, namer: styleLT, banks: []bank{
		{"HABALV22", "HABA"}, {"UNLALV2X", "UNLA"},
	}},
	{code: "CH", currency: "EUR", acctLen: 12, iban: true, weight: 0.6, namer: styleDE, banks: []bank{
		{"UBSWCHZH", "00230"}, {"POFICHBE", "09000"},
	}},
	{code: "TR", currency: "EUR", acctLen: 17, iban: true, weight: 0.5, namer: styleIntl, banks: []bank{
		{"TGBATRIS", "00062"}, {"AKBKTRIS", "00046"},
	}},
	{code: "AE", currency: "USD", acctLen: 16, iban: true, weight: 0.4, namer: styleIntl, banks: []bank{
		{"EBILAEAD", "026"}, {"NBADAEAA", "035"},
	}},
	{code: "US", currency: "USD", acctLen: 12, iban: false, weight: 0.5, namer: styleGB, banks: []bank{
		{"CHASUS33", "021000021"}, {"CITIUS33", "021000089"},
	}},
	// FATF increased monitoring (as of the 2024–2025 plenaries), about
	// 0.5 % of the population: EU neighbours and remittance corridors.
	{code: "BG", currency: "EUR", acctLen: 10, iban: true, weight: 0.15, fatf: true, namer: styleIntl, banks: []bank{
		{"UNCRBGSF", "UNCR7000"}, {"STSABGSF", "STSA9300"},
	}},
	{code: "HR", currency: "EUR", acctLen: 10, iban: true, weight: 0.1, fatf: true, namer: styleIntl, banks: []bank{
		{"ZABAHR2X", "2360000"}, {"PBZGHR2X", "2340009"},
	}},
	{code: "MC", currency: "EUR", acctLen: 13, iban: true, weight: 0.05, fatf: true, namer: styleIntl, banks: []bank{
		{"CMCIMCM1", "1156900001"},
	}},
	{code: "VN", currency: "USD", acctLen: 13, iban: false, weight: 0.1, fatf: true, namer: styleIntl, banks: []bank{
		{"BFTVVNVX", "VCB"},
	}},
	{code: "NG", currency: "USD", acctLen: 10, iban: false, weight: 0.05, fatf: true, namer: styleIntl, banks: []bank{
		{"ZEIBNGLA", "057"},
	}},
	{code: "ZA", currency: "USD", acctLen: 11, iban: false, weight: 0.05, fatf: true, namer: styleIntl, banks: []bank{
		{"SBZAZAJJ", "051001"},
	}},
}

// highRiskCountries are used only by high_risk_jurisdiction scenarios:
// FATF call-for-action (KP, IR, MM) and increased-monitoring jurisdictions
// that legitimate traffic never touches.
var highRiskCountries = []country{
	{code: "IR", currency: "USD", acctLen: 13, fatf: true, namer: styleIntl, banks: []bank{{"BMJIIRTH", "017"}}},
	{code: "KP", currency: "USD", acctLen: 12, fatf: true, namer: styleIntl, banks: []bank{{"FTBDKPPY", "001"}}},
	{code: "MM", currency: "USD", acctLen: 12, fatf: true, namer: styleIntl, banks: []bank{{"MYANMMMY", "002"}}},
	{code: "SY", currency: "USD", acctLen: 12, fatf: true, namer: styleIntl, banks: []bank{{"CBOSSYDA", "011"}}},
	{code: "YE", currency: "USD", acctLen: 18, iban: true, fatf: true, namer: styleIntl, banks: []bank{{"YKBKYESA", "YKBK0001"}}},
	{code: "VE", currency: "USD", acctLen: 16, fatf: true, namer: styleIntl, banks: []bank{{"BMPRVECA", "0102"}}},
	{code: "LB", currency: "USD", acctLen: 20, iban: true, fatf: true, namer: styleIntl, banks: []bank{{"BLOMLBBX", "0014"}}},
	{code: "KE", currency: "USD", acctLen: 12, fatf: true, namer: styleIntl, banks: []bank{{"KCBLKENX", "01"}}},
}

// countryIndex finds a country of the population by code.
func countryIndex(code string) int {
	for i := range countries {
		if countries[i].code == code {
			return i
		}
	}
	return -1
}

// unitsPerEUR approximates how many units of a currency one EUR buys; the
// engine converts with its own table, so scenarios keep a margin of ≥ 10 %.
var unitsPerEUR = map[string]float64{
	"EUR": 1, "PLN": 4.3, "NOK": 11.5, "SEK": 11.2, "DKK": 7.46, "GBP": 0.85, "USD": 1.08,
}
