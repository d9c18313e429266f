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
	"github.com/wudiag/wudiag/internal/render"
)

//go:embed templates/*.html static/*
var assets embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"causeName": func(id, lang string) string { return classify.CauseName(id, classify.ParseLanguage(lang)) },
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

// labels are the words of the pages in each language; the diagnosis
// itself comes in the language from the library, and the reasons inputs
// were skipped (reason_*) from the reports' wording (render.ReasonText).
var labels = withReasons(map[string]map[string]string{
	"en": {
		"cases": "Cases", "upload": "Upload a bundle", "uploadHelp": "A zip of the logs, or several log files (CBS.log, dism.log, .evtx, WindowsUpdate.log, …). Drop them here or choose them.",
		"machine": "Machine name (optional)", "send": "Analyse", "filter": "Filter", "status": "Status", "cause": "Cause",
		"kb": "Failing KB", "from": "From", "to": "To", "search": "Machine or KB", "any": "any", "created": "Uploaded",
		"files": "Files", "causes": "Causes", "none": "No case matches.", "failures": "Failed installations",
		"findings": "Causes, best first", "evidence": "Evidence", "remedy": "Remedy", "report": "HTML report",
		"inputs": "What was read", "problems": "Skipped", "waiting": "Analysing… this page refreshes by itself.",
		"failed": "The analysis failed", "noFailure": "No failed installation found.", "noFinding": "No cause found.",
		"logout": "Log out", "confidence": "confidence", "update": "Update", "code": "Code", "time": "Time", "resolved": "resolved later",
		"st_queued": "queued", "st_running": "running", "st_done": "done", "st_failed": "failed",
		"conf_high": "high", "conf_medium": "medium", "conf_low": "possible, not confirmed", "machineCol": "Machine",
		"line": "line", "record": "record", "moreEvidence": "more evidence", "problemsFailed": "Files and problems",
		"source": "Source", "entries": "entries", "score": "score", "login": "Log in", "token": "Access token", "badToken": "Wrong token.", "tooMany": "Too many wrong tokens from this address: wait a little and try again.",
	},
	"ja": {
		"cases": "ケース一覧", "upload": "バンドルのアップロード", "uploadHelp": "ログの zip、または複数のログ ファイル (CBS.log、dism.log、.evtx、WindowsUpdate.log など)。ここにドロップするか選択してください。",
		"machine": "マシン名 (任意)", "send": "分析", "filter": "絞り込み", "status": "状態", "cause": "原因",
		"kb": "失敗した KB", "from": "開始日", "to": "終了日", "search": "マシン名または KB", "any": "すべて", "created": "アップロード日時",
		"files": "ファイル", "causes": "原因", "none": "該当するケースはありません。", "failures": "失敗したインストール",
		"findings": "原因 (可能性の高い順)", "evidence": "根拠", "remedy": "対処", "report": "HTML レポート",
		"inputs": "読み取ったファイル", "problems": "スキップ", "waiting": "分析中… このページは自動で更新されます。",
		"failed": "分析に失敗しました", "noFailure": "失敗したインストールは見つかりませんでした。", "noFinding": "原因は見つかりませんでした。",
		"logout": "ログアウト", "confidence": "確度", "update": "更新プログラム", "code": "コード", "time": "日時", "resolved": "後で解決済み",
		"st_queued": "待機中", "st_running": "分析中", "st_done": "完了", "st_failed": "失敗",
		"conf_high": "高", "conf_medium": "中", "conf_low": "可能性あり (未確認)", "machineCol": "マシン名",
		"line": "行", "record": "レコード", "moreEvidence": "件のその他の根拠", "problemsFailed": "ファイルと問題",
		"source": "出典", "entries": "件", "score": "スコア", "login": "ログイン", "token": "アクセス トークン", "badToken": "トークンが違います。", "tooMany": "このアドレスからの誤ったトークンが多すぎます。しばらく待ってから再試行してください。",
	},
})

// withReasons adds the wording of every classify.Reason to the labels,
// keyed "reason_<code>".
func withReasons(labels map[string]map[string]string) map[string]map[string]string {
	for lang, t := range labels {
		for _, r := range classify.Reasons() {
			t["reason_"+string(r)] = render.ReasonText(r, classify.ParseLanguage(lang))
		}
	}
	return labels
}

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

// contract is the JSON contract as the case page reads it.
type contract struct {
	UTCOffset string `json:"utc_offset"`
	Failures  []struct {
		Update, Title, Code, Time, Family string
		Resolved                          bool
		Source                            struct {
			File   string
			Line   int
			Record uint64
		}
	}
	Findings []struct {
		Cause, Name, Confidence, Summary, Reason string
		Score                                    float64
		Evidence                                 []struct {
			Rule, Signal, File, Time, Text string
			Line                           int
			Record                         uint64
			Weight                         float64
		}
		EvidenceTotal int `json:"evidence_total"`
		Remedy        []string
	}
	Inputs []struct {
		File, Kind string
		Entries    int
		Errors     []string
		Skipped    bool
		Reason     string
	}
}

type caseData struct {
	Case     *Case
	D        *contract
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
			d.D = new(contract)
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
