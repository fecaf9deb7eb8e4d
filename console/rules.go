package console

import (
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/rules"
)

// ruleRow is one rule on the rules page: what the pack says and how the
// rule has fared.
type ruleRow struct {
	ID       string           `json:"rule_id"`
	Version  int              `json:"version"`
	Name     string           `json:"name"`
	Mode     string           `json:"mode"`
	Severity string           `json:"severity"`
	Typology string           `json:"typology"`
	InPack   bool             `json:"in_pack"`
	File     string           `json:"file,omitempty"` // the pack file defining it, for the backtest editor
	Stats    *store.RuleStats `json:"stats"`
	FPShare  float64          `json:"false_positive_share"`
	Days     []dayCount       `json:"per_day"`
	Max      uint64           `json:"-"`
}

type dayCount struct {
	Day string `json:"day"`
	N   uint64 `json:"alerts"`
	H   int    `json:"-"` // bar height in the sparkline, px
}

// rulesView is the rules page's data.
type rulesView struct {
	Rules []ruleRow `json:"rules"`
	From  string    `json:"from"`
	To    string    `json:"to"`
	Pack  string    `json:"pack"` // the running pack's directory name
	Hash  string    `json:"hash"` // of the running pack's content, as the service logs it
	Files []string  `json:"-"`
}

// statsDays is the rules page's window.
const statsDays = 30

// ruleReport joins the running pack with the alert and disposition
// statistics of the 30 days up to the newest alert (a replayed or
// synthetic feed's "now" is its newest event, not the wall clock).
func (s *Server) ruleReport(r *http.Request) (*rulesView, error) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	end, err := s.deps.Store.LatestAlert(ctx)
	if err != nil {
		return nil, err
	}
	if end.IsZero() {
		end = time.Now().UTC()
	}
	end = end.Truncate(24 * time.Hour).Add(24 * time.Hour)
	stats, err := s.deps.Store.RuleStats(ctx, end, statsDays)
	if err != nil {
		return nil, err
	}
	v := &rulesView{From: end.AddDate(0, 0, -statsDays).Format(time.DateOnly), To: end.AddDate(0, 0, -1).Format(time.DateOnly)}
	if s.deps.RulesPath != "" {
		v.Pack = packName(s.deps.RulesPath)
	}
	seen := map[string]bool{}
	if rs := s.pack().rules; rs != nil {
		v.Hash = rs.Hash
		for _, rl := range rs.Rules {
			seen[rl.ID] = true
			file, _, _ := strings.Cut(rl.Source, ":")
			v.Rules = append(v.Rules, ruleRow{ID: rl.ID, Version: rl.Version, Name: rl.Name, Mode: rl.Mode,
				Severity: rl.Severity, Typology: rl.Typology, InPack: true, Stats: stats[rl.ID], File: filepath.Base(file)})
		}
	}
	for id, st := range stats {
		if !seen[id] {
			v.Rules = append(v.Rules, ruleRow{ID: id, Stats: st})
		}
	}
	for i := range v.Rules {
		row := &v.Rules[i]
		if row.Stats == nil {
			row.Stats = &store.RuleStats{RuleID: row.ID, PerDay: map[string]uint64{}}
		}
		row.FPShare = row.Stats.FPShare()
		for d := 0; d < statsDays; d++ {
			day := end.AddDate(0, 0, d-statsDays).Format(time.DateOnly)
			n := row.Stats.PerDay[day]
			row.Days = append(row.Days, dayCount{Day: day, N: n})
			row.Max = max(row.Max, n)
		}
		for d := range row.Days {
			row.Days[d].H = 1 // an empty day is a baseline tick
			if row.Max > 0 && row.Days[d].N > 0 {
				row.Days[d].H = int(2 + 28*row.Days[d].N/row.Max)
			}
		}
	}
	sort.Slice(v.Rules, func(i, j int) bool { return v.Rules[i].ID < v.Rules[j].ID })
	if s.deps.RulesPath != "" {
		if entries, err := os.ReadDir(s.deps.RulesPath); err == nil {
			for _, e := range entries {
				if !e.IsDir() && rules.IsRuleFile(e.Name()) {
					v.Files = append(v.Files, e.Name())
				}
			}
		}
	}
	return v, nil
}

func (s *Server) apiRules(w http.ResponseWriter, r *http.Request) {
	v, err := s.ruleReport(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) rulesPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.ruleReport(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "rules", v)
}

// backtestPageView is the backtest form's data.
type backtestPageView struct {
	Files   []string
	File    string
	YAML    string
	From    string
	To      string
	Jobs    []backtestStatus
	Running string
}

func (s *Server) backtestPage(w http.ResponseWriter, r *http.Request) {
	v := &backtestPageView{Jobs: s.backtests.list(), Running: s.deps.RulesPath}
	if s.deps.RulesPath != "" {
		entries, _ := os.ReadDir(s.deps.RulesPath)
		for _, e := range entries {
			if !e.IsDir() && rules.IsRuleFile(e.Name()) {
				v.Files = append(v.Files, e.Name())
			}
		}
		v.File = r.URL.Query().Get("file")
		if v.File != "" && contains(v.Files, v.File) {
			if b, err := os.ReadFile(s.deps.RulesPath + "/" + v.File); err == nil {
				v.YAML = string(b)
			}
		} else {
			v.File = ""
		}
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	if end, err := s.deps.Store.LatestAlert(ctx); err == nil && !end.IsZero() {
		v.To = end.Add(time.Second).Format("2006-01-02T15:04")
		v.From = end.AddDate(0, 0, -7).Format("2006-01-02T15:04")
	}
	s.render(w, r, http.StatusOK, "backtest", v)
}

func (s *Server) backtestForm(w http.ResponseWriter, r *http.Request) {
	req := backtestRequest{Rules: r.PostFormValue("rules"), File: r.PostFormValue("file"),
		From: r.PostFormValue("from"), To: r.PostFormValue("to")}
	j, err := s.backtests.start(principalOf(r), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/backtest/"+j.ID, http.StatusSeeOther)
}

func (s *Server) backtestJobPage(w http.ResponseWriter, r *http.Request) {
	j, ok := s.backtests.get(r.PathValue("id"))
	if !ok {
		s.fail(w, r, store.ErrNotFound)
		return
	}
	s.render(w, r, http.StatusOK, "backtest_job", j.status())
}
