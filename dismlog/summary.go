package dismlog

import (
	"io"
	"strings"
	"time"

	"github.com/wudiag/wudiag/cbslog"
	"github.com/wudiag/wudiag/codes"
)

const (
	maxSessions        = 10000
	maxSessionFailures = 32
)

// A Summary collects the DISM sessions of a dism.log, the failures in
// each, and a cbslog.Summary of the CBS and CSI records logged into it.
// Feed it with Add; the zero value is ready to use.
type Summary struct {
	Entries  int
	Sessions []*Session
	// CBS summarizes the CBS/CSI records found in the dism.log (offline
	// servicing writes them there).
	CBS cbslog.Summary
	// Benign counts failing entries that are routine on healthy machines
	// (see Benign) and so are not listed in Session.Failures.
	Benign  int
	Dropped int // findings not kept because a limit was reached
	// Encoding is as in cbslog.Summary.
	Encoding string

	open    map[int]*Session // sessions outside a banner, by PID
	current *Session         // the session inside the current banner
}

// A Session is one run of DISM.exe or one DismApi.dll session.
type Session struct {
	PID     int
	Line    int
	Start   time.Time
	End     time.Time
	Command string // the command line, when logged
	// Failures lists the first failing entries (an (hr:…) or CBS HRESULT
	// with the severity bit, at Warning or Error level), in order.
	Failures []Failure
	// Result is the code of the last Error-level failure of the session,
	// which DISM logs as the command's result ("… failed. HRESULT=800F0922",
	// "Failed while processing command … (hr:0x800f081f)").
	Result      codes.Code
	ResultKnown bool

	banner bool // the session has its "Starting … session" banner
}

// A Failure is one failing dism.log entry.
type Failure struct {
	Line    int
	Time    time.Time
	Code    codes.Code
	Level   string
	Method  string
	Message string
}

// Summarize reads a whole dism.log from r and returns its Summary.
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

// Add takes one entry into the summary.
func (s *Summary) Add(e *Entry) {
	s.Entries++
	if e.Component == "CBS" || e.Component == "CSI" || e.Component == "DPX" {
		s.CBS.Add(&e.Entry)
		return
	}
	ss := s.session(e)
	if ss == nil {
		return
	}
	if e.Command != "" && ss.Command == "" {
		ss.Command = strings.Clone(e.Command)
	}
	if e.Boundary == SessionEnd {
		ss.End = e.Time
		if s.open[ss.PID] == ss {
			delete(s.open, ss.PID)
		}
		return
	}
	code, ok := failingCode(e)
	if !ok || e.Level == "Info" && !e.HasCBSHR {
		return
	}
	if Benign(e) {
		s.Benign++
		return
	}
	if len(ss.Failures) < maxSessionFailures {
		ss.Failures = append(ss.Failures, Failure{Line: e.Line, Time: e.Time, Code: code, Level: e.Level,
			Method: strings.Clone(e.Method), Message: strings.Clone(e.Message)})
	} else {
		s.Dropped++
	}
	if e.Level == "Error" {
		// The command's result is the last error it logs
		// ("Failed while processing command cleanup-image. - …ExecuteCmdLine(hr:0x800f081f)",
		// "DISM.EXE: … failed. HRESULT=800F0922").
		ss.Result, ss.ResultKnown = code, true
	}
}

// Finish closes what is still open. Call it after the last Add.
func (s *Summary) Finish() { s.CBS.Finish() }

// session returns the session an entry belongs to. A session runs from a
// "<----- Starting … session ----->" banner to the matching "Ending"
// banner, whatever processes log inside it (DISM.EXE and its DismHost
// children). DISM.EXE logs a few lines with its PID before the banner;
// those start the session. Lines outside any banner are grouped by PID.
func (s *Summary) session(e *Entry) *Session {
	if s.open == nil {
		s.open = make(map[int]*Session)
	}
	switch {
	case e.Boundary == SessionStart:
		if n := len(s.Sessions); n > 0 {
			last := s.Sessions[n-1]
			if !last.banner && last.End.IsZero() && last.Command == "" && (e.PID == 0 || e.PID == last.PID) {
				last.banner = true
				s.current = last
				return last
			}
		}
		s.current = s.newSession(e, true)
		return s.current
	case s.current != nil:
		ss := s.current
		if e.Boundary == SessionEnd {
			s.current = nil
		}
		return ss
	case e.PID == 0:
		if n := len(s.Sessions); n > 0 {
			return s.Sessions[n-1]
		}
		return nil
	}
	if ss := s.open[e.PID]; ss != nil {
		return ss
	}
	return s.newSession(e, false)
}

func (s *Summary) newSession(e *Entry, banner bool) *Session {
	if len(s.Sessions) >= maxSessions {
		s.Dropped++
		return nil
	}
	ss := &Session{PID: e.PID, Line: e.Line, Start: e.Time, banner: banner}
	s.Sessions = append(s.Sessions, ss)
	if e.PID != 0 {
		s.open[e.PID] = ss
	}
	return ss
}

// failingCode returns the code that makes e a failure.
func failingCode(e *Entry) (codes.Code, bool) {
	switch {
	case e.HasCBSHR && e.CBSHR.Failed():
		return e.CBSHR, true
	case e.HasHR && e.HR.Failed() && !e.WIMGAPI:
		return e.HR, true
	}
	if e.Level == "Error" {
		for _, c := range e.Codes {
			if c.Failed() {
				return c, true
			}
		}
	}
	return 0, false
}

// benignPrefixes are failure messages that healthy machines log routinely
// (seen in public dism.log files, e.g.
// https://github.com/DieterReuter/win7-printing-sandbox/blob/master/dism.log):
// provider DLLs that do not apply to the image, Disk Cleanup probing for
// setup folders that do not exist, mistyped command lines, and AppX
// provider ReturnHr noise.
var benignPrefixes = []string{
	"Failed to load the provider:",
	"Failed to Load the provider:",
	"EnumeratePathEx: FindFirstFile failed for",
	"Failed validating command line",
	"No providers were found that support the command",
	"Failed to archive the log file",
}

// Benign reports whether a failing entry is routine noise rather than
// evidence of a problem.
func Benign(e *Entry) bool {
	for _, p := range benignPrefixes {
		if strings.HasPrefix(e.Message, p) {
			return true
		}
	}
	return strings.Contains(e.Message, "ReturnHr(") && e.Subsystem == "DISM Appx Provider"
}
