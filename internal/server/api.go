package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/wudiag/wudiag/report"
)

// An httpError is an error with the status to answer it with.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func errorf(code int, format string, args ...any) error {
	return &httpError{code, fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// statusOf maps an error of receive or the store to an HTTP status.
func statusOf(err error) (int, string) {
	var he *httpError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		return he.code, he.msg
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("upload larger than %d bytes", mbe.Limit)
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, "case not found"
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "request timed out"
	case errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT):
		return http.StatusInsufficientStorage, "the server is out of disk space; try again later"
	}
	return http.StatusInternalServerError, "internal error"
}

// failure is statusOf that also logs the errors the client cannot fix.
func (s *Server) failure(what string, err error) (int, string) {
	code, msg := statusOf(err)
	if code >= 500 {
		s.log.Error(what, "err", err)
	}
	return code, msg
}

// A bodyError is an error reading the request body: the client's doing
// (a truncated or malformed body, a connection dropped), answered 400.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// bodyReader tags the errors of r as bodyErrors, so that a copy from
// the request to a file tells the client's failures from the disk's.
type bodyReader struct{ r io.Reader }

func (b bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		var mbe *http.MaxBytesError
		if !errors.As(err, &mbe) {
			err = &bodyError{err}
		}
	}
	return n, err
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// uploadName is the generated name of the i-th uploaded file.
func uploadName(i int) string { return fmt.Sprintf("%04d", i) }

// cleanMachine keeps of a machine name given at upload what is shown to
// people: printable, trimmed, at most 200 bytes. Unlike a file name it
// keeps its backslashes: CONTOSO\PC01 is one name, not a path.
func cleanMachine(name string) string {
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return '_'
		}
		return r
	}, strings.ToValidUTF8(name, "_")))
	if len(name) > 200 {
		name = strings.ToValidUTF8(name[:200], "")
	}
	return name
}

// cleanName keeps of a client's file name what is shown to people: the
// last element, printable, at most 200 bytes. It is never used as a path.
func cleanName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) || r == ':' {
			return '_'
		}
		return r
	}, name)
	if len(name) > 200 {
		name = name[:200]
	}
	if name == "" || name == "." || name == "/" || name == ".." {
		name = "upload"
	}
	return name
}

// receive stores the upload in r under a new case folder and queues the
// case. It accepts multipart/form-data (file parts, any field name, and
// an optional "machine" field) or a raw archive body (application/zip,
// application/gzip, application/vnd.ms-cab-compressed,
// application/octet-stream) named by ?name=.
func (s *Server) receive(r *http.Request, w http.ResponseWriter) (c *Case, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
	id := newID()
	// Until its row exists the folder is an upload under way, which the
	// sweep of orphaned folders must leave alone.
	s.uploading.Store(id, true)
	defer s.uploading.Delete(id)
	dir := filepath.Join(s.caseDir(id), "upload")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create case folder: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(s.caseDir(id))
		}
	}()
	c = &Case{ID: id, Created: time.Now(), Uploader: whoOf(r)}
	var total int64 // bytes received in all files
	save := func(name string, body io.Reader) error {
		if len(c.Files) >= s.cfg.MaxFiles {
			return errorf(http.StatusRequestEntityTooLarge, "more than %d files in one upload", s.cfg.MaxFiles)
		}
		// O_EXCL: the generated name is new; nothing is overwritten.
		f, err := s.createFile(filepath.Join(dir, uploadName(len(c.Files))))
		if err != nil {
			return fmt.Errorf("store upload: %w", err)
		}
		n, err := io.Copy(f, bodyReader{body})
		if err != nil {
			f.Close()
			var be *bodyError
			if errors.As(err, &be) {
				return errorf(http.StatusBadRequest, "upload cut short or malformed: %v", be.err)
			}
			return fmt.Errorf("receive upload: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("store upload: %w", err)
		}
		total += n
		c.Files = append(c.Files, cleanName(name))
		return nil
	}

	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "bad multipart body: %v", err)
		}
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return nil, err
				}
				return nil, errorf(http.StatusBadRequest, "bad multipart body: %v", err)
			}
			if p.FileName() == "" {
				if p.FormName() == "machine" {
					b, _ := io.ReadAll(io.LimitReader(p, 256))
					c.Machine = cleanMachine(string(b))
				}
				continue
			}
			if err := save(p.FileName(), p); err != nil {
				return nil, err
			}
		}
	case "application/zip", "application/x-zip-compressed", "application/gzip", "application/vnd.ms-cab-compressed", "application/octet-stream":
		name := r.URL.Query().Get("name")
		if name == "" {
			name = "bundle.zip"
		}
		c.Machine = cleanMachine(r.URL.Query().Get("machine"))
		if err := save(name, r.Body); err != nil {
			return nil, err
		}
	default:
		return nil, errorf(http.StatusUnsupportedMediaType, "send multipart/form-data or application/zip, not %q", ct)
	}
	if len(c.Files) == 0 {
		return nil, errorf(http.StatusBadRequest, "no file in the upload")
	}
	if total == 0 {
		return nil, errorf(http.StatusBadRequest, "the upload is empty")
	}
	if err := s.store.Create(r.Context(), c); err != nil {
		return nil, err
	}
	s.log.Info("case queued", "case", c.ID, "files", len(c.Files), "remote", r.RemoteAddr)
	s.audit(r, "upload", c.ID, map[string]any{"files": len(c.Files), "bytes": total})
	s.wakeWorkers()
	return c, nil
}

// apiCreate is POST /api/v1/cases.
func (s *Server) apiCreate(w http.ResponseWriter, r *http.Request) {
	r, cancel := s.uploadTime(w, r)
	defer cancel()
	c, err := s.receive(r, w)
	if err != nil {
		code, msg := s.failure("upload", err)
		writeError(w, code, msg)
		return
	}
	w.Header().Set("Location", "/api/v1/cases/"+c.ID)
	writeJSON(w, http.StatusAccepted, map[string]string{"id": c.ID, "status": string(c.Status)})
}

// caseJSON is the head of a case in the API; GET /api/v1/cases/{id}
// follows it with the fields of the JSON contract.
type caseJSON struct {
	ID       string     `json:"id"`
	Status   Status     `json:"status"`
	Error    string     `json:"error,omitempty"`
	Machine  string     `json:"machine"`
	Files    []string   `json:"files"`
	Created  time.Time  `json:"created"`
	Finished *time.Time `json:"finished,omitempty"`
	KBs      []string   `json:"kbs"`
	Causes   []string   `json:"causes"`
	Problems []string   `json:"problems,omitempty"`
	// UploadedBy names the token that uploaded the case ("token" for
	// the shared one); RulesVersion the rule set of its last analysis,
	// and the Previous fields those before a re-analysis.
	UploadedBy           string   `json:"uploaded_by"`
	RulesVersion         string   `json:"rules_version,omitempty"`
	PreviousRulesVersion string   `json:"previous_rules_version,omitempty"`
	PreviousCauses       []string `json:"previous_causes,omitempty"`
}

func newCaseJSON(c *Case) caseJSON {
	j := caseJSON{ID: c.ID, Status: c.Status, Error: c.Error, Machine: c.Machine, Files: c.Files,
		Created: c.Created, KBs: c.KBs, Causes: c.Causes, UploadedBy: displayWho(c.Uploader),
		RulesVersion: c.RulesVersion, PreviousRulesVersion: c.PrevRulesVersion, PreviousCauses: c.PrevCauses}
	if !c.Finished.IsZero() {
		j.Finished = &c.Finished
	}
	for _, p := range []*[]string{&j.Files, &j.KBs, &j.Causes} {
		if *p == nil {
			*p = []string{}
		}
	}
	return j
}

// langOf is the language asked for by ?lang=, "en" or "ja".
func langOf(r *http.Request) string {
	if strings.HasPrefix(strings.ToLower(r.URL.Query().Get("lang")), "ja") {
		return "ja"
	}
	return "en"
}

// getCase loads the case named in the path.
func (s *Server) getCase(r *http.Request) (*Case, error) {
	id := r.PathValue("id")
	if !idPattern.MatchString(id) {
		return nil, ErrNotFound
	}
	return s.store.Get(r.Context(), id)
}

// caseAnswer is GET /api/v1/cases/{id}: the case's head, then, once
// done, the fields of the JSON contract. It is marshalled as one typed
// struct so that every key appears once: the head's "machine" (given at
// upload, else found by the analysis) stands for the contract's.
type caseAnswer struct {
	caseJSON
	*contractFields
}

// contractFields are the fields of the stored JSON contract (schema
// version 1, report.Document) that the answer repeats, in the contract's
// order: all but "machine".
type contractFields struct {
	SchemaVersion int              `json:"schema_version"`
	UTCOffset     string           `json:"utc_offset,omitempty"`
	Since         string           `json:"since,omitempty"`
	Until         string           `json:"until,omitempty"`
	Failures      []report.Failure `json:"failures"`
	Findings      []report.Finding `json:"findings"`
	Inputs        []report.Input   `json:"inputs"`
	Explain       []report.Trace   `json:"explain,omitempty"`
}

func newContractFields(d *report.Document) *contractFields {
	return &contractFields{SchemaVersion: d.SchemaVersion, UTCOffset: d.UTCOffset, Since: d.Since, Until: d.Until,
		Failures: d.Failures, Findings: d.Findings, Inputs: d.Inputs, Explain: d.Explain}
}

// apiGet is GET /api/v1/cases/{id}[?lang=ja]: the case's head, then
// the JSON contract of its diagnosis when done.
func (s *Server) apiGet(w http.ResponseWriter, r *http.Request) {
	c, err := s.getCase(r)
	if err != nil {
		code, msg := statusOf(err)
		writeError(w, code, msg)
		return
	}
	s.audit(r, "view", c.ID, nil)
	out := caseAnswer{caseJSON: newCaseJSON(c)}
	if b, err := s.store.Artifact(r.Context(), c.ID, artifactProblems); err == nil {
		for _, p := range loadProblems(b) {
			out.Problems = append(out.Problems, p.String())
		}
	}
	if c.Status == StatusDone {
		body, err := s.store.Artifact(r.Context(), c.ID, artifactName("json", langOf(r)))
		var doc report.Document
		if err == nil {
			err = json.Unmarshal(body, &doc)
		}
		if err == nil {
			out.contractFields = newContractFields(&doc)
		}
		if err != nil {
			s.log.Error("load diagnosis", "case", c.ID, "err", err)
			writeError(w, http.StatusInternalServerError, "internal error")
			return
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// filterOf reads a Filter from the query: status, cause, kb, q, from and
// to (dates 2006-01-02, to inclusive, or RFC 3339 times), limit.
func filterOf(q url.Values) (Filter, error) {
	f := Filter{
		Status: Status(q.Get("status")),
		Cause:  strings.TrimSpace(q.Get("cause")),
		KB:     strings.TrimSpace(q.Get("kb")),
		Query:  strings.TrimSpace(q.Get("q")),
	}
	switch f.Status {
	case "", StatusQueued, StatusRunning, StatusDone, StatusFailed:
	default:
		return f, errorf(http.StatusBadRequest, "status must be queued, running, done or failed")
	}
	parse := func(name string, endOfDay bool) (time.Time, error) {
		v := q.Get(name)
		if v == "" {
			return time.Time{}, nil
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t, nil
		}
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			return t, errorf(http.StatusBadRequest, "%s: want 2006-01-02 or RFC 3339", name)
		}
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	var err error
	if f.From, err = parse("from", false); err != nil {
		return f, err
	}
	if f.To, err = parse("to", true); err != nil {
		return f, err
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return f, errorf(http.StatusBadRequest, "limit must be 1 to 1000")
		}
		f.Limit = n
	}
	return f, nil
}

// apiList is GET /api/v1/cases.
func (s *Server) apiList(w http.ResponseWriter, r *http.Request) {
	f, err := filterOf(r.URL.Query())
	if err == nil {
		var cs []*Case
		if cs, err = s.store.List(r.Context(), f); err == nil {
			out := struct {
				Cases []caseJSON `json:"cases"`
			}{Cases: []caseJSON{}}
			for _, c := range cs {
				out.Cases = append(out.Cases, newCaseJSON(c))
			}
			writeJSON(w, http.StatusOK, out)
			return
		}
	}
	code, msg := s.failure("list", err)
	writeError(w, code, msg)
}

// apiDiagnosis is GET /api/v1/cases/{id}/diagnosis[?lang=ja]: the
// diagnosis of a done case in the JSON contract, the bytes
// "wudiag analyze -format json" writes for the same files.
func (s *Server) apiDiagnosis(w http.ResponseWriter, r *http.Request) {
	c, err := s.getCase(r)
	if err == nil && c.Status != StatusDone {
		err = errorf(http.StatusNotFound, "case %s is %s: no diagnosis", c.ID, c.Status)
	}
	var body []byte
	if err == nil {
		body, err = s.store.Artifact(r.Context(), c.ID, artifactName("json", langOf(r)))
	}
	if err != nil {
		code, msg := statusOf(err)
		writeError(w, code, msg)
		return
	}
	s.audit(r, "view", c.ID, nil)
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

// report serves the stored HTML report of a done case.
func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	c, err := s.getCase(r)
	if err == nil && c.Status != StatusDone {
		err = errorf(http.StatusNotFound, "case %s is %s: no report", c.ID, c.Status)
	}
	var body []byte
	if err == nil {
		body, err = s.store.Artifact(r.Context(), c.ID, artifactName("html", langOf(r)))
	}
	if err != nil {
		code, msg := statusOf(err)
		http.Error(w, msg, code)
		return
	}
	s.audit(r, "view_report", c.ID, nil)
	// The report is self-contained: its inline style is all it needs.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(body)
}
