package server

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wudiag/wudiag/classify"
	"github.com/wudiag/wudiag/report"
)

// A case whose uploads were kept is analysed again with the current
// rules; it then says which rule set it used before and what changed.
func TestReanalyse(t *testing.T) {
	ts := newTestServer(t, nil, func(c *Config) { c.KeepUploads = true })
	id := ts.postZip(t, exampleZip(t))
	first := ts.wait(t, id, "en")
	if first.Status != "done" || len(first.Findings) == 0 {
		t.Fatalf("first analysis: %+v", first)
	}
	var head struct {
		Status               string   `json:"status"`
		Causes               []string `json:"causes"`
		RulesVersion         string   `json:"rules_version"`
		PreviousRulesVersion string   `json:"previous_rules_version"`
		PreviousCauses       []string `json:"previous_causes"`
	}
	ts.do(t, "GET", "/api/v1/cases/"+id, "", nil, &head)
	stock := head.RulesVersion
	if stock != RulesVersion(nil) || head.PreviousRulesVersion != "" {
		t.Fatalf("first head: %+v", head)
	}

	// The team drops every rule of the top cause. The workers are idle;
	// the wake-up of the re-analysis orders this write before their read.
	dropped := first.Findings[0].Cause
	var rules []*classify.Rule
	for _, r := range classify.StockRules() {
		if r.Cause != dropped {
			rules = append(rules, r)
		}
	}
	ts.cfg.Rules, ts.cfg.RulesVersion = rules, RulesVersion(rules)
	if code := ts.do(t, "POST", "/api/v1/cases/"+id+"/reanalyse", "", nil, nil); code != http.StatusAccepted {
		t.Fatalf("reanalyse: %d", code)
	}
	ts.wait(t, id, "en")
	ts.do(t, "GET", "/api/v1/cases/"+id, "", nil, &head)
	if head.RulesVersion != RulesVersion(rules) || head.RulesVersion == stock || head.PreviousRulesVersion != stock ||
		!slices.Contains(head.PreviousCauses, dropped) || slices.Contains(head.Causes, dropped) {
		t.Errorf("after re-analysis: %+v (dropped %s)", head, dropped)
	}
	code, body := ts.get(t, "/cases/"+id)
	if code != http.StatusOK || !strings.Contains(string(body), `id="rules-diff"`) || !strings.Contains(string(body), stock) {
		t.Errorf("case page: %d, no diff or previous version", code)
	}

	// All cases at once.
	var all struct{ Queued, Skipped int }
	if code := ts.do(t, "POST", "/api/v1/reanalyse", "", nil, &all); code != http.StatusAccepted || all.Queued != 1 {
		t.Errorf("reanalyse all: %d %+v", code, all)
	}
	ts.wait(t, id, "en")
	if code := ts.do(t, "POST", "/api/v1/cases/aaaaaaaaaaaaaaaaaaaaaaaaaa/reanalyse", "", nil, nil); code != http.StatusNotFound {
		t.Errorf("reanalyse unknown: %d", code)
	}
}

// Without kept uploads a case cannot be analysed again: 409, and
// "all" skips it.
func TestReanalyseNeedsUploads(t *testing.T) {
	ts := newTestServer(t, nil, nil)
	id := ts.postZip(t, exampleZip(t))
	ts.wait(t, id, "en")
	var e struct{ Error string }
	if code := ts.do(t, "POST", "/api/v1/cases/"+id+"/reanalyse", "", nil, &e); code != http.StatusConflict || !strings.Contains(e.Error, "--keep-uploads") {
		t.Errorf("reanalyse without uploads: %d %q", code, e.Error)
	}
	var all struct{ Queued, Skipped int }
	if code := ts.do(t, "POST", "/api/v1/reanalyse", "", nil, &all); code != http.StatusAccepted || all.Queued != 0 || all.Skipped != 1 {
		t.Errorf("reanalyse all: %d %+v", code, all)
	}
}

// The trends page lays out the API's counts; the case page's forms
// delete a case.
func TestTrendsPageAndDeleteForm(t *testing.T) {
	ts := newTestServer(t, nil, nil)
	id := ts.postZip(t, exampleZip(t))
	r := ts.wait(t, id, "en")
	for _, lang := range []string{"en", "ja"} {
		code, body := ts.get(t, "/trends?days=3&lang="+lang)
		if code != http.StatusOK || !strings.Contains(string(body), `id="trend-causes"`) ||
			!strings.Contains(string(body), report.CauseName(r.Findings[0].Cause, report.ParseLanguage(lang))) {
			t.Errorf("trends page (%s): %d\n%s", lang, code, body)
		}
	}
	// The page's export link is a valid list query.
	since := time.Now().UTC().AddDate(0, 0, -2).Format("2006-01-02")
	if code, body := ts.get(t, "/api/v1/cases.csv?status=done&cause=&kb=&from="+since+"&limit=1000"); code != http.StatusOK || !strings.Contains(string(body), id) {
		t.Errorf("export link: %d %s", code, body)
	}
	if code, body := ts.get(t, "/trends?cause=none_such"); code != http.StatusOK || !strings.Contains(string(body), `id="no-trend"`) {
		t.Errorf("empty trends page: %d", code)
	}
	req, _ := http.NewRequest("POST", ts.URL+"/cases/"+id+"/delete", bytes.NewReader(nil))
	req.Header.Set("Authorization", "Bearer "+testToken)
	if resp := send(t, req); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete form: %d", resp.StatusCode)
	}
	if code := ts.do(t, "GET", "/api/v1/cases/"+id, "", nil, nil); code != http.StatusNotFound {
		t.Errorf("deleted case: %d", code)
	}
}
