// Package server is "wudiag serve": a triage service for support staff.
// They upload a bundle in a browser or through the JSON API; a bounded
// pool of workers analyses it in the background with the same library as
// "wudiag analyze"; the case pages show the failures, the ranked causes,
// the evidence and the remedies in English or Japanese, and link the HTML
// report.
//
// Cases live in a Store: SQLite in the data folder by default, or
// PostgreSQL for several replicas behind a load balancer, which claim
// queued cases with SELECT … FOR UPDATE SKIP LOCKED. Uploaded files are
// written under the data folder with generated names (the client's names
// are kept as metadata only), read in place by the intake (internal/source) with its
// zip-bomb, traversal and size limits, never executed, and dropped once
// analysed unless Config.KeepUploads is set.
//
// Every path but /healthz and the login page needs a token: the shared
// access token (Config.Token) or a named one (Config.Tokens, or the
// store's, kept as SHA-256 hashes and revocable), as "Authorization:
// Bearer TOKEN", or the session cookie the login form sets (a random ID,
// kept hashed in the store with whose login it is, revoked at logout or
// with its token). Wrong tokens back off per client address (see guard).
// Uploads, views, deletions, re-analyses, exports and logins go to the
// audit log (Config.Audit) under the token's name.
//
// Cases can be deleted, exported as CSV, and analysed again after the
// rules changed (Config.Rules; the rule set's version is stored with
// each case) when their uploads were kept; GET /api/v1/trends and the
// trends page count causes and failing KBs by day.
// Forms are protected from cross-site requests by
// http.CrossOriginProtection and a SameSite=Strict cookie.
//
// Each case is analysed once per language at job time, and the JSON
// contract (schema_version 1) and the HTML report are stored for each,
// so pages and API answers need no analysis.
package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/wudiag/wudiag/classify"
)

// Config sets up a Server. Zero fields take the defaults given.
type Config struct {
	// Store keeps the cases. Required.
	Store Store
	// DataDir holds the uploads, one folder per case. Required.
	DataDir string
	// Token is the access token. Required: New refuses an empty or weak
	// one (see CheckToken).
	Token string
	// Workers is how many bundles are analysed at once (GOMAXPROCS).
	Workers int
	// MaxUpload is the largest request body of an upload (2 GiB), and
	// MaxFiles the most files in one upload (1000).
	MaxUpload int64
	MaxFiles  int
	// Limits bound what is read from an upload (classify.DefaultLimits,
	// as "wudiag analyze").
	Limits classify.Limits
	// AnalysisTimeout bounds one analysis (10 minutes); a case that
	// takes longer fails.
	AnalysisTimeout time.Duration
	// RequestTimeout bounds the handling of one request other than an
	// upload (1 minute); UploadTimeout bounds an upload (30 minutes).
	RequestTimeout time.Duration
	UploadTimeout  time.Duration
	// DrainTimeout is how long Run waits at shutdown for the analyses
	// under way (30 seconds).
	DrainTimeout time.Duration
	// HeartbeatInterval is how often a worker tells the store that its
	// claim is alive (15 seconds); a claim silent for four intervals is
	// taken to have lost its worker and is queued again.
	HeartbeatInterval time.Duration
	// MaxAnalysisMemory is the memory ceiling of one analysis in bytes
	// (0: none). The Go heap cannot be measured per analysis, so the
	// ceiling is shared: past MaxAnalysisMemory × Workers of live heap,
	// the running analysis with the largest upload is stopped and its
	// case fails saying so (see watchMemory).
	MaxAnalysisMemory int64
	// KeepUploads keeps the uploaded files after the analysis; by
	// default they are deleted once the result is stored.
	KeepUploads bool
	// Retention deletes cases, their results and their files this long
	// after upload; 0 keeps them forever.
	Retention time.Duration
	// PollInterval is how often an idle worker looks for cases queued by
	// another replica (2 seconds); JanitorInterval how often lost
	// claims are requeued and old cases deleted (1 minute).
	PollInterval    time.Duration
	JanitorInterval time.Duration
	// Logger receives structured logs (slog.Default()).
	Logger *slog.Logger
	// Tokens are named API tokens besides those in the store, by hash
	// (HashToken) to name: read from a tokens file (see ReadTokensFile).
	Tokens map[string]string
	// Audit, when set, receives the audit log: a JSON object per line
	// for each upload, view, deletion, re-analysis, export, login and
	// logout, saying who and from where.
	Audit io.Writer
	// Rules replaces the stock rules when not nil (the stock rules
	// merged with a team's file); RulesVersion names that rule set
	// (see RulesVersion) and is stored with each case analysed.
	Rules        []*classify.Rule
	RulesVersion string

	// requeueAtStart requeues every running case when Run starts: right
	// for a store only this process uses (SQLite).
	requeueAtStart bool
	// stopGrace is how long a cancelled analysis has to return before
	// its worker gives up on it (10 seconds); memCheck how often the
	// heap is read against MaxAnalysisMemory (100 ms).
	stopGrace, memCheck time.Duration
}

// A Server is the HTTP handler and the worker pool of "wudiag serve".
type Server struct {
	cfg     Config
	store   Store
	log     *slog.Logger
	wake    chan struct{}
	token   [sha256.Size]byte
	handler http.Handler
	// held holds the claims the workers here run, by case ID
	// (*heldCase): alive whatever their heartbeats say.
	held sync.Map
	// uploading holds the IDs of the uploads under way here (their
	// folders have no row yet).
	uploading sync.Map
	// diagnoseHook replaces diagnose in tests.
	diagnoseHook func(context.Context, *Case) (*Result, error)
	// createFile creates an uploaded file; tests replace it to fill the disk.
	createFile func(name string) (io.WriteCloser, error)
	// now is the clock of sessions and of the backoff; tests set it.
	now func() time.Time
	// guard counts wrong tokens per client address.
	guard *guard
	// auditLog is Config.Audit, nil when not set.
	auditLog *auditLog
}

// createUpload creates a new file for an upload: O_EXCL, so that
// nothing is ever overwritten.
func createUpload(name string) (io.WriteCloser, error) {
	return os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

// New returns a server for cfg. Start its workers with Run and serve its
// Handler.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("server: no store")
	}
	if cfg.DataDir == "" {
		return nil, errors.New("server: no data folder")
	}
	if cfg.Token == "" {
		return nil, errors.New("server: no access token")
	}
	if err := CheckToken(cfg.Token); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	abs, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("server: data folder: %w", err)
	}
	cfg.DataDir = abs
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 2 << 30
	}
	if cfg.MaxFiles <= 0 {
		cfg.MaxFiles = 1000
	}
	def(&cfg.AnalysisTimeout, 10*time.Minute)
	def(&cfg.RequestTimeout, time.Minute)
	def(&cfg.UploadTimeout, 30*time.Minute)
	def(&cfg.DrainTimeout, 30*time.Second)
	def(&cfg.PollInterval, 2*time.Second)
	def(&cfg.JanitorInterval, time.Minute)
	def(&cfg.HeartbeatInterval, 15*time.Second)
	def(&cfg.stopGrace, 10*time.Second)
	def(&cfg.memCheck, 100*time.Millisecond)
	if cfg.MaxAnalysisMemory < 0 {
		cfg.MaxAnalysisMemory = 0
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if st, ok := cfg.Store.(*sqlStore); ok && st.d.name == "sqlite" {
		cfg.requeueAtStart = true
	}
	s := &Server{
		cfg:   cfg,
		store: cfg.Store,
		log:   cfg.Logger,
		wake:  make(chan struct{}, 1),
		token: sha256.Sum256([]byte(cfg.Token)),

		createFile: createUpload,
		now:        time.Now,
	}
	s.guard = newGuard(func() time.Time { return s.now() })
	if cfg.Audit != nil {
		s.auditLog = &auditLog{w: cfg.Audit}
	}
	if s.cfg.RulesVersion == "" {
		s.cfg.RulesVersion = RulesVersion(cfg.Rules)
	}
	s.handler = s.routes()
	return s, nil
}

// NewToken returns a random access token, for a server started without one.
func NewToken() string { return rand.Text() }

// newID returns a new case ID: 26 random base32 characters.
func newID() string { return strings.ToLower(rand.Text()) }

var idPattern = regexp.MustCompile(`^[a-z2-7]{26}$`)

// caseDir is the folder of a case's files; id must match idPattern.
func (s *Server) caseDir(id string) string {
	return filepath.Join(s.cfg.DataDir, "cases", id)
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// Open to all: health check, login, the page script and style.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("GET /static/", s.static)

	auth := http.NewServeMux()
	auth.HandleFunc("POST /api/v1/cases", s.apiCreate)
	auth.HandleFunc("GET /api/v1/cases", s.apiList)
	auth.HandleFunc("GET /api/v1/cases/{id}", s.apiGet)
	auth.HandleFunc("DELETE /api/v1/cases/{id}", s.apiDelete)
	auth.HandleFunc("GET /api/v1/cases.csv", s.casesCSV)
	auth.HandleFunc("GET /api/v1/trends", s.apiTrends)
	auth.HandleFunc("POST /api/v1/cases/{id}/reanalyse", s.apiReanalyse)
	auth.HandleFunc("POST /api/v1/reanalyse", s.apiReanalyseAll)
	auth.HandleFunc("POST /cases/{id}/delete", s.deleteForm)
	auth.HandleFunc("POST /cases/{id}/reanalyse", s.reanalyseForm)
	auth.HandleFunc("GET /trends", s.trendsPage)
	auth.HandleFunc("GET /api/v1/cases/{id}/report", s.report)
	auth.HandleFunc("GET /api/v1/cases/{id}/diagnosis", s.apiDiagnosis)
	auth.HandleFunc("GET /{$}", s.listPage)
	auth.HandleFunc("POST /cases", s.uploadForm)
	auth.HandleFunc("GET /cases/{id}", s.casePage)
	auth.HandleFunc("GET /cases/{id}/report", s.report)
	auth.HandleFunc("POST /logout", s.logout)
	mux.Handle("/", s.requireToken(auth))

	// Cross-origin unsafe requests (a form on another site posting here)
	// are refused, from the browser's Sec-Fetch-Site and Origin headers;
	// API clients send neither and pass.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refuse(w, http.StatusForbidden, "cross-origin request refused")
	}))
	return s.timeouts(securityHeaders(cop.Handler(mux)))
}

// isUpload reports whether r is an upload, which may take UploadTimeout.
func isUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && (r.URL.Path == "/api/v1/cases" || r.URL.Path == "/cases")
}

// timeouts bounds each request's context by RequestTimeout. An upload
// gets UploadTimeout instead, but only once authenticated (see
// uploadTime): a client without the token is answered, and its
// connection closed, within the connection's own read timeout.
func (s *Server) timeouts(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isUpload(r) {
			h.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// uploadTime gives an authenticated upload its time: UploadTimeout for
// its context, and the connection's read and write deadlines extended to
// match. Call cancel when done.
func (s *Server) uploadTime(w http.ResponseWriter, r *http.Request) (_ *http.Request, cancel func()) {
	d := s.cfg.UploadTimeout
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(d))
	rc.SetWriteDeadline(time.Now().Add(d + time.Minute))
	ctx, cancel := context.WithTimeout(r.Context(), d)
	return r.WithContext(ctx), cancel
}

// securityHeaders are on every answer. Pages and API answers show
// cases, so no cache may keep them (static assets set their own).
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		hd.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
		h.ServeHTTP(w, r)
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if _, err := s.store.List(ctx, Filter{Limit: 1}); err != nil {
		s.log.Error("healthz", "err", err)
		writeError(w, http.StatusServiceUnavailable, "store unavailable")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
