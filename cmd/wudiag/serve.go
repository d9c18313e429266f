package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/wudiag/wudiag/internal/server"
)

const serveHelp = `usage: wudiag serve [flags]

Serve runs the triage service: a web page and a JSON API where support
staff upload bundles (a zip, or several log files); a bounded pool of
workers analyses them in the background, and the case pages show the
failures, ranked causes, evidence and remedies in English or Japanese.

With no flags it listens on 127.0.0.1:8080, keeps its SQLite database and
the uploads in the user's data folder, and prints a random access token.
Every path but /healthz needs the token: "Authorization: Bearer TOKEN"
for the API, the login form for browsers.

Besides the shared token, named tokens (one per person or service) come
from --tokens-file or the database; manage the latter with
  wudiag serve token add NAME      prints a new token once; only its hash is kept
  wudiag serve token list
  wudiag serve token revoke NAME   the token and its browser sessions stop working
(with the same --data/--db as the server; with --tokens-file FILE, "add"
appends the line for the file instead and "list" reads it).

API:
  POST /api/v1/cases                       multipart/form-data, or a zip body (Content-Type: application/zip)
  GET /api/v1/cases/{id}                   status, then the analyze JSON contract (?lang=ja)
  GET /api/v1/cases                        ?cause= &kb= &status= &q= &from= &to= &limit=
  GET /api/v1/cases.csv                    the same list as CSV
  DELETE /api/v1/cases/{id}                the case, its results and files
  POST /api/v1/cases/{id}/reanalyse        analyse again with the current rules (--keep-uploads)
  POST /api/v1/reanalyse                   every case whose uploads were kept
  GET /api/v1/trends                       ?days=30 &cause= &kb=: causes and failing KBs by day
  GET /healthz

Flags:
`

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	fl.SetOutput(stderr)
	addr := fl.String("addr", "127.0.0.1:8080", "address to listen on")
	data := fl.String("data", "", "data folder: the SQLite database and the uploads (default: $XDG_DATA_HOME/wudiag or ~/.local/share/wudiag); shared by all replicas when --db is PostgreSQL")
	db := fl.String("db", "", "database: empty for SQLite in --data, sqlite:PATH, or postgres://user:pass@host/db for several replicas")
	tokenFile := fl.String("token-file", "", "file holding the access token (default: $WUDIAG_TOKEN_FILE); preferred to --token, which other users can see in ps")
	token := fl.String("token", "", "access token, at least 16 characters (default: --token-file, $WUDIAG_TOKEN_FILE, $WUDIAG_TOKEN, else a random one printed at start)")
	maxConns := fl.Int("max-connections", 256, "most client connections open at once; more wait to be accepted")
	workers := fl.Int("workers", 0, "bundles analysed at once (default: the number of CPUs)")
	maxUpload := fl.Int64("max-upload", 2<<30, "largest upload in bytes")
	analysisTimeout := fl.Duration("analysis-timeout", 10*time.Minute, "longest analysis of one bundle; past it the case fails")
	maxMem := fl.Int64("max-analysis-memory", 1<<30, "memory ceiling of one analysis in bytes, shared: past this times --workers of Go heap the analysis with the largest upload is stopped and its case fails; 0 for none")
	keep := fl.Bool("keep-uploads", false, "keep the uploaded files after analysis (default: delete them once analysed)")
	retention := fl.Duration("retention", 30*24*time.Hour, "delete cases this long after upload; 0 keeps them")
	logJSON := fl.Bool("log-json", false, "write logs as JSON lines")
	rulesFile := fl.String("rules", "", "YAML file of team rules added to the stock rules (as analyze -rules), checked at start; a case records the rule set's version")
	tokensFile := fl.String("tokens-file", "", "file of named tokens, one \"NAME sha256:HEX\" a line (see: wudiag serve token add --tokens-file), besides those in the database")
	auditLog := fl.String("audit-log", "", "file the audit log (uploads, views, deletions, logins: JSON lines) is appended to (default: audit.log in --data); - for none")
	fl.Usage = func() {
		fmt.Fprint(stderr, serveHelp)
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fl.NArg() > 0 {
		if fl.Arg(0) == "token" {
			return runToken(ctx, fl.Args()[1:], *data, *db, *tokensFile, stdout, stderr)
		}
		fl.Usage()
		return exitUsage
	}
	var log *slog.Logger
	if *logJSON {
		log = slog.New(slog.NewJSONHandler(stderr, nil))
	} else {
		log = slog.New(slog.NewTextHandler(stderr, nil))
	}
	if *maxConns < 1 {
		fmt.Fprintln(stderr, "wudiag serve: --max-connections must be at least 1")
		return exitUsage
	}
	tok, source, err := accessToken(*token, *tokenFile)
	if err != nil {
		fmt.Fprintf(stderr, "wudiag serve: %v\n", err)
		return exitUsage
	}
	if source == "--token" {
		log.Warn("--token shows the token to every user of this machine (ps); prefer --token-file or WUDIAG_TOKEN_FILE")
	}
	cfg := server.Config{}
	if *rulesFile != "" {
		rules, err := teamRules(*rulesFile)
		if err != nil {
			fmt.Fprintf(stderr, "wudiag serve: %s: %v\n", *rulesFile, err)
			return exitUsage
		}
		cfg.Rules = rules
	}
	if *tokensFile != "" {
		if cfg.Tokens, err = readTokensFile(*tokensFile); err != nil {
			fmt.Fprintf(stderr, "wudiag serve: %v\n", err)
			return exitUsage
		}
	}
	if err := serve(ctx, log, stdout, serveConfig{
		addr: *addr, data: *data, db: *db, token: tok, maxConns: *maxConns, auditLog: *auditLog,
		cfg: server.Config{
			Workers: *workers, MaxUpload: *maxUpload, AnalysisTimeout: *analysisTimeout, MaxAnalysisMemory: *maxMem,
			KeepUploads: *keep, Retention: *retention, Logger: log,
			Rules: cfg.Rules, Tokens: cfg.Tokens,
		},
	}); err != nil {
		log.Error("wudiag serve", "err", err)
		return exitUsage
	}
	return exitOK
}

type serveConfig struct {
	addr, data, db, token string
	auditLog              string // a file, "" for audit.log in data, "-" for none
	maxConns              int
	cfg                   server.Config
}

// accessToken finds the token, first of: --token-file, --token,
// $WUDIAG_TOKEN_FILE, $WUDIAG_TOKEN; "" when none is given (serve then
// makes one). source names where it came from. A file holds the token on
// its first line; surrounding space is dropped.
func accessToken(flagToken, flagFile string) (tok, source string, err error) {
	if flagToken != "" && flagFile != "" {
		return "", "", errors.New("give --token or --token-file, not both")
	}
	file, source := flagFile, "--token-file"
	if file == "" && flagToken != "" {
		return flagToken, "--token", nil
	}
	if file == "" {
		file, source = os.Getenv("WUDIAG_TOKEN_FILE"), "WUDIAG_TOKEN_FILE"
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", "", fmt.Errorf("token file: %w", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		if tok = strings.TrimSpace(line); tok == "" {
			return "", "", fmt.Errorf("token file %s is empty", file)
		}
		return tok, source, nil
	}
	if tok = os.Getenv("WUDIAG_TOKEN"); tok != "" {
		return tok, "WUDIAG_TOKEN", nil
	}
	return "", "", nil
}

// defaultDataDir is where a server started with no --data keeps its files.
func defaultDataDir() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "wudiag"), nil
	}
	if d, err := os.UserConfigDir(); err == nil && (os.Getenv("LOCALAPPDATA") != "" || strings.Contains(d, "Application Support")) {
		return filepath.Join(d, "wudiag"), nil // Windows, macOS
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no --data and no home folder: %w", err)
	}
	return filepath.Join(home, ".local", "share", "wudiag"), nil
}

// serve runs the server until ctx is done or SIGTERM, then shuts down:
// no new requests, the ones under way finished, the analyses drained.
func serve(ctx context.Context, log *slog.Logger, stdout io.Writer, sc serveConfig) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if sc.data == "" {
		d, err := defaultDataDir()
		if err != nil {
			return err
		}
		sc.data = d
	}
	if err := os.MkdirAll(sc.data, 0o700); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	generated := false
	if sc.token == "" {
		sc.token, generated = server.NewToken(), true
	}
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	store, err := server.OpenStore(octx, sc.db, sc.data)
	cancel()
	if err != nil {
		return err
	}
	defer store.Close()
	sc.cfg.Store, sc.cfg.DataDir, sc.cfg.Token = store, sc.data, sc.token
	if sc.auditLog != "-" {
		name := sc.auditLog
		if name == "" {
			name = filepath.Join(sc.data, "audit.log")
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("audit log: %w", err)
		}
		defer f.Close()
		sc.cfg.Audit = f
	}
	srv, err := server.New(sc.cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", sc.addr)
	if err != nil {
		return err
	}
	if sc.maxConns > 0 {
		ln = server.LimitListener(ln, sc.maxConns)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// Uploads extend their own read and write deadlines.
		ReadTimeout:  2 * time.Minute,
		WriteTimeout: 2 * time.Minute,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	db := "sqlite (" + filepath.Join(sc.data, "wudiag.db") + ")"
	if sc.db != "" {
		db = server.RedactDSN(sc.db)
	}
	log.Info("wudiag serve", "addr", "http://"+ln.Addr().String(), "data", sc.data, "db", db, "rules", server.RulesVersion(sc.cfg.Rules), "named_tokens_in_file", len(sc.cfg.Tokens))
	if generated {
		fmt.Fprintf(stdout, "wudiag serve: http://%s/\naccess token (set --token-file or WUDIAG_TOKEN_FILE to choose one): %s\n", ln.Addr(), sc.token)
	}

	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	workDone := make(chan error, 1)
	go func() { workDone <- srv.Run(workCtx) }()
	serveDone := make(chan error, 1)
	go func() { serveDone <- hs.Serve(ln) }()

	select {
	case err = <-serveDone:
	case <-ctx.Done():
		log.Info("shutting down")
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if serr := hs.Shutdown(sctx); serr != nil {
		log.Warn("shutdown", "err", serr)
	}
	stopWork()
	<-workDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
