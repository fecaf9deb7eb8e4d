package file

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/synth"
	"github.com/socwatch/socwatch/rules"
)

// Rejects name their line, also past the first batch (the positions of a
// batch are made together) and for a line too long to read; a custom
// Position names them instead.
func TestReplayRejectPositions(t *testing.T) {
	rs, err := rules.Load("../../rules/packs/aml-core", rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const maxBytes = 4096
	bad := map[int]string{ // line → its content
		3:                   `{"tx_id":`,
		7:                   strings.Repeat("x", maxBytes+1),
		replayBatch + 6:     `not json`,
		2*replayBatch + 100: `{"tx_id":"t","amount":"1"}`,
	}
	g := synth.New(synth.Config{Seed: 5, Count: 2*replayBatch + 200})
	var in bytes.Buffer
	var tx engine.Tx
	for n := 1; ; n++ {
		if line, ok := bad[n]; ok {
			in.WriteString(line + "\n")
			continue
		}
		if _, ok := g.Next(&tx); !ok {
			break
		}
		in.Write(append(jsonl.Encode(nil, &tx), '\n'))
	}
	for _, tt := range []struct {
		name   string
		custom func(int) string
		want   func(n int) string
	}{
		{"default", nil, func(n int) string { return fmt.Sprint("line ", n) }},
		{"custom", func(n int) string { return fmt.Sprint("tx #", n) }, func(n int) string { return fmt.Sprint("tx #", n) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var rejects bytes.Buffer
			dlq := NewRejectWriter(io.Discard, &rejects)
			sum, err := Replay(bytes.NewReader(in.Bytes()), ReplayOptions{MaxBytes: maxBytes, Rules: rs,
				Sink: NewAlertWriter(io.Discard), Rejects: dlq, Position: tt.custom})
			if err != nil {
				t.Fatal(err)
			}
			if err := dlq.Close(); err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			dec := json.NewDecoder(&rejects)
			for dec.More() {
				var r rejectLine
				if err := dec.Decode(&r); err != nil {
					t.Fatal(err)
				}
				got[r.Position] = true
			}
			if len(got) != len(bad) || sum.Rejects != len(bad) {
				t.Errorf("%d rejects (%d counted), want %d: %v", len(got), sum.Rejects, len(bad), got)
			}
			for n := range bad {
				if !got[tt.want(n)] {
					t.Errorf("no reject at %q; got %v", tt.want(n), got)
				}
			}
		})
	}
}
