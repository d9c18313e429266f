package cbslog

import (
	"io"
	"sort"
	"strconv"
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

	open      map[string]*Session // sessions by ID that have not ended
	byID      map[string]*Session // every kept session by ID
	current   *Session            // most recent open session
	store     *StoreReport        // report being read
	storePart int                 // 0 items, 1 detected counts, 2 repaired counts
	afterItem bool                // the previous line was a store item
}

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

// An SFCFinding is one "[SR]" line of System File Checker that names a
// file.
type SFCFinding struct {
	Line      int
	Time      time.Time
	File      string // file name or path as written
	Component string // owning component, when named
	// Repaired is true for "Repairing file … from store", "Repaired
	// file …", false for "Cannot repair member file …" and "Could not
	// reproject corrupted file …".
	Repaired bool
	Reason   string // "hash mismatch", "file is missing", ... when given
	Text     string // the SR text
}

// A StoreReport is the summary written by DISM /RestoreHealth,
// /ScanHealth or the System Update Readiness tool ("Checking System
// Update Readiness." … "Summary:" … "Total Detected Corruption: 9").
type StoreReport struct {
	Line        int
	Time        time.Time
	Operation   string // "Detect and Repair", "Detect", ...
	Result      codes.Code
	ResultKnown bool
	Detected    int            // Total Detected Corruption
	Repaired    int            // Total Repaired Corruption
	DetectedBy  map[string]int // per class: "CSI Payload Corruption": 9
	RepairedBy  map[string]int // per class: "CSI Payload Repaired": 9
	Items       []StoreItem
}

// Unrepaired reports whether the store still holds corruption after the
// operation: fewer repairs than detections, an unfixed item, or a failing
// result code.
func (r *StoreReport) Unrepaired() bool {
	if r.Detected > r.Repaired || (r.ResultKnown && r.Result.Failed()) {
		return true
	}
	for _, it := range r.Items {
		if !it.Fixed {
			return true
		}
	}
	return false
}

// A StoreItem is one "(p)" line of a store report.
type StoreItem struct {
	Line   int
	Class  string // "CSI Payload Corrupt", "CBS MUM Missing", ...
	Fixed  bool
	Path   string // component directory and file, or package
	Reason string // the follow-up line, e.g. "Repair failed: Missing replacement payload."
}

// A StackVersion is a servicing stack version that CBS loaded.
type StackVersion struct {
	Version string // "10.0.22621.1626"
	Line    int    // first line that loaded it
	Time    time.Time
	Count   int // times loaded
}

// A StackRequirement records "Package X requires Servicing Stack vA but
// current Servicing Stack is vB" (CBS_E_NEW_SERVICING_STACK_REQUIRED).
type StackRequirement struct {
	Line     int
	Time     time.Time
	Package  string
	Required string
	Current  string
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
		if i := strings.Index(line, key); i >= 0 {
			if id := sessionID(line[i+len(key):]); id != "" {
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

func (s *Summary) stack(e *Entry, v string) {
	for i := range s.Stacks {
		if s.Stacks[i].Version == v {
			s.Stacks[i].Count++
			return
		}
	}
	s.Stacks = append(s.Stacks, StackVersion{Version: strings.Clone(v), Line: e.Line, Time: e.Time, Count: 1})
}

// requirement parses `Package "X" requires Servicing Stack vA but current Servicing Stack is vB.`
func (s *Summary) requirement(e *Entry, line string) {
	rest := line[len("Package \""):]
	q := strings.IndexByte(rest, '"')
	if q < 0 {
		return
	}
	r := StackRequirement{Line: e.Line, Time: e.Time, Package: rest[:q]}
	rest = rest[q:]
	if i := strings.Index(rest, "requires Servicing Stack v"); i >= 0 {
		r.Required = versionAt(rest[i+len("requires Servicing Stack v"):])
	}
	if i := strings.Index(rest, "current Servicing Stack is v"); i >= 0 {
		r.Current = versionAt(rest[i+len("current Servicing Stack is v"):])
	}
	r.Package = strings.Clone(r.Package)
	if len(s.Required) < maxSFC {
		s.Required = append(s.Required, r)
	} else {
		s.Dropped++
	}
}

func versionAt(s string) string {
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	return strings.TrimRight(s[:i], ".")
}

// sfcLine reads an "[SR] …" line that names a file.
func (s *Summary) sfcLine(e *Entry, line string) {
	i := strings.Index(line, "[SR] ")
	if i < 0 {
		return
	}
	sr := line[i+len("[SR] "):]
	f := SFCFinding{Line: e.Line, Time: e.Time, Text: sr}
	switch {
	case strings.HasPrefix(sr, "Cannot repair member file "):
		rest := sr[len("Cannot repair member file "):]
		f.File, rest = quoted(rest)
		if j := strings.Index(rest, " of "); j >= 0 {
			comp := rest[j+len(" of "):]
			if k := strings.IndexByte(comp, ','); k >= 0 {
				comp = comp[:k]
			}
			f.Component = strings.TrimSpace(comp)
		}
		if j := strings.LastIndex(rest, "in the store, "); j >= 0 {
			f.Reason = strings.TrimSpace(strings.TrimSuffix(rest[j+len("in the store, "):], "."))
		}
	case strings.HasPrefix(sr, "Could not reproject corrupted file "):
		rest := sr[len("Could not reproject corrupted file "):]
		if j := strings.IndexByte(rest, ';'); j >= 0 {
			f.Reason = strings.TrimSpace(rest[j+1:])
			rest = rest[:j]
		}
		f.File, _ = quoted(rest)
	case strings.HasPrefix(sr, "Repairing corrupted file "), strings.HasPrefix(sr, "Repairing file "):
		rest := strings.TrimPrefix(strings.TrimPrefix(sr, "Repairing corrupted file "), "Repairing file ")
		rest = strings.TrimSuffix(strings.TrimSpace(rest), " from store")
		f.File = unquotePath(rest)
		f.Repaired = true
	case strings.HasPrefix(sr, "Repaired file "):
		rest := sr[len("Repaired file "):]
		if j := strings.Index(rest, " by "); j >= 0 {
			rest = rest[:j]
		}
		f.File = unquotePath(rest)
		f.Repaired = true
	default:
		return
	}
	if len(s.SFC) >= maxSFC {
		s.Dropped++
		return
	}
	f.File, f.Component, f.Reason, f.Text = strings.Clone(f.File), strings.Clone(f.Component), strings.Clone(f.Reason), strings.Clone(f.Text)
	s.SFC = append(s.SFC, f)
}

// quoted reads a CSI length-prefixed string at the start of s:
// [l:34{17}]"System.Design.dll", [l:9]'Appx.psd1', or a bare word. It
// returns the string and the rest of s.
func quoted(s string) (string, string) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		if j := strings.IndexByte(s, ']'); j >= 0 {
			s = s[j+1:]
		}
	}
	if len(s) > 0 && (s[0] == '"' || s[0] == '\'') {
		if j := strings.IndexByte(s[1:], s[0]); j >= 0 {
			return s[1 : j+1], s[j+2:]
		}
	}
	if j := strings.IndexByte(s, ' '); j >= 0 {
		return s[:j], s[j:]
	}
	return s, ""
}

// unquotePath turns `[ml:520{260},l:76{38}]"\??\C:\Windows\x"\[l:14{7}]"a.dll"`
// into `\??\C:\Windows\x\a.dll`; a plain path is returned as it is.
func unquotePath(s string) string {
	if !strings.ContainsAny(s, "\"'") {
		return s
	}
	var b strings.Builder
	for s != "" {
		v, rest := quoted(s)
		if v == "" && rest == s {
			break
		}
		b.WriteString(v)
		s = strings.TrimPrefix(rest, "\\")
		if s != "" && (strings.HasPrefix(s, "[") || s[0] == '"' || s[0] == '\'') {
			b.WriteByte('\\')
			continue
		}
		break
	}
	return b.String()
}

// storeLine reads the lines of a store report and reports whether line
// belonged to one.
func (s *Summary) storeLine(e *Entry, line string) bool {
	t := strings.TrimSpace(line)
	afterItem := s.afterItem
	s.afterItem = false
	switch {
	case t == "Checking System Update Readiness.":
		s.endStore()
		s.store = &StoreReport{Line: e.Line, Time: e.Time}
		s.storePart = 0
		return true
	case strings.HasPrefix(t, "(p)") || strings.HasPrefix(t, "(f)"):
		r := s.openStore(e)
		if len(r.Items) >= maxStoreItems {
			s.Dropped++
			return true
		}
		r.Items = append(r.Items, parseStoreItem(e.Line, t))
		s.afterItem = true
		return true
	case s.store == nil:
		if strings.HasPrefix(t, "Total Detected Corruption:") || t == "Summary:" {
			s.openStore(e)
			return s.storeLine(e, line)
		}
		return false
	case t == "Summary:":
		return true
	case strings.HasPrefix(t, "Operation: "):
		s.store.Operation = strings.Clone(strings.TrimSpace(t[len("Operation: "):]))
		return true
	case strings.HasPrefix(t, "Operation result: "):
		if c, err := codes.Parse(strings.TrimSpace(t[len("Operation result: "):])); err == nil {
			s.store.Result, s.store.ResultKnown = c, true
		}
		return true
	case strings.HasPrefix(t, "Last Successful Step:"), strings.HasPrefix(t, "Seconds executed:"):
		return true
	case strings.HasPrefix(t, "Total Detected Corruption:"):
		s.store.Detected = countAfterColon(t)
		s.storePart = 1
		return true
	case strings.HasPrefix(t, "Total Repaired Corruption:"):
		s.store.Repaired = countAfterColon(t)
		s.storePart = 2
		return true
	case strings.HasPrefix(t, "CSI Store Metadata refreshed:"):
		s.endStore()
		return true
	case s.storePart > 0 && strings.Count(t, ":") == 1 && isClassCount(t):
		name := strings.TrimSpace(t[:strings.IndexByte(t, ':')])
		m := &s.store.DetectedBy
		if s.storePart == 2 {
			m = &s.store.RepairedBy
		}
		if *m == nil {
			*m = make(map[string]int)
		}
		(*m)[strings.Clone(name)] = countAfterColon(t)
		return true
	case afterItem && t != "":
		// The reason written under an item ("Repair failed: Missing replacement payload.").
		it := &s.store.Items[len(s.store.Items)-1]
		if it.Reason == "" {
			it.Reason = strings.Clone(t)
		}
		return true
	}
	if s.storePart > 0 {
		s.endStore()
	}
	return false
}

func (s *Summary) openStore(e *Entry) *StoreReport {
	if s.store == nil {
		s.store = &StoreReport{Line: e.Line, Time: e.Time}
		s.storePart = 0
	}
	return s.store
}

func (s *Summary) endStore() {
	if s.store == nil {
		return
	}
	s.Store = append(s.Store, *s.store)
	s.store = nil
	s.storePart = 0
}

// parseStoreItem parses "(p)\tCSI Payload Corrupt\t(n)\t\t\tamd64_…\file.dll",
// "(p)\tCSI Payload Corrupt\t(w)\t(Fixed)\tamd64_…\MSFT_MpComputerStatus.cdxml"
// and the space-separated form of altered copies.
func parseStoreItem(line int, t string) StoreItem {
	it := StoreItem{Line: line}
	var fields []string
	if strings.Contains(t, "\t") {
		for _, f := range strings.Split(t, "\t") {
			if f = strings.TrimSpace(f); f != "" {
				fields = append(fields, f)
			}
		}
	} else {
		fields = splitRuns(t)
	}
	var class []string
	for i, f := range fields {
		switch {
		case i == 0:
		case strings.EqualFold(f, "(fixed)"):
			it.Fixed = true
		case strings.HasPrefix(f, "(") && strings.HasSuffix(f, ")") && len(f) <= 4:
		case i == len(fields)-1 && len(fields) > 2:
			it.Path = f
		default:
			if it.Path == "" {
				class = append(class, f)
			}
		}
	}
	it.Class = strings.Clone(strings.Join(class, " "))
	it.Path = strings.Clone(it.Path)
	return it
}

// splitRuns splits on runs of two or more spaces; single spaces stay
// inside fields ("CSI Payload Corrupt").
func splitRuns(t string) []string {
	var out []string
	for _, f := range strings.Split(t, "  ") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	if len(out) == 1 {
		out = strings.Fields(t)
	}
	return out
}

func isClassCount(t string) bool {
	i := strings.IndexByte(t, ':')
	if i <= 0 {
		return false
	}
	_, err := strconv.Atoi(strings.TrimSpace(t[i+1:]))
	return err == nil
}

func countAfterColon(t string) int {
	i := strings.IndexByte(t, ':')
	if i < 0 {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(t[i+1:]))
	return n
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
