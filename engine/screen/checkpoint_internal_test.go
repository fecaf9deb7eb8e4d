package screen

import (
	"hash/crc32"
	"reflect"
	"slices"
	"testing"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/wire"
	"github.com/socwatch/socwatch/rules"
)

// TestCheckpointCoversEveryScreenerField fails when the Screener gains a
// field: add it to the checkpoint (checkpoint.go) or say here why it is
// not state, and update this list.
func TestCheckpointCoversEveryScreenerField(t *testing.T) {
	// rs, defs, specs, follows, whereOf, plans: the rules (restored under
	// the current ones); stores: by declaration, owners only, each key
	// by its name (keys, the stores' key table, is rebuilt as they are
	// decoded); key, env, vm, txHash, ev, whereRes, pending, observed,
	// pendingList: per-record scratch; touched: where Store.Touch reads go, not state; sinceEvict,
	// clock, recent: in the head; stats, rulesRun: per-process counters.
	want := []string{"rs", "keys", "key", "stores", "defs", "specs", "follows", "whereOf", "whereRes", "plans", "env", "vm",
		"txHash", "ev", "pending", "observed", "pendingList", "sinceEvict", "touched", "clock", "stats", "rulesRun", "recent"}
	typ := reflect.TypeOf(Screener{})
	var got []string
	for i := range typ.NumField() {
		got = append(got, typ.Field(i).Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Screener has fields %v, the checkpoint knows %v", got, want)
	}
}

// frame wraps payload as chunk index with a valid checksum, so the fuzzer
// reaches the decoder behind it.
func frame(index int, payload []byte) []byte {
	c := wire.AppendUvarint(append([]byte(checkpointMagic), checkpointVersion), uint64(index))
	c = append(c, payload...)
	return wire.AppendU32(c, crc32.Checksum(c, castagnoli))
}

// FuzzRestore: any chunk payload (with a valid frame) restores or is an
// error, never a panic; a restored Screener screens.
func FuzzRestore(f *testing.F) {
	rs, err := rules.Load("../../rules/packs/aml-core", rules.Options{})
	if err != nil {
		f.Fatal(err)
	}
	s := NewScreener(rs)
	s.env.Tx = engine.Tx{TxID: "t1", Debtor: engine.Party{Account: "PL1"}, Creditor: engine.Party{Account: "NO1"}}
	s.Screen("", false, s.env.TS, nil)
	cp, err := s.Snapshot(1 << 20)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(cp[0][len(checkpointMagic)+2:len(cp[0])-4], []byte{})
	f.Add([]byte{0}, []byte{1, 0, 1, 'k', 1, 0})
	f.Fuzz(func(t *testing.T, head, body []byte) {
		s := NewScreener(rs)
		if s.Restore([][]byte{frame(0, head), frame(1, body)}) != nil {
			return
		}
		s.env.Tx = engine.Tx{TxID: "t2", Debtor: engine.Party{Account: "PL1"}, Creditor: engine.Party{Account: "NO1"}}
		s.Screen("", true, s.env.TS, nil)
		if _, err := s.Snapshot(1 << 20); err != nil {
			t.Fatalf("restored state does not snapshot: %v", err)
		}
	})
}
