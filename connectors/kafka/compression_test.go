package kafka

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/socwatch/socwatch/connectors/canonical"
	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/synth"
	"github.com/twmb/franz-go/pkg/kgo"
)

// internalBatches returns the records section of produce batches of the
// internal topic as the re-key stage writes them (Rekeyer.copies): tx/1
// copies of a generated feed with their headers, in Kafka's record
// encoding, spread over 8 partitions, 500 copies per batch (what the
// stage's batches held in a 300,000-record socbench pipeline run:
// 400–570).
func internalBatches(tb testing.TB, n int) [][]byte {
	tb.Helper()
	persps := []string{"debtor.account", "creditor.account"}
	tc, err := canonical.NewTranscoder(nil, 0, persps)
	if err != nil {
		tb.Fatal(err)
	}
	stage := copyStage("transactions", persps...)
	g := synth.New(synth.Config{Seed: 3, Count: n})
	var tx engine.Tx
	parts := make([][]byte, 8)
	counts := make([]int, 8)
	var out [][]byte
	for off := int64(0); ; off++ {
		if _, ok := g.Next(&tx); !ok {
			break
		}
		if tc.Decode(jsonl.Encode(nil, &tx)) != nil {
			continue
		}
		keys, _ := tc.AppendKeys(nil)
		prep := Prepared{Keys: keys, Value: tc.AppendBinary(nil), Encoding: []byte(canonical.EncodingTx)}
		in := kgo.Record{Topic: "transactions", Partition: int32(off % 8), Offset: off}
		for i, c := range stage.copies(&in, &prep) {
			p := int(keys[i][len(keys[i])-1]) % 8
			parts[p] = appendRecord(parts[p], counts[p], c.Key, c.Value, c.Headers)
			if counts[p]++; counts[p] == batchCopies {
				out, parts[p], counts[p] = append(out, parts[p]), nil, 0
			}
		}
	}
	return out
}

// appendRecord appends a record in the v2 record-batch encoding.
func appendRecord(dst []byte, delta int, key, value []byte, headers []kgo.RecordHeader) []byte {
	var body []byte
	body = append(body, 0)                         // attributes
	body = binary.AppendVarint(body, int64(delta)) // timestamp delta
	body = binary.AppendVarint(body, int64(delta)) // offset delta
	body = binary.AppendVarint(body, int64(len(key)))
	body = append(body, key...)
	body = binary.AppendVarint(body, int64(len(value)))
	body = append(body, value...)
	body = binary.AppendVarint(body, int64(len(headers)))
	for _, h := range headers {
		body = binary.AppendVarint(body, int64(len(h.Key)))
		body = append(body, h.Key...)
		body = binary.AppendVarint(body, int64(len(h.Value)))
		body = append(body, h.Value...)
	}
	return append(binary.AppendVarint(dst, int64(len(body))), body...)
}

// batchCopies is how many copies internalBatches puts in a batch.
const batchCopies = 500

// BenchmarkInternalTopicCompression measures each codec franz-go offers on
// the internal topic's batches: compress (re-key stage) and decompress
// (screening) CPU per copy, and bytes per copy on the wire.
func BenchmarkInternalTopicCompression(b *testing.B) {
	batches := internalBatches(b, 40000)
	var raw int
	for _, bt := range batches {
		raw += len(bt)
	}
	for _, tt := range []struct {
		name  string
		codec kgo.CompressionCodec
	}{{"none", kgo.NoCompression()}, {"snappy", kgo.SnappyCompression()}, {"lz4", kgo.Lz4Compression()}, {"zstd", kgo.ZstdCompression()}} {
		b.Run(tt.name, func(b *testing.B) {
			comp, err := kgo.DefaultCompressor(tt.codec)
			if err != nil {
				b.Fatal(err)
			}
			decomp := kgo.DefaultDecompressor()
			var buf bytes.Buffer
			var wire, copies int
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				bt := batches[i%len(batches)]
				buf.Reset()
				out, codec := bt, kgo.CodecNone
				if comp != nil { // nil for NoCompression
					out, codec = comp.Compress(&buf, bt)
				}
				back, err := decomp.Decompress(out, codec)
				if err != nil || len(back) != len(bt) {
					b.Fatalf("%s round trip: %v", tt.name, err)
				}
				wire += len(out)
				copies += batchCopies
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(copies), "ns/copy")
			b.ReportMetric(float64(wire)/float64(copies), "B/copy")
			b.ReportMetric(float64(raw)/float64(len(batches)*batchCopies), "raw-B/copy")
		})
	}
}
