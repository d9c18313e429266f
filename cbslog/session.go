package cbslog

import (
	"strings"
	"time"

	"github.com/wudiag/wudiag/codes"
)

// A Session is one CBS client session ("Session: 31033555_3320119381
// initialized by client WinMgmt").
type Session struct {
	ID       string
	Client   string // "WindowsUpdateAgent", "DISM Package Manager Provider", "WinMgmt", ...
	Line     int    // line where the session started
	Start    time.Time
	End      time.Time // zero while the log does not show the end
	Packages []Package // packages the session worked on (not the ones it only scanned)
	KB       string    // a KB named by the session ("Identifier: KB5034441"), when any
	// Result is the session's final code; ResultKnown reports whether the
	// log shows one.
	Result      codes.Code
	ResultKnown bool
	// FirstFailure is the first record of the session that failed
	// (CSI "(F)" or an Error-level line with a failing code): the cause
	// is usually here, not in the last error.
	FirstFailure *Failure
}

// A Failure points at a failing record.
type Failure struct {
	Line int
	Time time.Time
	Code codes.Code
	Text string
}

// sessionLine handles "Session: <id> initialized by client <c>",
// "Session: <id> finalized. Reboot required: no [HRESULT = …]" and
// "Session: <id> failed to perform store corruption detect and repair operation. [HRESULT = …]".
func (s *Summary) sessionLine(e *Entry, line string) {
	rest := line[len("Session: "):]
	id := sessionID(rest)
	if id == "" {
		return
	}
	rest = rest[len(id):]
	switch {
	case strings.HasPrefix(rest, " initialized by client "):
		client := rest[len(" initialized by client "):]
		if i := strings.Index(client, ", external"); i >= 0 {
			client = client[:i]
		}
		client = strings.TrimSuffix(strings.TrimSpace(client), ".")
		if len(s.Sessions) >= maxSessions {
			s.Dropped++
			s.current = nil // its lines must not land in an older session
			return
		}
		ss := &Session{ID: strings.Clone(id), Client: strings.Clone(client), Line: e.Line, Start: e.Time}
		s.Sessions = append(s.Sessions, ss)
		if s.open == nil {
			s.open = make(map[string]*Session)
		}
		s.open[id] = ss
		if s.byID == nil {
			s.byID = make(map[string]*Session)
		}
		s.byID[ss.ID] = ss
		s.current = ss
	case strings.HasPrefix(rest, " finalized"), strings.HasPrefix(rest, " failed"):
		if ss := s.open[id]; ss != nil {
			s.result(ss, e)
			ss.End = e.Time
			delete(s.open, id)
			if s.current == ss {
				s.current = s.latestOpen()
			}
		}
	}
}

func (s *Summary) latestOpen() *Session {
	var best *Session
	for _, ss := range s.open {
		if best == nil || ss.Line > best.Line {
			best = ss
		}
	}
	return best
}

// endAllSessions closes every open session: the servicing host restarted.
func (s *Summary) endAllSessions(t time.Time) {
	for id, ss := range s.open {
		if ss.End.IsZero() {
			ss.End = t
		}
		delete(s.open, id)
	}
	s.current = nil
}

// sessionIn finds the session named on a line ("Session: 123_456",
// "session(...): 123_456") or falls back to the current one.
func (s *Summary) sessionIn(line string) *Session {
	for _, key := range []string{"Session: ", "): ", "session:"} {
		if _, after, ok := strings.Cut(line, key); ok {
			if id := sessionID(after); id != "" {
				if ss := s.byID[id]; ss != nil {
					return ss
				}
				return nil // a session not kept (limit reached)
			}
		}
	}
	return s.current
}

// sessionID returns the "<digits>_<digits>" ID at the start of s.
func sessionID(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i >= len(s) || s[i] != '_' {
		return ""
	}
	j := i + 1
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i+1 {
		return ""
	}
	return s[:j]
}

func (s *Summary) result(ss *Session, e *Entry) {
	if len(e.Codes) == 0 {
		return
	}
	c := e.Codes[len(e.Codes)-1]
	// A failure already recorded is not overwritten by a later S_OK.
	if ss.ResultKnown && ss.Result.Failed() && !c.Failed() {
		return
	}
	ss.Result, ss.ResultKnown = c, true
}

func (s *Summary) packagesIn(ss *Session, line string) {
	if kb := identifierKB(line); kb != "" && ss.KB == "" {
		ss.KB = kb
	}
	var buf [4]Package
	for _, p := range findPackages(buf[:0], line) {
		if ss.KB == "" && p.KB != "" {
			ss.KB = p.KB
		}
		known := false
		for _, q := range ss.Packages {
			if q.Identity == p.Identity {
				known = true
				break
			}
		}
		if known {
			continue
		}
		if len(ss.Packages) >= maxSessionPackages {
			s.Dropped++
			continue
		}
		p, _ = ParsePackage(strings.Clone(p.Identity)) // do not pin the entry's text
		ss.Packages = append(ss.Packages, p)
	}
}

// identifierKB reads "Identifier: KB5034441" from an Exec line.
func identifierKB(line string) string {
	if i := strings.Index(line, "Identifier: "); i >= 0 {
		return FindKB(line[i:])
	}
	return ""
}

// sessionFailure records the first failing record of the current session.
func (s *Summary) sessionFailure(e *Entry) {
	ss := s.current
	if ss == nil || ss.FirstFailure != nil || !(e.Failure || e.Level == "Error") {
		return
	}
	for _, c := range e.Codes {
		if c.Failed() {
			ss.FirstFailure = &Failure{Line: e.Line, Time: e.Time, Code: c, Text: strings.Clone(firstLine(e.Text))}
			return
		}
	}
}
