package pacs008

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/socwatch/socwatch/engine"
)

// MaxMessageBytes bounds a message; CBPR+ messages are at most a few tens
// of kilobytes, and the largest maximal samples are 40 kB.
const MaxMessageBytes = 4 << 20

type appHdr struct {
	From      string `xml:"Fr>FIId>FinInstnId>BICFI"`
	To        string `xml:"To>FIId>FinInstnId>BICFI"`
	BizMsgIdr string `xml:"BizMsgIdr"`
	MsgDefIdr string `xml:"MsgDefIdr"`
	BizSvc    string `xml:"BizSvc"`
	CreDt     string `xml:"CreDt"`
}

type amount struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

type grpHdr struct {
	MsgID         string `xml:"MsgId"`
	CreDtTm       string `xml:"CreDtTm"`
	NbOfTxs       string `xml:"NbOfTxs"`
	IntrBkSttlmDt string `xml:"IntrBkSttlmDt"`
	ClrSys        string `xml:"SttlmInf>ClrSys>Cd"`
	SvcLvl        string `xml:"PmtTpInf>SvcLvl>Cd"`
}

type party struct {
	Name    string `xml:"Nm"`
	Country string `xml:"PstlAdr>Ctry"`
	// Residence country, when the postal address has none.
	CtryOfRes string `xml:"CtryOfRes"`
	AnyBIC    string `xml:"Id>OrgId>AnyBIC"`
	LEI       string `xml:"Id>OrgId>LEI"`
	OrgOthr   string `xml:"Id>OrgId>Othr>Id"`
	PrvtOthr  string `xml:"Id>PrvtId>Othr>Id"`
}

type account struct {
	IBAN string `xml:"Id>IBAN"`
	Othr string `xml:"Id>Othr>Id"`
}

type agent struct {
	BIC string `xml:"FinInstnId>BICFI"`
	// Clearing member id (Fedwire ABA, CHIPS), when there is no BIC.
	MmbID string `xml:"FinInstnId>ClrSysMmbId>MmbId"`
}

type txInf struct {
	InstrID       string  `xml:"PmtId>InstrId"`
	EndToEndID    string  `xml:"PmtId>EndToEndId"`
	TxID          string  `xml:"PmtId>TxId"`
	UETR          string  `xml:"PmtId>UETR"`
	SvcLvl        string  `xml:"PmtTpInf>SvcLvl>Cd"`
	Amount        amount  `xml:"IntrBkSttlmAmt"`
	InstdAmt      amount  `xml:"InstdAmt"`
	IntrBkSttlmDt string  `xml:"IntrBkSttlmDt"`
	Debtor        party   `xml:"Dbtr"`
	DebtorAcct    account `xml:"DbtrAcct"`
	DebtorAgt     agent   `xml:"DbtrAgt"`
	Creditor      party   `xml:"Cdtr"`
	CreditorAcct  account `xml:"CdtrAcct"`
	CreditorAgt   agent   `xml:"CdtrAgt"`
	Purpose       string  `xml:"Purp>Cd"`
	PurposePrtry  string  `xml:"Purp>Prtry"`

	// raw is the element's XML as it appears in the message.
	raw []byte
}

type creditTransfer struct {
	GrpHdr grpHdr
	Txs    []txInf
}

// message is what the decoder found in one XML document.
type message struct {
	hdr     *appHdr
	docType string // "pacs.008.001.08" from the Document namespace
	ct      *creditTransfer
}

// Decoder is an engine.Decoder for messages that carry exactly one
// transaction (the CBPR+ rule: NbOfTxs is 1). Use DecodeAll for batches.
type Decoder struct{}

// Decode decodes a message holding exactly one CdtTrfTxInf into tx.
func (Decoder) Decode(data []byte, tx *engine.Tx) error {
	txs, err := DecodeAll(data)
	if err != nil {
		return err
	}
	if len(txs) != 1 {
		return engine.Reject(engine.ReasonInvalid, "pacs.008 message holds %d transactions, the single-transaction decoder takes 1 (use DecodeAll)", len(txs))
	}
	*tx = txs[0]
	return nil
}

// Transaction is one CdtTrfTxInf of a message: decoded into Tx, or refused
// with Err (a *engine.RejectError naming the problem).
type Transaction struct {
	Index int // 1-based position in the message
	Tx    engine.Tx
	Err   error
	// Raw is the CdtTrfTxInf element as it appears in the message (a
	// slice of the input; namespace prefixes are the message's).
	Raw []byte
}

// DecodeEach decodes every CdtTrfTxInf of a pacs.008 message on its own,
// so that one invalid transaction does not refuse the others: each
// Transaction carries its Tx or its Err. The error is for a message that
// cannot be split into transactions — not XML, too large, not a pacs.008,
// a header contradicting the document, NbOfTxs contradicting the count —
// and is a *engine.RejectError. The mapping is DecodeAll's.
func DecodeEach(data []byte) ([]Transaction, error) {
	if len(data) > MaxMessageBytes {
		return nil, engine.Reject(engine.ReasonTooLarge, "pacs.008 message of %d bytes exceeds %d", len(data), MaxMessageBytes)
	}
	msg, err := parse(data)
	if err != nil {
		return nil, err
	}
	if err := msg.check(); err != nil {
		return nil, err
	}
	channel := msg.channel()
	out := make([]Transaction, len(msg.ct.Txs))
	for i := range msg.ct.Txs {
		tx, err := msg.transaction(i, channel)
		out[i] = Transaction{Index: i + 1, Tx: tx, Err: err, Raw: msg.ct.Txs[i].raw}
	}
	return out, nil
}

// DecodeAll decodes every CdtTrfTxInf of a pacs.008 message. The mapping:
// tx_id is the UETR, else TxId, else EndToEndId (unless it is NOTPROVIDED),
// each prefixed by nothing; when none is present, MsgId + "/" + the
// transaction's position. ts is GrpHdr CreDtTm, else the settlement date
// (midnight UTC); times without an offset are UTC. amount and currency are
// IntrBkSttlmAmt. Each party's account is the IBAN or Othr/Id of its
// account, else its organisation or private identifier (AnyBIC, LEI,
// Othr/Id), else "<agent BIC>/<name>" so that a party known only by name
// at its bank still has a stable key; bic is the party's agent BIC and
// country the postal-address country, else the country of residence, else
// the agent BIC's country. channel is "swift" for a SWIFT business service
// (CBPR+, HVPS+), "sepa" for SEPA service level or EBA/STEP2 clearing,
// "instant" for TCH RTP and instant service levels, else "other". purpose is
// Purp/Cd (or Prtry). Any problem, in the message or in one of its
// transactions, refuses the whole message with a *engine.RejectError; use
// DecodeEach to keep the valid transactions.
func DecodeAll(data []byte) ([]engine.Tx, error) {
	each, err := DecodeEach(data)
	if err != nil {
		return nil, err
	}
	txs := make([]engine.Tx, 0, len(each))
	for _, t := range each {
		if t.Err != nil {
			return nil, t.Err
		}
		txs = append(txs, t.Tx)
	}
	return txs, nil
}

// parse walks the document and decodes the AppHdr and FIToFICstmrCdtTrf
// elements wherever they are.
func parse(data []byte) (*message, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	// Samples declare UTF-8 but some carry Windows-1252 bytes in comments;
	// encoding/xml rejects only invalid UTF-8 it has to return.
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return in, nil
		}
		return nil, fmt.Errorf("unsupported charset %q", label)
	}
	var msg message
	var docNS string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, engine.Reject(engine.ReasonDecode, "pacs.008 XML: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "Document":
			docNS = se.Name.Space
		case "AppHdr":
			if msg.hdr != nil {
				return nil, engine.Reject(engine.ReasonInvalid, "pacs.008 message has two AppHdr elements")
			}
			var h appHdr
			if err := d.DecodeElement(&h, &se); err != nil {
				return nil, engine.Reject(engine.ReasonDecode, "pacs.008 AppHdr: %v", err)
			}
			msg.hdr = &h
		case "FIToFICstmrCdtTrf":
			if msg.ct != nil {
				return nil, engine.Reject(engine.ReasonInvalid, "pacs.008 message has two FIToFICstmrCdtTrf elements")
			}
			ct, err := parseCreditTransfer(d, data)
			if err != nil {
				return nil, engine.Reject(engine.ReasonDecode, "pacs.008 FIToFICstmrCdtTrf: %v", err)
			}
			msg.ct = ct
			if docNS == "" {
				docNS = se.Name.Space // prefixed element inside a wrapper
			}
		}
	}
	if msg.ct == nil {
		return nil, engine.Reject(engine.ReasonDecode, "no FIToFICstmrCdtTrf element: not a pacs.008 message")
	}
	if i := strings.LastIndexByte(docNS, ':'); i >= 0 {
		msg.docType = docNS[i+1:]
	}
	return &msg, nil
}

// parseCreditTransfer decodes the children of FIToFICstmrCdtTrf, whose
// start tag d has just returned: the group header, and each CdtTrfTxInf
// with its bytes in data (InputOffset before a token is where it starts).
func parseCreditTransfer(d *xml.Decoder, data []byte) (*creditTransfer, error) {
	var ct creditTransfer
	for {
		start := d.InputOffset()
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return &ct, nil
		case xml.StartElement:
			switch t.Name.Local {
			case "GrpHdr":
				err = d.DecodeElement(&ct.GrpHdr, &t)
			case "CdtTrfTxInf":
				var tx txInf
				if err = d.DecodeElement(&tx, &t); err == nil {
					tx.raw = data[start:d.InputOffset()]
					ct.Txs = append(ct.Txs, tx)
				}
			default:
				err = d.Skip()
			}
			if err != nil {
				return nil, err
			}
		}
	}
}

// check rejects messages whose parts contradict each other.
func (m *message) check() error {
	if m.docType != "" && !strings.HasPrefix(m.docType, "pacs.008.") {
		return engine.Reject(engine.ReasonInvalid, "document namespace is %s, not pacs.008", m.docType)
	}
	if h := m.hdr; h != nil && strings.TrimSpace(h.MsgDefIdr) != "" {
		def := strings.TrimSpace(h.MsgDefIdr)
		if !strings.HasPrefix(def, "pacs.008.") {
			return engine.Reject(engine.ReasonInvalid, "AppHdr MsgDefIdr %q is not a pacs.008 message", def)
		}
		// The version is not compared with the document's: the CBPR+
		// samples of ballerina's translator announce pacs.008.001.08 for
		// pacs.008.001.12 documents and are otherwise sound.
	}
	if len(m.ct.Txs) == 0 {
		return engine.Reject(engine.ReasonMissing, "pacs.008 message has no CdtTrfTxInf")
	}
	if n := strings.TrimSpace(m.ct.GrpHdr.NbOfTxs); n != "" && n != fmt.Sprint(len(m.ct.Txs)) {
		return engine.Reject(engine.ReasonInvalid, "GrpHdr NbOfTxs is %s but the message holds %d CdtTrfTxInf", n, len(m.ct.Txs))
	}
	return nil
}

func (m *message) channel() string {
	if m.hdr != nil && strings.HasPrefix(strings.TrimSpace(m.hdr.BizSvc), "swift.") {
		return "swift"
	}
	clr := strings.ToUpper(strings.TrimSpace(m.ct.GrpHdr.ClrSys))
	svc := strings.ToUpper(strings.TrimSpace(m.ct.GrpHdr.SvcLvl))
	if svc == "" && len(m.ct.Txs) > 0 {
		svc = strings.ToUpper(strings.TrimSpace(m.ct.Txs[0].SvcLvl))
	}
	switch {
	case svc == "SEPA" || clr == "EBA" || clr == "STEP2" || clr == "ST2":
		return "sepa"
	case clr == "TCH" || clr == "RT1" || clr == "TIPS" || svc == "INST" || svc == "SDVA":
		return "instant"
	}
	return "other"
}

// nonPaymentCurrencies are ISO 4217 codes that name no currency a bank
// account can be credited in (precious metals, SDR, test and no-currency
// codes); CBPR+ rejects them.
var nonPaymentCurrencies = map[string]bool{
	"XAU": true, "XAG": true, "XPT": true, "XPD": true, "XDR": true, "XXX": true,
	"XTS": true, "XBA": true, "XBB": true, "XBC": true, "XBD": true, "XSU": true, "XUA": true,
}

func (m *message) transaction(i int, channel string) (engine.Tx, error) {
	t := &m.ct.Txs[i]
	var tx engine.Tx
	tx.TxID = txID(t, m.ct.GrpHdr.MsgID, i)
	if tx.TxID == "" {
		return tx, engine.Reject(engine.ReasonMissing, "transaction %d: no UETR, TxId, EndToEndId or MsgId", i+1)
	}
	ts, err := timestamp(m.ct.GrpHdr.CreDtTm, t.IntrBkSttlmDt, m.ct.GrpHdr.IntrBkSttlmDt)
	if err != nil {
		return tx, engine.Reject(engine.ReasonInvalid, "transaction %s: %v", tx.TxID, err)
	}
	tx.TS = ts
	tx.Currency = strings.TrimSpace(t.Amount.Ccy)
	if nonPaymentCurrencies[tx.Currency] {
		return tx, engine.Reject(engine.ReasonInvalid, "transaction %s: currency %s is not a payment currency", tx.TxID, tx.Currency)
	}
	val := strings.TrimSpace(t.Amount.Value)
	if val == "" {
		return tx, engine.Reject(engine.ReasonMissing, "transaction %s: IntrBkSttlmAmt is required", tx.TxID)
	}
	if tx.Amount, err = engine.ParseDecimal(val); err != nil {
		return tx, engine.Reject(engine.ReasonInvalid, "transaction %s: IntrBkSttlmAmt %q: %v", tx.TxID, val, err)
	}
	if err := checkInstructed(tx.Amount, tx.Currency, &t.InstdAmt); err != nil {
		return tx, engine.Reject(engine.ReasonInvalid, "transaction %s: %v", tx.TxID, err)
	}
	if err := fillParty(&tx.Debtor, &t.Debtor, &t.DebtorAcct, &t.DebtorAgt); err != nil {
		return tx, engine.Reject(engine.ReasonMissing, "transaction %s: debtor %v", tx.TxID, err)
	}
	if err := fillParty(&tx.Creditor, &t.Creditor, &t.CreditorAcct, &t.CreditorAgt); err != nil {
		return tx, engine.Reject(engine.ReasonMissing, "transaction %s: creditor %v", tx.TxID, err)
	}
	tx.Channel = channel
	tx.Purpose = strings.TrimSpace(t.Purpose)
	if tx.Purpose == "" {
		tx.Purpose = strings.TrimSpace(t.PurposePrtry)
	}
	if err := tx.Validate(); err != nil {
		return tx, err
	}
	return tx, nil
}

func txID(t *txInf, msgID string, i int) string {
	for _, id := range [...]string{t.UETR, t.TxID, t.EndToEndID} {
		if id = strings.TrimSpace(id); id != "" && id != "NOTPROVIDED" {
			return id
		}
	}
	if msgID = strings.TrimSpace(msgID); msgID != "" {
		return fmt.Sprintf("%s/%d", msgID, i+1)
	}
	return ""
}

var errNoTime = errors.New("neither CreDtTm nor IntrBkSttlmDt is present")

// timestamp parses ISODateTime (with or without an offset; without one it
// is taken as UTC) or, failing that, an ISODate settlement date.
func timestamp(creDtTm string, dates ...string) (time.Time, error) {
	if s := strings.TrimSpace(creDtTm); s != "" {
		for _, layout := range [...]string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
			if ts, err := time.Parse(layout, s); err == nil {
				return ts.UTC(), nil
			}
		}
		return time.Time{}, fmt.Errorf("CreDtTm %q is not an ISO date-time", s)
	}
	for _, d := range dates {
		if d = strings.TrimSpace(d); d == "" {
			continue
		}
		ts, err := time.Parse("2006-01-02", d)
		if err != nil {
			return time.Time{}, fmt.Errorf("IntrBkSttlmDt %q is not an ISO date", d)
		}
		return ts, nil
	}
	return time.Time{}, errNoTime
}

func fillParty(p *engine.Party, x *party, acct *account, agt *agent) error {
	p.Name = strings.Join(strings.Fields(x.Name), " ")
	p.BIC = strings.TrimSpace(agt.BIC)
	p.Country = strings.TrimSpace(x.Country)
	if p.Country == "" {
		p.Country = strings.TrimSpace(x.CtryOfRes)
	}
	if p.Country == "" && len(p.BIC) >= 6 {
		p.Country = p.BIC[4:6] // a BIC's 5th and 6th letters are its country
	}
	for _, id := range [...]string{acct.IBAN, acct.Othr, x.AnyBIC, x.LEI, x.OrgOthr, x.PrvtOthr} {
		if id = strings.Join(strings.Fields(id), ""); id != "" {
			p.Account = id
			break
		}
	}
	if p.Account == "" && p.Name != "" {
		bank := p.BIC
		if bank == "" {
			bank = strings.TrimSpace(agt.MmbID)
		}
		p.Account = bank + "/" + p.Name
	}
	if p.Account == "" {
		return errors.New("has no account, identifier or name")
	}
	if x.AnyBIC != "" || x.LEI != "" || x.OrgOthr != "" {
		p.Type = "company"
	} else if x.PrvtOthr != "" {
		p.Type = "person"
	}
	return nil
}

// checkInstructed rejects a settlement amount above the instructed amount
// in the same currency: agents deduct their charges from what they pass
// on (charge bearer SHAR or CRED) or charge the debtor separately (DEBT),
// they never add to it, so more settled than instructed is a corrupt or
// tampered message.
func checkInstructed(settled engine.Decimal, ccy string, instd *amount) error {
	v := strings.TrimSpace(instd.Value)
	if v == "" || strings.TrimSpace(instd.Ccy) != ccy {
		return nil
	}
	ia, err := engine.ParseDecimal(v)
	if err != nil {
		return fmt.Errorf("InstdAmt %q: %v", v, err)
	}
	if settled.Cmp(ia) > 0 {
		return fmt.Errorf("IntrBkSttlmAmt %s %s exceeds InstdAmt %s %s", settled, ccy, ia, ccy)
	}
	return nil
}
