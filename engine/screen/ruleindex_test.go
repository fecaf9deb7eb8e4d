package screen

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/socwatch/socwatch/bench/rulegen"
	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/enrich"
	"github.com/socwatch/socwatch/internal/synth"
	"github.com/socwatch/socwatch/rules"
)

type collectSink struct{ alerts []engine.Alert }

func (c *collectSink) Write(_ context.Context, a []engine.Alert, done engine.Done) {
	c.alerts = append(c.alerts, a...)
	done(nil)
}
func (c *collectSink) Close(context.Context) error { return nil }
func (c *collectSink) Reject(_ context.Context, _ []engine.Rejected, done engine.Done) {
	done(nil)
}

// screenFeed screens recs in one stream and returns the alerts in the
// order the screener raised them; indexed false visits every rule, as
// before the rule index.
func screenFeed(t *testing.T, rs *engine.RuleSet, recs []engine.Record, indexed bool) []engine.Alert {
	t.Helper()
	sink := &collectSink{}
	p := &Pipeline{Rules: NewRules(rs), NewDecoder: func() engine.Decoder { return &jsonl.Decoder{} },
		Enricher: enrich.New(nil), Sink: sink, DeadLetter: sink}
	st := p.NewStream("t")
	if !indexed {
		for _, pl := range st.Screener().plans {
			pl.index = nil
		}
	}
	for off := 0; off < len(recs); off += 512 {
		if err := st.Process(context.Background(), recs[off:min(off+512, len(recs))], func(error) {}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	return sink.alerts
}

// TestOptimisationsRaiseTheSameAlerts: with the rule index and with
// list-function calls memoised per record (rules.Options.NoCallMemo off),
// a generated feed raises exactly the alerts (same order, same
// explanations) of visiting every rule and calling every function, with
// the default pack and with 1,000 generated variants of it (bench/rulegen:
// thresholds scaled, countries rotated).
func TestOptimisationsRaiseTheSameAlerts(t *testing.T) {
	const packDir = "../../rules/packs/aml-core"
	src, err := rules.Parse(packDir)
	if err != nil {
		t.Fatal(err)
	}
	g := synth.New(synth.Config{Seed: 7, Count: 12000})
	var tx engine.Tx
	var recs []engine.Record
	for {
		if _, ok := g.Next(&tx); !ok {
			break
		}
		recs = append(recs, engine.Record{Value: jsonl.Encode(nil, &tx), Position: fmt.Sprint(len(recs))})
	}
	for _, n := range []int{0, 1000} {
		t.Run(fmt.Sprintf("rules=%d", n), func(t *testing.T) {
			path := packDir
			if n > 0 {
				if path, err = rulegen.WritePack(src, n, filepath.Join(t.TempDir(), "pack")); err != nil {
					t.Fatal(err)
				}
			}
			load := func(opts rules.Options) *engine.RuleSet {
				rs, err := rules.Load(path, opts)
				if err != nil {
					t.Fatal(err)
				}
				return rs
			}
			plainRS := load(rules.Options{NoCallMemo: true})
			plain := screenFeed(t, plainRS, recs, false)
			if len(plain) < 50 {
				t.Fatalf("only %d alerts: the comparison proves little", len(plain))
			}
			for _, v := range []struct {
				name    string
				rs      *engine.RuleSet
				indexed bool
			}{{"index", plainRS, true}, {"call memo", load(rules.Options{}), false}, {"both", load(rules.Options{}), true}} {
				got := screenFeed(t, v.rs, recs, v.indexed)
				if len(got) != len(plain) {
					t.Fatalf("%s: %d alerts, plain %d", v.name, len(got), len(plain))
				}
				for i := range plain {
					a, b := got[i], plain[i]
					a.RecordTime, b.RecordTime = time.Time{}, time.Time{} // not stored, not compared
					if !reflect.DeepEqual(a, b) {
						t.Fatalf("%s: alert %d differs:\n got %+v\nplain %+v", v.name, i, a, b)
					}
				}
			}
			t.Logf("%d rules, %d alerts identical", len(plainRS.Rules), len(plain))
		})
	}
}
