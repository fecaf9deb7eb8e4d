package deploytest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// TestDashboardsStatic checks what needs no running system: every query
// has text and a provisioned data source, panel ids are unique, and every
// Prometheus expression expands with no variable left.
func TestDashboardsStatic(t *testing.T) {
	root := repoRoot(t)
	uids := provisionedUIDs(t, root)
	for _, name := range []string{"socwatch-operations.json", "socwatch-alerts.json"} {
		t.Run(name, func(t *testing.T) {
			d, err := LoadDashboard(filepath.Join(root, "deploy", "grafana", "dashboards", name))
			if err != nil {
				t.Fatal(err)
			}
			if d.UID == "" || !strings.HasPrefix(d.Title, "SOC-Watch / ") {
				t.Errorf("uid %q title %q", d.UID, d.Title)
			}
			ids := map[int]bool{}
			for _, p := range d.AllPanels() {
				if ids[p.ID] {
					t.Errorf("panel id %d used twice", p.ID)
				}
				ids[p.ID] = true
				if p.Type != "row" && p.Title == "" {
					t.Errorf("panel %d has no title", p.ID)
				}
			}
			qs := d.Queries()
			if len(qs) == 0 {
				t.Fatal("no queries")
			}
			for _, q := range qs {
				if strings.TrimSpace(q.Text) == "" {
					t.Errorf("%s: empty query", q)
				}
				if want, ok := uids[q.Datasource.UID]; !ok || want != q.Datasource.Type {
					t.Errorf("%s: data source %+v is not provisioned (have %v)", q, q.Datasource, uids)
				}
				if q.Datasource.Type == "prometheus" && !strings.Contains(q.Text, `job="socwatch"`) {
					t.Errorf("%s: select job=\"socwatch\" so Prometheus' own go_/process_ series stay out", q)
				}
			}
			for _, v := range d.Templating.List {
				if v.Datasource != nil {
					if want, ok := uids[v.Datasource.UID]; !ok || want != v.Datasource.Type {
						t.Errorf("variable %s: data source %+v is not provisioned", v.Name, v.Datasource)
					}
				}
			}
		})
	}
}

func provisionedUIDs(t *testing.T, root string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "deploy", "grafana", "provisioning", "datasources", "socwatch.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var prov struct {
		APIVersion  int `yaml:"apiVersion"`
		Datasources []struct {
			Name           string            `yaml:"name"`
			UID            string            `yaml:"uid"`
			Type           string            `yaml:"type"`
			Access         string            `yaml:"access"`
			URL            string            `yaml:"url"`
			IsDefault      bool              `yaml:"isDefault"`
			JSONData       map[string]any    `yaml:"jsonData"`
			SecureJSONData map[string]string `yaml:"secureJsonData"`
		} `yaml:"datasources"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&prov); err != nil {
		t.Fatalf("decode datasource provisioning: %v", err)
	}
	out := map[string]string{}
	for _, d := range prov.Datasources {
		out[d.UID] = d.Type
	}
	return out
}

func TestExpandPromQL(t *testing.T) {
	v := PromVars{RateInterval: time.Minute, Interval: 15 * time.Second, Range: time.Hour,
		Vars: map[string]string{"instance": ".*", "group": "a|b"}}
	tests := []struct {
		in, want string
		err      bool
	}{
		{`rate(x{instance=~"$instance"}[$__rate_interval])`, `rate(x{instance=~".*"}[60s])`, false},
		{`increase(x{group=~"${group}"}[$__range])`, `increase(x{group=~"a|b"}[3600s])`, false},
		{`x{group=~"${group:regex}"}`, `x{group=~"a|b"}`, false},
		{`avg_over_time(x[$__interval])`, `avg_over_time(x[15s])`, false},
		{`x{topic=~"$topic"}`, "", true},
		{`x{group=~"${group:csv}"}`, "", true},
		{`x{a="$"}`, "", true},
		{`x{instance=~"$instance"} $`, "", true},
	}
	for _, tt := range tests {
		got, err := ExpandPromQL(tt.in, v)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ExpandPromQL(%q) = %q, %v; want %q, err=%v", tt.in, got, err, tt.want, tt.err)
		}
		if err != nil && !errors.Is(err, ErrUnresolved) {
			t.Errorf("ExpandPromQL(%q) error %v does not wrap ErrUnresolved", tt.in, err)
		}
	}
}

func TestExpandSQL(t *testing.T) {
	from := time.Unix(1_700_000_000, 0)
	v := SQLVars{From: from, To: from.Add(time.Hour), Interval: 30 * time.Second,
		Vars: map[string][]string{"typology": {"fan_in", "o'neil"}, "country": {"PL"}}}
	tests := []struct {
		in, want string
		err      bool
	}{
		{"WHERE $__timeFilter(ts)", "WHERE ts >= toDateTime(1700000000) AND ts <= toDateTime(1700003600)", false},
		{"WHERE $__timeFilter( inserted_at )", "WHERE inserted_at >= toDateTime(1700000000) AND inserted_at <= toDateTime(1700003600)", false},
		{"WHERE $__dateFilter(d)", "WHERE d >= toDate(toDateTime(1700000000)) AND d <= toDate(toDateTime(1700003600))", false},
		{"SELECT $__fromTime, $__toTime", "SELECT toDateTime(1700000000), toDateTime(1700003600)", false},
		{"intDiv(x, $__interval_s)", "intDiv(x, 30)", false},
		{"typology IN (${typology:singlequote})", `typology IN ('fan_in','o\'neil')`, false},
		{"c = '${country}' AND d = '$country'", "c = 'PL' AND d = 'PL'", false},
		{"x IN (${missing:singlequote})", "", true},
		{"$__timeFilter()", "", true},
		{"$__unknownMacro(ts)", "", true},
	}
	for _, tt := range tests {
		got, err := ExpandSQL(tt.in, v)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ExpandSQL(%q) = %q, %v; want %q, err=%v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParseLabelValues(t *testing.T) {
	tests := []struct {
		in         string
		sel, label string
		err        bool
	}{
		{`label_values(up{job="socwatch"}, instance)`, `up{job="socwatch"}`, "instance", false},
		{`label_values(x{a="1,2"}, topic)`, `x{a="1,2"}`, "topic", false},
		{`label_values(group)`, "", "group", false},
		{` label_values( x , y ) `, "x", "y", false},
		{`query_result(up)`, "", "", true},
		{`label_values(x, 1bad)`, "", "", true},
		{`label_values()`, "", "", true},
	}
	for _, tt := range tests {
		got, err := ParseLabelValues(tt.in)
		if (err != nil) != tt.err || got.Selector != tt.sel || got.Label != tt.label {
			t.Errorf("ParseLabelValues(%q) = %+v, %v; want %q %q err=%v", tt.in, got, err, tt.sel, tt.label, tt.err)
		}
	}
}

func TestParseExpectedEmpty(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		entries []string
		reasons []string
		err     bool
	}{
		{"header then entry", "# header\n\n# why\nPanel A\n", []string{"Panel A"}, []string{"why"}, false},
		{"two lines of reason", "# one\n# two\nx\ny\n", []string{"x", "y"}, []string{"one two", "one two"}, false},
		{"no reason", "# header\n\nPanel A\n", nil, nil, true},
		{"duplicate", "# r\nA\n\n# r\nA\n", nil, nil, true},
		{"empty file", "", nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseExpectedEmpty(strings.NewReader(tt.in))
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want err=%v", err, tt.err)
			}
			if len(got) != len(tt.entries) {
				t.Fatalf("got %d entries %+v, want %v", len(got), got, tt.entries)
			}
			for i, e := range got {
				if e.Entry != tt.entries[i] || e.Reason != tt.reasons[i] {
					t.Errorf("entry %d = %+v, want %q (%q)", i, e, tt.entries[i], tt.reasons[i])
				}
			}
		})
	}
}

// TestShippedExpectedEmpty parses the shipped list (the integration test
// checks its entries against the dashboard).
func TestShippedExpectedEmpty(t *testing.T) {
	list := loadExpectedEmpty(t, repoRoot(t))
	d, err := LoadDashboard(filepath.Join(repoRoot(t), "deploy", "grafana", "dashboards", "socwatch-operations.json"))
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, q := range d.Queries() {
		expectedEmpty(list, q, used)
	}
	for _, e := range list {
		if !used[e.Entry] {
			t.Errorf("expected-empty.txt line %d %q names no Operations panel title or expression", e.Line, e.Entry)
		}
	}
}
