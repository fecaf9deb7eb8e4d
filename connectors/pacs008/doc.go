// Package pacs008 decodes ISO 20022 pacs.008 (FIToFICstmrCdtTrf, FI-to-FI
// customer credit transfer) messages into canonical engine transactions, one
// per CdtTrfTxInf. It accepts a bare Document, a SWIFT CBPR+ or HVPS+
// Envelope with a business application header (AppHdr), and other wrappers
// (SWIFTNet Request, TCH RTP Message): it looks for AppHdr and
// FIToFICstmrCdtTrf by local name at any depth, whatever the namespace
// prefixes. It uses encoding/xml and checks what screening relies on and
// what contradicts itself (header versus document message type, currency
// codes, amounts, dates, the presence of identifiable parties); it does not
// validate against the XSD or the CBPR+ usage guidelines, so a message that
// is only schema-invalid in ways screening does not read decodes.
//
// DecodeEach judges each transaction on its own (a corrupt amount in one
// CdtTrfTxInf refuses that one, with its XML for the rejects file); only a
// message that cannot be split — not XML, not pacs.008, a contradictory
// header or transaction count — is refused whole. DecodeAll refuses the
// whole message on any problem.
package pacs008
