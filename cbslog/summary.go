package cbslog

import (
	"io"
	"sort"
	"strings"
	"time"

	"github.com/wudiag/wudiag/codes"
)

// Limits that keep a Summary small on multi-gigabyte logs. What is cut is
// counted (Summary.Dropped), never silently lost.
const (
	maxSessions        = 10000
	maxSessionPackages = 64
	maxSFC             = 2000
	maxStoreItems      = 1000
)

// A Summary collects, from a stream of entries, what an analyst looks for
// in a CBS log. Feed it with Add; the zero value is ready to use.
type Summary struct {
	Entries  int       // entries seen
	Untimed  int       // entries with no timestamp (orphan text, summary blocks, altered copies)
	First    time.Time // earliest and latest timestamps
	Last     time.Time
	Sessions []*Session               // servicing sessions, in order of start
	SFC      []SFCFinding             // SFC [SR] findings
	Store    []StoreReport            // store-corruption detect/repair reports
	Stacks   []StackVersion           // servicing stack versions loaded
	Required []StackRequirement       // packages that required a newer servicing stack
	Codes    map[codes.Code]*CodeStat // failing codes seen, by code
	// Offset is the machine's UTC offset, inferred from CSI records that
	// carry both a local and a UTC time; OffsetKnown reports whether any did.
	Offset      time.Duration
	OffsetKnown bool
	Dropped     int // findings not kept because a limit was reached
	// Encoding is the text encoding Summarize read the log in, as
	// Reader.DetectedEncoding names it ("" when built with Add).
	Encoding string

	open      map[string]*Session // sessions by ID that have not ended
	byID      map[string]*Session // every kept session by ID
	current   *Session            // most recent open session
	store     *StoreReport        // report being read
	storePart int                 // 0 items, 1 detected counts, 2 repaired counts
	afterItem bool                // the previous line was a store item
}

// CodeStat counts one failing code.
type CodeStat struct {
	Count      int
	FirstLine  int
	LastLine   int
	ErrorLevel int // how many of them were on Error-level or (F) records
	Example    string
}

// Summarize reads a whole CBS log from r and returns its Summary. It
// streams: memory does not grow with the size of the log.
func Summarize(r io.Reader) (*Summary, error) {
	var s Summary
	rd := NewReader(r)
	for rd.Scan() {
		e := rd.Entry()
		s.Add(&e)
	}
	s.Finish()
	s.Encoding = rd.DetectedEncoding()
	return &s, rd.Err()
}

// Add takes one entry into the summary. The summary copies what it keeps:
// it does not hold on to e.
func (s *Summary) Add(e *Entry) {
	s.Entries++
	if e.Time.IsZero() {
		s.Untimed++
	} else {
		if s.First.IsZero() || e.Time.Before(s.First) {
			s.First = e.Time
		}
		if e.Time.After(s.Last) {
			s.Last = e.Time
		}
	}
	if !s.OffsetKnown && !e.UTC.IsZero() && !e.Time.IsZero() {
		wall := time.Date(e.Time.Year(), e.Time.Month(), e.Time.Day(), e.Time.Hour(), e.Time.Minute(), e.Time.Second(), 0, time.UTC)
		d := wall.Sub(e.UTC.Truncate(time.Second))
		if d > -15*time.Hour && d < 15*time.Hour {
			s.Offset = d.Round(15 * time.Minute)
			s.OffsetKnown = true
		}
	}
	s.countCodes(e)
	if e.Component != "CSI" {
		// Lines of a multi-line record are read one by one: the
		// store-report block may be one entry or one entry a line.
		text := e.Text
		for text != "" {
			line := text
			if i := strings.IndexByte(text, '\n'); i >= 0 {
				line, text = text[:i], text[i+1:]
			} else {
				text = ""
			}
			s.cbsLine(e, line)
		}
	} else {
		s.csiEntry(e)
	}
	s.sessionFailure(e)
}

// Finish closes what is still open. Call it after the last Add.
func (s *Summary) Finish() {
	s.endStore()
}

func (s *Summary) countCodes(e *Entry) {
	for _, c := range e.Codes {
		if !c.Failed() {
			continue
		}
		if s.Codes == nil {
			s.Codes = make(map[codes.Code]*CodeStat)
		}
		st := s.Codes[c]
		if st == nil {
			if len(s.Codes) >= 4096 {
				s.Dropped++
				continue
			}
			st = &CodeStat{FirstLine: e.Line, Example: strings.Clone(firstLine(e.Text))}
			s.Codes[c] = st
		}
		st.Count++
		st.LastLine = e.Line
		if e.Failure || e.Level == "Error" {
			st.ErrorLevel++
		}
	}
}

// SortedCodes returns the failing codes seen, most frequent first.
func (s *Summary) SortedCodes() []codes.Code {
	out := make([]codes.Code, 0, len(s.Codes))
	for c := range s.Codes {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := s.Codes[out[i]], s.Codes[out[j]]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return out[i] < out[j]
	})
	return out
}

// cbsLine reads one logical line of a CBS (or DPX, or untimestamped) entry.
// It hands the line to the sub-parser it belongs to: sessions (session.go),
// servicing stack versions (stack.go), SFC findings (sfc.go) and store
// reports (store.go).
func (s *Summary) cbsLine(e *Entry, line string) {
	if s.storeLine(e, line) {
		return
	}
	switch {
	case strings.HasPrefix(line, "Session: "):
		s.sessionLine(e, line)
	case strings.HasPrefix(line, "Loaded Servicing Stack v"):
		s.endAllSessions(e.Time)
		v := line[len("Loaded Servicing Stack v"):]
		if i := strings.IndexByte(v, ' '); i >= 0 {
			v = v[:i]
		}
		s.stack(e, v)
	case strings.HasPrefix(line, "TI: --- Initializing Trusted Installer ---"),
		strings.HasPrefix(line, "Starting TrustedInstaller initialization."):
		s.endAllSessions(e.Time)
	case strings.HasPrefix(line, "Package \"") && strings.Contains(line, "requires Servicing Stack v"):
		s.requirement(e, line)
	case strings.HasPrefix(line, "Exec: Processing complete"):
		// "Exec: Processing complete, session(Corruption Repairing): 30754339_543620214 [HRESULT = …]"
		// "Exec: Processing complete.  Session: 3…_…, Package: …, Identifier: KB777778 [HRESULT = …]"
		if ss := s.sessionIn(line); ss != nil {
			s.result(ss, e)
			s.packagesIn(ss, line)
		}
	case strings.HasPrefix(line, "Exec: Processing started"),
		strings.HasPrefix(line, "Exec: Session processing started"):
		// "Exec: Processing started.  Client: X, Session: S, Package: P, Identifier: KB…"
		if ss := s.sessionIn(line); ss != nil {
			s.packagesIn(ss, line)
		}
	case strings.HasPrefix(line, "Reporting package change completion for package: "),
		strings.HasPrefix(line, "Store corruption, manifest missing for package: "),
		strings.HasPrefix(line, "Mark store corruption flag because of package: "),
		strings.HasPrefix(line, "WER: Generating failure report for package: "),
		strings.HasPrefix(line, "Failed to resolve package"),
		strings.HasPrefix(line, "Exec: Installing Package"),
		strings.HasPrefix(line, "Exec: Uninstall package"):
		if ss := s.current; ss != nil {
			s.packagesIn(ss, line)
		}
	default:
		if strings.Contains(line, "[SR] ") {
			s.sfcLine(e, line)
		}
	}
}

func (s *Summary) csiEntry(e *Entry) {
	if strings.Contains(e.Text, "[SR] ") {
		line := e.Text
		if i := strings.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
		}
		s.sfcLine(e, line)
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}
