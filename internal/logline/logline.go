// Package logline holds the line grammar shared by CBS.log, dism.log and
// the Panther-style logs (setupact.log, ReAgent.log):
//
//	2023-05-17 12:06:13, Error                 DISM   DISM Package Manager: PID=5372 TID=12244 Failed ... - C::M(hr:0x800f081f)
//	└ local time ─────┘  └ level, padded to 22 ┘└comp ┘└ message …
//
// and the assembly of physical lines into records: a line without a
// timestamp continues the record above it.
//
// The grammar is tolerant, because real copies are altered: padding
// collapsed to one space, timestamps stripped ("Error CBS    Startup: …"),
// dates replaced by placeholders ("20xx-xx-18", "<Date> <Time>"), a trailing
// " |" from a pasted table, a stray BOM or NUL run in the middle of a file.
package logline

import (
	"bytes"
	"time"
)

// Kind classifies a physical line.
type Kind uint8

const (
	// Text is a line with no recognised prefix: it continues the record
	// above it (or starts an untimestamped record at the top of a file).
	Text Kind = iota
	// Stamped is a line that starts with "YYYY-MM-DD HH:MM:SS, Level".
	Stamped
	// Bare is a line that starts with a level and a component but no
	// timestamp ("Info CBS …", "Error\tCSI …"): a copy whose timestamps
	// were stripped.
	Bare
	// Tagged is an untimestamped WIMGAPI line, "[3252.2868] [0x8007007b] Func:(1456): …".
	Tagged
)

// A Line is one parsed physical line.
type Line struct {
	Kind      Kind
	Time      time.Time // zero when the line has none, or a placeholder
	Level     string    // "Info", "Warning", "Error"; "" for Text and Tagged lines
	MsgID     string    // "[0x0606ae]"-style message ID after the level, if any
	Component string    // "CBS", "CSI", "DISM", "DPX", "SP", ...; "" when empty
	Msg       []byte    // the message (for Text lines, the whole line)
}

// Parse parses one line (without its terminator). Times are wall-clock
// times in loc (time.UTC when loc is nil). Msg aliases b.
//
// A line indented by spaces or tabs (a log pasted as a Markdown code
// block, or quoted in a mail) is read as if it were not; a Text line keeps
// its indentation.
func Parse(b []byte, loc *time.Location) Line {
	b = trim(b)
	if len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		if l := parse(bytes.TrimLeft(b, " \t"), loc); l.Kind != Text {
			return l
		}
		return Line{Kind: Text, Msg: b}
	}
	return parse(b, loc)
}

func parse(b []byte, loc *time.Location) Line {
	if len(b) >= 21 && b[19] == ',' && b[20] == ' ' && b[4] == '-' && b[7] == '-' &&
		b[10] == ' ' && b[13] == ':' && b[16] == ':' {
		l := Line{Kind: Stamped, Time: parseTime(b[:19], loc)}
		parseRest(&l, b, 21, false)
		return l
	}
	if len(b) >= 15 && string(b[:15]) == "<Date> <Time>, " {
		l := Line{Kind: Stamped}
		parseRest(&l, b, 15, false)
		return l
	}
	if len(b) > 0 {
		switch b[0] {
		case 'I', 'W', 'E', 'P', 'F':
			var l Line
			if parseRest(&l, b, 0, true) {
				l.Kind = Bare
				return l
			}
		case '[':
			if isTagged(b) {
				return Line{Kind: Tagged, Msg: b}
			}
		}
	}
	return Line{Kind: Text, Msg: b}
}

// trim drops a stray BOM or leading NULs and the trailing " |" of a pasted
// table and trailing white space.
func trim(b []byte) []byte {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		b = b[3:]
	}
	n := len(b)
	for n > 0 && (b[n-1] == ' ' || b[n-1] == '\t' || b[n-1] == 0) {
		n--
	}
	if n > 1 && b[n-1] == '|' && (b[n-2] == ' ' || b[n-2] == '\t') {
		n--
		for n > 0 && (b[n-1] == ' ' || b[n-1] == '\t') {
			n--
		}
	}
	return b[:n]
}

func parseTime(b []byte, loc *time.Location) time.Time {
	num := func(b []byte) int {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, mo, d := num(b[0:4]), num(b[5:7]), num(b[8:10])
	h, mi, s := num(b[11:13]), num(b[14:16]), num(b[17:19])
	if y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60 {
		return time.Time{}
	}
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(y, time.Month(mo), d, h, mi, s, 0, loc)
}

// parseRest parses "Level   [msgid] Component   message" starting at
// b[at:]. In strict mode (no timestamp) it requires a known level and a
// component-like token, and reports whether they were found.
func parseRest(l *Line, b []byte, at int, strict bool) bool {
	p := at
	for p < len(b) && b[p] != ' ' && b[p] != '\t' && b[p] != ',' {
		p++
	}
	level := b[at:p]
	if strict {
		if !knownLevel(level) {
			return false
		}
		if p < len(b) && b[p] == ',' {
			p++
		}
		if p >= len(b) || (b[p] != ' ' && b[p] != '\t') {
			return false
		}
	}
	l.Level = internLevel(level)
	p = skipBlanks(b, p)
	if p+3 < len(b) && b[p] == '[' && b[p+1] == '0' && b[p+2] == 'x' {
		if q := bytes.IndexByte(b[p:], ']'); q > 0 && q < 20 {
			l.MsgID = string(b[p : p+q+1])
			p = skipBlanks(b, p+q+1)
		}
	}
	q := p
	for q < len(b) && b[q] != ' ' && b[q] != '\t' {
		q++
	}
	tok := b[p:q]
	genuine := !strict && at == 21 && p == 43 // level field padded to 22: a component follows
	atEnd := q == len(b)
	if len(tok) > 0 && (!atEnd || !strict) && ((genuine && len(tok) <= 12) || componentLike(tok)) {
		l.Component = internComponent(tok)
		for q < len(b) && b[q] == ' ' {
			q++
		}
		if strict && q < len(b) && b[q] == '\t' {
			q++
		}
		l.Msg = b[q:]
		return true
	}
	if strict {
		return false
	}
	l.Msg = b[p:]
	return true
}

func skipBlanks(b []byte, p int) int {
	for p < len(b) && (b[p] == ' ' || b[p] == '\t') {
		p++
	}
	return p
}

func knownLevel(b []byte) bool {
	switch string(b) {
	case "Info", "Warning", "Error", "Perf", "Fatal":
		return true
	}
	return false
}

func internLevel(b []byte) string {
	switch string(b) {
	case "Info":
		return "Info"
	case "Warning":
		return "Warning"
	case "Error":
		return "Error"
	}
	return string(b)
}

// componentLike reports whether tok looks like a component column value:
// 2 to 12 upper-case letters or digits (CBS, CSI, DISM, DPX, SP, MOUPG,
// CMIADAPTER, SXS, PANTHR).
func componentLike(tok []byte) bool {
	if len(tok) < 2 || len(tok) > 12 || tok[0] < 'A' || tok[0] > 'Z' {
		return false
	}
	for _, c := range tok {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func internComponent(b []byte) string {
	switch string(b) {
	case "CBS":
		return "CBS"
	case "CSI":
		return "CSI"
	case "DISM":
		return "DISM"
	case "DPX":
		return "DPX"
	case "SXS":
		return "SXS"
	}
	return string(b)
}

// isTagged reports whether b is a WIMGAPI line: "[digits(.digits)] [0x…] …".
func isTagged(b []byte) bool {
	i := 1
	for i < len(b) && (b[i] >= '0' && b[i] <= '9' || b[i] == '.') {
		i++
	}
	return i > 1 && i+4 < len(b) && b[i] == ']' && b[i+1] == ' ' && b[i+2] == '[' && b[i+3] == '0' && b[i+4] == 'x'
}

// IsCSICounter reports whether msg starts with a CSI sequence counter: 8
// hex digits followed by a space, '@' or the end.
func IsCSICounter(msg []byte) bool {
	if len(msg) < 8 {
		return false
	}
	for _, c := range msg[:8] {
		if !isHex(c) {
			return false
		}
	}
	return len(msg) == 8 || msg[8] == ' ' || msg[8] == '@'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
