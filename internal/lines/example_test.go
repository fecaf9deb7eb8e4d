package lines_test

import (
	"fmt"
	"strings"

	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/lines"
)

// A file-mode loop: decode each line, dead-letter what cannot be decoded
// (including over-long lines) and keep going.
func ExampleScan() {
	input := `{"tx_id":"a","ts":"2025-01-01T00:00:00Z","amount":"5","currency":"EUR","debtor":{"account":"X"},"creditor":{"account":"Y"}}` + "\r\n" +
		"\n" +
		`{"tx_id":"b"}` + "\n" +
		strings.Repeat("x", 300)
	const maxBytes = 200
	dec := jsonl.Decoder{MaxBytes: maxBytes}
	var tx engine.Tx
	err := lines.Scan(strings.NewReader(input), maxBytes, func(lineNo int, line []byte) error {
		if lines.TooLong(line) {
			fmt.Println(lineNo, engine.RejectReason(lines.TooLongError(lineNo, maxBytes)))
			return nil
		}
		if err := dec.Decode(line, &tx); err != nil {
			fmt.Println(lineNo, err)
			return nil
		}
		fmt.Println(lineNo, tx.TxID, tx.Amount, tx.Currency)
		return nil
	})
	fmt.Println("err:", err)
	// Output:
	// 1 a 5 EUR
	// 3 missing: amount is required
	// 4 too_large
	// err: <nil>
}
