package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/language"

	"github.com/wudiag/wudiag/classify"
	"github.com/wudiag/wudiag/internal/render"
	"github.com/wudiag/wudiag/report"
)

const analyzeHelp = `usage: wudiag analyze [flags] PATH...

Analyze reads the logs in PATH — files, folders (read recursively) and
archives (.zip, including TSS DND_SetupReport zips and a zip inside a zip,
.cab such as CbsPersist_*.cab, .gz), read in place and never extracted —
finds the failed updates and installations, and ranks their causes with
the evidence for each and the steps to fix them. The same log seen twice
is read once. Archive entries with unsafe names, zip bombs and anything
past the limits below are skipped and named in the report.

It reads CBS.log and CbsPersist logs, dism.log, event logs (binary .evtx,
dirty or damaged ones too, and XML or text exports), WindowsUpdate.log
(both formats), ReAgent.log, setupact.log, MpCmdRun.log, MpSigStub.log,
UpdatePlatform logs, WiX Burn and MSI logs, fltmc and chkdsk output. File
kinds are told from their content, not their names. A file that cannot be
read is reported with the reason and the rest is still analysed.

Causes: av_conflict, component_corruption, recovery_partition,
defender_platform, msi_dotnet, download_cache, disk_storage,
servicing_stack. A result is always written, also when nothing matched.

Exit status: 0 nothing to act on (no unresolved failure and no medium or
high finding; a failure resolved later and low findings do not count),
1 something to act on, 2 usage error, a path that does not exist, or no
readable log. Inputs that could not be read are listed in the report and
do not change the status of a diagnosis that was made.

With -o and no -format, the format is taken from the file's extension
(.html, .htm, .md, .json, .csv, .txt). A PATH of "-" reads standard input.

Flags:
`

func runAnalyze(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("analyze", flag.ContinueOnError)
	fl.SetOutput(stderr)
	format := fl.String("format", "", "output format: table, text, json, markdown, html, csv or ticket (default: table on a terminal, else text)")
	output := fl.String("o", "", "write the report to this file instead of standard output")
	tz := fl.String("tz", "", "time zone for displayed times: an IANA name, UTC, or an offset like +09:00 (default: the machine's local time when the logs tell it, else UTC)")
	lang := fl.String("lang", "", "language of the report: en or ja (default: from LC_ALL, LC_MESSAGES or LANG)")
	explain := fl.Bool("explain", false, "list every rule tried, matched or not, and why")
	rulesFile := fl.String("rules", "", "YAML file of extra rules; a rule with the ID of a stock rule replaces it")
	recover := fl.Bool("recover", false, "also read deleted event records left in EVTX slack space")
	quiet := fl.Bool("q", false, "no progress bar")
	limits := classify.DefaultLimits()
	fl.Int64Var(&limits.MaxTotal, "max-total", limits.MaxTotal, "most uncompressed bytes read from all inputs together")
	fl.IntVar(&limits.MaxFiles, "max-files", limits.MaxFiles, "most files and archive entries looked at")
	fl.IntVar(&limits.MaxDepth, "max-depth", limits.MaxDepth, "most archives nested in one another")
	fl.Float64Var(&limits.MaxRatio, "max-ratio", limits.MaxRatio, "largest compression ratio of one archive entry (zip bombs)")
	since := fl.String("since", "", "ignore evidence before this time (RFC 3339 or 2006-01-02)")
	until := fl.String("until", "", "ignore evidence after this time (RFC 3339 or 2006-01-02)")
	fl.Usage = func() {
		fmt.Fprint(fl.Output(), analyzeHelp)
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fl.NArg() == 0 {
		fl.Usage()
		return exitUsage
	}
	opts := &classify.Options{Explain: *explain, Recover: *recover}
	reportLang := report.LanguageFromEnv()
	if *lang != "" {
		tag, ok := parseLang(*lang)
		if !ok {
			fmt.Fprintf(stderr, "wudiag analyze: unknown -lang %q (en or ja)\n", *lang)
			return exitUsage
		}
		reportLang = tag
	}
	if *rulesFile != "" {
		f, err := os.Open(*rulesFile)
		if err != nil {
			fmt.Fprintf(stderr, "wudiag analyze: %v\n", err)
			return exitUsage
		}
		extra, err := classify.ParseRules(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "wudiag analyze: %s: %v\n", *rulesFile, err)
			return exitUsage
		}
		opts.Rules = classify.MergeRules(classify.StockRules(), extra)
		if err := classify.CheckRules(opts.Rules); err != nil {
			fmt.Fprintf(stderr, "wudiag analyze: %s: %v\n", *rulesFile, err)
			return exitUsage
		}
	}
	ropts := &render.Options{Explain: *explain, Lang: reportLang}
	if *tz != "" {
		loc, err := parseZone(*tz)
		if err != nil {
			fmt.Fprintf(stderr, "wudiag analyze: -tz: %v\n", err)
			return exitUsage
		}
		ropts.Location = loc
	}
	// -since and -until are read in the zone the report is shown in:
	// -tz when given, else the machine's offset once the logs tell it
	// (resolved below, after analysis, for times without an offset).
	var err error
	var sinceDate, untilDate bool
	if opts.Since, sinceDate, err = parseWhenIn(*since, ropts.Location); err != nil {
		fmt.Fprintf(stderr, "wudiag analyze: -since: %v\n", err)
		return exitUsage
	}
	if opts.Until, untilDate, err = parseWhenIn(*until, ropts.Location); err != nil {
		fmt.Fprintf(stderr, "wudiag analyze: -until: %v\n", err)
		return exitUsage
	}
	if untilDate {
		// A date alone means the end of that day.
		opts.Until = opts.Until.Add(24*time.Hour - time.Nanosecond)
	}
	_ = sinceDate
	if !opts.Since.IsZero() && !opts.Until.IsZero() && opts.Since.After(opts.Until) {
		fmt.Fprintf(stderr, "wudiag analyze: -since %s is after -until %s\n", *since, *until)
		return exitUsage
	}
	// Without -tz the report shows the machine's local time, which is
	// known only once the logs are read: Analyze shifts zone-less times.
	// A time with its own offset (RFC 3339) is absolute and not shifted.
	opts.MachineTime = ropts.Location == nil && !absolute(*since) && !absolute(*until)
	for _, p := range fl.Args() {
		if p == "-" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			fmt.Fprintf(stderr, "wudiag analyze: %s: no such file or folder\n", p)
			if !errors.Is(err, os.ErrNotExist) {
				fmt.Fprintf(stderr, "wudiag analyze: %v\n", err)
			}
			return exitUsage
		}
	}
	var out io.Writer = stdout
	if *format == "" && *output != "" {
		*format = formatFromExt(*output)
	}
	if *format == "" {
		*format = "text"
		if *output == "" && isTerminal(stdout) {
			*format = "table"
		}
	}
	if !slices.Contains(render.Formats(), *format) {
		fmt.Fprintf(stderr, "wudiag analyze: unknown format %q (one of %s)\n", *format, strings.Join(render.Formats(), ", "))
		return exitUsage
	}
	if *output != "" {
		f, err := os.Create(*output)
		if err != nil {
			fmt.Fprintf(stderr, "wudiag analyze: %v\n", err)
			return exitUsage
		}
		defer f.Close()
		out = f
	}

	paths, cleanup, err := stdinPaths(fl.Args())
	if err != nil {
		fmt.Fprintf(stderr, "wudiag analyze: %v\n", err)
		return exitUsage
	}
	defer cleanup()
	if !*quiet && isTerminal(stderr) {
		bar := &progressBar{w: stderr, start: time.Now()}
		opts.Progress = bar.update
		defer bar.clear()
	}
	opts.Limits = limits
	if tmp := stdinName(paths, fl.Args()); tmp != "" {
		// Standard input, spooled to tmp, is named "stdin" in the report.
		opts.DisplayName = func(name string) string {
			if rest, ok := strings.CutPrefix(name, tmp); ok {
				return "stdin" + rest
			}
			return name
		}
	}
	d, err := classify.AnalyzePaths(ctx, paths, opts)
	ropts.Since, ropts.Until = d.Since, d.Until
	for _, in := range d.Inputs {
		// What the intake skipped is in the report too; said at once here.
		if intakeReason(in.Reason) && len(in.Errors) > 0 {
			fmt.Fprintf(stderr, "wudiag: %s\n", render.Visible(in.File+": "+strings.Join(in.Errors, "; ")))
		}
	}
	if werr := render.Write(out, d, *format, ropts); werr != nil {
		fmt.Fprintf(stderr, "wudiag analyze: %v\n", werr)
		return exitUsage
	}
	switch {
	case errors.Is(err, classify.ErrNoInput):
		fmt.Fprintln(stderr, "wudiag analyze: no readable log in", strings.Join(fl.Args(), " "))
		return exitUsage
	case err != nil:
		fmt.Fprintf(stderr, "wudiag analyze: %v\n", err)
		return exitUsage
	case render.Actionable(d):
		return exitFindings
	}
	return exitOK
}

// parseLang accepts the report languages: en or ja, with any region or
// encoding (ja_JP.UTF-8).
func parseLang(s string) (language.Tag, bool) {
	tag := report.ParseLanguage(s)
	base := strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(base, "-_.@"); i >= 0 {
		base = base[:i]
	}
	switch base {
	case "en", "english", "c", "posix":
		return language.English, true
	case "ja", "japanese", "jp":
		return language.Japanese, true
	}
	return tag, false
}

// formatFromExt names the report format for an output file's extension,
// "" when the extension says nothing.
func formatFromExt(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".html", ".htm":
		return "html"
	case ".md", ".markdown":
		return "markdown"
	case ".json":
		return "json"
	case ".csv":
		return "csv"
	case ".txt", ".log":
		return "text"
	}
	return ""
}

// stdinPaths replaces a "-" argument by a temporary file holding standard
// input, so that the bundle reader can tell its kind and read it twice.
func stdinPaths(args []string) ([]string, func(), error) {
	out := append([]string(nil), args...)
	var tmp string
	for i, a := range out {
		if a != "-" {
			continue
		}
		if tmp == "" {
			f, err := os.CreateTemp("", "wudiag-stdin-*")
			if err != nil {
				return nil, func() {}, err
			}
			tmp = f.Name()
			_, err = io.Copy(f, stdin)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(tmp)
				return nil, func() {}, fmt.Errorf("reading standard input: %v", err)
			}
		}
		out[i] = tmp
	}
	return out, func() {
		if tmp != "" {
			os.Remove(tmp)
		}
	}, nil
}

// intakeReason reports whether a reason is worth saying at once on
// stderr: a file or archive that could not be read, not one that is no
// log (listed in the report) or a duplicate.
func intakeReason(r classify.Reason) bool {
	switch r {
	case classify.ReasonNotLog, classify.ReasonETL, classify.ReasonDuplicate, "":
		return false
	}
	return true
}

// stdinName is the temporary file that stands for "-", "" when none.
func stdinName(paths, args []string) string {
	for i, a := range args {
		if a == "-" {
			return paths[i]
		}
	}
	return ""
}

// stdin is what "-" reads; tests replace it.
var stdin io.Reader = os.Stdin

// parseWhenIn reads a -since/-until time. A time without an offset is
// read in loc (UTC when nil); date reports a date alone.
func parseWhenIn(s string, loc *time.Location) (t time.Time, date bool, err error) {
	if s == "" {
		return time.Time{}, false, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, false, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, layout == "2006-01-02", nil
		}
	}
	return time.Time{}, false, fmt.Errorf("cannot read time %q (use RFC 3339, 2006-01-02 15:04 or 2006-01-02)", s)
}

// absolute reports whether a -since/-until value carries its own offset.
func absolute(s string) bool {
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}

// parseZone reads "UTC", an IANA zone name or an offset such as "+09:00".
func parseZone(s string) (*time.Location, error) {
	if t, err := time.Parse("-07:00", s); err == nil {
		_, off := t.Zone()
		return time.FixedZone(s, off), nil
	}
	return time.LoadLocation(s)
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressBar draws one line on a terminal: bytes read, percentage and
// speed. It is only used when stderr is a terminal.
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
	drawn bool
}

func (p *progressBar) update(done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	mb := float64(done) / (1 << 20)
	speed := mb / max(time.Since(p.start).Seconds(), 0.001)
	if total > 0 {
		pct := float64(done) * 100 / float64(total)
		width := 30
		fill := min(int(pct/100*float64(width)), width)
		fmt.Fprintf(p.w, "\r[%s%s] %5.1f%%  %.0f / %.0f MB  %.0f MB/s ", strings.Repeat("=", fill), strings.Repeat(" ", width-fill),
			min(pct, 100), mb, float64(total)/(1<<20), speed)
	} else {
		fmt.Fprintf(p.w, "\rreading… %.0f MB  %.0f MB/s ", mb, speed)
	}
	p.drawn = true
}

func (p *progressBar) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", 72))
	}
}
