package classify

import (
	"iter"
	"slices"
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
	Kind Kind
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
	// values are extracted facts, by name: "kb", "title", "provider",
	// "event_id", event data fields under their own names, "file",
	// "component", "detected", "repaired", ... (see Value, All, Set). A
	// few names each, in the order set: a slice, not a map, as tens of
	// thousands are made and dropped while a large log is read.
	values []namedValue
	index  map[string]int // name → index in values, once they are many

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

type namedValue struct{ name, value string }

// indexFrom is how many values an evidence holds before lookups go
// through a map (an event can carry hundreds of data fields).
const indexFrom = 16

// Value returns the named value, or "" when the evidence has none.
func (e *Evidence) Value(name string) string {
	if i := e.find(name); i >= 0 {
		return e.values[i].value
	}
	return ""
}

// All returns the evidence's values: each name once, with its value, in
// the order the names were first set.
func (e *Evidence) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, v := range e.values {
			if !yield(v.name, v.value) {
				return
			}
		}
	}
}

// Set stores a value under a name, replacing the value it had. An empty
// value removes the name: a value is "" or it is there.
func (e *Evidence) Set(name, value string) {
	i := e.find(name)
	switch {
	case i >= 0 && value != "":
		e.values[i].value = value
	case i >= 0:
		e.values = slices.Delete(e.values, i, i+1)
		e.index = nil
		e.reindex()
	case value != "":
		e.set(name, value)
	}
}

// set stores a value; an empty one is not stored.
func (e *Evidence) set(name, value string) {
	if value == "" {
		return
	}
	if i := e.find(name); i >= 0 {
		e.values[i].value = value
		return
	}
	e.values = append(e.values, namedValue{name, value})
	if e.index != nil {
		e.index[name] = len(e.values) - 1
	} else if len(e.values) > indexFrom {
		e.reindex()
	}
}

// find returns the index of the named value in values, or -1.
func (e *Evidence) find(name string) int {
	if e.index != nil {
		if i, ok := e.index[name]; ok {
			return i
		}
		return -1
	}
	for i := range e.values {
		if e.values[i].name == name {
			return i
		}
	}
	return -1
}

// reindex builds the map of names when the values are many.
func (e *Evidence) reindex() {
	if len(e.values) <= indexFrom {
		e.index = nil
		return
	}
	e.index = make(map[string]int, len(e.values))
	for i, v := range e.values {
		e.index[v.name] = i
	}
}

// resetValues drops the values, keeping the slice's room for new ones.
func (e *Evidence) resetValues() {
	clear(e.values)
	e.values, e.index = e.values[:0], nil
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
