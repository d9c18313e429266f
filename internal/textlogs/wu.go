package textlogs

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wudiag/wudiag/cbslog"
)

var (
	// 2021/07/13 10:23:06.3460256 3696  8172  Misc            *FAILED* [8024000C] ...
	reWU10 = regexp.MustCompile(`^(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?[ \t]+(\d+)[ \t]+(\d+)[ \t]+(\S+)(?:[ \t]+(.*))?$`)
	// 2021-08-28<TAB>03:07:48:216<TAB> 648<TAB>13bc<TAB>Report<TAB>...
	// (tabs may have become spaces in a copy)
	reWU7 = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})[ \t]+(\d{2}):(\d{2}):(\d{2}):(\d{3})[ \t]+(\d+)[ \t]+([0-9a-fA-F]+)[ \t]+(\S+)(?:[ \t]+(.*))?$`)

	reTitle       = regexp.MustCompile(`(?:^|\*\s*)Title\s*=\s*(.+)$`)
	reMSIHandler  = regexp.MustCompile(`(?i)\bMSI:\s*(0x[0-9a-f]{8}),\s*Handler:\s*(0x[0-9a-f]{8})`)
	reTransaction = regexp.MustCompile(`(?i)transaction error\s*=\s*(0x[0-9a-f]{8}),\s*MSI result\s*=\s*(0x[0-9a-f]{8})(?:,\s*MSI action\s*=\s*(\w+))?`)
	reURL         = regexp.MustCompile(`(?i)\bhttps?://[^\s<>"']+`)
	reLocalPath   = regexp.MustCompile(`(?i)local path\s*=\s*(.+?)(?:\s+with error\b|$)`)

	// The REPORT EVENT line of the classic log and the lines of
	// ReportingEvents.log share one layout (tab separated; a console copy
	// may turn tabs into spaces or lose them):
	//   {event GUID} <time><zone> 1 182 [AGENT_INSTALLING_FAILED] 101 {update GUID} 205 80070643 AutomaticUpdates Failure Content Install Installation Failure: ...
	// ReportingEvents.log adds the bracketed event name; WindowsUpdate.log
	// omits it. The copy in LegacyUpdate/LegacyUpdate#115 shows "182101"
	// with the separator lost; the three digits of the event ID come first.
	reReport    = regexp.MustCompile(`(?s)^(?:REPORT EVENT:\s*)?\{([0-9A-Fa-f-]{36})\}\s+(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}:\d{3})([+-]\d{4})?\s+(\d+)\s+(\d{3})\s*(?:\[(\w+)\])?\s*(\d{3})\s*\{([0-9A-Fa-f-]{36})\}\s+(\d+)\s+([0-9A-Fa-f]{1,8})\s+(.*?)\s*(Success|Failure)\s+(Content\s+\w+|Software\s+Synchronization|\w+)\s+(.*)$`)
	reFollowing = regexp.MustCompile(`(?is)following update(?: with error 0x[0-9a-f]+)?:\s*(.+?)\.?\s*$`)
)

// wuParser reads both WindowsUpdate.log formats: a line that starts with
// a timestamp starts a record, any other line continues it (a console
// copy wraps long lines).
type wuParser struct {
	classic bool
	p       pending
	// The agent logs an update's title and its ID on neighbouring lines
	// ("* Title = … (KB5034441)", then "* UpdateId = {…}.200"): the last
	// title seen names the ID that follows it.
	title     string
	titleLine int
}

func (w *wuParser) line(r *Reader, num int, b []byte) {
	b = trimPaste(b)
	if len(bytes.TrimSpace(b)) == 0 {
		return
	}
	if w.p.finish == nil {
		w.p.finish = func(rec *Record, b []byte) {
			finishWU(rec, b)
			switch {
			case rec.Fields["title"] != "":
				w.title, w.titleLine = rec.Fields["title"], rec.Line
			case rec.Fields["update_id"] != "" && w.title != "" && rec.Line-w.titleLine <= 4:
				setField(&rec.Fields, "title", w.title)
				setKB(rec, w.title)
				w.title = ""
			}
		}
	}
	m := splitWU(bytes.TrimLeft(b, " \t"), w.classic) // an indented copy too
	if m == nil {
		w.p.add(r, num, b)
		return
	}
	w.p.emit(r)
	rec := Record{Line: num, Component: string(m[10])}
	rec.Time = wallTime(m[1], m[2], m[3], m[4], m[5], m[6], m[7], w.classic)
	setField(&rec.Fields, "pid", string(m[8]))
	setField(&rec.Fields, "tid", string(m[9]))
	w.p.startLine(rec, bytes.TrimLeft(m[11], " \t"), b)
}

func (w *wuParser) flush(r *Reader) { w.p.emit(r) }

// splitWU splits a WindowsUpdate.log line as reWU10 (or reWU7 when
// classic) would, without a regular expression: the line parser runs on
// every line of logs that reach hundreds of megabytes. It returns nil when
// the line does not start a record; else m[1..11] are year, month, day,
// hour, minute, second, fraction, PID, TID, component and message.
func splitWU(b []byte, classic bool) [][]byte {
	m := make([][]byte, 12)
	i := 0
	digits := func(n int) []byte {
		if i+n > len(b) {
			return nil
		}
		for _, c := range b[i : i+n] {
			if c < '0' || c > '9' {
				return nil
			}
		}
		v := b[i : i+n]
		i += n
		return v
	}
	lit := func(c byte) bool {
		if i < len(b) && b[i] == c {
			i++
			return true
		}
		return false
	}
	blanks := func() bool {
		j := i
		for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
			i++
		}
		return i > j
	}
	run := func(ok func(byte) bool) []byte {
		j := i
		for i < len(b) && ok(b[i]) {
			i++
		}
		if i == j {
			return nil
		}
		return b[j:i]
	}
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	isHex := func(c byte) bool { return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f' }
	sep := byte('/')
	if classic {
		sep = '-'
	}
	if m[1] = digits(4); m[1] == nil || !lit(sep) {
		return nil
	}
	if m[2] = digits(2); m[2] == nil || !lit(sep) {
		return nil
	}
	if m[3] = digits(2); m[3] == nil {
		return nil
	}
	if classic {
		if !blanks() {
			return nil
		}
	} else if !lit(' ') {
		return nil
	}
	for k, end := range []byte{':', ':', 0} {
		if m[4+k] = digits(2); m[4+k] == nil || end != 0 && !lit(end) {
			return nil
		}
	}
	if classic {
		if !lit(':') {
			return nil
		}
		if m[7] = digits(3); m[7] == nil {
			return nil
		}
	} else if lit('.') {
		j := i
		for i < len(b) && i-j < 9 && isDigit(b[i]) {
			i++
		}
		if i == j {
			return nil
		}
		m[7] = b[j:i]
	}
	if !blanks() {
		return nil
	}
	if m[8] = run(isDigit); m[8] == nil || !blanks() {
		return nil
	}
	tid := isDigit
	if classic {
		tid = isHex
	}
	if m[9] = run(tid); m[9] == nil || !blanks() {
		return nil
	}
	if m[10] = run(func(c byte) bool { return c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\f' && c != '\v' }); m[10] == nil {
		return nil
	}
	if i < len(b) {
		if !blanks() {
			return nil
		}
		m[11] = b[i:]
	}
	return m
}

// wallTime builds a wall-clock time in UTC from its text fields; frac is
// milliseconds when ms is set, else a decimal fraction of a second. It
// returns the zero time for impossible values.
func wallTime(y, mo, d, h, mi, s, frac []byte, ms bool) time.Time {
	n := func(b []byte) int { v, _ := strconv.Atoi(string(b)); return v }
	ns := 0
	if len(frac) > 0 {
		if ms {
			ns = n(frac) * int(time.Millisecond)
		} else {
			f := string(frac) + strings.Repeat("0", 9-len(frac))
			ns = n([]byte(f))
		}
	}
	if n(mo) < 1 || n(mo) > 12 || n(d) < 1 || n(d) > 31 || n(h) > 23 || n(mi) > 59 || n(s) > 60 {
		return time.Time{}
	}
	return time.Date(n(y), time.Month(n(mo)), n(d), n(h), n(mi), n(s), ns, time.UTC)
}

// finishWU extracts the WindowsUpdate.log fields from a record's text.
func finishWU(rec *Record, b []byte) {
	text := string(b)
	f := &rec.Fields
	if strings.HasPrefix(text, "REPORT EVENT:") && reportEvent(rec, text) {
		return
	}
	// Each field is read only from text holding its literal, and the
	// common ones without regular expressions: a log dense with failures
	// stays linear and fast.
	lower := strings.ToLower(text)
	if t := strings.TrimPrefix(text, "*FAILED*"); len(t) >= 10 {
		t = strings.TrimLeft(t, " ")
		if len(t) >= 10 && t[0] == '[' && t[9] == ']' && isHexString(t[1:9]) {
			setField(f, "hr", normCode(t[1:9]))
		}
	}
	for _, key := range []string{"idupdate=", "updateid =", "updateid=", "update id =", "update id=", "failure for update "} {
		if i := strings.Index(lower, key); i >= 0 {
			if g := guidAt(text, i+len(key)); g != "" {
				setField(f, "update_id", strings.ToUpper(g))
				break
			}
		}
	}
	if i := strings.Index(lower, "resultmapped="); i >= 0 {
		if h := hexRun(text[i+len("resultmapped="):]); h != "" {
			setField(f, "result_mapped", hexCode(h))
		}
	}
	if i := strings.Index(lower, "resultunmapped="); i >= 0 {
		if h := hexRun(text[i+len("resultunmapped="):]); h != "" {
			setField(f, "result_unmapped", hexCode(h))
		}
	}
	if strings.Contains(text, "Title") {
		if m := reTitle.FindStringSubmatch(text); m != nil {
			setField(f, "title", strings.TrimSpace(m[1]))
		}
	}
	if strings.Contains(lower, "msi:") {
		if m := reMSIHandler.FindStringSubmatch(text); m != nil {
			setField(f, "msi_result", normCode(m[1]))
			setField(f, "handler_result", normCode(m[2]))
		}
	}
	if strings.Contains(lower, "transaction error") {
		if m := reTransaction.FindStringSubmatch(text); m != nil {
			setField(f, "handler_result", normCode(m[1]))
			setField(f, "msi_result", normCode(m[2]))
			setField(f, "msi_action", m[3])
		}
	}
	if strings.Contains(lower, "fail") || strings.Contains(lower, "error") {
		if strings.Contains(lower, "http") {
			if u := reURL.FindString(text); u != "" {
				setField(f, "url", strings.TrimRight(u, ".,:;)]>"))
			}
		}
		if strings.Contains(lower, "local path") {
			if m := reLocalPath.FindStringSubmatch(text); m != nil {
				setField(f, "path", strings.TrimSpace(m[1]))
			}
		}
	}
	setKB(rec, text)
}

// setKB sets the kb field from the title field, else from text.
func setKB(rec *Record, text string) {
	kb := cbslog.FindKB(rec.Fields["title"])
	if kb == "" {
		kb = cbslog.FindKB(text)
	}
	setField(&rec.Fields, "kb", kb)
}

// hexCode normalizes a WUA result written as bare hex: 8 digits are an
// HRESULT as written; fewer digits are the installer's own exit code,
// kept as its value ("FFFE" becomes "0x0000fffe") rather than read as a
// Win32 error.
func hexCode(s string) string {
	if len(s) == 8 {
		return normCode("0x" + s)
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return ""
	}
	return "0x" + leftPad(strconv.FormatUint(v, 16), 8)
}

func leftPad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat("0", n-len(s)) + s
}

// reportEvent fills the fields of a REPORT EVENT / ReportingEvents.log
// entry and reports whether text is one.
func reportEvent(rec *Record, text string) bool {
	m := reReport.FindStringSubmatch(text)
	if m == nil {
		return false
	}
	f := &rec.Fields
	setField(f, "event_id", m[5])
	setField(f, "event_name", m[6])
	setField(f, "update_id", strings.ToUpper(m[8]))
	setField(f, "revision", m[9])
	setField(f, "result", hexCode(m[10]))
	setField(f, "client", strings.TrimSpace(m[11]))
	setField(f, "status", m[12])
	setField(f, "operation", strings.Join(strings.Fields(m[13]), " "))
	msg := m[14]
	if i := strings.IndexByte(msg, '\t'); i >= 0 {
		msg = msg[:i] // ReportingEvents.log: a tracking string follows
	}
	if t := reFollowing.FindStringSubmatch(msg); t != nil {
		setField(f, "title", strings.TrimSpace(t[1]))
	}
	setKB(rec, msg)
	return true
}

// reportingParser reads ReportingEvents.log: one entry per line, in the
// REPORT EVENT layout; lines that do not start an entry continue the one
// above (a wrapped copy).
type reportingParser struct{ p pending }

var reReportHead = regexp.MustCompile(`^\{[0-9A-Fa-f-]{36}\}\s+(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}):(\d{3})([+-]\d{4})?`)

func (q *reportingParser) line(r *Reader, num int, b []byte) {
	b = trimPaste(b)
	if len(bytes.TrimSpace(b)) == 0 {
		return
	}
	q.p.finish = func(rec *Record, text []byte) { reportEvent(rec, string(text)) }
	m := reReportHead.FindSubmatch(b)
	if m == nil {
		q.p.add(r, num, b)
		return
	}
	q.p.emit(r)
	rec := Record{Line: num}
	rec.Time = wallTime(m[1], m[2], m[3], m[4], m[5], m[6], m[7], true)
	if len(m[8]) == 5 && !rec.Time.IsZero() {
		// The entry carries its zone: report the instant in UTC.
		h, _ := strconv.Atoi(string(m[8][1:3]))
		mi, _ := strconv.Atoi(string(m[8][3:5]))
		off := time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute
		if m[8][0] == '+' {
			off = -off
		}
		rec.Time = rec.Time.Add(off)
	}
	q.p.start(rec, b)
}

func (q *reportingParser) flush(r *Reader) { q.p.emit(r) }

// guidAt returns the GUID (8-4-4-4-12 hex digits, braces optional) at
// s[i:] after optional blanks, or "".
func guidAt(s string, i int) string {
	for i < len(s) && (s[i] == ' ' || s[i] == '{') {
		i++
	}
	groups := [5]int{8, 4, 4, 4, 12}
	j := i
	for k, n := range groups {
		for ; n > 0; n-- {
			if j >= len(s) || !(s[j] >= '0' && s[j] <= '9' || s[j]|0x20 >= 'a' && s[j]|0x20 <= 'f') {
				return ""
			}
			j++
		}
		if k < 4 {
			if j >= len(s) || s[j] != '-' {
				return ""
			}
			j++
		}
	}
	return s[i:j]
}

// hexRun returns the hex digits (at most 8) at the start of s.
func hexRun(s string) string {
	n := 0
	for n < len(s) && n < 8 && (s[n] >= '0' && s[n] <= '9' || s[n]|0x20 >= 'a' && s[n]|0x20 <= 'f') {
		n++
	}
	if n < len(s) && (s[n] >= '0' && s[n] <= '9' || s[n]|0x20 >= 'a' && s[n]|0x20 <= 'z' || s[n] == '_') {
		return "" // a longer word, not a code
	}
	return s[:n]
}

func isHexString(s string) bool { return len(s) > 0 && hexRun(s) == s }
