package canonical_test

import (
	"context"
	"reflect"
	"sync"
	"testing"

	"github.com/socwatch/socwatch/connectors/canonical"
	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/enrich"
	"github.com/socwatch/socwatch/engine/screen"
	"github.com/socwatch/socwatch/engine/trace"
	"github.com/socwatch/socwatch/internal/synth"
	"github.com/socwatch/socwatch/rules"
)

// collect is a sink and dead-letter output that keeps what it gets.
type collect struct {
	mu      sync.Mutex
	alerts  []engine.Alert
	rejects []engine.Rejected
}

func (c *collect) Write(_ context.Context, a []engine.Alert, done engine.Done) {
	c.mu.Lock()
	c.alerts = append(c.alerts, a...)
	c.mu.Unlock()
	done(nil)
}
func (c *collect) Close(context.Context) error { return nil }
func (c *collect) Reject(_ context.Context, r []engine.Rejected, done engine.Done) {
	c.mu.Lock()
	c.rejects = append(c.rejects, r...)
	c.mu.Unlock()
	done(nil)
}

// internalTopic builds the copies the re-key stage writes for a generated
// feed, one per perspective, as JSON (the old internal topic: the input
// value, no encoding header) and as tx/1; a record the transcoder refuses
// is one JSON copy with no perspective in both.
func internalTopic(t *testing.T, rs *engine.RuleSet, n int) (jsonCopies, binCopies []engine.Record) {
	t.Helper()
	tc, err := canonical.NewTranscoder(nil, 0, rs.Perspectives)
	if err != nil {
		t.Fatal(err)
	}
	g := synth.New(synth.Config{Seed: 5, Count: n})
	var tx engine.Tx
	for {
		if _, ok := g.Next(&tx); !ok {
			return jsonCopies, binCopies
		}
		value := jsonl.Encode(nil, &tx)
		if tc.Decode(value) != nil {
			rec := engine.Record{Value: value, Time: tx.TS}
			jsonCopies, binCopies = append(jsonCopies, rec), append(binCopies, rec)
			continue
		}
		bin := tc.AppendBinary(nil)
		for _, p := range rs.Perspectives {
			jsonCopies = append(jsonCopies, engine.Record{Value: value, Time: tx.TS, Perspective: p})
			binCopies = append(binCopies, engine.Record{Value: bin, Encoding: canonical.EncodingTx, Time: tx.TS, Perspective: p})
		}
	}
}

// screenAll screens recs as one partition of the internal topic, in
// batches as the Kafka source delivers them.
func screenAll(t *testing.T, rs *engine.RuleSet, recs []engine.Record) *collect {
	t.Helper()
	out := &collect{}
	p := &screen.Pipeline{
		Rules:      screen.NewRules(rs),
		NewDecoder: func() engine.Decoder { return canonical.NewDecoder(0) },
		Enricher:   enrich.New(nil),
		Sink:       out,
		DeadLetter: out,
		// As `socwatch run` screens the internal topic (the re-key stage
		// judged the dates).
		TimeBounds: screen.TimeBounds{Ahead: -1},
	}
	st := p.NewStream("internal/0")
	for i := 0; i < len(recs); i += 500 {
		if err := st.Process(context.Background(), recs[i:min(i+500, len(recs))], func(err error) {
			if err != nil {
				t.Errorf("batch %d: %v", i, err)
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// The binary internal topic raises exactly the alerts of the JSON one,
// evidence and explanations included, and so does a topic whose first
// half an older version wrote as JSON (an upgrade mid-topic).
func TestBinaryInternalTopicRaisesTheSameAlerts(t *testing.T) {
	rs, err := rules.Load("../../rules/packs/aml-core", rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	jsonCopies, binCopies := internalTopic(t, rs, 30000)
	half := len(binCopies) / 2
	upgraded := append(append([]engine.Record(nil), jsonCopies[:half]...), binCopies[half:]...)

	want := screenAll(t, rs, jsonCopies)
	if len(want.alerts) < 50 {
		t.Fatalf("the JSON topic raised %d alerts: too few for the comparison to mean anything", len(want.alerts))
	}
	for name, recs := range map[string][]engine.Record{"binary": binCopies, "JSON then binary": upgraded} {
		got := screenAll(t, rs, recs)
		if len(got.alerts) != len(want.alerts) {
			t.Fatalf("%s: %d alerts, JSON %d", name, len(got.alerts), len(want.alerts))
		}
		for i := range want.alerts {
			if !reflect.DeepEqual(got.alerts[i], want.alerts[i]) {
				t.Fatalf("%s: alert %d differs:\n got %+v\nwant %+v", name, i, got.alerts[i], want.alerts[i])
			}
		}
		if len(got.rejects) != len(want.rejects) {
			t.Errorf("%s: %d rejects, JSON %d", name, len(got.rejects), len(want.rejects))
		}
	}
}

// The re-key stage's copies, traced in feed order and carrying their
// trace in tx/1, raise exactly the alerts of the feed screened as a file
// (whole records, traced by the stream): the flow rules included, which
// read where the money came from across partitions.
func TestTracedCopiesRaiseTheAlertsOfTheFile(t *testing.T) {
	rs, err := rules.Load("../../rules/packs/aml-core", rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !rs.Traced {
		t.Fatal("aml-core reads no trace field: nothing to compare")
	}
	tc, err := canonical.NewTranscoder(nil, 0, rs.Perspectives)
	if err != nil {
		t.Fatal(err)
	}
	tracer := trace.New(trace.Config{})
	g := synth.New(synth.Config{Seed: 5, Count: 40000, Realistic: true})
	var whole, copies []engine.Record
	var tx engine.Tx
	for {
		if _, ok := g.Next(&tx); !ok {
			break
		}
		value := jsonl.Encode(nil, &tx)
		whole = append(whole, engine.Record{Value: value, Time: tx.TS})
		if tc.Decode(value) != nil {
			copies = append(copies, engine.Record{Value: value, Time: tx.TS})
			continue
		}
		traced := tc.Tx()
		tracer.Observe(traced)
		bin := canonical.AppendTrace(tc.AppendBinary(nil), &traced.Trace)
		for _, p := range rs.Perspectives {
			copies = append(copies, engine.Record{Value: bin, Encoding: canonical.EncodingTx, Time: tx.TS, Perspective: p})
		}
	}
	want, got := screenAll(t, rs, whole), screenAll(t, rs, copies)
	flow := 0
	for _, a := range want.alerts {
		if a.Typology == "layering_chain" || a.Typology == "round_trip" {
			flow++
		}
	}
	if flow == 0 {
		t.Fatalf("the file raised no flow alert among %d: the comparison would not test tracing", len(want.alerts))
	}
	if len(got.alerts) != len(want.alerts) {
		t.Fatalf("traced copies: %d alerts, file %d", len(got.alerts), len(want.alerts))
	}
	for i := range want.alerts {
		if !reflect.DeepEqual(got.alerts[i], want.alerts[i]) {
			t.Fatalf("alert %d differs:\n got %+v\nwant %+v", i, got.alerts[i], want.alerts[i])
		}
	}
	t.Logf("%d alerts, %d of them flow rules", len(want.alerts), flow)
}
