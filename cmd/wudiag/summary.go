package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/wudiag/wudiag/cbslog"
	"github.com/wudiag/wudiag/codes"
	"github.com/wudiag/wudiag/dismlog"
	"github.com/wudiag/wudiag/internal/render"
	"github.com/wudiag/wudiag/internal/source"
)

const summaryHelp = `usage: wudiag summary [-all] PATH...

Summary prints what wudiag's CBS.log and dism.log readers find in each
log: servicing sessions and their results with the first failing record of
each, SFC [SR] findings, store-corruption reports (detected and repaired
counts, damaged items), servicing-stack versions, and the failing error
codes seen, most frequent first.

PATH may be a file, a folder (read recursively) or an archive (.zip, .cab,
.gz, read in place). The kind of each file is told from its content, not
its name: files that are neither CBS nor DISM
logs are skipped and named. A file that cannot be read is reported with the
reason and the rest is still read.

Exit status: 0 every file read, 1 some file could not be read (the rest
was summarized), 2 usage error or no CBS/DISM log found.

Flags:
`

func runSummary(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("summary", flag.ContinueOnError)
	fl.SetOutput(stderr)
	all := fl.Bool("all", false, "list every session and finding, not only failures and the first few")
	fl.Usage = func() {
		fmt.Fprint(stderr, summaryHelp)
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if fl.NArg() == 0 {
		fl.Usage()
		return exitUsage
	}
	// Log text must not drive the reader's terminal.
	vis := render.NewVisibleWriter(stdout)
	defer vis.Flush()
	out := bufio.NewWriter(vis)
	defer out.Flush()
	b, err := source.Open(ctx, fl.Args(), source.DefaultLimits())
	if err != nil {
		fmt.Fprintf(stderr, "wudiag summary: %v\n", err)
		return exitUsage
	}
	defer b.Close()
	read, failed := 0, false
	for _, p := range b.Problems() {
		if !errors.Is(p, source.ErrDuplicate) {
			fmt.Fprintf(stderr, "wudiag: %s\n", render.Visible(p.Error()))
			failed = true
		}
	}
	for _, f := range b.Files() {
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "wudiag: %v\n", ctx.Err())
			return exitUsage
		}
		if f.Kind != source.CBS && f.Kind != source.DISM {
			continue // the intake told the kind: neither CBS.log nor dism.log
		}
		ok, err := summarize(out, f, *all)
		if err != nil {
			fmt.Fprintf(stderr, "wudiag: %s\n", render.Visible(fmt.Sprintf("%s: %v", f.Name, err)))
			failed = true
		}
		if ok {
			read++
		}
	}
	if read == 0 {
		fmt.Fprintln(stderr, "wudiag: no CBS.log or dism.log found")
		return exitUsage
	}
	if failed {
		return exitFindings
	}
	return exitOK
}

// summarize prints the summary of one CBS.log or dism.log; ok reports
// that it could be opened and a summary was printed.
func summarize(w io.Writer, f source.File, all bool) (ok bool, err error) {
	rc, err := f.Open()
	if err != nil {
		return false, err
	}
	defer rc.Close()
	if f.Kind == source.DISM {
		s, err := dismlog.Summarize(rc)
		printDISM(w, f.Name, s.Encoding, s, all)
		return true, err
	}
	s, err := cbslog.Summarize(rc)
	printCBS(w, f.Name, "cbs", s.Encoding, s, all)
	return true, err
}

func codeName(c codes.Code) string {
	if info, ok := codes.Lookup(c); ok {
		return c.String() + " " + info.Name
	}
	return c.String()
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "(no time)"
	}
	return t.Format("2006-01-02 15:04:05")
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func printCBS(w io.Writer, path, kind, enc string, s *cbslog.Summary, all bool) {
	fmt.Fprintf(w, "%s\n  %s log, %s, %d entries", path, kind, enc, s.Entries)
	if !s.First.IsZero() {
		fmt.Fprintf(w, ", %s .. %s", stamp(s.First), stamp(s.Last))
	}
	if s.OffsetKnown {
		fmt.Fprintf(w, ", local time = UTC%+.1fh", s.Offset.Hours())
	}
	fmt.Fprintln(w)
	if len(s.Stacks) > 0 {
		var vs []string
		for _, v := range s.Stacks {
			vs = append(vs, fmt.Sprintf("%s (line %d)", v.Version, v.Line))
		}
		fmt.Fprintf(w, "  servicing stack: %s\n", strings.Join(vs, ", "))
	}
	for _, r := range s.Required {
		fmt.Fprintf(w, "  line %d: %s requires servicing stack %s, current is %s\n", r.Line, r.Package, r.Required, r.Current)
	}

	failed := 0
	for _, ss := range s.Sessions {
		if ss.ResultKnown && ss.Result.Failed() || ss.FirstFailure != nil {
			failed++
		}
	}
	fmt.Fprintf(w, "  sessions: %d, %d failed\n", len(s.Sessions), failed)
	for _, ss := range s.Sessions {
		bad := ss.ResultKnown && ss.Result.Failed() || ss.FirstFailure != nil
		if !bad && !all {
			continue
		}
		result := "result not logged"
		if ss.ResultKnown {
			result = codeName(ss.Result)
		}
		fmt.Fprintf(w, "    line %-7d %s  %-22s %s", ss.Line, stamp(ss.Start), ss.ID, ss.Client)
		if ss.KB != "" {
			fmt.Fprintf(w, "  %s", ss.KB)
		}
		fmt.Fprintf(w, "  → %s\n", result)
		for _, p := range ss.Packages[:min(len(ss.Packages), 3)] {
			fmt.Fprintf(w, "        package %s\n", p.Identity)
		}
		if ff := ss.FirstFailure; ff != nil {
			fmt.Fprintf(w, "        first failure, line %d: %s\n", ff.Line, clip(ff.Text, 160))
		}
	}

	notRepaired := 0
	for _, f := range s.SFC {
		if !f.Repaired {
			notRepaired++
		}
	}
	if len(s.SFC) > 0 {
		fmt.Fprintf(w, "  SFC findings: %d, %d not repaired\n", len(s.SFC), notRepaired)
		shown := 0
		for _, f := range s.SFC {
			if f.Repaired && !all {
				continue
			}
			if shown == 10 && !all {
				fmt.Fprintf(w, "    … (-all lists every finding)\n")
				break
			}
			shown++
			what := "repaired"
			if !f.Repaired {
				what = "NOT repaired"
			}
			fmt.Fprintf(w, "    line %-7d %-12s %s", f.Line, what, f.File)
			if f.Component != "" {
				fmt.Fprintf(w, " (%s)", f.Component)
			}
			if f.Reason != "" {
				fmt.Fprintf(w, ": %s", f.Reason)
			}
			fmt.Fprintln(w)
		}
	}
	for _, r := range s.Store {
		res := "no result"
		if r.ResultKnown {
			res = codeName(r.Result)
		}
		state := "store healthy or repaired"
		if r.Unrepaired() {
			state = "CORRUPTION REMAINS"
		}
		fmt.Fprintf(w, "  store report, line %d: %s, result %s, detected %d, repaired %d: %s\n", r.Line, r.Operation, res, r.Detected, r.Repaired, state)
		for i, it := range r.Items {
			if i == 5 && !all {
				fmt.Fprintf(w, "    … %d more items\n", len(r.Items)-5)
				break
			}
			fixed := "not fixed"
			if it.Fixed {
				fixed = "fixed"
			}
			fmt.Fprintf(w, "    %s (%s): %s\n", it.Class, fixed, it.Path)
		}
	}
	if len(s.Codes) > 0 {
		fmt.Fprintf(w, "  failing codes (most frequent first):\n")
		for i, c := range s.SortedCodes() {
			if i == 8 && !all {
				fmt.Fprintf(w, "    … %d more codes\n", len(s.Codes)-8)
				break
			}
			st := s.Codes[c]
			fmt.Fprintf(w, "    %-48s %6d×  (%d at Error level or (F))  first at line %d\n", codeName(c), st.Count, st.ErrorLevel, st.FirstLine)
		}
	}
	if s.Dropped > 0 {
		fmt.Fprintf(w, "  (%d findings not kept: limits reached)\n", s.Dropped)
	}
	fmt.Fprintln(w)
}

func printDISM(w io.Writer, path, enc string, s *dismlog.Summary, all bool) {
	fmt.Fprintf(w, "%s\n  dism log, %s, %d entries, %d DISM sessions\n", path, enc, s.Entries, len(s.Sessions))
	sessions := append([]*dismlog.Session(nil), s.Sessions...)
	sort.SliceStable(sessions, func(i, j int) bool { return sessions[i].Line < sessions[j].Line })
	for _, ss := range sessions {
		if len(ss.Failures) == 0 && !all {
			continue
		}
		result := "result not logged"
		if ss.ResultKnown {
			result = codeName(ss.Result)
		}
		fmt.Fprintf(w, "    line %-7d %s  PID %-6d %s  → %s\n", ss.Line, stamp(ss.Start), ss.PID, clip(ss.Command, 90), result)
		for i, f := range ss.Failures {
			if i == 4 && !all {
				fmt.Fprintf(w, "        … %d more failures\n", len(ss.Failures)-4)
				break
			}
			fmt.Fprintf(w, "        line %-7d %-7s %s  %s  %s\n", f.Line, f.Level, codeName(f.Code), f.Method, clip(f.Message, 100))
		}
	}
	if s.CBS.Entries > 0 {
		printCBS(w, path+" (CBS/CSI records)", "cbs", enc, &s.CBS, all)
		return
	}
	fmt.Fprintln(w)
}
