package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wudiag/wudiag/classify"
	"github.com/wudiag/wudiag/internal/render"
	"github.com/wudiag/wudiag/report"
)

// Run runs the worker pool and the janitor until ctx is done, then
// waits for the analyses under way: each gets up to Config.DrainTimeout
// to finish, after which it is stopped and its case queued again for
// the next start (or another replica).
func (s *Server) Run(ctx context.Context) error {
	// Analyses do not stop with ctx: they stop at their own timeout, or
	// at hardStop once the drain time is over.
	jobCtx, hardStop := context.WithCancel(context.WithoutCancel(ctx))
	defer hardStop()
	if s.cfg.requeueAtStart {
		// One SQLite process: whatever was running was ours and died.
		if n, err := s.store.Requeue(ctx, time.Now()); err != nil {
			return err
		} else if n > 0 {
			s.log.Info("requeued cases left running by the last run", "count", n)
		}
	}
	// Folders left by uploads that died before their row was written
	// (kill -9 mid-upload). One SQLite process: no other process can be
	// uploading, so every such folder goes; with shared PostgreSQL only
	// those older than an upload can last.
	cutoff := time.Now()
	if !s.cfg.requeueAtStart {
		cutoff = cutoff.Add(-s.orphanAge())
	}
	s.sweepOrphans(ctx, cutoff)
	var wg sync.WaitGroup
	if s.cfg.MaxAnalysisMemory > 0 {
		wg.Go(func() { s.watchMemory(ctx) })
	}
	for i := range s.cfg.Workers {
		wg.Go(func() { s.work(ctx, jobCtx, i) })
	}
	wg.Go(func() { s.janitor(ctx) })
	<-ctx.Done()
	stop := time.AfterFunc(s.cfg.DrainTimeout, hardStop)
	defer stop.Stop()
	wg.Wait()
	return nil
}

// wakeWorkers tells an idle worker that a case was queued here; queued
// by another replica, a case is found at the next poll.
func (s *Server) wakeWorkers() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// work is one worker: claim a case, analyse it, record the result.
func (s *Server) work(ctx, jobCtx context.Context, n int) {
	log := s.log.With("worker", n)
	poll := time.NewTicker(s.cfg.PollInterval)
	defer poll.Stop()
	for ctx.Err() == nil {
		c, err := s.store.Claim(ctx)
		if err != nil {
			if ctx.Err() == nil {
				log.Error("claim", "err", err)
			}
		}
		if c == nil {
			select {
			case <-ctx.Done():
			case <-s.wake:
			case <-poll.C:
			}
			continue
		}
		s.process(jobCtx, log, c)
		// Another case may be waiting: pass the wake-up on.
		s.wakeWorkers()
	}
}

// process analyses one claimed case and stores its result. It holds the
// case until then: heartbeats tell other replicas' janitors, and the
// held set this process's own, that the claim is alive. The analysis
// gets AnalysisTimeout; past it (or past the memory ceiling) it is
// cancelled, and if the library has not returned stopGrace later the
// case fails anyway and the worker moves on, leaving the cancelled
// analysis to wind down on its own.
func (s *Server) process(ctx context.Context, log *slog.Logger, c *Case) {
	log = log.With("case", c.ID, "attempt", c.Attempts)
	start := time.Now()
	actx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	s.hold(c, stop)
	defer s.held.Delete(c.ID)
	go s.beat(actx, log, c, stop)
	tctx, cancel := context.WithTimeoutCause(actx, s.cfg.AnalysisTimeout, errTimeout)
	defer cancel()
	done := make(chan *Result, 1)
	go func() { done <- s.analyze(tctx, log, c) }()
	var res *Result
	select {
	case res = <-done:
	case <-tctx.Done():
		grace := time.NewTimer(s.cfg.stopGrace)
		select {
		case res = <-done:
		case <-grace.C:
			log.Error("analysis did not stop within the grace period after it was cancelled; leaving it to wind down", "cause", context.Cause(tctx), "grace", s.cfg.stopGrace)
			res = &Result{Status: StatusFailed}
		}
		grace.Stop()
	}
	// Stopped by shutdown rather than by its own limits: queue it again.
	if ctx.Err() != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := s.store.Release(rctx, c); err != nil {
			log.Warn("release at shutdown", "err", err)
		}
		log.Info("analysis stopped by shutdown; case queued again")
		return
	}
	if cause := context.Cause(tctx); cause != nil && res.Status != StatusDone {
		res.Status, res.Error = StatusFailed, s.stopText(cause)
	}
	if errors.Is(context.Cause(actx), ErrLost) {
		log.Warn("claim lost while analysing; result dropped")
		return
	}
	// The upload goes before the result is published, so that a case seen
	// done or failed never has its files left behind (and a client that
	// waits for "done" may rely on it). Should Finish then fail, the
	// claim is requeued later and fails for want of its files, which
	// says so.
	if !s.cfg.KeepUploads {
		if err := os.RemoveAll(s.caseDir(c.ID)); err != nil {
			log.Warn("drop upload", "err", err)
		}
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := s.store.Finish(fctx, c, res); err != nil {
		log.Error("store result", "err", err)
		return
	}
	log.Info("analysed", "status", res.Status, "error", res.Error, "causes", res.Causes, "kbs", res.KBs, "elapsed", time.Since(start).Round(time.Millisecond))
}

// analyze reads the case's upload and diagnoses it in every language of
// the pages. It never panics: a panic in the library becomes a failed
// case, so that one bad bundle cannot stop the server.
func (s *Server) analyze(ctx context.Context, log *slog.Logger, c *Case) (res *Result) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("analysis panicked", "panic", p, "stack", string(debug.Stack()))
			res = &Result{Status: StatusFailed, Error: s.clientText(c, fmt.Sprintf("internal error while analysing: %v", p))}
		}
	}()
	diagnose := s.diagnose
	if s.diagnoseHook != nil {
		diagnose = s.diagnoseHook
	}
	r, err := diagnose(ctx, c)
	if err != nil {
		return &Result{Status: StatusFailed, Error: s.clientText(c, err.Error()), Artifacts: r.Artifacts}
	}
	return r
}

// langs are the languages a case is analysed in, at job time: analysing
// is cheap next to reading, and the pages switch language at once.
var langs = []string{"en", "ja"}

// diagnose does the work of analyze. The result it returns with an error
// still carries the problems artifact.
func (s *Server) diagnose(ctx context.Context, c *Case) (*Result, error) {
	res := &Result{Status: StatusDone, RulesVersion: s.cfg.RulesVersion, Artifacts: map[string][]byte{}}
	dir := filepath.Join(s.caseDir(c.ID), "upload")
	if _, err := os.Stat(dir); err != nil {
		// The error names the server's path: log it, tell the client less.
		s.log.Warn("upload folder missing", "case", c.ID, "err", err)
		return res, errors.New("the uploaded files are not in this server's data folder (with several replicas, --data must be shared)")
	}
	// Analysed once, through the same pipeline as "wudiag analyze" (the
	// inputs are read and decompressed once), then worded in each
	// language. Reports name the files as the client did, not by their
	// place in the data folder.
	opts := &classify.Options{Rules: s.cfg.Rules, Workers: 1, Limits: s.cfg.Limits,
		DisplayName: func(name string) string { return displayName(dir, c.Files, name) }}
	base, err := classify.AnalyzePaths(ctx, []string{dir}, opts)
	problems := []problem{}
	for i, in := range base.Inputs {
		for j, e := range in.Errors {
			base.Inputs[i].Errors[j] = errorText(dir, c.Files, errors.New(e))
		}
		if in.Reason != "" {
			problems = append(problems, problem{File: in.File, Reason: in.Reason, Text: strings.Join(base.Inputs[i].Errors, "; ")})
		}
	}
	res.Artifacts[artifactProblems], _ = json.Marshal(problems)
	switch {
	case errors.Is(err, classify.ErrNoInput) && len(base.Inputs) > 0:
		// Nothing readable, but every file is listed with the reason
		// (binary ETW traces, a damaged archive): a diagnosis that says so.
	case errors.Is(err, classify.ErrNoInput):
		return res, errors.New("no readable file in the upload")
	case err != nil && len(problems) > 0:
		return res, fmt.Errorf("analyze: %w (%s)", err, joinProblems(problems))
	case err != nil:
		return res, fmt.Errorf("analyze: %w", err)
	}
	d := base
	for _, lang := range langs {
		ro := &render.Options{Lang: report.ParseLanguage(lang)}
		// The JSON contract as "wudiag analyze -format json" writes it.
		var js bytes.Buffer
		if err := render.Write(&js, d, "json", ro); err != nil {
			return res, fmt.Errorf("encode diagnosis: %w", err)
		}
		res.Artifacts[artifactName("json", lang)] = js.Bytes()
		var html bytes.Buffer
		if err := render.Write(&html, d, "html", ro); err != nil {
			return res, fmt.Errorf("render report: %w", err)
		}
		res.Artifacts[artifactName("html", lang)] = html.Bytes()
		if lang != langs[0] {
			continue
		}
		for _, f := range d.Failures {
			if kb := normKB(f.Update); strings.HasPrefix(kb, "KB") && !slices.Contains(res.KBs, kb) {
				res.KBs = append(res.KBs, kb)
			}
		}
		for _, f := range d.Findings {
			res.Causes = append(res.Causes, f.Cause)
		}
		if c.Machine == "" {
			res.Machine = d.Machine
		}
	}
	return res, nil
}

// A problem is an input the analysis skipped or could not read, as the
// problems artifact keeps it: the client's name, the reason as a code
// the pages translate, and the reader's words.
type problem struct {
	File   string          `json:"file"`
	Reason classify.Reason `json:"reason"`
	Text   string          `json:"text,omitempty"`
}

// String is the problem as one line of the API's "problems".
func (p problem) String() string {
	if p.Text == "" {
		return p.File + ": " + string(p.Reason)
	}
	return p.File + ": " + p.Text
}

func joinProblems(ps []problem) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// loadProblems reads a problems artifact: a list of problems, or the
// list of lines older servers stored.
func loadProblems(b []byte) []problem {
	var ps []problem
	if json.Unmarshal(b, &ps) == nil {
		return ps
	}
	var lines []string
	json.Unmarshal(b, &lines)
	for _, l := range lines {
		file, text, _ := strings.Cut(l, ": ")
		ps = append(ps, problem{File: file, Text: text})
	}
	return ps
}

// displayName turns a name under the upload folder dir ("dir/0001" or
// "dir/0001:Logs/CBS/CBS.log") into the client's ("bundle.zip:Logs/CBS/CBS.log").
func displayName(dir string, files []string, name string) string {
	rest, ok := strings.CutPrefix(name, dir+string(filepath.Separator))
	if !ok {
		return name
	}
	stored, inner, _ := strings.Cut(rest, ":")
	stored, sub, _ := strings.Cut(stored, string(filepath.Separator))
	var i int
	if _, err := fmt.Sscanf(stored, "%d", &i); err != nil || i < 0 || i >= len(files) {
		return rest
	}
	out := files[i]
	if sub != "" {
		out += "/" + sub
	}
	if inner != "" {
		out += ":" + inner
	}
	return out
}

// errorText is an error's text with the upload folder's paths replaced by
// the client's names, so that no server path reaches the client.
func errorText(dir string, files []string, err error) string {
	msg := err.Error()
	for i := len(files) - 1; i >= 0; i-- {
		msg = strings.ReplaceAll(msg, filepath.Join(dir, uploadName(i)), files[i])
	}
	return strings.ReplaceAll(msg, dir, "upload")
}

// clientText is msg, a case's error, with every path of the server
// replaced: the upload's files by the client's names, the case folder by
// "upload", the data folder by "data". Cases are read by clients, who
// have no business knowing where the server keeps its files.
func (s *Server) clientText(c *Case, msg string) string {
	dir := filepath.Join(s.caseDir(c.ID), "upload")
	msg = errorText(dir, c.Files, errors.New(msg))
	msg = strings.ReplaceAll(msg, s.caseDir(c.ID), "upload")
	return strings.ReplaceAll(msg, s.cfg.DataDir, "data")
}

// janitor requeues cases whose worker vanished and deletes cases past
// the retention period.
func (s *Server) janitor(ctx context.Context) {
	t := time.NewTicker(s.cfg.JanitorInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.tidy(ctx)
	}
}

// tidy is one round of the janitor.
func (s *Server) tidy(ctx context.Context) {
	// A claim silent for several heartbeats has lost its worker. This
	// process's own claims are alive by definition: beat for them
	// first, so that a slow heartbeat never requeues a case that a
	// worker here still runs.
	s.beatHeld(ctx)
	if n, err := s.store.Requeue(ctx, time.Now().Add(-s.staleAfter())); err != nil {
		s.log.Error("requeue", "err", err)
	} else if n > 0 {
		s.log.Warn("requeued cases whose worker vanished", "count", n)
	}
	s.sweepOrphans(ctx, time.Now().Add(-s.orphanAge()))
	if err := s.store.DeleteSessions(ctx, s.now()); err != nil {
		s.log.Error("expired sessions", "err", err)
	}
	if s.cfg.Retention > 0 {
		ids, err := s.store.Delete(ctx, time.Now().Add(-s.cfg.Retention))
		if err != nil {
			s.log.Error("retention", "err", err)
		}
		for _, id := range ids {
			if err := os.RemoveAll(s.caseDir(id)); err != nil {
				s.log.Warn("retention: remove folder", "case", id, "err", err)
			}
		}
		if len(ids) > 0 {
			s.log.Info("deleted cases past retention", "count", len(ids))
		}
	}
}

// orphanAge is how old a case folder with no row must be to be taken
// for the leftover of a dead upload: older than any upload can last.
func (s *Server) orphanAge() time.Duration { return s.cfg.UploadTimeout + time.Minute }

// sweepOrphans removes the case folders last changed before cutoff that
// have no case in the store and are not an upload under way here. An
// upload writes its files first and its row last, so a process killed
// in between leaves a folder that retention, which goes by rows, would
// never remove.
func (s *Server) sweepOrphans(ctx context.Context, cutoff time.Time) {
	root := filepath.Join(s.cfg.DataDir, "cases")
	ents, err := os.ReadDir(root)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("sweep orphaned uploads", "err", err)
		}
		return
	}
	n := 0
	for _, e := range ents {
		id := e.Name()
		if !idPattern.MatchString(id) || ctx.Err() != nil {
			continue
		}
		if _, busy := s.uploading.Load(id); busy {
			continue
		}
		if fi, err := e.Info(); err != nil || fi.ModTime().After(cutoff) {
			continue
		}
		if _, err := s.store.Get(ctx, id); !errors.Is(err, ErrNotFound) {
			continue // a case, or the store cannot tell: keep it
		}
		// Checked again: an upload may have begun since.
		if _, busy := s.uploading.Load(id); busy {
			continue
		}
		if err := os.RemoveAll(filepath.Join(root, id)); err != nil {
			s.log.Warn("remove orphaned upload", "folder", id, "err", err)
			continue
		}
		n++
	}
	if n > 0 {
		s.log.Info("removed upload folders with no case", "count", n)
	}
}
