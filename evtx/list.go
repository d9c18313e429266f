package evtx

import (
	"bytes"
	"io"
	"strings"
)

// listSource reads PowerShell's Format-List text of event objects:
// Get-WinEvent ... | Format-List (TimeCreated, ProviderName, Id, Message)
// or Format-List * (every property), and Get-EventLog ... | Format-List.
// Each property is "Name : value", names padded to one width; a long or
// multi-line value goes on in lines indented to the value's column. An
// event ends where a property it already has starts again (blank lines
// separate events, but a message can hold blank lines too).
//
// Property names are never localized; values such as LevelDisplayName
// and the dates follow the machine's language and are read in English
// and Japanese. The Data values are not in this text.
type listSource struct {
	lr   lineReader
	lim  limits
	done bool

	cur     *Event
	at      int64
	seen    map[string]bool
	prop    column // property being read (continuation lines go to it)
	indent  int    // column where its value starts
	msg     []string
	blank   int // blank lines held back inside the message
	kept    int
	dropped int
}

func newListSource(r io.Reader, lim limits) source {
	return &listSource{lr: newLineReader(decodeText(r), lim.token), lim: lim, seen: map[string]bool{}}
}

// listLabel splits a Format-List line "Name   : value"; name is a
// property name (letters and digits) followed by spaces and a colon.
func listLabel(line string) (name, value string, valueAt int, ok bool) {
	i := strings.Index(line, " :")
	if i <= 0 {
		return "", "", 0, false
	}
	name = strings.TrimRight(line[:i], " ")
	if name == "" || len(name) > 40 {
		return "", "", 0, false
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "", "", 0, false
		}
	}
	rest := line[i+2:]
	valueAt = i + 2
	if strings.HasPrefix(rest, " ") {
		rest, valueAt = rest[1:], valueAt+1
	}
	return name, rest, valueAt, true
}

// looksLikeList reports whether the head of a file is Format-List text
// of events: its first non-blank lines are properties, two of them the
// ones every event has.
func looksLikeList(head []byte) bool {
	known := 0
	for _, line := range bytes.SplitN(head, []byte("\n"), 12) {
		l := strings.TrimRight(string(line), "\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		name, _, _, ok := listLabel(l)
		if !ok {
			if known == 0 && !strings.HasPrefix(l, " ") && !isPrompt(l) {
				return false
			}
			continue
		}
		switch lookupColumn(name) {
		case cTime, cProvider, cEventID, cMessage, cChannel, cLevel, cInstanceID:
			known++
		}
		if known >= 2 {
			return true
		}
	}
	return false
}

func (s *listSource) fill(out []item) ([]item, error) {
	if s.done {
		return out, io.EOF
	}
	n := 0
	for lines := 0; n < xmlBatch && lines < 1<<16; lines++ {
		raw, at, err := s.lr.next()
		if err != nil {
			s.done = true
			out = s.flush(out)
			if err != io.EOF {
				return out, err
			}
			return out, io.EOF
		}
		line := string(raw)
		if strings.TrimSpace(line) == "" {
			if s.prop == cMessage {
				s.blank++
			} else {
				s.prop = cNone
			}
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if s.cur != nil && s.prop == cMessage {
				for ; s.blank > 0; s.blank-- {
					s.keep("")
				}
				cut := 0
				for cut < len(line) && cut < s.indent && line[cut] == ' ' {
					cut++
				}
				s.keep(line[cut:])
			}
			continue
		}
		s.blank = 0
		name, value, valueAt, ok := listLabel(line)
		if !ok {
			continue
		}
		if s.cur != nil && s.seen[name] {
			before := len(out)
			out = s.flush(out)
			n += len(out) - before
		}
		if s.cur == nil {
			s.cur, s.at = new(Event), at
			clear(s.seen)
		}
		s.seen[name] = true
		s.prop, s.indent = lookupColumn(name), valueAt
		if s.prop == cMessage {
			s.msg = s.msg[:0]
			s.keep(value)
		} else if s.prop != cNone {
			setColumn(s.cur, s.prop, value)
		}
	}
	return out, nil
}

// keep adds one message line within the limits.
func (s *listSource) keep(line string) {
	if len(s.msg) >= s.lim.lines || s.kept+len(line) > s.lim.eventBytes {
		s.dropped++
		return
	}
	s.kept += len(line)
	s.msg = append(s.msg, line)
}

// flush ends the current event.
func (s *listSource) flush(out []item) []item {
	ev := s.cur
	s.cur, s.prop, s.blank = nil, cNone, 0
	if ev == nil {
		return out
	}
	if s.dropped > 0 {
		out = append(out, item{err: &RecordError{Offset: s.at, Err: errf(ErrCorrupt, "message too long: %d lines dropped (limits %d lines, %d bytes)", s.dropped, s.lim.lines, s.lim.eventBytes)}})
	}
	ev.Message = strings.TrimRight(strings.Join(s.msg, "\n"), "\n ")
	s.msg, s.kept, s.dropped = s.msg[:0], 0, 0
	ev.Offset = s.at
	ev.Source = Text
	return append(out, item{ev: ev})
}

// isPrompt reports whether a line is a shell prompt with its command, as
// people copy it above the output ("PS C:\> Get-WinEvent … | Format-List",
// "C:\Windows\system32>wevtutil qe System /f:text").
func isPrompt(l string) bool {
	l = strings.TrimPrefix(strings.TrimSpace(l), "PS ")
	i := strings.IndexByte(l, '>')
	return i >= 2 && i < 260 && (l[1] == ':' && (l[0]|0x20) >= 'a' && (l[0]|0x20) <= 'z' || strings.HasPrefix(l, "Microsoft.PowerShell"))
}
