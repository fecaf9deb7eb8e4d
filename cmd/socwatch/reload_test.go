package main

import (
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/rules"
)

// TestLoadWithin: a reload that overruns its bound is refused with an
// error naming the pack, and the same pack loads when given time.
func TestLoadWithin(t *testing.T) {
	const pack = "../../rules/packs/aml-core"
	start := time.Now()
	if _, err := loadWithin(pack, rules.Options{}, time.Nanosecond); err == nil || !strings.Contains(err.Error(), "did not finish within 1ns") {
		t.Errorf("overrunning load: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("overrunning load returned after %s", took)
	}
	rs, err := loadWithin(pack, rules.Options{}, time.Minute)
	if err != nil || len(rs.Rules) == 0 {
		t.Fatalf("load with time to spare: %v", err)
	}
}

func TestRekeyPlanAndReloadAdmit(t *testing.T) {
	debtorOnly := &engine.RuleSet{Perspectives: []string{engine.PerspectiveDebtor}}
	both := &engine.RuleSet{Perspectives: []string{engine.PerspectiveDebtor, engine.PerspectiveCreditor}}
	traced := &engine.RuleSet{Perspectives: []string{engine.PerspectiveDebtor}, Traced: true}
	bothTraced := &engine.RuleSet{Perspectives: both.Perspectives, Traced: true}

	plans := []struct {
		mode            string
		rs              *engine.RuleSet
		rekey, internal bool
	}{
		{"auto", debtorOnly, false, false},
		{"auto", both, true, true},
		{"auto", traced, true, true}, // the stage traces, even for one perspective
		{"never", traced, false, false},
		{"stage", debtorOnly, true, false},
		{"screen", debtorOnly, false, true},
	}
	for _, p := range plans {
		if rekey, internal := rekeyPlan(p.mode, p.rs); rekey != p.rekey || internal != p.internal {
			t.Errorf("rekeyPlan(%s, traced %v, %v) = %v, %v; want %v, %v", p.mode, p.rs.Traced, p.rs.Perspectives, rekey, internal, p.rekey, p.internal)
		}
	}

	admits := []struct {
		name            string
		rekey, internal bool
		started, next   *engine.RuleSet
		ok              bool
	}{
		{"direct screening, debtor rules", false, false, debtorOnly, debtorOnly, true},
		{"direct screening cannot add the creditor perspective", false, false, debtorOnly, both, false},
		{"direct screening cannot trace", false, false, debtorOnly, traced, false},
		{"a tracing stage admits traced rules", true, true, bothTraced, bothTraced, true},
		{"a tracing stage admits untraced rules", true, true, bothTraced, both, true},
		{"a stage started untraced refuses traced rules", true, true, both, bothTraced, false},
		{"a stage refuses a perspective it does not write", true, true, traced, bothTraced, false},
		{"a screen-only instance cannot know its stage", false, true, both, bothTraced, true},
	}
	for _, a := range admits {
		err := reloadAdmit(a.rekey, a.internal, a.started)
		var got error
		if err != nil {
			got = err(a.next)
		}
		if (got == nil) != a.ok {
			t.Errorf("%s: admit error %v, want ok=%v", a.name, got, a.ok)
		}
	}
}
