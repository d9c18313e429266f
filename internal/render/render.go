// Package render writes a classify.Diagnosis for people: plain text (for
// pipes and logs), a terminal table, Markdown to paste into a ticket, and
// one self-contained HTML page, CSV, a support ticket, and the JSON
// contract of the report package.
//
// Every format says the same things in the same order: the failed
// installations, the causes best first with their confidence, the
// evidence for each (file and line or record, time, excerpt, rule) and
// the remedy steps; then what was read. Every word comes from the report
// package's catalog, in Options.Lang (English or Japanese).
package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/wudiag/wudiag/classify"
	"github.com/wudiag/wudiag/codes"
	"github.com/wudiag/wudiag/evtx"
	"github.com/wudiag/wudiag/internal/eventtext"
	"github.com/wudiag/wudiag/report"
)

var formats = []string{"text", "table", "json", "markdown", "html", "csv", "ticket"}

// Formats returns the names Write accepts. The slice is a copy.
func Formats() []string { return slices.Clone(formats) }

// Options adjust the output.
type Options struct {
	// Location is the zone times are shown in; nil means the machine's
	// local time when the logs tell it (Diagnosis.Offset), else UTC.
	Location *time.Location
	// Explain adds every rule tried, and why it matched or not.
	Explain bool
	// MaxEvidence is how many pieces of evidence to show per cause in the
	// text formats; 0 means 5.
	MaxEvidence int
	// Since and Until are the window the analysis applied (zero: open);
	// every report states it.
	Since, Until time.Time
	// Lang is the report's language; the zero Tag means English.
	Lang language.Tag
}

// Write renders d in the named format.
func Write(w io.Writer, d *classify.Diagnosis, format string, opts *Options) error {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxEvidence <= 0 {
		o.MaxEvidence = 5
	}
	if o.Location == nil {
		o.Location = time.UTC
		if d.OffsetKnown {
			o.Location = time.FixedZone(zoneName(d.Offset), int(d.Offset/time.Second))
		}
	}
	v := newView(d, &o)
	switch format {
	case "text", "table":
		// Log text must not drive the reader's terminal.
		vw := NewVisibleWriter(w)
		write := writeText
		if format == "table" {
			write = writeTable
		}
		if err := write(vw, v); err != nil {
			return err
		}
		return vw.Flush()
	case "markdown":
		return writeMarkdown(w, v)
	case "html":
		return writeHTML(w, v)
	case "csv":
		return writeCSV(w, v)
	case "ticket":
		vw := NewVisibleWriter(w)
		if err := writeTicket(vw, v); err != nil {
			return err
		}
		return vw.Flush()
	case "json":
		js, err := report.JSON(d, o.Lang)
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := json.Indent(&b, js, "", "  "); err != nil {
			return err
		}
		b.WriteByte('\n')
		_, err = b.WriteTo(w)
		return err
	}
	return fmt.Errorf("render: unknown format %q (one of %s)", format, strings.Join(formats, ", "))
}

func zoneName(d time.Duration) string {
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	return fmt.Sprintf("UTC%s%02d:%02d", sign, int(d.Hours()), int(d.Minutes())%60)
}

// A view is the diagnosis prepared for the templates: strings ready to
// print, in the report's language and time zone.
type view struct {
	d        *classify.Diagnosis
	o        *Options
	lang     language.Tag
	Failures []failureView
	Findings []findingView
	Inputs   []inputView
	Explain  []traceView
	Timeline []timelineView
	Zone     string
	Window   string // the time window applied, in words
	Machine  string
	L        map[string]string // headings in the report's language
}

type failureView struct {
	Update, Title, Code, CodeName, Time, Where, Family string
	Meaning                                            string // the code's meaning in the report language
	Resolved                                           bool
}

type evidenceView struct {
	Where, Time, Text, Rules, File string
	// Codes decodes the codes the line carries: name and meaning in the
	// report language.
	Codes string
}

type findingView struct {
	Rank                           int
	Cause, Name, Confidence, Score string
	ConfidenceRaw                  string // high, medium or low
	// Low marks a finding that is possible, not confirmed: it shows
	// Check, the way to confirm it, instead of the repair.
	Low             bool
	Check           string
	Summary, Reason string
	Evidence        []evidenceView
	More            int
	Remedy          []string
}

type inputView struct {
	File, Kind string
	Entries    int
	Errors     []string
	Skipped    bool
	Reason     string // why a skipped input was not read, in the report language
}

type traceView struct {
	Rule, Cause, Why string
	Matched          int
}

type timelineView struct {
	Time, Where, Text, Causes, Kind string
	Failure                         bool
}

func newView(d *classify.Diagnosis, o *Options) *view {
	v := &view{d: d, o: o, lang: o.Lang, Zone: o.Location.String(), Machine: d.Machine}
	v.L = report.Labels(o.Lang, "report.")
	for _, f := range d.Failures {
		fv := failureView{Update: f.Update, Title: f.Title, Code: f.Code.String(), Time: v.when(f.Time),
			Resolved: f.Resolved, Family: string(f.Family)}
		if f.Title == f.Update {
			fv.Title = ""
		}
		if info, ok := codes.Lookup(f.Code); ok {
			fv.CodeName = info.Name
		}
		fv.Meaning = codeMeaning(f.Code, o.Lang)
		if f.Source != nil {
			fv.Where = v.whereOf(f.Source)
		}
		v.Failures = append(v.Failures, fv)
	}
	for i, f := range d.Findings {
		fv := findingView{Rank: i + 1, Cause: f.Cause, Name: report.CauseName(f.Cause, o.Lang),
			Confidence: report.Confidence(f.Confidence, o.Lang), ConfidenceRaw: string(f.Confidence), Score: fmt.Sprintf("%.2f", f.Score),
			Summary: report.Summary(f, o.Lang), Reason: report.Reason(f, o.Lang), Remedy: report.Remedy(f, o.Lang), Low: isLow(f.Confidence)}
		if fv.Low {
			fv.Check = report.Check(f.Cause, o.Lang)
		}
		// Each line or record once, with every rule that matched it; the
		// strongest (decisive) first, as Support is ordered.
		type key struct {
			file, text string
			line       int
			record     uint64
		}
		var order []*classify.Evidence
		seen := map[key]*classify.Evidence{}
		rules := map[*classify.Evidence][]string{}
		for _, s := range f.Support {
			e := s.Evidence
			if e == nil {
				continue
			}
			k := key{e.File, "", e.Line, e.Record}
			if e.Line == 0 && e.Record == 0 {
				k.text = e.Text
			}
			first, ok := seen[k]
			if !ok {
				seen[k], first = e, e
				order = append(order, e)
			}
			if s.Rule != nil && !contains(rules[first], s.Rule.ID) {
				rules[first] = append(rules[first], s.Rule.ID)
			}
		}
		for j, e := range order {
			if j == o.MaxEvidence {
				fv.More = len(order) - j
				break
			}
			fv.Evidence = append(fv.Evidence, evidenceView{Where: v.whereOf(e), Time: v.when(e.Time),
				Text: clip(v.evidenceText(e), 300), Rules: strings.Join(rules[e], ", "), File: e.File, Codes: v.decode(e.Codes)})
		}
		v.Findings = append(v.Findings, fv)
	}
	for _, in := range d.Inputs {
		iv := inputView{File: in.File, Kind: string(in.Kind), Entries: in.Entries, Errors: in.Errors, Skipped: in.Skipped}
		if in.Skipped || in.Kind == "" {
			iv.Reason = v.skipReason(in)
		}
		v.Inputs = append(v.Inputs, iv)
	}
	if o.Explain {
		for _, t := range d.Explain {
			v.Explain = append(v.Explain, traceView{Rule: t.Rule.ID, Cause: t.Rule.Cause, Why: t.Why, Matched: t.Matched})
		}
	}
	v.Timeline = timeline(v)
	v.Window = v.window()
	return v
}

// langCode is the report language as a code: "ja" or "en" (HTML's lang
// attribute, the event sentences' catalog).
func (v *view) langCode() string {
	if base, _ := v.lang.Base(); base.String() == "ja" {
		return "ja"
	}
	return "en"
}

// window states the time window the analysis applied, in the shown zone.
func (v *view) window() string {
	if v.o.Since.IsZero() && v.o.Until.IsZero() {
		return fmt.Sprintf("%s: %s (%s %s)", v.L["window"], v.L["all"], v.L["times"], v.Zone)
	}
	s, u := "…", "…"
	if !v.o.Since.IsZero() {
		s = v.when(v.o.Since)
	}
	if !v.o.Until.IsZero() {
		u = v.when(v.o.Until)
	}
	return fmt.Sprintf("%s: %s – %s (%s %s)", v.L["window"], s, u, v.L["times"], v.Zone)
}

// timeline lists the evidence that supports a finding, and the failures,
// within a day of the first unresolved failure, oldest first.
func timeline(v *view) []timelineView {
	var center time.Time
	for _, f := range v.d.Failures {
		if !f.Resolved && !f.Time.IsZero() {
			center = f.Time
			break
		}
	}
	causes := map[*classify.Evidence][]string{}
	for _, f := range v.d.Findings {
		for _, s := range f.Support {
			if !contains(causes[s.Evidence], f.Cause) {
				causes[s.Evidence] = append(causes[s.Evidence], f.Cause)
			}
		}
	}
	type item struct {
		t time.Time
		v timelineView
	}
	var items []item
	near := func(t time.Time) bool {
		if center.IsZero() || t.IsZero() {
			return !t.IsZero()
		}
		d := t.Sub(center)
		return d > -24*time.Hour && d < 24*time.Hour
	}
	for e, cs := range causes {
		// A failure's own evidence (signal "failure") is the failure row.
		if near(e.Time) && e.Signal != "failure" {
			items = append(items, item{e.Time, timelineView{Time: v.when(e.Time), Where: v.whereOf(e),
				Text: clip(v.evidenceText(e), 200), Causes: strings.Join(cs, ", "), Kind: string(e.Kind)}})
		}
	}
	for _, f := range v.d.Failures {
		if near(f.Time) {
			code := f.Code.String()
			items = append(items, item{f.Time, timelineView{Time: v.when(f.Time), Text: f.Update + " " + code, Failure: true,
				Where: v.whereOf(f.Source)}})
		}
	}
	// By time, then by place, so that the report is the same every time;
	// a failure comes after the evidence logged in the same second.
	sort.Slice(items, func(i, j int) bool {
		a, b := items[i], items[j]
		switch {
		case !a.t.Equal(b.t):
			return a.t.Before(b.t)
		case a.v.Failure != b.v.Failure:
			return b.v.Failure
		case a.v.Where != b.v.Where:
			return a.v.Where < b.v.Where
		case a.v.Text != b.v.Text:
			return a.v.Text < b.v.Text
		}
		return a.v.Causes < b.v.Causes
	})
	const maxTimeline = 60
	var out []timelineView
	for i, it := range items {
		if i == maxTimeline {
			break
		}
		out = append(out, it.v)
	}
	return out
}

// evidenceText is what a person reads of e: for an event, one sentence of
// its decisive fields in the report's language (package eventtext), or
// its fields with their codes named when the catalog has no sentence for
// it; for a log line, the line. The raw fields stay in the JSON.
func (v *view) evidenceText(e *classify.Evidence) string {
	if e.Signal == "failure" {
		// A failure as evidence reads as the event that reported it.
		for _, f := range v.d.Failures {
			if s := f.Source; s != nil && s.Signal == "evtx.event" && s.File == e.File && s.Record == e.Record && s.Line == e.Line {
				e = s
				break
			}
		}
	}
	if e.Signal != "evtx.event" {
		return e.Text
	}
	id, err := strconv.ParseUint(e.Value("event_id"), 10, 32)
	if err != nil {
		return eventtext.Annotate(e.Text)
	}
	if s, ok := eventtext.Catalog(e.Value("provider"), uint32(id), eventFields(e), v.langCode()); ok {
		return s
	}
	return eventtext.Annotate(e.Text)
}

// evidenceMeta are the Values classify sets on event evidence beside the
// event's own fields.
var evidenceMeta = map[string]bool{"provider": true, "event_id": true, "channel": true, "level": true,
	"computer": true, "recovered": true, "inferred": true, "status": true, "product": true, "title": true, "kb": true}

// eventFields returns the event fields kept in the values of e: classify's
// data0, data1, … (the values of a classic source, by position) first,
// then the named ones by name.
func eventFields(e *classify.Evidence) []evtx.Field {
	var pos, named []evtx.Field
	for k, val := range e.All() {
		switch {
		case evidenceMeta[k]:
		case strings.HasPrefix(k, "data"):
			pos = append(pos, evtx.Field{Name: k, Value: val})
		default:
			named = append(named, evtx.Field{Name: k, Value: val})
		}
	}
	sort.Slice(pos, func(i, j int) bool {
		a, _ := strconv.Atoi(pos[i].Name[4:])
		b, _ := strconv.Atoi(pos[j].Name[4:])
		return a < b
	})
	sort.Slice(named, func(i, j int) bool { return named[i].Name < named[j].Name })
	return append(pos, named...)
}

// decode spells out codes inline: "0x800f081f CBS_E_SOURCE_MISSING: meaning".
func (v *view) decode(cs []codes.Code) string {
	var parts []string
	seen := map[codes.Code]bool{}
	for _, c := range cs {
		if seen[c] || c == 0 {
			continue
		}
		seen[c] = true
		info, ok := codes.Lookup(c)
		if !ok {
			continue
		}
		p := c.String() + " " + info.Name
		if m := codeMeaning(c, v.lang); m != "" {
			p += ": " + m
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

// whereOf names where e was read: file and line or record, marked when
// the record was carved out of the log's free space (analyze -recover), so
// that nobody mistakes a deleted event for one the log still shows.
func (v *view) whereOf(e *classify.Evidence) string {
	if e == nil {
		return ""
	}
	w := where(e.File, e.Line, e.Record)
	if e.Value("recovered") == "true" {
		w += " (" + v.L["recovered"] + ")"
	}
	return w
}

func (v *view) when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(v.o.Location).Format("2006-01-02 15:04:05")
}

func where(file string, line int, record uint64) string {
	switch {
	case line > 0:
		return fmt.Sprintf("%s:%d", file, line)
	case record > 0:
		return fmt.Sprintf("%s#%d", file, record)
	}
	return file
}

func clip(s string, n int) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\n", " ⏎ "))
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
