package console

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/console/users"
	"github.com/socwatch/socwatch/engine"
)

//go:embed assets/templates/*.html assets/static/*
var assets embed.FS

func staticHandler() http.Handler {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

var funcs = template.FuncMap{
	"waited": waited,
	"time": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	},
	"short": shortAccount,
	"money": func(s string) string {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return s
		}
		return money(f)
	},
	"pct":   func(f float64) string { return fmt.Sprintf("%.0f %%", 100*f) },
	"label": func(s string) string { return strings.ReplaceAll(s, "_", " ") },
	"query": func(v url.Values, kv ...string) string {
		q := url.Values{}
		for k, vs := range v {
			q[k] = append([]string(nil), vs...)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				q.Del(kv[i])
			} else {
				q.Set(kv[i], kv[i+1])
			}
		}
		q.Del("cursor")
		if len(kv) >= 2 && kv[0] == "cursor" {
			q.Set("cursor", kv[1])
		}
		return q.Encode()
	},
	"explain": explainRows,
	"f1":      func(f float64) string { return fmt.Sprintf("%.1f", f) },
	"below":   func(f float64) float64 { return f + 13 },
	"mul":     func(a, b int) int { return a * b },
	"sub":     func(a, b int) int { return a - b },
	"percent": func(f float64) float64 { return 100 * f },
	// returnedDY puts a node's "money returned" note on the far side of
	// its label from the circle.
	"returnedDY": func(labelDY float64) float64 {
		if labelDY < 0 {
			return labelDY - 13
		}
		return labelDY + 13
	},
}

func parseTemplates() (*template.Template, error) {
	t, err := template.New("").Funcs(funcs).ParseFS(assets, "assets/templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("console templates: %w", err)
	}
	return t, nil
}

// kv is one explanation value: Value as text, or Transfers, an
// aggregate's path (decodeTransferList), which the page lists.
type kv struct {
	Key, Value string
	Transfers  []pathHop
}

// explainRows flattens an alert's explanation into sorted rows. A traced
// path the page shows as a table (tracePath) is left out, an aggregate's
// path becomes a list of its transfers, and a sanctions match one line
// (listedMatch.String); one the page cannot read stays, as the JSON it is.
func explainRows(raw json.RawMessage) []kv {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil
	}
	out := make([]kv, 0, len(m))
	for k, rv := range m {
		if k == engine.TracePathKey {
			if _, ok := decodeHops(rv); ok {
				continue
			}
		}
		if transfers, ok := decodeTransferList(k, rv); ok {
			out = append(out, kv{Key: k, Transfers: transfers})
			continue
		}
		if _, _, match, ok := decodeListedMatch(k, rv); ok {
			out = append(out, kv{Key: k, Value: match.String()})
			continue
		}
		var v any
		if json.Unmarshal(rv, &v) != nil {
			continue
		}
		var s string
		switch x := v.(type) {
		case float64:
			s = strconv.FormatFloat(x, 'f', -1, 64)
			if x >= 1000 || x <= -1000 {
				s = money(x)
			}
		case string:
			s = x
		default:
			b, _ := json.Marshal(x)
			s = string(b)
		}
		out = append(out, kv{Key: k, Value: s})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// view is what every page template receives.
type view struct {
	Title string
	Nav   string
	User  users.User
	CSRF  string
	Flash string
	Error string
	Data  any
	Proxy bool
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render executes a page into a buffer first, so a template error becomes
// a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, data any) {
	v := view{Title: name, Nav: name, Data: data, Flash: r.URL.Query().Get("flash"), Proxy: s.cfg.ProxyUserHeader != ""}
	if p := principalOf(r); p != nil {
		v.User, v.CSRF = p.user, p.csrf
	}
	if t, ok := data.(titled); ok {
		v.Title = t.title()
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := s.pages.ExecuteTemplate(buf, name+".html", v); err != nil {
		s.deps.Log.Error("render page", "page", name, "error", err)
		http.Error(w, "internal error (logged)", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

type titled interface{ title() string }

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if s.cfg.ProxyUserHeader != "" {
		http.Error(w, "sign-in is handled by the reverse proxy", http.StatusNotFound)
		return
	}
	s.render(w, r, http.StatusOK, "login", map[string]string{"Next": safeNext(r.URL.Query().Get("next"))})
}

// safeNext keeps a post-login redirect on this site.
func safeNext(n string) string {
	if !strings.HasPrefix(n, "/") || strings.HasPrefix(n, "//") || strings.Contains(n, "\\") {
		return "/alerts"
	}
	return n
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	next := safeNext(r.PostFormValue("next"))
	if _, err := s.login(w, r, r.PostFormValue("user"), r.PostFormValue("password")); err != nil {
		s.render(w, r, statusOf(err), "login", map[string]string{"Next": next, "Error": err.Error()})
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// queueView is the alert queue page's data.
type queueView struct {
	Filter     store.Filter
	Query      url.Values
	Page       *store.Page
	Counts     map[string]uint64
	Statuses   []string
	Severities []string
	Rules      []string
	Typologies []string
	Users      []string
	// Dispositions and Back serve the bulk bar: what it may close
	// with, and the queue's query to return to.
	Dispositions []string
	Back         string
	Error        string
	// Age is the untriaged queue's age as the sweep last measured it
	// (nil before the first).
	Age *queueAgeView
}

func (s *Server) queuePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := &queueView{Query: q, Statuses: store.Statuses, Severities: store.Severities, Users: s.users.names(), Dispositions: Dispositions,
		Age: s.ageing.view()}
	back := url.Values{}
	for k, vs := range q {
		if k != "flash" {
			back[k] = vs
		}
	}
	v.Back = back.Encode()
	v.Rules, v.Typologies = s.ruleNames()
	f, err := parseFilter(q)
	v.Filter = f
	if err != nil {
		v.Error = err.Error()
		v.Page = &store.Page{}
		s.render(w, r, http.StatusBadRequest, "queue", v)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	var wg sync.WaitGroup
	var cerr error
	wg.Add(1)
	go func() { defer wg.Done(); v.Counts, cerr = s.deps.Store.Counts(ctx, f) }()
	v.Page, err = s.deps.Store.List(ctx, f)
	wg.Wait()
	if err == nil {
		err = cerr
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "queue", v)
}

// ruleNames lists the running pack's rule ids and typologies for filters.
func (s *Server) ruleNames() (ids, typologies []string) {
	rs := s.pack().rules
	if rs == nil {
		return nil, nil
	}
	seen := map[string]bool{}
	for _, r := range rs.Rules {
		ids = append(ids, r.ID)
		if !seen[r.Typology] {
			seen[r.Typology] = true
			typologies = append(typologies, r.Typology)
		}
	}
	sort.Strings(ids)
	sort.Strings(typologies)
	return ids, typologies
}

// alertView is the alert page's data.
type alertView struct {
	*detail
	Users        []string
	Dispositions []string
	Supervisor   bool
	Cases        []store.Case
	// Matches are the alert's sanctions matches and their clearings.
	Matches []alertMatch
	// KeptOpen, for an open alert with matches, says why clearing all of
	// them would not close it (its rule could fire without them).
	KeptOpen string
	rules    *engine.RuleSet
}

// PathUnit is the unit of the amounts of the explanation's aggregate path
// entry key.
func (v *alertView) PathUnit(key string) string { return pathAmountUnit(v.rules, key) }

func (v *alertView) title() string { return "Alert " + v.Alert.ID[:min(8, len(v.Alert.ID))] }

func (s *Server) alertPage(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	d, err := s.alertDetail(ctx, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cases, err := s.deps.Store.Cases(ctx, 50)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var open []store.Case
	for _, c := range cases {
		if c.Status == "open" {
			open = append(open, c)
		}
	}
	matches, err := s.alertMatches(ctx, d.Alert)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &alertView{detail: d, Users: s.users.names(), Dispositions: Dispositions,
		Supervisor: principalOf(r).user.AtLeast(users.Supervisor), Cases: open, Matches: matches, rules: s.pack().rules}
	if len(matches) > 0 && d.Alert.Status != "closed" {
		v.KeptOpen = s.pack().unclosable(d.Alert, allCleared(matches))
	}
	s.render(w, r, http.StatusOK, "alert", v)
}

// alertForm is the alert page's actions (one form per action).
func (s *Server) alertForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ctx, cancel := s.ctx(r)
	defer cancel()
	var err error
	var msg string
	switch r.PostFormValue("action") {
	case "case_add":
		err = s.caseAct(ctx, principalOf(r), r.PostFormValue("case"), caseRequest{Action: "add", AlertIDs: []string{id}})
		msg = "added to case"
	case "clear_match":
		msg, err = s.clearForm(ctx, r, id)
	default:
		req := actionRequest{Action: r.PostFormValue("action"), To: r.PostFormValue("to"),
			Reason: r.PostFormValue("reason"), Note: r.PostFormValue("note")}
		_, err = s.act(ctx, principalOf(r), id, req)
		msg = label(req.Action) + " recorded"
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/alerts/"+url.PathEscape(id)+"?flash="+url.QueryEscape(msg), http.StatusSeeOther)
}

func label(action string) string {
	switch action {
	case "dispose":
		return "disposition"
	case "assign":
		return "assignment"
	}
	return action
}

func (s *Server) casesPage(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	cs, err := s.deps.Store.Cases(ctx, 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "cases", cs)
}

func (s *Server) createCaseForm(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	id, err := s.createCase(ctx, principalOf(r), r.PostFormValue("title"), r.PostForm["alert_id"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/cases/"+id+"?flash=case+opened", http.StatusSeeOther)
}

// casePageView is the case page's data.
type casePageView struct {
	*caseView
	Users      []string
	Statuses   []string
	Supervisor bool
	CanExport  bool
	TotalEUR   float64
	Graph      *graph
}

func (v *casePageView) title() string { return "Case · " + v.Case.Title }

func (s *Server) casePage(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	cv, err := s.caseDetail(ctx, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sup := principalOf(r).user.AtLeast(users.Supervisor)
	v := &casePageView{caseView: cv, Users: s.users.names(), Statuses: CaseStatuses, Supervisor: sup,
		CanExport: sup && s.deps.GoAML != nil}
	for _, t := range cv.Transactions {
		f, _ := strconv.ParseFloat(t.AmountEUR, 64)
		v.TotalEUR += f
	}
	paths, err := s.casePaths(ctx, cv.Alerts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(cv.Transactions) > 0 || len(paths) > 0 {
		v.Graph = buildCaseGraph(cv.Transactions, paths)
	}
	s.render(w, r, http.StatusOK, "case", v)
}

// casePaths returns the traced paths of the case's flow alerts, oldest
// alert first, so the case graph draws where their money went.
func (s *Server) casePaths(ctx context.Context, alerts []store.Alert) ([]*tracePath, error) {
	ids := make([]string, len(alerts))
	for i, a := range alerts {
		ids[i] = a.ID
	}
	expl, err := s.deps.Store.ExplanationsWith(ctx, ids, engine.TracePathKey)
	if err != nil {
		return nil, err
	}
	var paths []*tracePath
	for i := len(alerts) - 1; i >= 0; i-- { // alerts come newest first
		if p := parseTracePath(expl[alerts[i].ID]); p != nil {
			paths = append(paths, p)
		}
	}
	return paths, nil
}

func (s *Server) caseForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ctx, cancel := s.ctx(r)
	defer cancel()
	req := caseRequest{Action: r.PostFormValue("action"), To: r.PostFormValue("to"), Note: r.PostFormValue("note")}
	if err := s.caseAct(ctx, principalOf(r), id, req); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(id)+"?flash=saved", http.StatusSeeOther)
}
