package server

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"reflect"
	"strings"
	"time"

	"github.com/wudiag/wudiag/classify"
	"github.com/wudiag/wudiag/report"
)

//go:embed templates/*.html static/*
var assets embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"causeName": func(id, lang string) string { return report.CauseName(id, report.ParseLanguage(lang)) },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"stamp": stamp,
	// word is the page's word for a fixed value (a status, a confidence):
	// T[prefix+value], else the value itself.
	"word": func(t map[string]string, prefix, value string) string {
		if w, ok := t[prefix+value]; ok {
			return w
		}
		return value
	},
	"first":      func(n int, list any) any { return headOrTail(list, n, true) },
	"rest":       func(n int, list any) any { return headOrTail(list, n, false) },
	"pct":        func(f float64) int { return int(f*100 + 0.5) },
	"join":       strings.Join,
	"inc":        func(i int) int { return i + 1 },
	"uploader":   displayWho,
	"diffCauses": diffCauses,
	"statuses": func() []Status {
		return []Status{StatusQueued, StatusRunning, StatusDone, StatusFailed}
	},
}).ParseFS(assets, "templates/*.html"))

// labels are the words of the pages in each language, from the report
// package's catalog (the diagnosis itself is worded by the report
// package too): the page labels, a finding's confidence (conf_*) and why
// an input was skipped (reason_*).
var labels = func() map[string]map[string]string {
	m := map[string]map[string]string{}
	for _, lang := range langs {
		tag := report.ParseLanguage(lang)
		t := report.Labels(tag, "page.")
		for k, v := range report.Labels(tag, "confidence.") {
			t["conf_"+k] = v
		}
		for k, v := range report.Labels(tag, "skip.") {
			t["reason_"+k] = v
		}
		m[lang] = t
	}
	return m
}()

// headOrTail is the first n items of a slice (head) or the rest.
func headOrTail(list any, n int, head bool) any {
	v := reflect.ValueOf(list)
	if v.Kind() != reflect.Slice {
		return list
	}
	if n > v.Len() {
		n = v.Len()
	}
	if head {
		return v.Slice(0, n).Interface()
	}
	return v.Slice(n, v.Len()).Interface()
}

// page is what every template gets.
type page struct {
	Lang  string
	T     map[string]string
	Title string
	// Switch is this page's URL in the other language.
	Switch, SwitchLang string
	Refresh            bool
	Data               any
}

func (s *Server) newPage(r *http.Request, title string, data any) *page {
	lang := langOf(r)
	if r.URL.Query().Get("lang") == "" {
		if c, err := r.Cookie("wudiag_lang"); err == nil && c.Value == "ja" {
			lang = "ja"
		}
	}
	other := "ja"
	if lang == "ja" {
		other = "en"
	}
	q := r.URL.Query()
	q.Set("lang", other)
	return &page{Lang: lang, T: labels[lang], Title: title, Switch: r.URL.Path + "?" + q.Encode(), SwitchLang: other, Data: data}
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, p *page) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, p); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if r.URL.Query().Get("lang") != "" {
		http.SetCookie(w, &http.Cookie{Name: "wudiag_lang", Value: p.Lang, Path: "/", SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := path.Base(r.URL.Path)
	b, err := assets.ReadFile("static/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(name) {
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "max-age=3600")
	w.Write(b)
}

// listData is the case list page: filters, causes to pick from, cases.
type listData struct {
	Filter url.Values
	Causes []string
	Cases  []*Case
	Error  string
}

func (s *Server) listPage(w http.ResponseWriter, r *http.Request) {
	s.showList(w, r, http.StatusOK, "")
}

func (s *Server) showList(w http.ResponseWriter, r *http.Request, code int, msg string) {
	d := &listData{Filter: r.URL.Query(), Causes: classify.Causes(), Error: msg}
	f, err := filterOf(r.URL.Query())
	if err == nil {
		d.Cases, err = s.store.List(r.Context(), f)
	}
	if err != nil {
		code, d.Error = s.failure("list", err)
	}
	p := s.newPage(r, "wudiag", d)
	for _, c := range d.Cases {
		if c.Status == StatusQueued || c.Status == StatusRunning {
			p.Refresh = true
		}
	}
	s.render(w, r, code, "list.html", p)
}

// uploadForm is POST /cases from the upload form: queue, then show the case.
func (s *Server) uploadForm(w http.ResponseWriter, r *http.Request) {
	r, cancel := s.uploadTime(w, r)
	defer cancel()
	c, err := s.receive(r, w)
	if err != nil {
		code, msg := s.failure("upload", err)
		r.URL.RawQuery = ""
		s.showList(w, r, code, msg)
		return
	}
	http.Redirect(w, r, "/cases/"+c.ID, http.StatusSeeOther)
}

// stamp shows a JSON contract time (RFC 3339) as the CLI's reports
// do: in the machine's local time with its offset when the contract
// gives it (utc_offset "-08:00": "2024-01-09 03:21:23 UTC-08:00"),
// else in UTC ("2024-01-09 11:21:23 UTC").
func stamp(s, offset string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	if o, err := time.Parse("-07:00", offset); err == nil && offset != "" {
		_, off := o.Zone()
		return t.In(time.FixedZone("", off)).Format("2006-01-02 15:04:05 UTC") + offset
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

type caseData struct {
	Case     *Case
	D        *report.Document // the stored JSON contract, in the page language
	Problems []problem
}

func (s *Server) casePage(w http.ResponseWriter, r *http.Request) {
	c, err := s.getCase(r)
	if err != nil {
		code, msg := statusOf(err)
		http.Error(w, msg, code)
		return
	}
	s.audit(r, "view", c.ID, nil)
	p := s.newPage(r, c.ID, nil)
	d := &caseData{Case: c}
	if b, err := s.store.Artifact(r.Context(), c.ID, artifactProblems); err == nil {
		d.Problems = loadProblems(b)
	}
	if c.Status == StatusDone {
		b, err := s.store.Artifact(r.Context(), c.ID, artifactName("json", p.Lang))
		if err == nil {
			d.D = new(report.Document)
			err = json.Unmarshal(b, d.D)
		}
		if err != nil {
			s.log.Error("load diagnosis", "case", c.ID, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
	}
	p.Data = d
	p.Refresh = c.Status == StatusQueued || c.Status == StatusRunning
	s.render(w, r, http.StatusOK, "case.html", p)
}

// safeNext is the page to go to after login: a path on this site only,
// else "/". next is parsed and must have no scheme, host or user, no
// control character or backslash anywhere (browsers drop tabs and
// newlines and read \ as /, so "/\t/evil.example" is "//evil.example"
// to them), and a path that starts with one slash; the answer is rebuilt
// from the path and query alone.
func safeNext(next string) string {
	bad := func(s string) bool {
		return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' || (r >= 0x80 && r < 0xa0) })
	}
	if bad(next) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || bad(u.Path) || bad(u.RawQuery) {
		return "/"
	}
	out := (&url.URL{Path: u.Path, RawQuery: u.RawQuery}).String()
	if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") || bad(out) {
		return "/"
	}
	return out
}
