package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socwatch/socwatch/engine"
)

// TestScreenPacs008Rejects is issue 13 item 5: a message with one invalid
// transaction screens the valid ones and writes the invalid one to
// --rejects with its reason; a message that cannot be split goes to
// --rejects whole; both exit with exitRejected, and --rejects is never
// empty when something was refused.
func TestScreenPacs008Rejects(t *testing.T) {
	const oneInvalid = "../../connectors/pacs008/testdata/tch-rtp20022/pacs008_3tx_one_invalid.xml"
	sample, err := os.ReadFile(oneInvalid)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(t.TempDir(), "truncated.xml")
	if err := os.WriteFile(truncated, sample[:len(sample)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	type reject struct{ Position, Reason, Error, Value string }
	tests := []struct {
		name        string
		input       string
		code        int
		summary     string
		rejects     []reject // Value: a substring of the written value
		alertTxIDs  []string // transactions that must have been screened (they alert: USD 46,154.49 ≥ EUR 15,000)
		silentTxIDs []string // transactions that must not appear in the alerts
	}{
		{"one invalid transaction of three", oneInvalid, exitRejected, "screened 3 records (1 rejected)",
			[]reject{{Position: "transaction 2", Reason: engine.ReasonInvalid, Error: `IntrBkSttlmAmt "46,154.49"`, Value: "<ct:TxId>20230713234567891T1BCXIA01868416992</ct:TxId>"}},
			[]string{"20230713234567891T1BCXIA01868416991"}, []string{"20230713234567891T1BCXIA01868416992"}},
		{"a message that cannot be split", truncated, exitRejected, "screened 1 records (1 rejected)",
			[]reject{{Position: "message", Reason: engine.ReasonDecode, Error: "XML", Value: "<ct:GrpHdr>"}}, nil, nil},
		{"a valid message", "../../connectors/pacs008/testdata/tch-rtp20022/pacs008.xml", 0, "screened 1 records (0 rejected)",
			nil, []string{"20230713234567891T1BCXIA01868416991"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rejPath := filepath.Join(t.TempDir(), "rejects.jsonl")
			var out, errOut bytes.Buffer
			err := dispatch([]string{"screen", "--rules", "../../rules/packs/aml-core", "--format", "pacs008",
				"--input", tt.input, "--rejects", rejPath}, &out, &errOut)
			if code := exitCode(err); code != tt.code || !strings.Contains(errOut.String(), tt.summary) {
				t.Fatalf("exit %d (want %d), stderr lacks %q: %v\n%s", code, tt.code, tt.summary, err, errOut.String())
			}
			var got []reject
			for _, l := range readLines(t, rejPath) {
				var r reject
				if err := json.Unmarshal(l, &r); err != nil {
					t.Fatal(err)
				}
				got = append(got, r)
			}
			if len(got) != len(tt.rejects) {
				t.Fatalf("rejects file holds %d records %+v, want %d", len(got), got, len(tt.rejects))
			}
			for i, w := range tt.rejects {
				g := got[i]
				if g.Position != w.Position || g.Reason != w.Reason || !strings.Contains(g.Error, w.Error) || !strings.Contains(g.Value, w.Value) {
					t.Errorf("reject %d = %+v, want position %q reason %q error ~%q value ~%q", i, g, w.Position, w.Reason, w.Error, w.Value)
				}
				if !strings.Contains(errOut.String(), "reject "+w.Position+": ") {
					t.Errorf("stderr does not report the reject of %s", w.Position)
				}
			}
			alerts := out.String()
			for _, id := range tt.alertTxIDs {
				if !strings.Contains(alerts, `"tx_id":"`+id+`"`) {
					t.Errorf("no alert for %s: it was not screened", id)
				}
			}
			for _, id := range tt.silentTxIDs {
				if strings.Contains(alerts, id) {
					t.Errorf("alert for refused transaction %s", id)
				}
			}
		})
	}
}
