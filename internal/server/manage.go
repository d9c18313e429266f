package server

import (
	"encoding/csv"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/wudiag/wudiag/internal/render"
)

// apiDelete is DELETE /api/v1/cases/{id}: the case, its results and its
// folder (kept uploads) go. A worker analysing it loses its claim and
// drops its result.
func (s *Server) apiDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := ErrNotFound
	if idPattern.MatchString(id) {
		err = s.store.DeleteCase(r.Context(), id)
	}
	if err != nil {
		code, msg := s.failure("delete case", err)
		writeError(w, code, msg)
		return
	}
	s.dropCaseDir(id)
	s.audit(r, "delete", id, nil)
	w.WriteHeader(http.StatusNoContent)
}

// dropCaseDir removes a deleted case's folder (its kept uploads).
func (s *Server) dropCaseDir(id string) {
	if err := os.RemoveAll(s.caseDir(id)); err != nil {
		s.log.Error("delete case folder", "case", id, "err", err)
	}
	s.log.Info("case deleted", "case", id)
}

// casesCSV is GET /api/v1/cases.csv: the case list, with the same
// filters as GET /api/v1/cases, as CSV for a spreadsheet.
func (s *Server) casesCSV(w http.ResponseWriter, r *http.Request) {
	f, err := filterOf(r.URL.Query())
	var cs []*Case
	if err == nil {
		cs, err = s.store.List(r.Context(), f)
	}
	if err != nil {
		code, msg := s.failure("export", err)
		writeError(w, code, msg)
		return
	}
	s.audit(r, "export", "", map[string]any{"cases": len(cs)})
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="wudiag-cases.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "status", "created", "finished", "machine", "uploaded_by", "kbs", "causes", "rules_version", "error", "files"})
	for _, c := range cs {
		fin := ""
		if !c.Finished.IsZero() {
			fin = c.Finished.Format(time.RFC3339)
		}
		row := render.CSVRow(c.ID, string(c.Status), c.Created.Format(time.RFC3339), fin, c.Machine, displayWho(c.Uploader),
			strings.Join(c.KBs, " "), strings.Join(c.Causes, " "), c.RulesVersion, c.Error, strings.Join(c.Files, " "))
		cw.Write(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.log.Error("export", "err", err)
	}
}

// trendsAnswer is GET /api/v1/trends.
type trendsAnswer struct {
	Days  int        `json:"days"`
	Since string     `json:"since"` // first day counted, UTC
	Cause string     `json:"cause,omitempty"`
	KB    string     `json:"kb,omitempty"`
	Rows  []TrendRow `json:"rows"`
}

// trendsOf reads ?days=N (1 to 366, 30 by default), cause and kb and
// counts the done cases of the last N UTC days, today included.
func (s *Server) trendsOf(r *http.Request) (*trendsAnswer, error) {
	q := r.URL.Query()
	days := 30
	if v := q.Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 366 {
			return nil, errorf(http.StatusBadRequest, "days must be 1 to 366")
		}
		days = n
	}
	now := s.now().UTC()
	since := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1-days)
	a := &trendsAnswer{Days: days, Since: since.Format("2006-01-02"),
		Cause: strings.TrimSpace(q.Get("cause")), KB: strings.TrimSpace(q.Get("kb"))}
	if a.KB != "" {
		a.KB = normKB(a.KB)
	}
	rows, err := s.store.Trends(r.Context(), since, a.Cause, a.KB)
	if err != nil {
		return nil, err
	}
	a.Rows = rows
	return a, nil
}

// apiTrends is GET /api/v1/trends?days=N&cause=&kb=: per UTC day, how
// many done cases had each cause and each failing KB.
func (s *Server) apiTrends(w http.ResponseWriter, r *http.Request) {
	a, err := s.trendsOf(r)
	if err != nil {
		code, msg := s.failure("trends", err)
		writeError(w, code, msg)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// hasUpload reports whether the case's uploaded files are still in the
// data folder (Config.KeepUploads), which a re-analysis reads.
func (s *Server) hasUpload(id string) bool {
	_, err := os.Stat(filepath.Join(s.caseDir(id), "upload"))
	return err == nil
}

// reanalyse queues one done or failed case again with the server's
// current rules. Its uploads must have been kept.
func (s *Server) reanalyse(r *http.Request, id string) error {
	if !idPattern.MatchString(id) {
		return ErrNotFound
	}
	if !s.hasUpload(id) {
		if _, err := s.store.Get(r.Context(), id); err != nil {
			return err
		}
		return errorf(http.StatusConflict, "the uploaded files of case %s were not kept (serve --keep-uploads): it cannot be analysed again", id)
	}
	if err := s.store.Reanalyse(r.Context(), id); err != nil {
		if errors.Is(err, ErrBusy) {
			return errorf(http.StatusConflict, "case %s is queued or being analysed", id)
		}
		return err
	}
	s.audit(r, "reanalyse", id, map[string]any{"rules_version": s.cfg.RulesVersion})
	return nil
}

// apiReanalyse is POST /api/v1/cases/{id}/reanalyse: the case is queued
// again, to be analysed with the current rules.
func (s *Server) apiReanalyse(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.reanalyse(r, id); err != nil {
		code, msg := s.failure("reanalyse", err)
		writeError(w, code, msg)
		return
	}
	s.wakeWorkers()
	writeJSON(w, http.StatusAccepted, map[string]string{"id": id, "status": string(StatusQueued)})
}

// apiReanalyseAll is POST /api/v1/reanalyse: every done or failed case
// whose uploads were kept is queued again (after the rules changed);
// the answer counts those queued and those skipped for want of files.
func (s *Server) apiReanalyseAll(w http.ResponseWriter, r *http.Request) {
	out := struct {
		Queued       int    `json:"queued"`
		Skipped      int    `json:"skipped"`
		RulesVersion string `json:"rules_version"`
	}{RulesVersion: s.cfg.RulesVersion}
	for _, st := range []Status{StatusDone, StatusFailed} {
		cs, err := s.store.List(r.Context(), Filter{Status: st, Limit: 1 << 30})
		if err != nil {
			code, msg := s.failure("reanalyse", err)
			writeError(w, code, msg)
			return
		}
		for _, c := range cs {
			err := s.reanalyse(r, c.ID)
			var he *httpError
			switch {
			case err == nil:
				out.Queued++
			case errors.As(err, &he) || errors.Is(err, ErrNotFound):
				out.Skipped++ // no files, deleted or claimed meanwhile
			default:
				code, msg := s.failure("reanalyse", err)
				writeError(w, code, msg)
				return
			}
		}
	}
	s.wakeWorkers()
	writeJSON(w, http.StatusAccepted, out)
}
