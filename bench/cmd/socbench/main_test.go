package main

import (
	"io"
	"reflect"
	"testing"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr bool
		check   func(*options) bool
	}{
		{"defaults", nil, false, func(o *options) bool {
			return o.count == 2000000 && o.partitions == 8 && o.broker == "kafka" && o.engineCount == 500000 &&
				reflect.DeepEqual(o.ruleCounts, []int{10, 100, 1000}) && len(o.phases) == len(allPhases)
		}},
		{"quick run caps the engine records at count", []string{"--count", "1000"}, false, func(o *options) bool {
			return o.count == 1000 && o.engineCount == 1000
		}},
		{"phases subset", []string{"--phases", "engine, rules"}, false, func(o *options) bool {
			return len(o.phases) == 2 && o.phases["engine"] && o.phases["rules"] && !o.phases["pipeline"]
		}},
		{"kfake", []string{"--broker", "kfake"}, false, func(o *options) bool { return o.broker == "kfake" }},
		{"unknown phase", []string{"--phases", "engine,warp"}, true, nil},
		{"unknown broker", []string{"--broker", "redpanda"}, true, nil},
		{"bad rule counts", []string{"--rule-counts", "10,x"}, true, nil},
		{"zero rule count", []string{"--rule-counts", "0"}, true, nil},
		{"zero count", []string{"--count", "0"}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseFlags(tt.args, io.Discard)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && !tt.check(o) {
				t.Fatalf("options %+v", o)
			}
		})
	}
}

func TestStages(t *testing.T) {
	if got := stages("g", "t", "never"); !reflect.DeepEqual(got, [][2]string{{"g", "t"}}) {
		t.Errorf("never: %v", got)
	}
	want := [][2]string{{"g-rekey", "t"}, {"g", "t.by-account"}}
	if got := stages("g", "t", "auto"); !reflect.DeepEqual(got, want) {
		t.Errorf("auto: %v", got)
	}
}

func TestRunTopicsIncludeStateTopics(t *testing.T) {
	// Both modes' checkpoint topics: <input>.state (rekey never) and
	// <input>.by-account.state (re-key stage), which socbench used to leave.
	got := map[string]bool{}
	for _, tp := range runTopics("t") {
		got[tp] = true
	}
	for _, want := range []string{"t", "t.by-account", "t.dlq", "t.state", "t.by-account.state"} {
		if !got[want] {
			t.Errorf("runTopics(t) = %v, lacks %s", runTopics("t"), want)
		}
	}
}

func TestPhaseFile(t *testing.T) {
	for in, want := range map[string]string{
		"/tmp/cpu.pprof": "/tmp/cpu.norekey.pprof",
		"cpu":            "cpu.norekey",
		"a.b/cpu.pb.gz":  "a.b/cpu.pb.norekey.gz",
	} {
		if got := phaseFile(in, "norekey"); got != want {
			t.Errorf("phaseFile(%q) = %q, want %q", in, got, want)
		}
	}
}
