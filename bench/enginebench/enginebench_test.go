package enginebench

import (
	"fmt"
	"testing"

	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/synth"
	"github.com/socwatch/socwatch/rules"
)

const pack = "../../rules/packs/aml-core"

func feed(t testing.TB, n int) ([][]byte, [][]byte) {
	t.Helper()
	g := synth.New(synth.Config{Seed: 3, Count: n})
	var tx engine.Tx
	var vals, keys [][]byte
	for {
		if _, ok := g.Next(&tx); !ok {
			break
		}
		vals = append(vals, jsonl.Encode(nil, &tx))
		keys = append(keys, []byte(tx.Debtor.Account))
	}
	return vals, keys
}

func TestPartition(t *testing.T) {
	recs := make([]engine.Record, 100)
	keys := make([][]byte, 100)
	for i := range recs {
		recs[i] = engine.Record{Value: []byte(fmt.Sprint(i))}
		keys[i] = []byte(fmt.Sprint("acct", i%7))
	}
	for _, n := range []int{0, 1, 3, 8} {
		parts := Partition(recs, n, func(i int) []byte { return keys[i] })
		want := max(n, 1)
		if len(parts) != want {
			t.Fatalf("n=%d: %d parts", n, len(parts))
		}
		total := 0
		where := map[string]int{}
		for p, part := range parts {
			last := -1
			for _, r := range part {
				var i int
				fmt.Sscan(string(r.Value), &i)
				if i <= last {
					t.Fatalf("n=%d part %d out of order", n, p)
				}
				last = i
				k := string(keys[i])
				if q, ok := where[k]; ok && q != p {
					t.Fatalf("n=%d: key %s in parts %d and %d", n, k, q, p)
				}
				where[k] = p
			}
			total += len(part)
		}
		if total != len(recs) {
			t.Fatalf("n=%d: %d records after partitioning, want %d", n, total, len(recs))
		}
	}
}

func TestRunScreensEveryRecord(t *testing.T) {
	rs, err := rules.Load(pack, rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	vals, keys := feed(t, 20000)
	recs := Records(vals)
	one, alertsOne, err := Run(rs, [][]engine.Record{recs}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if one.Records != int64(len(recs)) || one.RecordsPerSec <= 0 || one.GOMAXPROCS != 1 {
		t.Fatalf("one core: %+v", one)
	}
	if one.CPUSeconds <= 0 || one.RecordsPerCPUSec <= 0 {
		t.Fatalf("CPU time not measured: %+v", one)
	}
	if alertsOne == 0 {
		t.Fatal("the generated feed raised no alert on the default pack")
	}
	parts := Partition(recs, 4, func(i int) []byte { return keys[i] })
	all, alertsAll, err := Run(rs, parts, 2)
	if err != nil {
		t.Fatal(err)
	}
	if all.Records != one.Records {
		t.Fatalf("all cores screened %d records, one core %d", all.Records, one.Records)
	}
	// Partitioning by debtor splits creditor-keyed windows, so the alert
	// counts may differ a little; they must stay of the same order.
	if alertsAll == 0 || alertsAll > 2*alertsOne || 2*alertsAll < alertsOne {
		t.Fatalf("alerts: %d on 4 partitions, %d on one", alertsAll, alertsOne)
	}
}

func TestStateMemory(t *testing.T) {
	rs, err := rules.Load(pack, rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 5000
	vals := DistinctAccounts(5, n)
	if len(vals) != n {
		t.Fatalf("%d records", len(vals))
	}
	s, err := StateMemory(rs, vals)
	if err != nil {
		t.Fatal(err)
	}
	// Unfiltered aggregates (e.g. paid_out_96h) track every distinct
	// account once.
	if s.Keys["paid_out_96h"] != n || s.Keys["new_debtors_96h"] != n {
		t.Fatalf("keys %v, want %d for the unfiltered sums", s.Keys, n)
	}
	if s.TotalKeys < 4*n || s.HeapBytes <= 0 || s.BytesPerKeyPerAggregate <= 0 {
		t.Fatalf("state %+v", s)
	}
	if s.BytesPerKeyPerAggregate != float64(s.HeapBytes)/float64(s.TotalKeys) {
		t.Fatal("bytes per key per aggregate is not heap / keys")
	}
}

func BenchmarkRunOneCore(b *testing.B) {
	rs, err := rules.Load(pack, rules.Options{})
	if err != nil {
		b.Fatal(err)
	}
	vals, _ := feed(b, 20000)
	recs := Records(vals)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := Run(rs, [][]engine.Record{recs}, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(recs)*b.N)/b.Elapsed().Seconds(), "records/s")
}
