package classify

import (
	"context"
	"sort"
	"time"
)

// Options adjust Analyze. The zero value is ready to use.
type Options struct {
	// Rules replaces the stock rules when non-nil (see MergeRules to
	// extend them instead).
	Rules []*Rule
	// FailurePatterns replaces the stock failure statements when non-nil
	// (see failures.yaml).
	FailurePatterns []*FailurePattern
	// Recover also reads deleted event records left in EVTX slack space.
	Recover bool
	// MaxInMemory bounds how much of an event log that is not on disk
	// (an archive entry) is read into memory; 0 means 512 MiB.
	MaxInMemory int64
	// Since and Until, when set, drop evidence outside the range
	// (evidence without a time is kept).
	Since, Until time.Time
	// MachineTime says Since and Until were written in the machine's
	// local time without a zone and parsed as if they were UTC: once the
	// logs tell the machine's UTC offset (Diagnosis.Offset), Analyze
	// shifts them by it before filtering. Diagnosis.Since and Until give
	// the window applied.
	MachineTime bool
	// Explain records every rule tried in Diagnosis.Explain.
	Explain bool
	// Workers is how many inputs are read at once; 0 means GOMAXPROCS.
	// Results do not depend on it.
	Workers int
	// Progress, when set, is called from the reading goroutines (one call
	// at a time) with the bytes read so far and the total size of the
	// inputs (-1 when some sizes are unknown), about ten times a second.
	Progress func(done, total int64)

	// Limits bound what AnalyzePaths and AnalyzeFS read of files,
	// folders and archives; the zero value takes DefaultLimits.
	Limits Limits
	// DisplayName, when set, turns the names AnalyzePaths and AnalyzeFS
	// give the files (paths, "bundle.zip:Logs/CBS/CBS.log") into the
	// names reports show, before anything is read: a service shows its
	// clients the names they uploaded rather than its storage paths.
	DisplayName func(name string) string

	keep *prefilter // the extractors' prefilter, from the rules and patterns
}

// Analyze reads inputs already at hand (AnalyzePaths and AnalyzeFS list
// them from files, folders and archives), extracts evidence, finds the
// failed installations and ranks their causes. An input's Kind, when
// zero, is told from its content. An input that cannot be read is
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
		return &Diagnosis{}, err
	}
	if o.FailurePatterns == nil {
		o.FailurePatterns = StockFailurePatterns()
	}
	o.keep = prefilterFor(o.Rules, o.FailurePatterns)
	if o.MaxInMemory <= 0 {
		o.MaxInMemory = 512 << 20
	}
	d := &Diagnosis{}
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
	if o.MachineTime && d.OffsetKnown {
		if !o.Since.IsZero() {
			o.Since = o.Since.Add(-d.Offset)
		}
		if !o.Until.IsZero() {
			o.Until = o.Until.Add(-d.Offset)
		}
	}
	d.Since, d.Until = o.Since, o.Until
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
		f.Remedy = remedy(f.Cause, remedyValues(f, d.Failures, d.Evidence))
	}
	return d
}

// wallClockKind reports whether a kind of log writes local wall-clock
// times without a zone. Event logs, MpSigStub ("Z") and ReportingEvents
// (with its zone) give UTC.
func wallClockKind(kind Kind) bool {
	switch kind {
	case KindEVTX, KindEventXML, KindEventText, KindEventCSV, KindMpSigStub, KindReportingEvents, "":
		return false
	}
	return true
}
