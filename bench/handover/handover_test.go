package handover

import (
	"strings"
	"testing"

	"github.com/socwatch/socwatch/bench/enginebench"
	"github.com/socwatch/socwatch/connectors/kafka"
	"github.com/socwatch/socwatch/rules"
)

// TestPerspectiveCopies: each transaction becomes one copy per perspective
// of the default pack, keyed by that perspective's account and carrying the
// perspective header, so every copy adds one account to the partition.
func TestPerspectiveCopies(t *testing.T) {
	rs, err := rules.Load("../../rules/packs/aml-core", rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	values := enginebench.DistinctAccounts(3, 50)
	copies := perspectiveCopies(rs, values)
	if len(copies) != len(values)*len(rs.Perspectives) {
		t.Fatalf("%d copies of %d transactions under %d perspectives", len(copies), len(values), len(rs.Perspectives))
	}
	keys := map[string]bool{}
	for i, c := range copies {
		p := rs.Perspectives[i%len(rs.Perspectives)]
		if len(c.Headers) != 1 || c.Headers[0].Key != kafka.HeaderPerspective || string(c.Headers[0].Value) != p {
			t.Fatalf("copy %d headers %v, want perspective %s", i, c.Headers, p)
		}
		if !strings.Contains(string(c.Value), `"`+string(c.Key)+`"`) {
			t.Errorf("copy %d key %s is not an account of its transaction", i, c.Key)
		}
		keys[string(c.Key)] = true
	}
	if len(keys) != len(copies) {
		t.Errorf("%d distinct keys for %d copies: accounts repeat", len(keys), len(copies))
	}
}
