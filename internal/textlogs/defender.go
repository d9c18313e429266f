package textlogs

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// isDashes reports whether a (trimmed) line is a separator of 20 or more
// '-' characters, and returns what follows the dashes on the same line
// (MpSigStub writes "----…---- Start time: …").
func isDashes(b []byte) (rest []byte, ok bool) {
	b = bytes.TrimSpace(b)
	n := 0
	for n < len(b) && b[n] == '-' {
		n++
	}
	if n < 20 {
		return nil, false
	}
	return bytes.TrimSpace(b[n:]), true
}

// dropMarks removes the Unicode bidi marks (U+200E, U+200F) MpCmdRun puts
// between the parts of a localized date.
func dropMarks(b []byte) []byte {
	if !bytes.Contains(b, []byte("\u200e")) && !bytes.Contains(b, []byte("\u200f")) {
		return b
	}
	b = bytes.ReplaceAll(b, []byte("\u200e"), nil)
	return bytes.ReplaceAll(b, []byte("\u200f"), nil)
}

// mpCmdRunParser reads MpCmdRun.log: each run is a block between lines of
// dashes; one record per block.
type mpCmdRunParser struct{ p pending }

var (
	reMpCommand = regexp.MustCompile(`(?m)^\s*MpCmdRun:\s*Command Line:\s*(.*?)\s*$`)
	reMpStart   = regexp.MustCompile(`(?m)^\s*(?:MpCmdRun:\s*)?Start Time:\s*(.*?)\s*$`)
	reMpEnd     = regexp.MustCompile(`(?m)^\s*(?:MpCmdRun:\s*)?End Time:\s*(.*?)\s*$`)
	// "ERROR: SignatureUpdate failed with hr=80070643",
	// "Update failed with hr: 0x80070643"
	reMpHR = regexp.MustCompile(`(?i)(?:ERROR:\s*(\S+)\s+)?failed with hr\s*[:=]\s*(?:0x)?([0-9a-f]{1,8})\b`)
)

func (m *mpCmdRunParser) line(r *Reader, num int, b []byte) {
	m.p.finish = finishMpCmdRun
	if _, ok := isDashes(b); ok {
		m.p.emit(r)
		return
	}
	b = bytes.TrimRight(dropMarks(b), " \t")
	if len(bytes.TrimSpace(b)) == 0 {
		return // blank lines carry nothing
	}
	if !m.p.open {
		m.p.start(Record{Line: num}, b)
		return
	}
	m.p.add(r, num, b)
}

func (m *mpCmdRunParser) flush(r *Reader) { m.p.emit(r) }

func finishMpCmdRun(rec *Record, b []byte) {
	text := string(b)
	f := &rec.Fields
	if m := reMpCommand.FindStringSubmatch(text); m != nil {
		setField(f, "command", m[1])
	}
	for _, x := range []struct {
		re        *regexp.Regexp
		key, raw  string
		timeFirst bool
	}{{reMpStart, "start", "start_raw", true}, {reMpEnd, "end", "end_raw", false}} {
		m := x.re.FindStringSubmatch(text)
		if m == nil || m[1] == "" {
			continue
		}
		if t, ok := parseLocalDate(m[1]); ok {
			setField(f, x.key, t.Format("2006-01-02T15:04:05"))
			if rec.Time.IsZero() {
				rec.Time = t
			}
		} else {
			setField(f, x.raw, m[1])
		}
	}
	if m := reMpHR.FindStringSubmatch(text); m != nil {
		setField(f, "function", m[1])
		setField(f, "hr", hexCode(m[2]))
	}
}

var monthNames = map[string]time.Month{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}

// parseLocalDate reads the localized ctime-style dates of MpCmdRun.log
// ("Sun May 30 2021 13:43:24", "周日 5月 30 2021 13:43:24", with the
// U+200E marks already removed) as a wall-clock time in UTC. It needs a
// 4-digit year, a time of day, a month (an English month name or a
// number followed by a non-digit suffix such as 月) and a day; anything
// ambiguous is rejected so the caller keeps the raw text.
func parseLocalDate(s string) (time.Time, bool) {
	var year, month, day, hh, mm, ss int
	var small []int // bare 1-2 digit numbers: day (and month if none named)
	for _, tok := range strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == '/' || r == '.' || r == '-' }) {
		switch {
		case strings.Count(tok, ":") == 2:
			p := strings.Split(tok, ":")
			var err1, err2, err3 error
			hh, err1 = strconv.Atoi(p[0])
			mm, err2 = strconv.Atoi(p[1])
			ss, err3 = strconv.Atoi(p[2])
			if err1 != nil || err2 != nil || err3 != nil {
				return time.Time{}, false
			}
		case len(tok) == 4 && allDigits(tok):
			year, _ = strconv.Atoi(tok)
		case allDigits(tok) && len(tok) <= 2:
			v, _ := strconv.Atoi(tok)
			small = append(small, v)
		default:
			if len(tok) >= 3 {
				if m, ok := monthNames[strings.ToLower(tok[:3])]; ok && isASCIILetters(tok) {
					month = int(m)
					continue
				}
			}
			// "5月": digits then a non-digit suffix.
			i := 0
			for i < len(tok) && tok[i] >= '0' && tok[i] <= '9' {
				i++
			}
			if i > 0 && i <= 2 && i < len(tok) && tok[i] >= 0x80 {
				v, _ := strconv.Atoi(tok[:i])
				if month == 0 {
					month = v
				} else {
					small = append(small, v)
				}
			}
		}
	}
	switch {
	case month != 0 && len(small) == 1:
		day = small[0]
	default:
		return time.Time{}, false
	}
	if year == 0 || month < 1 || month > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hh, mm, ss, 0, time.UTC)
	if t.Day() != day {
		return time.Time{}, false // Feb 30
	}
	return t, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isASCIILetters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// sigStubParser reads MpSigStub.log: runs separated by dashed lines, each
// with a preamble (Start time, Process, Command, Version) and sections
// under "==== Name ====" headers. One record per section (and one for a
// run's preamble), carrying the run's command and start time.
type sigStubParser struct {
	p              pending
	section        string
	command, start string
	startTime      time.Time
}

var (
	reSigSection = regexp.MustCompile(`^=+\s*(.*?)\s*=+$`)
	reSigTime    = regexp.MustCompile(`^(Start|End) time:\s*(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})Z`)
	// ERROR 0x80501005 : Failed to update platform from C:\...
	reErrorLine = regexp.MustCompile(`(?m)^\s*ERROR\s+(0x[0-9A-Fa-f]{8})\s*:\s*(.*?)\s*$`)
	reWatson    = regexp.MustCompile(`(?m)^\s*(HRESULT|FailedFunction|Operation|SourceComponentVersion|ProductVersion|ProductName)\s*:\s*(.*?)\s*$`)
	reSigFlag   = regexp.MustCompile(`(?m)^\s*(DeltaUpdateFailure|BddUpdateFailure) set to (\S+)`)
	watsonField = map[string]string{
		"HRESULT": "hresult", "FailedFunction": "failed_function", "Operation": "operation",
		"SourceComponentVersion": "source_component_version", "ProductVersion": "product_version", "ProductName": "product_name",
	}
)

func (s *sigStubParser) line(r *Reader, num int, b []byte) {
	s.p.finish = finishSigStub
	b = bytes.TrimRight(b, " \t")
	if rest, ok := isDashes(b); ok {
		s.p.emit(r)
		s.section = ""
		if len(rest) == 0 {
			return
		}
		b = rest
	}
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return
	}
	if m := reSigSection.FindSubmatch(t); m != nil && bytes.HasPrefix(t, []byte("====")) {
		s.p.emit(r)
		s.section = string(m[1])
		s.begin(num, nil)
		return
	}
	if m := reSigTime.FindSubmatch(t); m != nil {
		tm := wallTime(m[2], m[3], m[4], m[5], m[6], m[7], nil, false)
		ts := ""
		if !tm.IsZero() {
			ts = tm.Format(time.RFC3339)
		}
		if string(m[1]) == "Start" {
			// A new run.
			s.p.emit(r)
			s.section, s.command, s.start, s.startTime = "", "", ts, tm
			s.begin(num, b)
			return
		}
		if !s.p.open {
			s.begin(num, nil)
		}
		setField(&s.p.rec.Fields, "end", ts)
		if s.p.rec.Time.IsZero() {
			s.p.rec.Time = tm
		}
	}
	if bytes.HasPrefix(t, []byte("Command:")) {
		s.command = string(bytes.TrimSpace(t[len("Command:"):]))
		if s.p.open {
			setField(&s.p.rec.Fields, "command", s.command)
		}
	}
	if !s.p.open {
		s.begin(num, b)
		return
	}
	if len(s.p.buf) == 0 {
		s.p.rec.Line = num
		s.p.buf = append(s.p.buf, b...)
		return
	}
	s.p.add(r, num, b)
}

// begin opens a record for the current section with the run context.
func (s *sigStubParser) begin(num int, b []byte) {
	rec := Record{Line: num, Time: s.startTime}
	setField(&rec.Fields, "section", s.section)
	setField(&rec.Fields, "command", s.command)
	setField(&rec.Fields, "start", s.start)
	s.p.start(rec, b)
}

func (s *sigStubParser) flush(r *Reader) { s.p.emit(r) }

func finishSigStub(rec *Record, b []byte) {
	text := string(b)
	f := &rec.Fields
	if m := reErrorLine.FindStringSubmatch(text); m != nil {
		setField(f, "hr", normCode(m[1]))
		setField(f, "error", m[2])
	}
	for _, m := range reWatson.FindAllStringSubmatch(text, -1) {
		v := m[2]
		if m[1] == "HRESULT" {
			if c := normCode(v); c != "" {
				v = c
			}
		}
		if _, dup := (*f)[watsonField[m[1]]]; !dup {
			setField(f, watsonField[m[1]], v)
		}
	}
	for _, m := range reSigFlag.FindAllStringSubmatch(text, -1) {
		if m[1] == "DeltaUpdateFailure" {
			setField(f, "delta_update_failure", m[2])
		} else {
			setField(f, "bdd_update_failure", m[2])
		}
	}
}

var rePlatformFrom = regexp.MustCompile(`(?i)\bfrom\s+(.+?)\s*$`)

// updatePlatformLine reads one line of UpdatePlatform.exe's log; the
// only documented signal is "ERROR 0x80501005 : Failed to update platform
// from <dir>".
func updatePlatformLine(_ int, line string) (Record, bool) {
	rec := Record{Text: strings.TrimRight(line, " \t")}
	if m := reErrorLine.FindStringSubmatch(line); m != nil {
		setField(&rec.Fields, "hr", normCode(m[1]))
		setField(&rec.Fields, "error", m[2])
		if p := rePlatformFrom.FindStringSubmatch(m[2]); p != nil {
			setField(&rec.Fields, "path", p[1])
		}
	}
	return rec, true
}
