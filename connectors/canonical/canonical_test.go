package canonical

import (
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/enrich"
	"github.com/socwatch/socwatch/internal/synth"
)

var perspectives = []string{"debtor.account", "creditor.account"}

const good = `{"tx_id":"t1","ts":"2026-03-02T09:00:00.123456789+02:00","amount":"1234.50","currency":"NOK",` +
	`"debtor":{"account":"NO9386011117947","name":"Bjørn  ØDEGÅRD","type":"person"},` +
	`"creditor":{"account":"PL61109010140000071219812874","name":"Łukasz Wróblewski","country":"PL","bic":"BPKOPLPW"},` +
	`"channel":"swift","purpose":"invoice 7"}`

// generated returns n synthetic transactions as canonical JSON.
func generated(t testing.TB, n int) [][]byte {
	t.Helper()
	g := synth.New(synth.Config{Seed: 11, Count: n})
	var tx engine.Tx
	var out [][]byte
	for {
		if _, ok := g.Next(&tx); !ok {
			return out
		}
		out = append(out, jsonl.Encode(nil, &tx))
	}
}

// jsonEnriched is what screening computes from a JSON copy: decode, enrich.
func jsonEnriched(t testing.TB, value []byte) engine.Tx {
	t.Helper()
	var tx engine.Tx
	var dec jsonl.Decoder
	if err := dec.Decode(value, &tx); err != nil {
		t.Fatal(err)
	}
	if err := enrich.New(nil).Enrich(&tx); err != nil {
		t.Fatal(err)
	}
	return tx
}

func TestTranscoderKeysAndEventTime(t *testing.T) {
	tc, err := NewTranscoder(nil, 1<<20, perspectives)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		value   string
		hasTime bool
		keys    []string // nil: forwarded as is
		wantErr string   // reject reason of Decode
	}{
		{"good", good, true, []string{"NO9386011117947", "PL61109010140000071219812874"}, ""},
		{"not JSON", `{"tx_id":`, false, nil, engine.ReasonDecode},
		{"no FX rate keeps its time", strings.Replace(good, `"NOK"`, `"ZZZ"`, 1), true, nil, engine.ReasonFXMissing},
		{"missing account", strings.Replace(good, `"account":"NO9386011117947",`, ``, 1), false, nil, engine.ReasonMissing},
		{"too large", good + strings.Repeat(" ", 1<<20), false, nil, engine.ReasonTooLarge},
		// The decoder's scratch state from the bad records does not leak.
		{"good again", good, true, []string{"NO9386011117947", "PL61109010140000071219812874"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tc.Decode([]byte(tt.value))
			if got := reason(err); got != tt.wantErr {
				t.Fatalf("Decode: reason %q (%v), want %q", got, err, tt.wantErr)
			}
			at, ok := tc.EventTime()
			if ok != tt.hasTime {
				t.Fatalf("EventTime ok = %v, want %v", ok, tt.hasTime)
			}
			if want := time.Date(2026, 3, 2, 7, 0, 0, 123456789, time.UTC).UnixNano(); ok && at != want {
				t.Errorf("EventTime %d, want %d (the ts of every test record)", at, want)
			}
			keys, ok := tc.AppendKeys(nil)
			if ok != (tt.keys != nil) || len(keys) != len(tt.keys) {
				t.Fatalf("keys %q (ok %v), want %q", keys, ok, tt.keys)
			}
			for i := range keys {
				if string(keys[i]) != tt.keys[i] {
					t.Errorf("key of %s = %q, want %q", perspectives[i], keys[i], tt.keys[i])
				}
			}
		})
	}
	if _, err := NewTranscoder(nil, 0, []string{"amount_eur"}); err == nil {
		t.Error("a numeric perspective was accepted")
	}
}

func reason(err error) string {
	if err == nil {
		return ""
	}
	return engine.RejectReason(err)
}

// The binary copy carries exactly the transaction screening would compute
// from the JSON copy: wire fields, derived fields, ts to the nanosecond.
func TestBinaryCopyEqualsJSONDecodeAndEnrich(t *testing.T) {
	tc, err := NewTranscoder(nil, 0, perspectives)
	if err != nil {
		t.Fatal(err)
	}
	var dec Decoder
	for i, value := range append(generated(t, 3000), []byte(good)) {
		if err := tc.Decode(value); err != nil {
			continue // rejected records are forwarded as JSON
		}
		bin := tc.AppendBinary(nil)
		if len(bin) >= len(value) {
			t.Errorf("record %d: binary %d bytes, JSON %d", i, len(bin), len(value))
		}
		var got engine.Tx
		enriched, err := dec.DecodeRecord(&engine.Record{Value: bin, Encoding: EncodingTx}, &got)
		if err != nil || !enriched {
			t.Fatalf("record %d: DecodeRecord: enriched %v, %v", i, enriched, err)
		}
		if want := jsonEnriched(t, value); !reflect.DeepEqual(got, want) {
			t.Fatalf("record %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
}

func TestDecoderByEncoding(t *testing.T) {
	tc, _ := NewTranscoder(nil, 0, perspectives)
	if err := tc.Decode([]byte(good)); err != nil {
		t.Fatal(err)
	}
	bin := tc.AppendBinary(nil)
	want := jsonEnriched(t, []byte(good))
	tests := []struct {
		name     string
		rec      engine.Record
		enriched bool
		reason   string
	}{
		{"no header: JSON, enriched by the stream", engine.Record{Value: []byte(good)}, false, ""},
		{"tx/1", engine.Record{Value: bin, Encoding: EncodingTx}, true, ""},
		{"JSON labelled tx/1", engine.Record{Value: []byte(good), Encoding: EncodingTx}, true, engine.ReasonDecode},
		{"binary without header", engine.Record{Value: bin}, false, engine.ReasonDecode},
		{"unknown encoding", engine.Record{Value: bin, Encoding: "tx/2"}, false, engine.ReasonDecode},
		{"truncated", engine.Record{Value: bin[:len(bin)-1], Encoding: EncodingTx}, true, engine.ReasonDecode},
		{"trailing byte", engine.Record{Value: append(append([]byte(nil), bin...), 0), Encoding: EncodingTx}, true, engine.ReasonDecode},
		{"version 2", engine.Record{Value: append([]byte{2}, bin[1:]...), Encoding: EncodingTx}, true, engine.ReasonDecode},
	}
	dec := NewDecoder(0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tx engine.Tx
			enriched, err := dec.DecodeRecord(&tt.rec, &tx)
			if reason(err) != tt.reason || (err == nil && enriched != tt.enriched) {
				t.Fatalf("enriched %v, err %v; want %v, reason %q", enriched, err, tt.enriched, tt.reason)
			}
			if err != nil {
				return
			}
			if !enriched {
				if err := enrich.New(nil).Enrich(&tx); err != nil {
					t.Fatal(err)
				}
			}
			if !reflect.DeepEqual(tx, want) {
				t.Fatalf("got %+v\nwant %+v", tx, want)
			}
		})
	}
}

// A corrupt length cannot make the decoder allocate beyond its input. It
// measures bytes, not allocations: the count is also moved by whatever
// else the test binary's goroutines allocate meanwhile (9 against a limit
// of 8 once in a full -race run), the bytes a 2^63-byte string would take
// are not.
func TestBinaryDecoderAllocationIsBoundedByInput(t *testing.T) {
	huge := append([]byte{txVersion}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f) // tx_id of 2^63-1 bytes
	var d binaryDecoder
	var tx engine.Tx
	const runs = 100
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		if d.Decode(huge, &tx) == nil {
			t.Fatal("accepted")
		}
	}
	runtime.ReadMemStats(&after)
	if perRun := (after.TotalAlloc - before.TotalAlloc) / runs; perRun > 2048 { // the reject error only
		t.Errorf("%d bytes allocated per decode of a %d-byte input", perRun, len(huge))
	}
}

// Decoding repeated binary copies allocates only for new strings, as the
// JSON decoder does.
func TestBinaryDecoderReusesRepeatedStrings(t *testing.T) {
	tc, _ := NewTranscoder(nil, 0, perspectives)
	if err := tc.Decode([]byte(good)); err != nil {
		t.Fatal(err)
	}
	bin := tc.AppendBinary(nil)
	var d binaryDecoder
	var tx engine.Tx
	if allocs := testing.AllocsPerRun(100, func() { d.Decode(bin, &tx) }); allocs != 0 {
		t.Errorf("%v allocations decoding the same copy again, want 0", allocs)
	}
}

// FuzzBinaryDecode: untrusted bytes never panic the decoder, every error
// is a RejectError, and what decodes encodes back to a value that decodes
// to the same transaction.
func FuzzBinaryDecode(f *testing.F) {
	tc, _ := NewTranscoder(nil, 0, perspectives)
	for _, v := range append(generated(f, 20), []byte(good)) {
		if tc.Decode(v) == nil {
			f.Add(tc.AppendBinary(nil))
		}
	}
	if tc.Decode([]byte(good)) == nil {
		f.Add(AppendTrace(tc.AppendBinary(nil), &sampleTrace))
		oneHop := sampleTrace
		oneHop.Path = oneHop.Path[1:]
		f.Add(asVersion2(AppendTrace(tc.AppendBinary(nil), &oneHop)))
	}
	f.Add([]byte{txVersion})
	f.Add([]byte{})
	var d binaryDecoder
	f.Fuzz(func(t *testing.T, data []byte) {
		var tx engine.Tx
		if err := d.Decode(data, &tx); err != nil {
			if reason(err) == "other" {
				t.Fatalf("error is not a RejectError: %v", err)
			}
			return
		}
		var back engine.Tx
		enc := appendTx(nil, &tx)
		if tx.Trace.Hops > 0 {
			enc = AppendTrace(enc, &tx.Trace)
		}
		if err := d.Decode(enc, &back); err != nil || !reflect.DeepEqual(back, tx) {
			t.Fatalf("re-encoded %+v decodes to %+v, %v", tx, back, err)
		}
	})
}

var sampleTrace = engine.Trace{Hops: 3, Origin: "NO9386011117947", Cycle: true, Hours: 30.5, Ratio: 0.97, Path: []engine.Hop{
	{TxID: "a1", Debtor: "NO9386011117947", Creditor: "PL61109010140000071219812874", AmountEUR: 12000, TS: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)},
	{TxID: "a2", Debtor: "PL61109010140000071219812874", Creditor: "DE89370400440532013000", AmountEUR: 11500.5, TS: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), OwnAccount: true},
}}

// asVersion2 turns a version-3 value whose trace lists one hop into the
// version-2 value of the same trace: without the hop's own_account byte,
// the value's last.
func asVersion2(v3 []byte) []byte {
	return append([]byte{txVersionTracedNoOwn}, v3[1:len(v3)-1]...)
}

// TestTraceVersion2: a traced value a version before own-account marks
// wrote (version 2, no own_account byte after each hop) still decodes,
// with no hop marked.
func TestTraceVersion2(t *testing.T) {
	tc, _ := NewTranscoder(nil, 0, perspectives)
	if err := tc.Decode([]byte(good)); err != nil {
		t.Fatal(err)
	}
	tr := engine.Trace{Hops: 2, Origin: "A", Hours: 3, Ratio: 0.9, Path: []engine.Hop{
		{TxID: "a1", Debtor: "A", Creditor: "B", AmountEUR: 100, TS: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), OwnAccount: true}}}
	v3 := AppendTrace(tc.AppendBinary(nil), &tr)
	if v3[0] != txVersionTraced || v3[len(v3)-1] != 1 {
		t.Fatalf("version %d, last byte %d: want %d ending in the hop's own_account", v3[0], v3[len(v3)-1], txVersionTraced)
	}
	v2 := asVersion2(v3)
	var d binaryDecoder
	var tx engine.Tx
	if err := d.Decode(v2, &tx); err != nil {
		t.Fatal(err)
	}
	tr.Path[0].OwnAccount = false
	if !reflect.DeepEqual(tx.Trace, tr) {
		t.Fatalf("trace = %+v, want %+v", tx.Trace, tr)
	}
}

// TestTraceRoundTrip: a trace appended to a tx/1 value decodes back with
// the transaction; a value without one decodes with the zero trace.
func TestTraceRoundTrip(t *testing.T) {
	tc, _ := NewTranscoder(nil, 0, perspectives)
	if err := tc.Decode([]byte(good)); err != nil {
		t.Fatal(err)
	}
	var d binaryDecoder
	for _, tr := range []engine.Trace{sampleTrace, {Hops: 1, Origin: "X"}, {}} {
		var tx engine.Tx
		if err := d.Decode(AppendTrace(tc.AppendBinary(nil), &tr), &tx); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(tx.Trace, tr) {
			t.Fatalf("trace = %+v, want %+v", tx.Trace, tr)
		}
		if tx.TxID == "" || tx.AmountEURF == 0 {
			t.Fatalf("transaction lost: %+v", tx)
		}
	}
	var tx engine.Tx
	if err := d.Decode(tc.AppendBinary(nil), &tx); err != nil || tx.Trace.Hops != 0 {
		t.Fatalf("untraced value: trace %+v, %v", tx.Trace, err)
	}
}
