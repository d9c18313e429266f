package server

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const testToken = "test-token-7Qx2Lm9P"

// exampleDir is the corpus example the tests upload.
const exampleDir = "../../corpus/examples/win10-store-corruption"

// exampleZip zips the corpus example.
func exampleZip(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := filepath.WalkDir(exampleDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(exampleDir, p)
		w, err := zw.Create("Logs/" + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testServer is a Server on a store, served by httptest.
type testServer struct {
	*Server
	URL  string
	http *httptest.Server
}

// newTestServer starts a server with its workers on st (a new SQLite
// store when nil), stopped at the end of the test.
func newTestServer(t testing.TB, st Store, adjust func(*Config)) *testServer {
	t.Helper()
	dir := t.TempDir()
	if st == nil {
		var err error
		st, err = OpenStore(context.Background(), "", dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
	}
	cfg := Config{
		Store: st, DataDir: dir, Token: testToken,
		PollInterval: 50 * time.Millisecond, JanitorInterval: time.Hour,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if testing.Verbose() {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if adjust != nil {
		adjust(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() { hs.Close(); cancel(); <-done })
	return &testServer{Server: s, URL: hs.URL, http: hs}
}

// do sends a request with the token and decodes a JSON answer into out.
func (ts *testServer) do(t testing.TB, method, path, ctype string, body io.Reader, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

type created struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Error  string `json:"error"`
}

// postZip uploads a zip body and returns the new case's ID.
func (ts *testServer) postZip(t testing.TB, body []byte) string {
	t.Helper()
	var c created
	if code := ts.do(t, "POST", "/api/v1/cases?name=bundle.zip", "application/zip", bytes.NewReader(body), &c); code != http.StatusAccepted {
		t.Fatalf("POST zip: %d %+v", code, c)
	}
	if c.ID == "" || c.Status != "queued" {
		t.Fatalf("POST zip: %+v", c)
	}
	return c.ID
}

// caseResult is what the tests read of GET /api/v1/cases/{id}.
type caseResult struct {
	ID            string   `json:"id"`
	Status        string   `json:"status"`
	Error         string   `json:"error"`
	Machine       string   `json:"machine"`
	Files         []string `json:"files"`
	KBs           []string `json:"kbs"`
	SchemaVersion int      `json:"schema_version"`
	Failures      []struct {
		Update string `json:"update"`
		Source struct {
			File string `json:"file"`
		} `json:"source"`
	} `json:"failures"`
	Findings []struct {
		Cause, Name, Summary string
		Remedy               []string
	} `json:"findings"`
}

// wait polls a case until it is done or failed.
func (ts *testServer) wait(t testing.TB, id, lang string) caseResult {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var r caseResult
		if code := ts.do(t, "GET", "/api/v1/cases/"+id+"?lang="+lang, "", nil, &r); code != http.StatusOK {
			t.Fatalf("GET case: %d", code)
		}
		if r.Status == "done" || r.Status == "failed" {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("case %s still %s", id, r.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestAPIZip(t *testing.T) {
	ts := newTestServer(t, nil, nil)
	id := ts.postZip(t, exampleZip(t))
	r := ts.wait(t, id, "en")
	if r.Status != "done" || r.SchemaVersion != 1 || r.ID != id {
		t.Fatalf("case: %+v", r)
	}
	if len(r.Failures) == 0 || r.Failures[0].Update != "KB5034122" {
		t.Errorf("failures: %+v", r.Failures)
	}
	// Reports name the client's file, not the data folder.
	if f := r.Failures[0].Source.File; f != "bundle.zip:Logs/CBS.log" {
		t.Errorf("source file %q", f)
	}
	if len(r.Findings) == 0 || r.Findings[0].Cause != "component_corruption" || len(r.Findings[0].Remedy) == 0 {
		t.Fatalf("findings: %+v", r.Findings)
	}
	ja := ts.wait(t, id, "ja")
	if ja.Findings[0].Name == r.Findings[0].Name || !strings.Contains(ja.Findings[0].Name, "コンポーネント") {
		t.Errorf("ja name %q, en %q", ja.Findings[0].Name, r.Findings[0].Name)
	}
	// The upload was dropped after analysis (KeepUploads false).
	if _, err := os.Stat(ts.caseDir(id)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("case folder kept: %v", err)
	}
	// The HTML report.
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/cases/"+id+"/report?lang=ja", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte("<html")) || !bytes.Contains(b, []byte("KB5034122")) {
		t.Errorf("report: %d %.200s", resp.StatusCode, b)
	}
}

func TestAPIMultipartAndList(t *testing.T) {
	ts := newTestServer(t, nil, func(c *Config) { c.KeepUploads = true })
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("machine", "PC-Tokyo-01")
	for _, name := range []string{"CBS.log", "dism.log"} {
		b, err := os.ReadFile(filepath.Join(exampleDir, name))
		if err != nil {
			t.Fatal(err)
		}
		// A hostile name: it must stay metadata.
		w, _ := mw.CreateFormFile("files", `..\..\..\`+name)
		w.Write(b)
	}
	mw.Close()
	var c created
	if code := ts.do(t, "POST", "/api/v1/cases", mw.FormDataContentType(), &body, &c); code != http.StatusAccepted {
		t.Fatalf("POST multipart: %d %+v", code, c)
	}
	r := ts.wait(t, c.ID, "en")
	if r.Status != "done" || r.Machine != "PC-Tokyo-01" || strings.Join(r.Files, ",") != "CBS.log,dism.log" {
		t.Fatalf("case: %+v", r)
	}
	// Kept under generated names inside the case folder, nowhere else.
	got, _ := filepath.Glob(filepath.Join(ts.caseDir(c.ID), "upload", "*"))
	if len(got) != 2 || filepath.Base(got[0]) != "0000" {
		t.Errorf("stored files %v", got)
	}
	failed := ts.postZip(t, []byte("not a zip, not a log"))
	if r := ts.wait(t, failed, "en"); r.Status != "done" && r.Status != "failed" {
		t.Fatalf("garbage: %+v", r)
	}

	for _, tc := range []struct {
		query string
		want  int
	}{
		{"", 2},
		{"?cause=component_corruption", 1},
		{"?cause=av_conflict", 0},
		{"?kb=5034122", 1},
		{"?kb=KB5034441", 0},
		{"?q=tokyo", 1},
		{"?q=kb50341", 1},
		{"?status=done&q=PC", 1},
		{"?from=2000-01-01&to=" + url.QueryEscape(time.Now().UTC().Format("2006-01-02")), 2},
		{"?to=2000-01-01", 0},
	} {
		var out struct {
			Cases []caseJSON `json:"cases"`
		}
		if code := ts.do(t, "GET", "/api/v1/cases"+tc.query, "", nil, &out); code != 200 || len(out.Cases) != tc.want {
			t.Errorf("list %q: %d, %d cases, want %d", tc.query, code, len(out.Cases), tc.want)
		}
	}
	var bad map[string]string
	if code := ts.do(t, "GET", "/api/v1/cases?status=lost", "", nil, &bad); code != http.StatusBadRequest {
		t.Errorf("bad status filter: %d", code)
	}
}

func TestFailedCaseKeepsServing(t *testing.T) {
	ts := newTestServer(t, nil, nil)
	ts.diagnoseHook = func(ctx context.Context, c *Case) (*Result, error) {
		if c.Files[0] == "boom.zip" {
			panic("bundle from hell")
		}
		return ts.diagnose(ctx, c)
	}
	var c created
	ts.do(t, "POST", "/api/v1/cases?name=boom.zip", "application/zip", bytes.NewReader(exampleZip(t)), &c)
	r := ts.wait(t, c.ID, "en")
	if r.Status != "failed" || !strings.Contains(r.Error, "bundle from hell") {
		t.Fatalf("panicking case: %+v", r)
	}
	// Nothing readable: failed, with the reason.
	empty := ts.postZip(t, func() []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		zw.Close()
		return b.Bytes()
	}())
	if r := ts.wait(t, empty, "en"); r.Status != "failed" || r.Error == "" {
		t.Fatalf("empty zip: %+v", r)
	}
	// And the next good one is analysed.
	if r := ts.wait(t, ts.postZip(t, exampleZip(t)), "en"); r.Status != "done" {
		t.Fatalf("after failures: %+v", r)
	}
}

func TestAnalysisTimeout(t *testing.T) {
	ts := newTestServer(t, nil, func(c *Config) { c.AnalysisTimeout = 50 * time.Millisecond })
	ts.diagnoseHook = func(ctx context.Context, c *Case) (*Result, error) {
		<-ctx.Done()
		return &Result{}, ctx.Err()
	}
	r := ts.wait(t, ts.postZip(t, exampleZip(t)), "en")
	if r.Status != "failed" || !strings.Contains(r.Error, "longer than") {
		t.Fatalf("%+v", r)
	}
}

func TestAuth(t *testing.T) {
	ts := newTestServer(t, nil, nil)
	get := func(path string, hdr http.Header) *http.Response {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		if hdr != nil {
			req.Header = hdr
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := get("/healthz", nil); r.StatusCode != 200 {
		t.Errorf("healthz: %d", r.StatusCode)
	}
	for _, h := range []http.Header{nil, {"Authorization": {"Bearer wrong"}}, {"Authorization": {"Basic " + testToken}}} {
		if r := get("/api/v1/cases", h); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("API with %v: %d", h, r.StatusCode)
		}
	}
	if r := get("/cases/x", nil); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Errorf("page without token: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	// POST without a token is 401, never stored.
	resp, _ := http.Post(ts.URL+"/api/v1/cases", "application/zip", bytes.NewReader(exampleZip(t)))
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST without token: %d", resp.StatusCode)
	}

	// Login: wrong token refused, right one sets the cookie.
	form := url.Values{"token": {"nope"}, "next": {"//evil.example/"}}
	resp, _ = http.DefaultTransport.RoundTrip(postForm(ts.URL+"/login", form))
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("bad login: %d", resp.StatusCode)
	}
	form.Set("token", testToken)
	resp, _ = http.DefaultTransport.RoundTrip(postForm(ts.URL+"/login", form))
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == cookieName {
			cookie = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" || cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("login: %d %q %+v", resp.StatusCode, resp.Header.Get("Location"), cookie)
	}
	if r := get("/", http.Header{"Cookie": {cookie.String()}}); r.StatusCode != 200 {
		t.Errorf("list page with cookie: %d", r.StatusCode)
	}

	// A form posted from another site is refused even with the cookie.
	req, _ := http.NewRequest("POST", ts.URL+"/cases", bytes.NewReader(exampleZip(t)))
	req.Header.Set("Content-Type", "application/zip")
	req.Header.Set("Cookie", cookie.String())
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	resp, _ = http.DefaultTransport.RoundTrip(req)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site form post: %d", resp.StatusCode)
	}
	var out struct{ Cases []caseJSON }
	ts.do(t, "GET", "/api/v1/cases", "", nil, &out)
	if len(out.Cases) != 0 {
		t.Errorf("stored %d cases from refused requests", len(out.Cases))
	}
}

func postForm(u string, v url.Values) *http.Request {
	req, _ := http.NewRequest("POST", u, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func TestUploadLimits(t *testing.T) {
	ts := newTestServer(t, nil, func(c *Config) { c.MaxUpload = 1000; c.MaxFiles = 1 })
	var e map[string]string
	if code := ts.do(t, "POST", "/api/v1/cases", "application/zip", bytes.NewReader(exampleZip(t)), &e); code != http.StatusRequestEntityTooLarge {
		t.Errorf("large upload: %d %v", code, e)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for i := range 2 {
		w, _ := mw.CreateFormFile("files", fmt.Sprint(i))
		w.Write([]byte("x"))
	}
	mw.Close()
	if code := ts.do(t, "POST", "/api/v1/cases", mw.FormDataContentType(), &body, &e); code != http.StatusRequestEntityTooLarge {
		t.Errorf("too many files: %d %v", code, e)
	}
	if code := ts.do(t, "POST", "/api/v1/cases", "text/plain", strings.NewReader("x"), &e); code != http.StatusUnsupportedMediaType {
		t.Errorf("text body: %d %v", code, e)
	}
	// Refused uploads leave nothing behind.
	if ents, _ := os.ReadDir(filepath.Join(ts.cfg.DataDir, "cases")); len(ents) != 0 {
		t.Errorf("left %d case folders", len(ents))
	}
	var out struct{ Cases []caseJSON }
	ts.do(t, "GET", "/api/v1/cases", "", nil, &out)
	if len(out.Cases) != 0 {
		t.Errorf("stored %d cases", len(out.Cases))
	}
	if code := ts.do(t, "GET", "/api/v1/cases/../../etc", "", nil, nil); code == 200 {
		t.Errorf("odd id answered 200")
	}
}

func TestPages(t *testing.T) {
	ts := newTestServer(t, nil, nil)
	id := ts.postZip(t, exampleZip(t))
	ts.wait(t, id, "en")
	page := func(path string) string {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	en := page("/cases/" + id + "?lang=en")
	for _, want := range []string{"Component store corruption", "KB5034122", "Remedy", "/cases/" + id + "/report?lang=en"} {
		if !strings.Contains(en, want) {
			t.Errorf("case page (en) lacks %q", want)
		}
	}
	ja := page("/cases/" + id + "?lang=ja")
	for _, want := range []string{"コンポーネント ストアの破損", "対処", "?lang=en"} {
		if !strings.Contains(ja, want) {
			t.Errorf("case page (ja) lacks %q", want)
		}
	}
	list := page("/?cause=component_corruption")
	if !strings.Contains(list, id) || !strings.Contains(list, `enctype="multipart/form-data"`) {
		t.Errorf("list page lacks the case or the form")
	}
	if list := page("/?kb=KB1"); strings.Contains(list, id) {
		t.Errorf("kb filter shows the case")
	}
}

// finishHook is a Store that calls before at the start of each Finish.
type finishHook struct {
	Store
	before func(c *Case)
}

func (f *finishHook) Finish(ctx context.Context, c *Case, r *Result) error {
	f.before(c)
	return f.Store.Finish(ctx, c, r)
}

// The upload folder is gone before the result is published: a client
// that sees "done" never finds the files still there (TestAPIZip was
// flaky on this).
func TestUploadDroppedBeforeFinish(t *testing.T) {
	var ts *testServer
	kept := make(chan error, 10)
	st := &finishHook{Store: sqliteStore(t), before: func(c *Case) {
		_, err := os.Stat(ts.caseDir(c.ID))
		if !errors.Is(err, fs.ErrNotExist) {
			kept <- fmt.Errorf("case folder still there at Finish: %v", err)
		}
	}}
	ts = newTestServer(t, st, nil)
	ts.wait(t, ts.postZip(t, exampleZip(t)), "en")
	select {
	case err := <-kept:
		t.Fatal(err)
	default:
	}
}

// A case's error names the client's files, never the server's paths.
func TestCaseErrorHidesServerPaths(t *testing.T) {
	ts := newTestServer(t, nil, nil)
	ts.diagnoseHook = func(ctx context.Context, c *Case) (*Result, error) {
		if c.Files[0] == "gone.zip" {
			os.RemoveAll(ts.caseDir(c.ID))
			return ts.diagnose(ctx, c)
		}
		// A library error that quotes the stored file's path.
		_, err := os.Open(filepath.Join(ts.caseDir(c.ID), "upload", uploadName(0), "nested"))
		return &Result{}, fmt.Errorf("read: %w; also %s", err, ts.cfg.DataDir)
	}
	for _, name := range []string{"gone.zip", "mine.zip"} {
		var c created
		ts.do(t, "POST", "/api/v1/cases?name="+name, "application/zip", bytes.NewReader(exampleZip(t)), &c)
		r := ts.wait(t, c.ID, "en")
		if r.Status != "failed" || r.Error == "" || strings.Contains(r.Error, ts.cfg.DataDir) || strings.Contains(r.Error, c.ID) {
			t.Errorf("%s: error %q shows a server path", name, r.Error)
		}
		if name == "mine.zip" && !strings.Contains(r.Error, "mine.zip/nested") {
			t.Errorf("%s: error %q lacks the client's name", name, r.Error)
		}
	}
}

// The case answer has each key once, and a domain machine name is kept
// whole.
func TestCaseAnswerMachine(t *testing.T) {
	ts := newTestServer(t, nil, nil)
	// The logs name a machine too: the contract has its own "machine".
	ts.diagnoseHook = func(ctx context.Context, c *Case) (*Result, error) {
		r, err := ts.diagnose(ctx, c)
		for _, lang := range langs {
			var m map[string]any
			json.Unmarshal(r.Artifacts[artifactName("json", lang)], &m)
			m["machine"] = "FROM-LOGS"
			r.Artifacts[artifactName("json", lang)], _ = json.Marshal(m)
		}
		return r, err
	}
	var c created
	ts.do(t, "POST", "/api/v1/cases?name=b.zip&machine="+url.QueryEscape(`CONTOSO\PC01`), "application/zip", bytes.NewReader(exampleZip(t)), &c)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("machine", `CONTOSO\PC02`)
	w, _ := mw.CreateFormFile("files", "CBS.log")
	b, _ := os.ReadFile(filepath.Join(exampleDir, "CBS.log"))
	w.Write(b)
	mw.Close()
	var c2 created
	ts.do(t, "POST", "/api/v1/cases", mw.FormDataContentType(), &body, &c2)
	for id, want := range map[string]string{c.ID: `CONTOSO\PC01`, c2.ID: `CONTOSO\PC02`} {
		if r := ts.wait(t, id, "en"); r.Status != "done" || r.Machine != want {
			t.Errorf("case %s: status %s, machine %q, want %q", id, r.Status, r.Machine, want)
		}
		var raw json.RawMessage
		ts.do(t, "GET", "/api/v1/cases/"+id, "", nil, &raw)
		if n := bytes.Count(raw, []byte(`"machine"`)); n != 1 {
			t.Errorf("case %s: %d machine keys in %s", id, n, raw)
		}
		if !bytes.Contains(raw, []byte(`"schema_version": 1`)) || !bytes.Contains(raw, []byte(`"failures"`)) {
			t.Errorf("case %s: contract fields missing: %.300s", id, raw)
		}
	}
}

// Login sends the browser only to a local path, rebuilt from its parts.
func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/cases/abc?lang=ja":     "/cases/abc?lang=ja",
		"/":                      "/",
		"":                       "/",
		"/\t/evil.example":       "/",
		"/\n/evil.example":       "/",
		"/%09/evil.example":      "/", // a tab once decoded
		"//evil.example/":        "/",
		`/\evil.example`:         "/",
		`\/evil.example`:         "/",
		"https://evil.example/":  "/",
		"javascript:alert(1)":    "/",
		"/ok\x1b]52;c;x\a":       "/",
		"/a/../../x":             "/a/../../x",
		"/x?next=//evil.example": "/x?next=//evil.example",
		"///evil.example":        "/",
		"/\u0085/evil.example":   "/",
		"http:/evil.example":     "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
	// And end to end: the Location header of a login with a hostile next.
	ts := newTestServer(t, nil, nil)
	form := url.Values{"token": {testToken}, "next": {"/\t/evil.example"}}
	resp, err := http.DefaultTransport.RoundTrip(postForm(ts.URL+"/login", form))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
		t.Errorf("login with a tab in next: %d %q", resp.StatusCode, loc)
	}
}

// logBuffer is a slog.Logger into a buffer, safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// failingFile is an upload file on a full disk.
type failingFile struct{ err error }

func (f failingFile) Write(p []byte) (int, error) { return 0, f.err }
func (f failingFile) Close() error                { return nil }

// Client mistakes are 400 and logged quietly; a full disk is 507.
func TestUploadErrors(t *testing.T) {
	logs := &logBuffer{}
	ts := newTestServer(t, nil, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
	var full bytes.Buffer
	mw := multipart.NewWriter(&full)
	w, _ := mw.CreateFormFile("files", "CBS.log")
	w.Write(bytes.Repeat([]byte("2024-01-10 03:12:44, Info CBS x\r\n"), 2000))
	mw.Close()
	truncated := full.Bytes()[:full.Len()/2]
	for _, tc := range []struct {
		name, ctype string
		body        []byte
		want        int
	}{
		{"truncated multipart", mw.FormDataContentType(), truncated, http.StatusBadRequest},
		{"wrong boundary", "multipart/form-data; boundary=nothere", full.Bytes(), http.StatusBadRequest},
		{"no boundary", "multipart/form-data", full.Bytes(), http.StatusBadRequest},
		{"empty zip body", "application/zip", nil, http.StatusBadRequest},
		{"empty file part", mw.FormDataContentType(), func() []byte {
			var b bytes.Buffer
			m := multipart.NewWriter(&b)
			m.SetBoundary(mw.Boundary())
			m.CreateFormFile("files", "empty.log")
			m.Close()
			return b.Bytes()
		}(), http.StatusBadRequest},
	} {
		var e map[string]string
		if code := ts.do(t, "POST", "/api/v1/cases", tc.ctype, bytes.NewReader(tc.body), &e); code != tc.want {
			t.Errorf("%s: %d %v, want %d", tc.name, code, e, tc.want)
		}
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("client mistakes logged as errors:\n%s", logs)
	}
	ts.createFile = func(string) (io.WriteCloser, error) { return failingFile{syscall.ENOSPC}, nil }
	var e map[string]string
	if code := ts.do(t, "POST", "/api/v1/cases", "application/zip", bytes.NewReader(exampleZip(t)), &e); code != http.StatusInsufficientStorage {
		t.Errorf("full disk: %d %v", code, e)
	}
	if ents, _ := os.ReadDir(filepath.Join(ts.cfg.DataDir, "cases")); len(ents) != 0 {
		t.Errorf("refused uploads left %d folders", len(ents))
	}
}

// Upload folders with no case (a process killed mid-upload) are removed
// at start and by the janitor; cases' folders and uploads under way stay.
func TestOrphanedUploads(t *testing.T) {
	dir := t.TempDir()
	orphan := func(id string) string {
		p := filepath.Join(dir, "cases", id, "upload")
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(p, "0000"), []byte("half an upload"), 0o600)
		return filepath.Dir(p)
	}
	atStart := orphan(newID())
	st := sqliteStore(t)
	ts := newTestServer(t, st, func(c *Config) { c.DataDir = dir; c.KeepUploads = true })
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(atStart); errors.Is(err, fs.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("orphaned folder not removed at start")
		}
	}
	kept := ts.postZip(t, exampleZip(t))
	ts.wait(t, kept, "en")
	busy := newID()
	ts.uploading.Store(busy, true)
	busyDir := orphan(busy)
	late := orphan(newID())
	young := orphan(newID())
	old := time.Now().Add(-2 * ts.orphanAge())
	for _, d := range []string{busyDir, late, ts.caseDir(kept)} {
		os.Chtimes(d, old, old)
	}
	ts.sweepOrphans(context.Background(), time.Now().Add(-ts.orphanAge()))
	for d, want := range map[string]bool{busyDir: true, late: false, young: true, ts.caseDir(kept): true} {
		if _, err := os.Stat(d); (err == nil) != want {
			t.Errorf("%s: kept %v, want %v", d, err == nil, want)
		}
	}
}
