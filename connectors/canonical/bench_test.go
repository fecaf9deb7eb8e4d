package canonical

import (
	"testing"

	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/enrich"
)

// BenchmarkRekeyRecord is the re-key stage's decoding work per input
// record. before: what it did until the binary topic — one JSON decode for
// the merge order, one more when the merge released the record (the future
// check), and a decode + enrich for the keys; the copies carried the JSON.
// after: one decode + enrich, the keys and the tx/1 value.
func BenchmarkRekeyRecord(b *testing.B) {
	values := generated(b, 5000)
	b.Run("before", func(b *testing.B) {
		var dec jsonl.Decoder
		en := enrich.New(nil)
		var tx engine.Tx
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			v := values[i%len(values)]
			dec.Decode(v, &tx) // merge order
			dec.Decode(v, &tx) // released-order check
			if dec.Decode(v, &tx) == nil && en.Enrich(&tx) == nil {
				_ = []byte(tx.Debtor.Account)
				_ = []byte(tx.Creditor.Account)
			}
		}
	})
	b.Run("after", func(b *testing.B) {
		tc, err := NewTranscoder(nil, 0, perspectives)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			v := values[i%len(values)]
			tc.Decode(v)
			tc.EventTime()
			if _, ok := tc.AppendKeys(make([][]byte, 0, len(perspectives))); ok {
				tc.AppendBinary(make([]byte, 0, BinaryCap(len(v))))
			}
		}
	})
}

// BenchmarkScreenDecode is the screening stage's work per copy before the
// rules: JSON decode + enrich (a copy without the encoding header) against
// the tx/1 decode.
func BenchmarkScreenDecode(b *testing.B) {
	values := generated(b, 5000)
	tc, _ := NewTranscoder(nil, 0, perspectives)
	var bins [][]byte
	var jsons [][]byte
	for _, v := range values {
		if tc.Decode(v) == nil {
			jsons = append(jsons, v)
			bins = append(bins, tc.AppendBinary(nil))
		}
	}
	bytesPer := func(vs [][]byte) int64 {
		var n int
		for _, v := range vs {
			n += len(v)
		}
		return int64(n / len(vs))
	}
	b.Run("json", func(b *testing.B) {
		var dec jsonl.Decoder
		en := enrich.New(nil)
		var tx engine.Tx
		b.SetBytes(bytesPer(jsons))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if dec.Decode(jsons[i%len(jsons)], &tx) == nil {
				en.Enrich(&tx)
			}
		}
	})
	b.Run("tx1", func(b *testing.B) {
		var dec binaryDecoder
		var tx engine.Tx
		b.SetBytes(bytesPer(bins))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			dec.Decode(bins[i%len(bins)], &tx)
		}
	})
}
