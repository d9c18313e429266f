package classify

import (
	"errors"
	"time"
)

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
	// Machine is the computer name the event logs give most often, "" when
	// no event log names one.
	Machine string
	// Offset is the machine's UTC offset, learned from CBS/CSI records
	// that carry both local and UTC times; OffsetKnown reports whether any
	// did. Renderers show times in the machine's local time with it.
	Offset      time.Duration
	OffsetKnown bool
	// Since and Until are the time window the evidence was filtered to
	// (zero when open), after Options.MachineTime was applied.
	Since, Until time.Time
}

// InputReport says what was read from one input.
type InputReport struct {
	File    string
	Kind    Kind // the reader it was read with; "" when not recognised
	Entries int  // entries, events or records read
	Errors  []string
	// Skipped reports an input that is not a log wudiag reads, or a
	// duplicate of one read.
	Skipped bool
	// Reason says why the input was skipped or not read ("" when it was
	// read), as a code reports translate; Errors keeps the reader's words.
	Reason Reason
	// Omitted counts evidence not kept because the same kind of line
	// repeated (the first and the latest of each kind are kept).
	Omitted int

	offset      time.Duration // the machine's UTC offset, when the log shows it
	offsetKnown bool
	computers   map[string]int // computer names in an event log, by count
	named       int            // events of an export with a provider or an ID
}

// ErrNoInput is returned when no input could be read at all.
var ErrNoInput = errors.New("no readable log in the inputs")
