package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Why an analysis was stopped, as the cause of its context.
var (
	errTimeout = errors.New("analysis timeout")
	errMemory  = errors.New("memory ceiling")
)

// stopText is the error a case shows when its analysis was stopped.
func (s *Server) stopText(cause error) string {
	switch {
	case errors.Is(cause, errTimeout):
		return fmt.Sprintf("the analysis took longer than %v (--analysis-timeout) and was stopped", s.cfg.AnalysisTimeout)
	case errors.Is(cause, errMemory):
		return fmt.Sprintf("the analysis was stopped: it took the server past its memory ceiling (--max-analysis-memory %d MiB per worker); this bundle is too large or too deeply nested for this server", s.cfg.MaxAnalysisMemory>>20)
	}
	return "the analysis was stopped: " + cause.Error()
}

// A heldCase is a claim a worker of this process runs.
type heldCase struct {
	c    *Case
	stop context.CancelCauseFunc
	size int64 // bytes uploaded, to pick what to stop for memory
}

// hold records c as held by a live worker here.
func (s *Server) hold(c *Case, stop context.CancelCauseFunc) {
	var size int64
	filepath.WalkDir(filepath.Join(s.caseDir(c.ID), "upload"), func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				size += fi.Size()
			}
		}
		return nil
	})
	s.held.Store(c.ID, &heldCase{c: c, stop: stop, size: size})
}

// staleAfter is how long a claim may go without a heartbeat before the
// janitor takes its worker for dead.
func (s *Server) staleAfter() time.Duration { return 4 * s.cfg.HeartbeatInterval }

// beat sends the heartbeat of claim c every HeartbeatInterval until ctx
// is done. A lost claim stops the analysis: its result could not be
// stored.
func (s *Server) beat(ctx context.Context, log *slog.Logger, c *Case, stop context.CancelCauseFunc) {
	t := time.NewTicker(s.cfg.HeartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// A slow database delays the next beat rather than failing this one.
		hctx, cancel := context.WithTimeout(ctx, max(s.cfg.HeartbeatInterval, 10*time.Second))
		err := s.store.Heartbeat(hctx, c)
		cancel()
		switch {
		case errors.Is(err, ErrLost):
			stop(ErrLost)
			return
		case err != nil && ctx.Err() == nil:
			log.Warn("heartbeat", "err", err)
		}
	}
}

// beatHeld sends a heartbeat for every claim held here.
func (s *Server) beatHeld(ctx context.Context) {
	s.held.Range(func(_, v any) bool {
		h := v.(*heldCase)
		if err := s.store.Heartbeat(ctx, h.c); err != nil && !errors.Is(err, ErrLost) {
			s.log.Warn("heartbeat", "case", h.c.ID, "err", err)
		}
		return true
	})
}

// watchMemory enforces Config.MaxAnalysisMemory until ctx is done. Go
// cannot tell which goroutine holds which memory, so the ceiling is
// shared: MaxAnalysisMemory times Workers, for the Go heap of the whole
// process. It is set as the runtime's soft memory limit, so that the
// garbage collector works harder as the heap nears it; and every
// memCheck the live heap is read: past the ceiling, after a collection,
// the running analysis with the largest upload is stopped (its case
// fails and says why), and the next only once that one has let go. The
// library checks its context in every long loop, so the memory is freed
// within moments rather than the process being killed for it.
func (s *Server) watchMemory(ctx context.Context) {
	ceiling := s.cfg.MaxAnalysisMemory * int64(s.cfg.Workers)
	old := debug.SetMemoryLimit(ceiling + ceiling/4)
	defer debug.SetMemoryLimit(old)
	t := time.NewTicker(s.cfg.memCheck)
	defer t.Stop()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	var victim string
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if victim != "" {
			if _, running := s.held.Load(victim); running {
				continue
			}
			victim = ""
		}
		metrics.Read(sample[:1])
		if int64(sample[0].Value.Uint64()) <= ceiling {
			continue
		}
		runtime.GC()
		metrics.Read(sample[1:])
		live := int64(sample[1].Value.Uint64())
		if live <= ceiling {
			continue
		}
		var worst *heldCase
		s.held.Range(func(_, v any) bool {
			if h := v.(*heldCase); worst == nil || h.size > worst.size {
				worst = h
			}
			return true
		})
		if worst == nil {
			continue
		}
		s.log.Warn("memory ceiling reached; stopping the analysis with the largest upload", "case", worst.c.ID, "heap", live, "ceiling", ceiling)
		worst.stop(errMemory)
		victim = worst.c.ID
	}
}
