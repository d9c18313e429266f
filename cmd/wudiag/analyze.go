package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/wudiag/wudiag/classify"
	"github.com/wudiag/wudiag/codes"
)

const analyzeHelp = `usage: wudiag analyze [flags] PATH...

Analyze reads the logs in PATH (files, or folders read recursively),
finds the failed updates and installations, and ranks their causes with
the evidence for each and the steps to fix them.

It reads CBS.log and CbsPersist logs, dism.log, event logs (binary .evtx,
dirty or damaged ones too, and XML or text exports), WindowsUpdate.log
(both formats), ReAgent.log, setupact.log, MpCmdRun.log, MpSigStub.log,
UpdatePlatform logs, WiX Burn and MSI logs, fltmc and chkdsk output. File
kinds are told from their content, not their names. A file that cannot be
read is reported with the reason and the rest is still analysed.

Causes: av_conflict, component_corruption, recovery_partition,
defender_platform, msi_dotnet, download_cache, disk_storage,
servicing_stack. A result is always written, also when nothing matched.

Exit status: 0 no failure and no finding, 1 failures or findings reported,
2 usage error or no readable log.

Flags:
`

func runAnalyze(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("analyze", flag.ContinueOnError)
	fl.SetOutput(stderr)
	format := fl.String("format", "text", "output format: text or json")
	lang := fl.String("lang", "", "language of the report: en or ja (default: from LC_ALL, LC_MESSAGES or LANG)")
	explain := fl.Bool("explain", false, "list every rule tried, matched or not, and why")
	rulesFile := fl.String("rules", "", "YAML file of extra rules; a rule with the ID of a stock rule replaces it")
	recover := fl.Bool("recover", false, "also read deleted event records left in EVTX slack space")
	since := fl.String("since", "", "ignore evidence before this time (RFC 3339 or 2006-01-02)")
	until := fl.String("until", "", "ignore evidence after this time (RFC 3339 or 2006-01-02)")
	fl.Usage = func() {
		fmt.Fprint(stderr, analyzeHelp)
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
	if *lang != "" {
		opts.Lang = classify.ParseLanguage(*lang)
	} else {
		opts.Lang = classify.LanguageFromEnv()
	}
	var err error
	if opts.Since, err = parseWhen(*since); err != nil {
		fmt.Fprintf(stderr, "wudiag analyze: -since: %v\n", err)
		return exitUsage
	}
	if opts.Until, err = parseWhen(*until); err != nil {
		fmt.Fprintf(stderr, "wudiag analyze: -until: %v\n", err)
		return exitUsage
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
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "wudiag analyze: unknown format %q (text or json)\n", *format)
		return exitUsage
	}

	inputs, errs := classify.PathInputs(fl.Args()...)
	for _, err := range errs {
		fmt.Fprintf(stderr, "wudiag: %v\n", err)
	}
	d, err := classify.Analyze(ctx, inputs, opts)
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	switch *format {
	case "json":
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(d); err != nil {
			fmt.Fprintf(stderr, "wudiag analyze: %v\n", err)
			return exitUsage
		}
	default:
		printText(out, d, *explain)
	}
	switch {
	case errors.Is(err, classify.ErrNoInput):
		fmt.Fprintln(stderr, "wudiag analyze: no readable log in", strings.Join(fl.Args(), " "))
		return exitUsage
	case err != nil:
		fmt.Fprintf(stderr, "wudiag analyze: %v\n", err)
		return exitUsage
	case len(d.Findings) > 0 || len(d.Failures) > 0:
		return exitFindings
	}
	return exitOK
}

func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read time %q (use RFC 3339 or 2006-01-02)", s)
}

// labels are the headings of the text report.
var labels = map[string][2]string{
	"failures":  {"Failed installations", "失敗したインストール"},
	"none":      {"No failed installation was found in these logs.", "これらのログに失敗したインストールは見つかりませんでした。"},
	"findings":  {"Causes, most likely first", "原因 (可能性の高い順)"},
	"nocause":   {"No known cause matched. What was looked at:", "既知の原因には該当しませんでした。確認した内容:"},
	"evidence":  {"evidence", "根拠"},
	"remedy":    {"what to do", "対処"},
	"inputs":    {"Inputs", "入力"},
	"resolved":  {"resolved later", "後で解決済み"},
	"why":       {"why", "理由"},
	"explain":   {"Rules tried", "評価したルール"},
	"more":      {"more", "件 ほか"},
	"notread":   {"not a log wudiag reads", "wudiag が読まない形式"},
	"readerror": {"error", "エラー"},
}

func label(d *classify.Diagnosis, key string) string {
	if d.Lang == language.Japanese {
		return labels[key][1]
	}
	return labels[key][0]
}

func where(file string, line int, record uint64) string {
	switch {
	case line > 0:
		return fmt.Sprintf("%s:%d", file, line)
	case record > 0:
		return fmt.Sprintf("%s record %d", file, record)
	}
	return file
}

func whenUTC(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func printText(w io.Writer, d *classify.Diagnosis, explain bool) {
	fmt.Fprintf(w, "%s\n", label(d, "failures"))
	if len(d.Failures) == 0 {
		fmt.Fprintf(w, "  %s\n", label(d, "none"))
	}
	for _, f := range d.Failures {
		name := f.Code.String()
		if info, ok := codes.Lookup(f.Code); ok {
			name += " " + info.Name
		}
		fmt.Fprintf(w, "  %-12s %s  %s", f.Update, name, whenUTC(f.Time))
		if f.Resolved {
			fmt.Fprintf(w, "  (%s)", label(d, "resolved"))
		}
		fmt.Fprintln(w)
		if f.Title != "" && f.Title != f.Update {
			fmt.Fprintf(w, "               %s\n", f.Title)
		}
		fmt.Fprintf(w, "               %s\n", where(f.Source.File, f.Source.Line, f.Source.Record))
	}
	fmt.Fprintln(w)
	if len(d.Findings) == 0 {
		fmt.Fprintf(w, "%s\n", label(d, "nocause"))
		for _, in := range d.Inputs {
			fmt.Fprintf(w, "  %s (%s, %d)\n", in.File, kindOr(in.Kind, label(d, "notread")), in.Entries)
		}
	} else {
		fmt.Fprintf(w, "%s\n", label(d, "findings"))
	}
	for i, f := range d.Findings {
		fmt.Fprintf(w, "  %d. %s — %s (%.2f)\n", i+1, classify.CauseName(f.Cause, d.Lang), f.Confidence, f.Score)
		fmt.Fprintf(w, "     %s: %s\n", label(d, "why"), f.Reason)
		fmt.Fprintf(w, "     %s:\n", label(d, "evidence"))
		// Each piece of evidence once, with every rule that matched it.
		var order []*classify.Evidence
		ruleIDs := map[*classify.Evidence][]string{}
		for _, s := range f.Support {
			if _, ok := ruleIDs[s.Evidence]; !ok {
				order = append(order, s.Evidence)
			}
			ruleIDs[s.Evidence] = append(ruleIDs[s.Evidence], s.Rule.ID)
		}
		for j, e := range order {
			if j == 5 {
				fmt.Fprintf(w, "       … %d %s\n", len(order)-5, label(d, "more"))
				break
			}
			fmt.Fprintf(w, "       - %s  %s\n         %s  [%s]\n", where(e.File, e.Line, e.Record), whenUTC(e.Time), clip(e.Text, 200), strings.Join(ruleIDs[e], ", "))
		}
		fmt.Fprintf(w, "     %s:\n", label(d, "remedy"))
		for j, step := range f.Remedy {
			fmt.Fprintf(w, "       %d. %s\n", j+1, step)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%s\n", label(d, "inputs"))
	for _, in := range d.Inputs {
		if in.Skipped {
			continue
		}
		fmt.Fprintf(w, "  %-60s %-14s %8d\n", in.File, kindOr(in.Kind, "?"), in.Entries)
		for _, e := range in.Errors {
			fmt.Fprintf(w, "    %s: %s\n", label(d, "readerror"), e)
		}
	}
	if explain {
		fmt.Fprintf(w, "\n%s\n", label(d, "explain"))
		for _, t := range d.Explain {
			fmt.Fprintf(w, "  %-32s %-22s %4d  %s\n", t.Rule.ID, t.Rule.Cause, t.Matched, t.Why)
		}
	}
}

func kindOr(k, alt string) string {
	if k == "" {
		return alt
	}
	return k
}
