package screen_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/screen"
	"github.com/socwatch/socwatch/internal/synth"
	"github.com/socwatch/socwatch/rules"
)

// copiesFeed is n generated transactions as the screening stage reads
// them: one copy per perspective; every 97th transaction's copies are
// delivered again 40 transactions later (a re-key replay, for the
// duplicate filter), and every 500th transaction has a twin dated a year
// ahead (refused by the event-time guard, which needs its watermark).
func copiesFeed(t testing.TB, rs *engine.RuleSet, n int) []engine.Record {
	t.Helper()
	g := synth.New(synth.Config{Seed: 11, Count: n})
	var tx engine.Tx
	var recs []engine.Record
	var values [][]byte
	for i := 0; ; i++ {
		if _, ok := g.Next(&tx); !ok {
			break
		}
		if i%500 == 0 {
			future := tx
			future.TxID += "-future"
			future.TS = future.TS.AddDate(1, 0, 0)
			recs = append(recs, engine.Record{Value: jsonl.Encode(nil, &future), Perspective: rs.Perspectives[0]})
		}
		values = append(values, jsonl.Encode(nil, &tx))
		for _, p := range rs.Perspectives {
			recs = append(recs, engine.Record{Value: values[i], Perspective: p})
			if i >= 40 && (i-40)%97 == 0 {
				recs = append(recs, engine.Record{Value: values[i-40], Perspective: p})
			}
		}
	}
	return recs
}

func defaultPack(t testing.TB) *engine.RuleSet {
	t.Helper()
	rs, err := rules.Load("../../rules/packs/aml-core", rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// screenBatches screens recs in batches of 400; every restoreEvery
// batches (0: never) the stream is checkpointed and replaced by a new
// stream restored from the checkpoint. It returns the alerts and the
// largest chunk count seen; the final state is in *final.
func screenBatches(t *testing.T, rs *engine.RuleSet, recs []engine.Record, restoreEvery int, final *map[string]string) ([]engine.Alert, int, int) {
	t.Helper()
	p, sink, dlq := newPipeline(rs)
	st := p.NewStream("p0")
	chunks := 0
	for b, i := 0, 0; i < len(recs); b, i = b+1, i+400 {
		if restoreEvery > 0 && b > 0 && b%restoreEvery == 0 {
			cp, err := st.SnapshotState(64 << 10)
			if err != nil {
				t.Fatalf("batch %d: snapshot: %v", b, err)
			}
			chunks = max(chunks, len(cp))
			for _, c := range cp {
				if len(c) > 64<<10 {
					t.Fatalf("chunk of %d bytes exceeds the 64 KiB asked for", len(c))
				}
			}
			st = p.NewStream("p0")
			if err := st.RestoreState(cp); err != nil {
				t.Fatalf("batch %d: restore: %v", b, err)
			}
		}
		if err := st.Process(context.Background(), recs[i:min(i+400, len(recs))], func(error) {}); err != nil {
			t.Fatal(err)
		}
	}
	*final = screen.StateDigest(st.Screener())
	return sink.alerts, len(dlq.recs), chunks
}

// TestCheckpointRestoresIdenticalAlerts: a stream checkpointed and
// restored into a new stream every few batches raises exactly the alerts
// (explanations included) of a stream that never was. Any state the
// checkpoint misses (a window, the duplicate filter, the watermark)
// changes some alert of the default pack on this feed.
func TestCheckpointRestoresIdenticalAlerts(t *testing.T) {
	rs := defaultPack(t)
	recs := copiesFeed(t, rs, 12000)
	var wantState, gotState map[string]string
	want, wantRejects, _ := screenBatches(t, rs, recs, 0, &wantState)
	got, gotRejects, chunks := screenBatches(t, rs, recs, 7, &gotState)
	if !reflect.DeepEqual(gotState, wantState) {
		for k, v := range wantState {
			if gotState[k] != v {
				t.Errorf("final state differs at %q", k)
				break
			}
		}
		t.Errorf("final state: %d entries restored, %d uninterrupted", len(gotState), len(wantState))
	}
	if gotRejects != wantRejects || wantRejects == 0 {
		t.Errorf("restored stream refused %d records, uninterrupted stream %d (the future-dated ones)", gotRejects, wantRejects)
	}
	if len(want) == 0 {
		t.Fatal("the feed raised no alert: the test proves nothing")
	}
	if chunks < 2 {
		t.Errorf("checkpoints had %d chunk(s); the test should cross chunk boundaries", chunks)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("restored stream: %d alerts, uninterrupted stream: %d; first keys %v vs %v", len(got), len(want),
			first(keys(got), 5), first(keys(want), 5))
	}
}

func first(xs []string, n int) []string { return xs[:min(n, len(xs))] }

func TestRestoreRefuses(t *testing.T) {
	rs := defaultPack(t)
	recs := copiesFeed(t, rs, 2000)
	p, _, _ := newPipeline(rs)
	st := p.NewStream("p0")
	if err := st.Process(context.Background(), recs, func(error) {}); err != nil {
		t.Fatal(err)
	}
	cp, err := st.SnapshotState(16 << 10)
	if err != nil || len(cp) < 3 {
		t.Fatalf("snapshot: %d chunks, %v", len(cp), err)
	}
	flip := func(chunks [][]byte, i, at int) [][]byte {
		out := make([][]byte, len(chunks))
		for j := range chunks {
			out[j] = slices.Clone(chunks[j])
		}
		out[i][at] ^= 0x40
		return out
	}
	changed, err := rules.Load("../../rules/packs/aml-core", rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	changed.Lateness *= 2 // every aggregate's declaration changes
	tests := []struct {
		name   string
		rs     *engine.RuleSet
		chunks [][]byte
		want   error
	}{
		{"no chunks", rs, nil, nil},
		{"a chunk missing", rs, append(slices.Clone(cp[:1]), cp[2:]...), nil},
		{"last chunk missing", rs, cp[:len(cp)-1], nil},
		{"chunks swapped", rs, append([][]byte{cp[1], cp[0]}, cp[2:]...), nil},
		{"bit flipped in the head", rs, flip(cp, 0, 9), nil},
		{"bit flipped in a body chunk", rs, flip(cp, 1, len(cp[1])/2), nil},
		{"checksum flipped", rs, flip(cp, 2, len(cp[2])-1), nil},
		{"rules changed", changed, cp, screen.ErrCheckpointRules},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _, _ := newPipeline(tt.rs)
			st := p.NewStream("p0")
			before := st.Screener()
			err := st.RestoreState(tt.chunks)
			if err == nil {
				t.Fatal("restored")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
			if st.Screener() != before {
				t.Errorf("a refused checkpoint replaced the state")
			}
		})
	}
}
