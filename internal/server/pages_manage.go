package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/wudiag/wudiag/classify"
)

// causeDiff lists what a re-analysis changed: the causes it added and
// those it no longer finds.
type causeDiff struct{ Added, Removed []string }

func diffCauses(before, now []string) causeDiff {
	var d causeDiff
	for _, c := range now {
		if !slices.Contains(before, c) {
			d.Added = append(d.Added, c)
		}
	}
	for _, c := range before {
		if !slices.Contains(now, c) {
			d.Removed = append(d.Removed, c)
		}
	}
	return d
}

// deleteForm is POST /cases/{id}/delete from the case page.
func (s *Server) deleteForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := ErrNotFound
	if idPattern.MatchString(id) {
		err = s.store.DeleteCase(r.Context(), id)
	}
	if err != nil {
		code, msg := s.failure("delete case", err)
		http.Error(w, msg, code)
		return
	}
	s.dropCaseDir(id)
	s.audit(r, "delete", id, nil)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// reanalyseForm is POST /cases/{id}/reanalyse from the case page.
func (s *Server) reanalyseForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.reanalyse(r, id); err != nil {
		code, msg := s.failure("reanalyse", err)
		http.Error(w, msg, code)
		return
	}
	s.wakeWorkers()
	http.Redirect(w, r, "/cases/"+id, http.StatusSeeOther)
}

// trendsData is the trends page: the answer of the API laid out as a
// table per kind, a row per key and a column per day.
type trendsData struct {
	*trendsAnswer
	Dates  []string
	Causes []trendLine
	KBs    []trendLine
	All    []string // cause IDs to filter by
}

// A trendLine is one cause or KB with its count on each of Dates.
type trendLine struct {
	Key    string
	Counts []int
	Total  int
}

// trendsPage is GET /trends: the same counts as GET /api/v1/trends,
// a table of causes and one of KBs, most cases first.
func (s *Server) trendsPage(w http.ResponseWriter, r *http.Request) {
	a, err := s.trendsOf(r)
	if err != nil {
		code, msg := s.failure("trends", err)
		http.Error(w, msg, code)
		return
	}
	d := &trendsData{trendsAnswer: a, All: classify.Causes()}
	for _, row := range a.Rows {
		if !slices.Contains(d.Dates, row.Day) {
			d.Dates = append(d.Dates, row.Day)
		}
	}
	slices.Sort(d.Dates)
	lines := map[string]map[string]*trendLine{"cause": {}, "kb": {}}
	for _, row := range a.Rows {
		l := lines[row.Kind][row.Key]
		if l == nil {
			l = &trendLine{Key: row.Key, Counts: make([]int, len(d.Dates))}
			lines[row.Kind][row.Key] = l
		}
		l.Counts[slices.Index(d.Dates, row.Day)] += row.Cases
		l.Total += row.Cases
	}
	sorted := func(m map[string]*trendLine) []trendLine {
		out := make([]trendLine, 0, len(m))
		for _, l := range m {
			out = append(out, *l)
		}
		slices.SortFunc(out, func(a, b trendLine) int {
			if a.Total != b.Total {
				return b.Total - a.Total
			}
			return strings.Compare(a.Key, b.Key)
		})
		return out
	}
	d.Causes, d.KBs = sorted(lines["cause"]), sorted(lines["kb"])
	s.render(w, r, http.StatusOK, "trends.html", s.newPage(r, "wudiag", d))
}
