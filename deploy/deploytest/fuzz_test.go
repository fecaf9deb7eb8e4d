package deploytest

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func FuzzExpandSQL(f *testing.F) {
	for _, s := range []string{"WHERE $__timeFilter(ts)", "${a:singlequote}", "$__interval_s", "$", "${", "$__timeFilter(", "'${b}'"} {
		f.Add(s, "x'y")
	}
	f.Fuzz(func(t *testing.T, sql, val string) {
		v := SQLVars{From: time.Unix(0, 0), To: time.Unix(60, 0), Interval: time.Second,
			Vars: map[string][]string{"a": {val}, "b": {"PL"}}}
		out, err := ExpandSQL(sql, v)
		if err != nil {
			return
		}
		// A successful expansion leaves no macro behind.
		if strings.Contains(out, "$__timeFilter(") || strings.Contains(out, "$__interval_s") || strings.Contains(out, "${a:singlequote}") {
			t.Fatalf("ExpandSQL(%q) left a macro: %q", sql, out)
		}
		if !strings.Contains(sql, "$") && out != sql {
			t.Fatalf("ExpandSQL changed %q without variables into %q", sql, out)
		}
	})
}

func FuzzExpandPromQL(f *testing.F) {
	for _, s := range []string{`rate(x[$__rate_interval])`, `x{a=~"$a"}`, `${a:regex}`, "$", "${a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		out, err := ExpandPromQL(expr, PromVars{RateInterval: time.Minute, Vars: map[string]string{"a": ".*"}})
		if err != nil {
			return
		}
		if strings.Contains(out, "$__rate_interval") || strings.Contains(out, "$a") {
			t.Fatalf("ExpandPromQL(%q) left a variable: %q", expr, out)
		}
	})
}

func FuzzParseLabelValues(f *testing.F) {
	for _, s := range []string{`label_values(up{job="x"}, instance)`, `label_values(a)`, `label_values(,)`, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		lv, err := ParseLabelValues(q)
		if err != nil {
			return
		}
		if lv.Label == "" || !strings.Contains(q, lv.Label) || !strings.Contains(q, lv.Selector) {
			t.Fatalf("ParseLabelValues(%q) = %+v", q, lv)
		}
	})
}

func FuzzParseExpectedEmpty(f *testing.F) {
	f.Add("# why\nA\n\n# because\nB\n")
	f.Add("A\n")
	f.Add("#\n#\nx")
	f.Fuzz(func(t *testing.T, in string) {
		list, err := ParseExpectedEmpty(strings.NewReader(in))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, e := range list {
			if e.Reason == "" || e.Entry == "" || strings.HasPrefix(e.Entry, "#") || seen[e.Entry] {
				t.Fatalf("bad entry %+v from %q", e, in)
			}
			seen[e.Entry] = true
		}
	})
}

func FuzzDecodeManifest(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: Service\nmetadata: {name: a}\n"))
	f.Add([]byte("apiVersion: apps/v1\nkind: Deployment\nspec: {replicas: 2}\n"))
	f.Add([]byte("kind: [\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		// Must not panic; errors are fine.
		_, _ = DecodeManifest(doc)
		docs, err := SplitDocuments(doc)
		if err == nil {
			for _, d := range docs {
				_, _ = DecodeManifest(d)
			}
		}
	})
}

func FuzzDecodeCompose(f *testing.F) {
	f.Add([]byte("services:\n  a:\n    image: x:1\n    ports: [\"1:1\"]\n"))
	f.Add([]byte("services: {a: {depends_on: {b: {condition: service_healthy}}}}\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		_, _ = DecodeCompose(bytes.NewReader(doc))
	})
}

func FuzzParseQuantity(f *testing.F) {
	for _, s := range []string{"500m", "1Gi", "2", "1.5", "", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseQuantity(s)
		if err == nil && v < 0 {
			t.Fatalf("ParseQuantity(%q) = %v < 0", s, v)
		}
	})
}
