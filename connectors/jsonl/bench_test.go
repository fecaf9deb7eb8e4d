package jsonl

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/synth"
)

// benchRecord is a realistic ~300-byte record with Polish and Norwegian
// letters in the names.
const benchRecord = `{"tx_id":"pl-2025-000184223","ts":"2025-03-14T09:26:53.589Z","amount":"14950.00","currency":"EUR",` +
	`"debtor":{"account":"PL61109010140000071219812874","name":"Łukasz Żółkiewski","country":"PL"},` +
	`"creditor":{"account":"NO9386011117947","name":"Bjørn Ødegård AS","country":"NO","type":"company"},` +
	`"channel":"swift"}`

// benchRecords varies tx_id, both accounts and both names between
// consecutive records, as in a real feed, so the benchmark pays for the
// strings a Decoder cannot reuse (5 per record here).
func benchRecords() [][]byte {
	recs := make([][]byte, 64)
	for i := range recs {
		r := strings.Replace(benchRecord, "000184223", fmt.Sprintf("%09d", i), 1)
		r = strings.Replace(r, "0000071219812874", fmt.Sprintf("%016d", i*7), 1)
		r = strings.Replace(r, "86011117947", fmt.Sprintf("%011d", i*13), 1)
		r = strings.Replace(r, "Łukasz", fmt.Sprintf("Łukasz%02d", i), 1)
		r = strings.Replace(r, "Bjørn", fmt.Sprintf("Bjørn%02d", i), 1)
		recs[i] = []byte(r)
	}
	return recs
}

func BenchmarkJSONDecode(b *testing.B) {
	recs := benchRecords()
	var d Decoder
	var tx engine.Tx
	b.SetBytes(int64(len(recs[0])))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := d.Decode(recs[i&63], &tx); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkJSONDecodeRepeated decodes one record over and over: the floor
// when every string can be reused from the previous record.
func BenchmarkJSONDecodeRepeated(b *testing.B) {
	data := []byte(benchRecord)
	var d Decoder
	var tx engine.Tx
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Decode(data, &tx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStdlibJSONDecode is the baseline: encoding/json into engine.Tx
// (its json tags and Decimal.UnmarshalJSON make it the equivalent struct).
func BenchmarkStdlibJSONDecode(b *testing.B) {
	recs := benchRecords()
	var tx engine.Tx
	b.SetBytes(int64(len(recs[0])))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tx.Reset()
		if err := json.Unmarshal(recs[i&63], &tx); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkJSONEncode(b *testing.B) {
	var d Decoder
	var tx engine.Tx
	if err := d.Decode([]byte(benchRecord), &tx); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = Encode(buf[:0], &tx)
	}
}

// TestBenchRecordMatchesStdlib keeps the benchmark honest: both decoders
// read the same transaction from the benchmark record.
func TestBenchRecordMatchesStdlib(t *testing.T) {
	var d Decoder
	for _, rec := range benchRecords() {
		var got, want engine.Tx
		if err := d.Decode(rec, &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(rec, &want); err != nil {
			t.Fatal(err)
		}
		if !got.TS.Equal(want.TS) {
			t.Errorf("ts %v vs %v", got.TS, want.TS)
		}
		want.TS = got.TS
		if !reflect.DeepEqual(got, want) {
			t.Errorf("hand-rolled and encoding/json disagree\n got %+v\nwant %+v", got, want)
		}
	}
	if len(benchRecord) < 280 || len(benchRecord) > 340 {
		t.Errorf("benchmark record is %d bytes, want about 300", len(benchRecord))
	}
}

// BenchmarkJSONDecodeFeed decodes a realistic synthetic feed (accounts,
// names and customer ids recurring out of order, a new tx_id in every
// record): allocations per record as screening sees them.
func BenchmarkJSONDecodeFeed(b *testing.B) {
	g := synth.New(synth.Config{Seed: 7, Count: 20000, Realistic: true})
	var recs [][]byte
	var tx engine.Tx
	for {
		if _, ok := g.Next(&tx); !ok {
			break
		}
		recs = append(recs, Encode(nil, &tx))
	}
	var d Decoder
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := d.Decode(recs[i%len(recs)], &tx); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
