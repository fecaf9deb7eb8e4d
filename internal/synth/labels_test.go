package synth

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socwatch/socwatch/engine"
)

func TestLabelsRoundTrip(t *testing.T) {
	g := New(Config{Seed: 3, Count: 3000, InjectEvery: 50})
	var buf bytes.Buffer
	if err := WriteLabelHeader(&buf); err != nil {
		t.Fatal(err)
	}
	want := map[string]Label{}
	var tx engine.Tx
	for {
		label, ok := g.Next(&tx)
		if !ok {
			break
		}
		want[tx.TxID] = Label{Typology: label, Scenario: g.Scenario()}
		if err := WriteLabel(&buf, tx.TxID, label, g.Scenario()); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.HasPrefix(buf.String(), "tx_id,typology,scenario\n") {
		t.Fatalf("labels start with %q", buf.String()[:20])
	}
	got, err := ReadLabels(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d labels, wrote %d", len(got), len(want))
	}
	labelled := 0
	for id, l := range want {
		if got[id] != l {
			t.Fatalf("%s: read %+v, wrote %+v", id, got[id], l)
		}
		if l.Typology != "" {
			labelled++
			if l.Scenario == "" {
				t.Fatalf("%s: labelled %s without a scenario", id, l.Typology)
			}
		}
	}
	if labelled == 0 {
		t.Fatal("no labelled transaction in a scenario-heavy feed")
	}
}

func TestReadLabelsFixtures(t *testing.T) {
	tests := []struct {
		file    string
		wantErr string
		want    map[string]Label
	}{
		{"labels_ok.csv", "", map[string]Label{"gen-1-1": {}, "gen-1-2": {Typology: "structuring"}, "gen-1-3": {Typology: "fan_in"}}},
		{"labels_crlf_noheader.csv", "", map[string]Label{"a": {Typology: "sanctions"}, "b": {}}},
		{"labels_scenario.csv", "", map[string]Label{"gen-1-1": {},
			"gen-1-2": {Typology: "structuring", Scenario: "sc-1-1"}, "gen-1-3": {Typology: "structuring", Scenario: "sc-1-1"}}},
		{"labels_unknown.csv", "unknown typology", nil},
		{"labels_dup.csv", "duplicate tx_id", nil},
		{"labels_fields.csv", "want 2 fields", nil},
		{"labels_scenario_fields.csv", "want 3 fields", nil},
		{"labels_legit_scenario.csv", "a scenario without a typology", nil},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := ReadLabels(f)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if l, ok := got[k]; !ok || l != v {
					t.Fatalf("%s: got %+v (present %v), want %+v", k, l, ok, v)
				}
			}
		})
	}
}

func FuzzReadLabels(f *testing.F) {
	for _, name := range []string{"labels_ok.csv", "labels_crlf_noheader.csv", "labels_unknown.csv", "labels_dup.csv", "labels_fields.csv",
		"labels_scenario.csv", "labels_legit_scenario.csv", "labels_scenario_fields.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("tx_id,typology\n,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ReadLabels(bytes.NewReader(data))
		if err != nil {
			return
		}
		// What was accepted must survive a write and a re-read unchanged.
		var buf bytes.Buffer
		if err := WriteLabelHeader(&buf); err != nil {
			t.Fatal(err)
		}
		for id, l := range got {
			if id == "" || strings.ContainsAny(id, ",\n") || strings.ContainsAny(l.Scenario, ",\n") {
				t.Fatalf("accepted id %q scenario %q", id, l.Scenario)
			}
			if l.Typology == "" && l.Scenario != "" {
				t.Fatalf("accepted a scenario %q without a typology", l.Scenario)
			}
			if err := WriteLabel(&buf, id, l.Typology, l.Scenario); err != nil {
				t.Fatal(err)
			}
		}
		again, err := ReadLabels(&buf)
		if err != nil {
			t.Fatalf("re-read of accepted labels: %v", err)
		}
		if len(again) != len(got) {
			t.Fatalf("re-read %d labels, accepted %d", len(again), len(got))
		}
		for id, l := range got {
			if again[id] != l {
				t.Fatalf("%q: %+v became %+v", id, l, again[id])
			}
		}
	})
}

func BenchmarkNext(b *testing.B) {
	g := New(Config{Seed: 1, Count: math32})
	var tx engine.Tx
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, ok := g.Next(&tx); !ok {
			b.Fatal("generator ran dry")
		}
	}
}

// math32 is large enough that a benchmark never exhausts the generator,
// while keeping the population (Count/20 accounts) at 100,000.
const math32 = 2_000_000
