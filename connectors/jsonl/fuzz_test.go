package jsonl

import (
	"bufio"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/socwatch/socwatch/engine"
)

// FuzzJSONDecode: Decode never panics, every error is a RejectError, and
// whatever decodes survives Encode→Decode unchanged.
func FuzzJSONDecode(f *testing.F) {
	f.Add([]byte(base))
	f.Add([]byte(strings.Replace(base, `"t1"`, `"\ud83d\ude00\u0000\n"`, 1)))
	f.Add([]byte(strings.Replace(base, `"100.50"`, `1e400`, 1)))
	f.Add([]byte(`{"a":[[[[{}]]]]}`))
	if fh, err := os.Open("testdata/records.jsonl"); err == nil {
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			f.Add(append([]byte(nil), sc.Bytes()...))
		}
		fh.Close()
	}
	var d Decoder
	f.Fuzz(func(t *testing.T, data []byte) {
		var tx engine.Tx
		err := d.Decode(data, &tx)
		if err != nil {
			if engine.RejectReason(err) == "other" {
				t.Fatalf("error is not a RejectError: %v", err)
			}
			return
		}
		out := Encode(nil, &tx)
		var back engine.Tx
		if err := d.Decode(out, &back); err != nil {
			t.Fatalf("re-decode of %s failed: %v (input %q)", out, err, data)
		}
		if !reflect.DeepEqual(back, tx) {
			t.Fatalf("round trip changed the tx\n got %+v\nwant %+v", back, tx)
		}
	})
}
