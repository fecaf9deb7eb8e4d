package deploytest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Dashboard is the part of a Grafana dashboard JSON model the checks read.
type Dashboard struct {
	UID        string `json:"uid"`
	Title      string `json:"title"`
	Templating struct {
		List []Variable `json:"list"`
	} `json:"templating"`
	Panels []Panel `json:"panels"`
}

// Variable is a dashboard template variable.
type Variable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Datasource *DatasourceRef  `json:"datasource"`
	Query      json.RawMessage `json:"query"`
	Definition string          `json:"definition"`
	IncludeAll bool            `json:"includeAll"`
	Multi      bool            `json:"multi"`
	AllValue   string          `json:"allValue"`
}

// QueryText is the variable's query: Grafana stores it as a string or, for
// Prometheus, as an object with a "query" field.
func (v Variable) QueryText() (string, error) {
	if len(v.Query) == 0 {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v.Query, &s); err == nil {
		return s, nil
	}
	var obj struct {
		Query string `json:"query"`
	}
	if err := json.Unmarshal(v.Query, &obj); err != nil {
		return "", fmt.Errorf("variable %s: query is neither a string nor an object: %w", v.Name, err)
	}
	return obj.Query, nil
}

// DatasourceRef names a data source by type and uid.
type DatasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// Panel is a dashboard panel; rows hold their panels when collapsed.
type Panel struct {
	ID         int            `json:"id"`
	Type       string         `json:"type"`
	Title      string         `json:"title"`
	Datasource *DatasourceRef `json:"datasource"`
	GridPos    struct {
		H, W, X, Y int
	} `json:"gridPos"`
	Targets []Target `json:"targets"`
	Panels  []Panel  `json:"panels"`
}

// Target is one query of a panel: Expr for Prometheus, RawSQL for ClickHouse.
type Target struct {
	RefID      string         `json:"refId"`
	Datasource *DatasourceRef `json:"datasource"`
	Expr       string         `json:"expr"`
	RawSQL     string         `json:"rawSql"`
	Format     *int           `json:"format"`
}

// Query is one panel query with where it came from.
type Query struct {
	Panel      string
	RefID      string
	Datasource DatasourceRef
	Text       string
}

func (q Query) String() string { return fmt.Sprintf("panel %q query %s", q.Panel, q.RefID) }

// LoadDashboard decodes a dashboard JSON file.
func LoadDashboard(path string) (*Dashboard, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read dashboard %s: %w", path, err)
	}
	var d Dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("decode dashboard %s: %w", path, err)
	}
	return &d, nil
}

// Queries lists every panel query, rows' nested panels included, in panel
// order. A target's own data source wins over the panel's.
func (d *Dashboard) Queries() []Query {
	var out []Query
	var walk func(ps []Panel)
	walk = func(ps []Panel) {
		for _, p := range ps {
			for _, t := range p.Targets {
				q := Query{Panel: p.Title, RefID: t.RefID, Text: t.Expr}
				if t.RawSQL != "" {
					q.Text = t.RawSQL
				}
				switch {
				case t.Datasource != nil:
					q.Datasource = *t.Datasource
				case p.Datasource != nil:
					q.Datasource = *p.Datasource
				}
				out = append(out, q)
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out
}

// AllPanels lists every panel, rows and their nested panels included.
func (d *Dashboard) AllPanels() []Panel {
	var out []Panel
	var walk func(ps []Panel)
	walk = func(ps []Panel) {
		for _, p := range ps {
			out = append(out, p)
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out
}

// Grafana's variable references: $name, ${name} and ${name:format}.
var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// ErrUnresolved is wrapped by the expanders when a reference is left.
var ErrUnresolved = errors.New("unresolved variable or macro")

// PromVars are the values the PromQL expander substitutes: Grafana's
// interval variables and the dashboard's own variables (each already the
// regex Grafana would send, e.g. the allValue ".*").
type PromVars struct {
	RateInterval time.Duration
	Interval     time.Duration
	Range        time.Duration
	Vars         map[string]string
}

// ExpandPromQL substitutes Grafana's variables in a PromQL expression the way
// Grafana does before sending it to Prometheus.
func ExpandPromQL(expr string, v PromVars) (string, error) {
	builtins := map[string]string{
		"__rate_interval": promDuration(v.RateInterval),
		"__interval":      promDuration(v.Interval),
		"__range":         promDuration(v.Range),
	}
	return expand(expr, func(name, format string) (string, bool) {
		if s, ok := builtins[name]; ok && format == "" {
			return s, true
		}
		s, ok := v.Vars[name]
		if !ok || (format != "" && format != "regex") {
			return "", false
		}
		return s, true
	})
}

// promDuration renders d in whole seconds, the unit PromQL ranges accept
// everywhere (Grafana's "1m0s" style is not PromQL).
func promDuration(d time.Duration) string {
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}

// SQLVars are the values the ClickHouse expander substitutes: the time range
// (the grafana-clickhouse-datasource macros) and the dashboard's variables,
// each a list of values (one for a text box).
type SQLVars struct {
	From, To time.Time
	Interval time.Duration
	Vars     map[string][]string
}

// ClickHouse macros of grafana-clickhouse-datasource that take a column.
var sqlColumnMacro = regexp.MustCompile(`\$__(timeFilter|dateFilter)\(\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\)`)

// ExpandSQL substitutes the grafana-clickhouse-datasource macros and the
// dashboard variables in a ClickHouse query the way the plugin and Grafana
// do, so the query can run against a real server.
func ExpandSQL(sql string, v SQLVars) (string, error) {
	from, to := v.From.Unix(), v.To.Unix()
	sql = sqlColumnMacro.ReplaceAllStringFunc(sql, func(m string) string {
		parts := sqlColumnMacro.FindStringSubmatch(m)
		col := parts[2]
		if parts[1] == "dateFilter" {
			return fmt.Sprintf("%s >= toDate(toDateTime(%d)) AND %s <= toDate(toDateTime(%d))", col, from, col, to)
		}
		return fmt.Sprintf("%s >= toDateTime(%d) AND %s <= toDateTime(%d)", col, from, col, to)
	})
	interval := int64(v.Interval / time.Second)
	if interval < 1 {
		interval = 1
	}
	builtins := map[string]string{
		"__fromTime":   fmt.Sprintf("toDateTime(%d)", from),
		"__toTime":     fmt.Sprintf("toDateTime(%d)", to),
		"__interval_s": strconv.FormatInt(interval, 10),
	}
	return expand(sql, func(name, format string) (string, bool) {
		if s, ok := builtins[name]; ok && format == "" {
			return s, true
		}
		vals, ok := v.Vars[name]
		if !ok || len(vals) == 0 {
			return "", false
		}
		switch format {
		case "singlequote":
			quoted := make([]string, len(vals))
			for i, s := range vals {
				quoted[i] = "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
			}
			return strings.Join(quoted, ","), true
		case "":
			return strings.Join(vals, ","), true
		default:
			return "", false
		}
	})
}

// expand replaces every variable reference through lookup and fails when a
// reference or a stray "$" is left, so a query is never run half-expanded.
func expand(s string, lookup func(name, format string) (string, bool)) (string, error) {
	var missing []string
	out := varRef.ReplaceAllStringFunc(s, func(m string) string {
		parts := varRef.FindStringSubmatch(m)
		name, format := parts[1], parts[2]
		if name == "" {
			name = parts[3]
		}
		if r, ok := lookup(name, format); ok {
			return r
		}
		missing = append(missing, m)
		return m
	})
	if len(missing) > 0 {
		sort.Strings(missing)
		return "", fmt.Errorf("%w: %s", ErrUnresolved, strings.Join(missing, ", "))
	}
	// Substituted values may hold "$" (a regex end anchor); only look for
	// leftovers in the text between substitutions.
	if rest := varRef.ReplaceAllString(s, ""); strings.Contains(rest, "$") {
		return "", fmt.Errorf("%w: stray $ in %q", ErrUnresolved, s)
	}
	return out, nil
}

// LabelValuesQuery is Grafana's label_values(selector, label) variable query
// for Prometheus (the selector may be omitted).
type LabelValuesQuery struct {
	Selector string
	Label    string
}

var labelValuesCall = regexp.MustCompile(`^\s*label_values\(\s*(?:(.*\S)\s*,\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$`)

// ParseLabelValues parses a label_values(...) variable query.
func ParseLabelValues(q string) (LabelValuesQuery, error) {
	m := labelValuesCall.FindStringSubmatch(q)
	if m == nil {
		return LabelValuesQuery{}, fmt.Errorf("variable query %q: want label_values([selector,] label)", q)
	}
	return LabelValuesQuery{Selector: m[1], Label: m[2]}, nil
}
