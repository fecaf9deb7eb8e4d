package main

import (
	"strings"
	"testing"
	"time"

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
