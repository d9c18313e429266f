package classify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/wudiag/wudiag/cbslog"
	"github.com/wudiag/wudiag/dismlog"
	"github.com/wudiag/wudiag/evtx"
)

// Options adjust Analyze. The zero value is ready to use.
type Options struct {
	// Rules replaces the stock rules when non-nil (see MergeRules to
	// extend them instead).
	Rules []*Rule
	// FailurePatterns replaces the stock failure statements when non-nil
	// (see failures.yaml).
	FailurePatterns []*FailurePattern
	// Lang is the language of summaries and remedies; the zero Tag means
	// English.
	Lang language.Tag
	// Recover also reads deleted event records left in EVTX slack space.
	Recover bool
	// MaxInMemory bounds how much of an event log that is not on disk
	// (an archive entry) is read into memory; 0 means 512 MiB.
	MaxInMemory int64
	// Since and Until, when set, drop evidence outside the range
	// (evidence without a time is kept).
	Since, Until time.Time
	// Explain records every rule tried in Diagnosis.Explain.
	Explain bool
	// Workers is how many inputs are read at once; 0 means GOMAXPROCS.
	// Results do not depend on it.
	Workers int
	// Progress, when set, is called from the reading goroutines (one call
	// at a time) with the bytes read so far and the total size of the
	// inputs (-1 when some sizes are unknown), about ten times a second.
	Progress func(done, total int64)

	keep *prefilter // the extractors' prefilter, from the rules and patterns
}

// A Diagnosis is the result of an analysis: the failed installations,
// the ranked causes, and what was read.
type Diagnosis struct {
	Failures []*Failure
	Findings []*Finding
	Inputs   []InputReport
	Explain  []Trace
	// Evidence is everything the extractors kept, for renderers that show
	// a timeline.
	Evidence []Evidence
	Lang     language.Tag
	// Machine is the computer name the event logs give most often, "" when
	// no event log names one.
	Machine string
	// Offset is the machine's UTC offset, learned from CBS/CSI records
	// that carry both local and UTC times; OffsetKnown reports whether any
	// did. Renderers show times in the machine's local time with it.
	Offset      time.Duration
	OffsetKnown bool
}

// InputReport says what was read from one input.
type InputReport struct {
	File    string
	Kind    string // cbs, dism, evtx, evtx-xml, evtx-text, windowsupdate, ... or "" when not recognised
	Entries int    // entries, events or records read
	Errors  []string
	// Skipped reports an input that is not a log wudiag reads.
	Skipped bool
	// Omitted counts evidence not kept because the same kind of line
	// repeated (the first and the latest of each kind are kept).
	Omitted int

	offset      time.Duration // the machine's UTC offset, when the log shows it
	offsetKnown bool
	computers   map[string]int // computer names in an event log, by count
}

// ErrNoInput is returned when no input could be read at all.
var ErrNoInput = errors.New("no readable log in the inputs")

// Analyze reads the inputs, extracts evidence, finds the failed
// installations and ranks their causes. An input that cannot be read is
// reported in Diagnosis.Inputs with the reason and the rest is still
// analysed; the error is ErrNoInput only when nothing could be read, or
// the context's error when it is cancelled, or an ErrRule when the rules
// refer to rules that do not exist (CheckRules). A Diagnosis is always
// returned.
func Analyze(ctx context.Context, inputs []Input, opts *Options) (*Diagnosis, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Rules == nil {
		o.Rules = StockRules()
	}
	if err := CheckRules(o.Rules); err != nil {
		return &Diagnosis{Lang: o.Lang}, err
	}
	if o.FailurePatterns == nil {
		o.FailurePatterns = StockFailurePatterns()
	}
	o.keep = prefilterFor(o.Rules, o.FailurePatterns)
	if o.MaxInMemory <= 0 {
		o.MaxInMemory = 512 << 20
	}
	if o.Lang == (language.Tag{}) {
		o.Lang = language.English
	}
	d := &Diagnosis{Lang: o.Lang}
	results := readAll(ctx, inputs, &o)
	read := 0
	type span struct{ from, to int }
	var wallClock []span // evidence whose times are local wall-clock times of an unknown zone
	computers := map[string]int{}
	for _, r := range results {
		rep, ev := r.rep, r.ev
		for name, n := range rep.computers {
			computers[name] += n
		}
		d.Inputs = append(d.Inputs, rep)
		if rep.offsetKnown && !d.OffsetKnown {
			d.Offset, d.OffsetKnown = rep.offset, true
		}
		if rep.Kind != "" && !rep.Skipped && rep.Entries > 0 {
			read++
		}
		if !rep.offsetKnown && wallClockKind(rep.Kind) {
			wallClock = append(wallClock, span{len(d.Evidence), len(d.Evidence) + len(ev)})
		}
		d.Evidence = append(d.Evidence, ev...)
	}
	for name, n := range computers {
		if n > computers[d.Machine] || n == computers[d.Machine] && name < d.Machine {
			d.Machine = name
		}
	}
	if err := ctx.Err(); err != nil {
		return finish(d, &o), err
	}
	// Logs that write local time without a zone take the machine's offset
	// learned from another log of the bundle (CBS.log's CSI stamps).
	if d.OffsetKnown {
		for _, sp := range wallClock {
			shiftTimes(d.Evidence[sp.from:sp.to], d.Offset)
		}
	}
	d.Evidence = dedupe(d.Evidence)
	if !o.Since.IsZero() || !o.Until.IsZero() {
		kept := d.Evidence[:0]
		for _, e := range d.Evidence {
			if e.Time.IsZero() || (o.Since.IsZero() || !e.Time.Before(o.Since)) && (o.Until.IsZero() || !e.Time.After(o.Until)) {
				kept = append(kept, e)
			}
		}
		d.Evidence = kept
	}
	finish(d, &o)
	if read == 0 {
		return d, ErrNoInput
	}
	return d, nil
}

// finish finds failures, ranks causes and fills remedies.
func finish(d *Diagnosis, o *Options) *Diagnosis {
	sort.SliceStable(d.Evidence, func(i, j int) bool { return d.Evidence[i].Time.Before(d.Evidence[j].Time) })
	d.Failures = findFailures(d.Evidence, o.FailurePatterns)
	findings, traces := rank(o.Rules, append(d.Evidence[:len(d.Evidence):len(d.Evidence)], failureEvidence(d.Failures)...), d.Failures)
	d.Findings = findings
	if o.Explain {
		d.Explain = traces
	}
	for _, f := range d.Findings {
		f.vals = remedyValues(f, d.Failures, d.Evidence)
		f.word(o.Lang)
	}
	return d
}

// word writes the finding's remedy, summary and reason in the language.
func (f *Finding) word(lang language.Tag) {
	f.Remedy = remedySteps(f.Cause, lang, f.vals)
	f.Summary = summarize(f, lang)
	f.Reason = reasonLine(f.grounds, lang)
}

// In returns the diagnosis worded in another language: the same
// failures, findings and evidence, with summaries, reasons and remedies
// in lang. The inputs are not read again, so a service that shows a case
// in English and Japanese analyses it once.
func (d *Diagnosis) In(lang language.Tag) *Diagnosis {
	c := *d
	c.Lang = lang
	c.Findings = make([]*Finding, len(d.Findings))
	for i, f := range d.Findings {
		g := *f
		g.word(lang)
		c.Findings[i] = &g
	}
	return &c
}

// wallClockKind reports whether a kind of log writes local wall-clock
// times without a zone. Event logs, MpSigStub ("Z") and ReportingEvents
// (with its zone) give UTC.
func wallClockKind(kind string) bool {
	switch kind {
	case KindEVTX, KindEVTXXML, KindEVTXTxt, KindEVTXCSV, "mpsigstub", "reportingevents", "":
		return false
	}
	return true
}

// remedyValues collects the values remedies refer to.
//
// Besides names (kb, product, av, free, build), it sets facts that choose
// remedy steps: rh_failed (DISM /RestoreHealth already failed, rh_code its
// code), msi_cache (Windows Installer's cache of a product is missing),
// dotnet_core and not_framework, not_office, vendor (a product that is not
// Microsoft's), http_forbidden, tls, elevation.
func remedyValues(f *Finding, failures []*Failure, ev []Evidence) map[string]string {
	vals := map[string]string{}
	for _, fl := range unresolved(failures) {
		if vals["kb"] == "" && strings.HasPrefix(fl.Update, "KB") && (causeOfFamily[fl.Family] == f.Cause || causeOfFamily[fl.Family] == "") {
			vals["kb"] = fl.Update
		}
		if vals["product"] == "" && fl.Family == FamilyMSI && fl.Title != "" && !strings.HasPrefix(fl.Update, "KB") {
			vals["product"] = fl.Title
		}
		if fl.Stage == StageRepair && vals["rh_failed"] == "" {
			vals["rh_failed"], vals["rh_code"] = "true", fl.Code.String()
		}
		for _, c := range fl.Codes {
			switch c {
			case 0x80190193, 0x80244018, 0x80d02002:
				vals["http_forbidden"] = "true"
			case 0x80072f8f:
				vals["tls"] = "true"
			case 0x800700e8, 0x800700e9, 0x8007006d:
				vals["elevation"] = "true"
			}
		}
	}
	subject := vals["product"]
	for _, fl := range unresolved(failures) {
		if subject == "" && fl.Family == FamilyMSI {
			subject = fl.Title + " " + fl.Update
		}
	}
	if p := strings.ToLower(subject); strings.TrimSpace(p) != "" {
		dotnet := strings.Contains(p, ".net") || strings.Contains(p, "dotnet") || strings.Contains(p, "aspnetcore") ||
			strings.Contains(p, "windowsdesktop-runtime")
		core := dotnet && !strings.Contains(p, "framework")
		if core {
			vals["dotnet_core"] = "true"
		}
		if core || !dotnet {
			vals["not_framework"] = "true"
		}
		if !strings.Contains(p, "office") {
			vals["not_office"] = "true"
		}
		microsoft := strings.Contains(p, "microsoft") || dotnet || strings.Contains(p, "visual c++") || strings.Contains(p, "kb") ||
			strings.Contains(p, "office") || strings.Contains(p, "windows") || strings.Contains(p, "sql server")
		if !microsoft && !strings.Contains(p, "bundle") && !strings.Contains(p, "installer") {
			vals["vendor"] = "true"
		}
	}
	for i := range ev {
		if ev[i].Signal == "cbs.stack_loaded" && vals["build"] == "" {
			// "10.0.22621.1626" names the build the repair source must match.
			if v := ev[i].Value("version"); strings.Count(v, ".") >= 2 {
				parts := strings.SplitN(v, ".", 4)
				vals["build"] = strings.Join(parts[:3], ".")
			}
		}
	}
	for _, s := range f.Support {
		e := s.Evidence
		if s.Rule.ID == "msi-cached-package-missing" {
			vals["msi_cache"] = "true"
		}
		if s.Rule.ID == "failure-elevation-pipe" {
			vals["elevation"] = "true"
		}
		if vals["av"] == "" {
			if v := e.Value("av_name"); v != "" {
				vals["av"] = v
			} else if e.Value("provider") == "SecurityCenter" {
				name, _, _ := strings.Cut(e.Value("data0"), ",")
				vals["av"] = strings.TrimSpace(name)
			}
		}
		if vals["free"] == "" && e.Value("partition_free") != "" {
			if n, err := strconv.ParseInt(e.Value("partition_free"), 10, 64); err == nil {
				vals["free"] = fmt.Sprintf("%d MB", n>>20)
			}
		}
	}
	return vals
}

// summarize writes the finding's one-line summary.
func summarize(f *Finding, lang language.Tag) string {
	name := CauseName(f.Cause, lang)
	if len(f.Support) == 0 {
		return name
	}
	top := f.Support[0]
	where := top.Evidence.File
	if top.Evidence.Line > 0 {
		where += fmt.Sprintf(" line %d", top.Evidence.Line)
	} else if top.Evidence.Record > 0 {
		where += fmt.Sprintf(" record %d", top.Evidence.Record)
	}
	s := fmt.Sprintf("%s: %s (%s)", name, top.Rule.Title(lang), where)
	rules := map[*Rule]bool{}
	for _, sp := range f.Support {
		rules[sp.Rule] = true
	}
	if n := len(rules) - 1; n > 0 {
		s += message.NewPrinter(lang, message.Catalog(messages)).Sprintf("summary.more", n)
	}
	return s
}

// readInput sniffs one input and runs its reader.
func readInput(ctx context.Context, in Input, o *Options) (InputReport, []Evidence) {
	rep := InputReport{File: in.Name}
	head, err := readHead(in)
	if err != nil {
		rep.Errors = append(rep.Errors, err.Error())
		return rep, nil
	}
	rep.Kind = Sniff(head)
	var ev []Evidence
	switch rep.Kind {
	case KindCBS:
		ev, err = readCBS(ctx, in, &rep, o)
	case KindDISM:
		ev, err = readDISM(ctx, in, &rep, o)
	case KindEVTX, KindEVTXXML, KindEVTXTxt, KindEVTXCSV:
		ev, err = readEvents(ctx, in, &rep, o)
	default:
		ev, err = readTextLog(ctx, in, head, &rep, o)
	}
	if err != nil {
		rep.Errors = append(rep.Errors, err.Error())
	}
	return rep, ev
}

func readCBS(ctx context.Context, in Input, rep *InputReport, o *Options) ([]Evidence, error) {
	rc, err := in.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	c := newCollector(in.Name, KindCBS, o.keep.forKind(KindCBS))
	var s cbslog.Summary
	r := cbslog.NewReader(rc)
	for r.Scan() {
		e := r.Entry()
		s.Add(&e)
		c.extractCBSEntry(&e)
		if s.Entries%4096 == 0 && ctx.Err() != nil {
			return c.out, ctx.Err()
		}
	}
	s.Finish()
	c.extractCBSSummary(&s)
	rep.Entries = s.Entries
	if s.OffsetKnown {
		shiftTimes(c.out, s.Offset)
		rep.offset, rep.offsetKnown = s.Offset, true
	}
	rep.Omitted = c.capped
	return c.out, r.Err()
}

func readDISM(ctx context.Context, in Input, rep *InputReport, o *Options) ([]Evidence, error) {
	rc, err := in.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	c := newCollector(in.Name, KindDISM, o.keep.forKind(KindDISM))
	var s dismlog.Summary
	r := dismlog.NewReader(rc)
	for r.Scan() {
		e := r.Entry()
		s.Add(&e)
		if e.Component == "CBS" || e.Component == "CSI" {
			c.extractCBSEntry(&e.Entry)
		}
		if s.Entries%4096 == 0 && ctx.Err() != nil {
			return c.out, ctx.Err()
		}
	}
	s.Finish()
	c.extractDISM(&s)
	c.extractCBSSummary(&s.CBS)
	rep.Entries = s.Entries
	if s.CBS.OffsetKnown {
		shiftTimes(c.out, s.CBS.Offset)
		rep.offset, rep.offsetKnown = s.CBS.Offset, true
	}
	rep.Omitted = c.capped
	return c.out, r.Err()
}

func readEvents(ctx context.Context, in Input, rep *InputReport, o *Options) ([]Evidence, error) {
	rc, err := in.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	ra, size, err := readerAt(rc, in.Size, o.MaxInMemory)
	if err != nil {
		return nil, err
	}
	c := newCollector(in.Name, rep.Kind, o.keep.forKind(rep.Kind))
	r := evtx.NewReader(ra, size, &evtx.Options{Recover: o.Recover})
	const maxErrors = 20
	for ev, err := range r.All(ctx) {
		if err != nil {
			if len(rep.Errors) < maxErrors {
				rep.Errors = append(rep.Errors, err.Error())
			}
			if ev == nil {
				continue
			}
		}
		rep.Entries++
		if ev.Computer != "" {
			if rep.computers == nil {
				rep.computers = map[string]int{}
			}
			rep.computers[ev.Computer]++
		}
		c.extractEvent(ev)
	}
	for _, w := range r.Warnings() {
		if len(rep.Errors) < maxErrors {
			rep.Errors = append(rep.Errors, "warning: "+w.Error())
		}
	}
	rep.Omitted = c.capped
	return c.out, r.Err()
}

// readerAt returns rc as an io.ReaderAt, reading it into memory when it
// is not one already.
func readerAt(rc io.ReadCloser, size, limit int64) (io.ReaderAt, int64, error) {
	if c, ok := rc.(*countingReader); ok {
		if _, ok := c.rc.(io.ReaderAt); ok && size >= 0 {
			return c, size, nil
		}
	} else if ra, ok := rc.(io.ReaderAt); ok && size >= 0 {
		return ra, size, nil
	}
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, 0, err
	}
	if int64(len(b)) > limit {
		return nil, 0, fmt.Errorf("event log larger than %d bytes in memory", limit)
	}
	return bytes.NewReader(b), int64(len(b)), nil
}

type result struct {
	rep InputReport
	ev  []Evidence
}

// readAll reads the inputs on Options.Workers goroutines and returns the
// results in input order.
func readAll(ctx context.Context, inputs []Input, o *Options) []result {
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, max(len(inputs), 1))
	p := newProgress(inputs, o.Progress)
	results := make([]result, len(inputs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				in := inputs[i]
				in.Open = p.counting(in.Open)
				rep, ev := readInput(ctx, in, o)
				results[i] = result{rep, ev}
			}
		}()
	}
	for i := range inputs {
		if ctx.Err() != nil {
			results[i] = result{rep: InputReport{File: inputs[i].Name, Errors: []string{ctx.Err().Error()}}}
			continue
		}
		next <- i
	}
	close(next)
	wg.Wait()
	p.finish()
	return results
}

// progress counts the bytes read from the inputs for Options.Progress.
type progress struct {
	mu    sync.Mutex // calls to fn do not overlap
	fn    func(done, total int64)
	total int64
	done  atomic.Int64
	last  atomic.Int64 // unix nanoseconds of the last report
}

func newProgress(inputs []Input, fn func(done, total int64)) *progress {
	p := &progress{fn: fn}
	for _, in := range inputs {
		if in.Size < 0 {
			p.total = -1
			break
		}
		p.total += in.Size
	}
	return p
}

// counting wraps open so that what is read is counted. The head read for
// sniffing is counted too: progress is an estimate, not an audit.
func (p *progress) counting(open func() (io.ReadCloser, error)) func() (io.ReadCloser, error) {
	if p.fn == nil {
		return open
	}
	return func() (io.ReadCloser, error) {
		rc, err := open()
		if err != nil {
			return nil, err
		}
		return &countingReader{rc: rc, p: p}, nil
	}
}

func (p *progress) add(n int) {
	done := p.done.Add(int64(n))
	now := time.Now().UnixNano()
	if last := p.last.Load(); now-last > int64(100*time.Millisecond) && p.last.CompareAndSwap(last, now) {
		p.mu.Lock()
		p.fn(done, p.total)
		p.mu.Unlock()
	}
}

func (p *progress) finish() {
	if p.fn != nil {
		p.mu.Lock()
		p.fn(p.done.Load(), p.total)
		p.mu.Unlock()
	}
}

type countingReader struct {
	rc io.ReadCloser
	p  *progress
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.rc.Read(b)
	c.p.add(n)
	return n, err
}

func (c *countingReader) Close() error { return c.rc.Close() }

// ReadAt keeps event logs readable in place when the wrapped reader can.
func (c *countingReader) ReadAt(b []byte, off int64) (int, error) {
	ra, ok := c.rc.(io.ReaderAt)
	if !ok {
		return 0, errors.New("classify: input is not an io.ReaderAt")
	}
	n, err := ra.ReadAt(b, off)
	c.p.add(n)
	return n, err
}

// dedupe drops evidence that another input already gave: the same log
// copied twice, a rotated CbsPersist log that overlaps CBS.log, an event
// log exported twice. Evidence is the same when its signal, kind, time,
// text and record agree; repeats within one file are kept.
func dedupe(ev []Evidence) []Evidence {
	type key struct {
		signal, kind, text string
		time               int64
		record             uint64
	}
	first := make(map[key]string, len(ev))
	kept := ev[:0]
	for _, e := range ev {
		if e.Time.IsZero() {
			kept = append(kept, e) // without a time, sameness cannot be told
			continue
		}
		k := key{e.Signal, e.Kind, e.Text, e.Time.UnixNano(), e.Record}
		if f, ok := first[k]; ok && f != e.File {
			continue
		}
		if _, ok := first[k]; !ok {
			first[k] = e.File
		}
		kept = append(kept, e)
	}
	return kept
}
