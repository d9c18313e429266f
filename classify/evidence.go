package classify

import (
	"strings"
	"time"

	"github.com/wudiag/wudiag/codes"
)

// Evidence is one fact found in the inputs: a log line, an event record or
// a structured finding (an SFC result, a store report) that rules can
// match. Extractors keep only what can matter, so a multi-gigabyte log
// yields thousands of pieces of evidence, not millions.
type Evidence struct {
	// Signal is a stable identifier of what was found, "<kind>.<what>",
	// for example "cbs.entry", "cbs.sfc", "cbs.store_report",
	// "evtx.event", "windowsupdate.record". Rules select on it.
	Signal string
	// Kind is the kind of input it came from: "cbs", "dism", "evtx",
	// "evtx-xml", "windowsupdate", "reagent", ...
	Kind string
	// File is the input's name; Line (text logs) or Record (event logs)
	// point into it. Offset is a byte offset where known.
	File   string
	Line   int
	Record uint64
	Offset int64
	// Time is when it happened, in UTC when the input says so; text logs
	// without a zone are converted with the machine's offset when it is
	// known (see Diagnosis.Machine), else read as UTC.
	Time time.Time
	// Text is the excerpt shown to people: the log line, or the event's
	// rendered summary.
	Text string
	// Codes are the error codes it carries.
	Codes []codes.Code
	// Values are extracted facts, by name: "kb", "title", "provider",
	// "event_id", event data fields under their own names, "file",
	// "component", "detected", "repaired", ...
	Values map[string]string

	fold string // Text folded for phrase matching, computed on first use
	high int8   // Text has a non-ASCII byte: 1, or none: -1; 0 until known
}

// folded returns the evidence text folded for phrase matching (see fold).
func (e *Evidence) folded() string {
	if e.fold == "" {
		e.fold = fold(e.Text)
	}
	return e.fold
}

// ascii reports whether the evidence text is all ASCII.
func (e *Evidence) ascii() bool {
	if e.high == 0 {
		e.high = 1
		if ascii(e.Text) {
			e.high = -1
		}
	}
	return e.high < 0
}

// Value returns the named value, or "".
func (e *Evidence) Value(name string) string { return e.Values[name] }

// set stores a value, creating the map on first use.
func (e *Evidence) set(name, value string) {
	if value == "" {
		return
	}
	if e.Values == nil {
		e.Values = make(map[string]string, 4)
	}
	e.Values[name] = value
}

// HasCode reports whether the evidence carries c.
func (e *Evidence) HasCode(c codes.Code) bool {
	for _, x := range e.Codes {
		if x == c {
			return true
		}
	}
	return false
}

// clip shortens an excerpt for reports.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…"
}
