package pacs008

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine"
)

func readFixture(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEveryFixture decodes every shipped message: the *_invalid.xml ones
// must be refused with a RejectError naming the problem, all others must
// decode into transactions that pass engine validation.
func TestEveryFixture(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*.xml"))
	if err != nil || len(files) < 60 {
		t.Fatalf("found %d fixtures (%v), want the 60+ shared messages", len(files), err)
	}
	wantReject := map[string]string{
		"fixture_pacs008_invalid.xml":       "XAU is not a payment currency",
		"fixture_pacs_008_2025_invalid.xml": "exceeds InstdAmt",
		"fixture_pacs_008_2026_invalid.xml": "is not a pacs.008 message",
		"pacs008_3tx_one_invalid.xml":       `IntrBkSttlmAmt "46,154.49"`,
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			txs, err := DecodeAll(data)
			if want, bad := wantReject[name]; bad || strings.HasSuffix(name, "_invalid.xml") {
				var re *engine.RejectError
				if !errors.As(err, &re) {
					t.Fatalf("got %d transactions, err %v; want a RejectError", len(txs), err)
				}
				if !strings.Contains(err.Error(), want) {
					t.Fatalf("rejected with %q, want reason containing %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("valid message refused: %v", err)
			}
			if len(txs) == 0 {
				t.Fatal("no transactions")
			}
			for _, tx := range txs {
				if err := tx.Validate(); err != nil {
					t.Errorf("%s: %v", tx.TxID, err)
				}
				if tx.Debtor.Name == "" && tx.Creditor.Name == "" {
					t.Errorf("%s: no party names", tx.TxID)
				}
			}
		})
	}
}

func TestMapping(t *testing.T) {
	tests := []struct {
		file string
		want engine.Tx
	}{
		{"cbprplus-ballerina/CBPR__c.105.1.1_pacs.008_AtoB.xml", engine.Tx{
			TxID: "7a562c67-ca16-48ba-b074-65581be6f001", TS: time.Date(2022, 10, 20, 9, 25, 0, 0, time.UTC),
			Amount: mustDec(t, "2450"), Currency: "GBP", Channel: "swift",
			Debtor:   engine.Party{Account: "25698745", Name: "S Baldrick", Country: "GB", BIC: "CBRLGB2LXXX"},
			Creditor: engine.Party{Account: "65479512", Name: "A Tate", Country: "RO", BIC: "DEUTDEFFXXX"},
		}},
		{"fedwire-wire20022/CustomerCreditTransfer_Variation6_pacs.008.xml", engine.Tx{
			TxID: "8a562c67-ca16-48ba-b074-65581be6f011", TS: time.Date(2025, 3, 10, 13, 0, 0, 0, time.UTC),
			Amount: mustDec(t, "500000.00"), Currency: "USD", Channel: "other", Purpose: "INSC",
			Debtor:   engine.Party{Account: "BE34001216371411", Name: "Corporation Z", Country: "BE", BIC: "BANZBEBB"},
			Creditor: engine.Party{Account: "BR1800360305000010009795493C1", Name: "Individual X", Country: "BR", BIC: "BANXBRRJ"},
		}},
		{"tch-rtp20022/pacs008.xml", engine.Tx{
			TxID: "20230713234567891T1BCXIA01868416991", TS: time.Date(2023, 7, 13, 15, 29, 36, 0, time.UTC),
			Amount: mustDec(t, "46154.49"), Currency: "USD", Channel: "instant",
			Debtor:   engine.Party{Account: "US88664715164441", Name: "MRS. GREEN", Country: "US"},
			Creditor: engine.Party{Account: "42341169728762787", Name: "Participant Valid model", Country: "US"},
		}},
		// No accounts: the party is keyed by its agent's BIC and its name.
		{"cbprplus-phoughton/fixture_pacs008_valid.xml", engine.Tx{
			TxID: "TX-0001", TS: time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC),
			Amount: mustDec(t, "1000.00"), Currency: "EUR", Channel: "swift",
			Debtor:   engine.Party{Account: "AAAAGB2LXXX/Acme Debtor Ltd", Name: "Acme Debtor Ltd", Country: "GB", BIC: "AAAAGB2LXXX"},
			Creditor: engine.Party{Account: "BBBBDEFFXXX/Beta Creditor GmbH", Name: "Beta Creditor GmbH", Country: "DE", BIC: "BBBBDEFFXXX"},
		}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			var d Decoder
			var got engine.Tx
			if err := d.Decode(readFixture(t, tt.file), &got); err != nil {
				t.Fatal(err)
			}
			if got.TxID != tt.want.TxID || !got.TS.Equal(tt.want.TS) || got.Amount.Cmp(tt.want.Amount) != 0 ||
				got.Currency != tt.want.Currency || got.Channel != tt.want.Channel || got.Purpose != tt.want.Purpose {
				t.Errorf("got %s %s %s %s %s %q, want %s %s %s %s %s %q", got.TxID, got.TS, got.Amount, got.Currency, got.Channel, got.Purpose,
					tt.want.TxID, tt.want.TS, tt.want.Amount, tt.want.Currency, tt.want.Channel, tt.want.Purpose)
			}
			if got.Debtor != tt.want.Debtor {
				t.Errorf("debtor %+v, want %+v", got.Debtor, tt.want.Debtor)
			}
			if got.Creditor != tt.want.Creditor {
				t.Errorf("creditor %+v, want %+v", got.Creditor, tt.want.Creditor)
			}
		})
	}
}

func mustDec(t *testing.T, s string) engine.Decimal {
	d, err := engine.ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// twoTxMessage duplicates the CdtTrfTxInf of a fixture with a new UETR and
// amount, and sets NbOfTxs to 2.
func twoTxMessage(t *testing.T) []byte {
	data := readFixture(t, "cbprplus-ballerina/CBPR__c.105.1.1_pacs.008_AtoB.xml")
	start := bytes.Index(data, []byte("<pacs:CdtTrfTxInf>"))
	end := bytes.Index(data, []byte("</pacs:CdtTrfTxInf>")) + len("</pacs:CdtTrfTxInf>")
	second := bytes.ReplaceAll(data[start:end], []byte("65581be6f001"), []byte("65581be6f002"))
	second = bytes.ReplaceAll(second, []byte(">2450<"), []byte(">99.5<"))
	out := append(append(append([]byte{}, data[:end]...), second...), data[end:]...)
	return bytes.Replace(out, []byte("<pacs:NbOfTxs>1<"), []byte("<pacs:NbOfTxs>2<"), 1)
}

func TestDecodeAllSeveralTransactions(t *testing.T) {
	data := twoTxMessage(t)
	txs, err := DecodeAll(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(txs) != 2 || txs[0].TxID == txs[1].TxID || txs[1].Amount.String() != "99.5" || txs[1].Debtor.Name != "S Baldrick" {
		t.Fatalf("got %+v", txs)
	}
	var tx engine.Tx
	err = Decoder{}.Decode(data, &tx)
	if engine.RejectReason(err) != engine.ReasonInvalid || !strings.Contains(err.Error(), "holds 2 transactions") {
		t.Fatalf("single-transaction decoder: %v", err)
	}
}

func TestRejects(t *testing.T) {
	base := string(readFixture(t, "cbprplus-ballerina/CBPR__c.105.1.1_pacs.008_AtoB.xml"))
	tests := []struct {
		name, from, to, reason, msg string
	}{
		{"not xml", "<pacs:Document", "<<pacs:Document", engine.ReasonDecode, "XML"},
		{"no credit transfer", "FIToFICstmrCdtTrf>", "FIToFICstmrCdtTrfX>", engine.ReasonDecode, "no FIToFICstmrCdtTrf"},
		{"bad amount", ">2450<", ">24,50<", engine.ReasonInvalid, "IntrBkSttlmAmt"},
		{"zero amount", ">2450<", ">0<", engine.ReasonInvalid, "amount must be > 0"},
		{"no amount", ">2450<", "><", engine.ReasonMissing, "IntrBkSttlmAmt is required"},
		{"bad date", "<pacs:CreDtTm>2022-10-20T09:25:00+00:00", "<pacs:CreDtTm>20/10/2022", engine.ReasonInvalid, "CreDtTm"},
		{"count mismatch", "<pacs:NbOfTxs>1<", "<pacs:NbOfTxs>3<", engine.ReasonInvalid, "NbOfTxs"},
		{"other message", "<head:MsgDefIdr>pacs.008.001.08", "<head:MsgDefIdr>pacs.009.001.08", engine.ReasonInvalid, "not a pacs.008"},
		{"bad country", "<pacs:Ctry>GB<", "<pacs:Ctry>Great Britain<", engine.ReasonInvalid, "country"},
		{"anonymous debtor", "<pacs:Nm>S Baldrick</pacs:Nm>", "", engine.ReasonMissing, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := strings.ReplaceAll(base, tt.from, tt.to)
			if data == base {
				t.Fatalf("fixture has no %q", tt.from)
			}
			if tt.name == "anonymous debtor" {
				// Take the account away too: nothing identifies the debtor.
				data = strings.Replace(data, "<pacs:Id>25698745</pacs:Id>", "", 1)
				data = strings.Replace(data, "<pacs:BICFI>CBRLGB2LXXX</pacs:BICFI>\n\t\t\t\t\t</pacs:FinInstnId>\n\t\t\t\t</pacs:DbtrAgt>", "</pacs:FinInstnId>\n\t\t\t\t</pacs:DbtrAgt>", 1)
			}
			_, err := DecodeAll([]byte(data))
			if err == nil {
				t.Fatal("accepted")
			}
			if got := engine.RejectReason(err); got != tt.reason || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("got %s: %v; want %s containing %q", got, err, tt.reason, tt.msg)
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	_, err := DecodeAll(make([]byte, MaxMessageBytes+1))
	if engine.RejectReason(err) != engine.ReasonTooLarge {
		t.Fatalf("got %v", err)
	}
}

// TestDecodeEachKeepsValidTransactions: a message whose second of three
// transactions is corrupt yields the other two, and the corrupt one with
// its reason and its own XML.
func TestDecodeEachKeepsValidTransactions(t *testing.T) {
	data := readFixture(t, "tch-rtp20022/pacs008_3tx_one_invalid.xml")
	each, err := DecodeEach(data)
	if err != nil {
		t.Fatalf("message refused whole: %v", err)
	}
	if len(each) != 3 {
		t.Fatalf("%d transactions, want 3", len(each))
	}
	for i, tr := range each {
		id := fmt.Sprintf("20230713234567891T1BCXIA0186841699%d", i+1)
		if tr.Index != i+1 || !bytes.HasPrefix(tr.Raw, []byte("<ct:CdtTrfTxInf>")) ||
			!bytes.HasSuffix(tr.Raw, []byte("</ct:CdtTrfTxInf>")) || !bytes.Contains(tr.Raw, []byte(id)) {
			t.Errorf("transaction %d: index %d, raw %.60q…%q: want its own element holding %s", i+1, tr.Index, tr.Raw, tr.Raw[max(0, len(tr.Raw)-20):], id)
		}
		if bytes.Count(tr.Raw, []byte("<ct:CdtTrfTxInf>")) != 1 {
			t.Errorf("transaction %d: raw holds %d elements", i+1, bytes.Count(tr.Raw, []byte("<ct:CdtTrfTxInf>")))
		}
		if i == 1 {
			if engine.RejectReason(tr.Err) != engine.ReasonInvalid || !strings.Contains(tr.Err.Error(), "46,154.49") {
				t.Errorf("corrupt transaction: err %v, want invalid naming the amount", tr.Err)
			}
			continue
		}
		if tr.Err != nil || tr.Tx.TxID != id || tr.Tx.Validate() != nil {
			t.Errorf("transaction %d: %+v, err %v; want valid %s", i+1, tr.Tx, tr.Err, id)
		}
	}
}

// TestDecodeEachRefusesUnsplittableMessages: problems of the message, not
// of one transaction, refuse it whole.
func TestDecodeEachRefusesUnsplittableMessages(t *testing.T) {
	good := string(readFixture(t, "tch-rtp20022/pacs008_3tx_one_invalid.xml"))
	tests := []struct {
		name, data, reason, contains string
	}{
		{"count contradicts NbOfTxs", strings.Replace(good, "<ct:NbOfTxs>3<", "<ct:NbOfTxs>4<", 1), engine.ReasonInvalid, "NbOfTxs is 4"},
		{"truncated XML", good[:len(good)/2], engine.ReasonDecode, "XML"},
		{"not pacs.008", "<Document><Other/></Document>", engine.ReasonDecode, "not a pacs.008"},
		{"too large", strings.Repeat(" ", MaxMessageBytes+1), engine.ReasonTooLarge, "exceeds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			each, err := DecodeEach([]byte(tt.data))
			if err == nil || engine.RejectReason(err) != tt.reason || !strings.Contains(err.Error(), tt.contains) {
				t.Fatalf("got %d transactions, err %v; want %s containing %q", len(each), err, tt.reason, tt.contains)
			}
		})
	}
}
