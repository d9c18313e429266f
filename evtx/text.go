package evtx

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
	"time"
)

// textSource reads events rendered as text: Event Viewer's "Copy details as
// text" blocks and wevtutil qe /f:text output ("Event[0]:" then indented
// lines). Each block starts with "Log Name:" (or "Event[n]:") and has
// "Label: value" lines up to "Description:", after which the message runs
// to the next block. When a block carries an "Event Xml:" section, the
// event is read from that XML and the description kept as Message.
//
// Rendered text is lossy: no Data fields, a local time without a zone
// (read as UTC), and labels in English only.
type textSource struct {
	sc     *bufio.Scanner
	off    int64 // offset of the next line in the decoded text
	cur    *textEvent
	done   bool
	pendin []item
}

type textEvent struct {
	ev      Event
	at      int64
	inDesc  bool
	desc    []string
	inXML   bool
	xml     []string
	hasBody bool
}

func newTextSource(r io.Reader) source {
	sc := bufio.NewScanner(decodeText(r))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	return &textSource{sc: sc}
}

// looksLikeText reports whether the head of a file is a text export.
func looksLikeText(b []byte) bool {
	for _, line := range bytes.SplitN(b, []byte("\n"), 8) {
		line = bytes.TrimSpace(line)
		if bytes.HasPrefix(line, []byte("Log Name:")) || (bytes.HasPrefix(line, []byte("Event[")) && bytes.HasSuffix(line, []byte("]:"))) {
			return true
		}
	}
	return false
}

func (s *textSource) fill(out []item) ([]item, error) {
	if s.done {
		return out, io.EOF
	}
	n := 0
	for n < xmlBatch {
		if !s.sc.Scan() {
			s.done = true
			out = s.flush(out)
			if err := s.sc.Err(); err != nil {
				out = append(out, item{err: &RecordError{Offset: s.off, Err: errf(ErrCorrupt, "text: %v; reading stops here", err)}})
			}
			return out, io.EOF
		}
		raw := s.sc.Text()
		at := s.off
		s.off += int64(len(raw)) + 1
		line := strings.TrimRight(raw, "\r")
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "Event[") && strings.HasSuffix(trim, "]:") {
			before := len(out)
			out = s.flush(out)
			n += len(out) - before
			s.cur = &textEvent{at: at}
			continue
		}
		label, value, isLabel := splitLabel(trim)
		if isLabel && label == "Log Name" && (s.cur == nil || s.cur.hasBody) {
			before := len(out)
			out = s.flush(out)
			n += len(out) - before
			s.cur = &textEvent{at: at}
		}
		c := s.cur
		if c == nil {
			continue // text before the first block
		}
		switch {
		case c.inXML:
			c.xml = append(c.xml, line)
			continue
		case trim == "Event Xml:":
			c.inXML, c.inDesc = true, false
			continue
		case c.inDesc:
			c.desc = append(c.desc, line)
			continue
		}
		if !isLabel {
			continue
		}
		c.hasBody = true
		ev := &c.ev
		switch label {
		case "Log Name":
			ev.Channel = value
		case "Source":
			ev.Provider = value
		case "Date":
			ev.Time = parseLocalTime(value)
		case "Event ID":
			v, _ := strconv.ParseUint(value, 10, 32)
			ev.EventID = uint32(v)
		case "Level":
			ev.Level = levelByName(value)
		case "Computer":
			ev.Computer = value
		case "User":
			ev.UserID = value
		case "Keywords", "Keyword":
			// names, not the bit mask
		case "Description":
			c.inDesc = true
			if value != "" {
				c.desc = append(c.desc, value)
			}
		}
	}
	return out, nil
}

// flush ends the current block.
func (s *textSource) flush(out []item) []item {
	c := s.cur
	s.cur = nil
	if c == nil || !c.hasBody {
		return out
	}
	msg := strings.TrimRight(strings.Join(c.desc, "\n"), "\n ")
	if len(c.xml) > 0 {
		x := newXMLSource(strings.NewReader(strings.Join(c.xml, "\n"))).(*xmlSource)
		items, _ := x.fill(nil)
		for _, it := range items {
			if it.ev != nil {
				it.ev.Offset = c.at
				it.ev.Source = Text
				if it.ev.Message == "" {
					it.ev.Message = msg
				}
				out = append(out, it)
				return out
			}
		}
	}
	ev := new(Event)
	*ev = c.ev
	ev.Message = msg
	ev.Offset = c.at
	ev.Source = Text
	return append(out, item{ev: ev})
}

// splitLabel splits "Label:   value" where Label is a known field name.
func splitLabel(line string) (label, value string, ok bool) {
	i := strings.IndexByte(line, ':')
	if i <= 0 {
		return "", "", false
	}
	label = line[:i]
	switch label {
	case "Log Name", "Source", "Date", "Event ID", "Task Category", "Task", "Level", "Opcode",
		"Keywords", "Keyword", "User", "User Name", "Computer", "Description":
		return label, strings.TrimSpace(line[i+1:]), true
	}
	return "", "", false
}

func levelByName(s string) uint8 {
	switch strings.ToLower(s) {
	case "critical":
		return 1
	case "error":
		return 2
	case "warning":
		return 3
	case "information":
		return 4
	case "verbose":
		return 5
	}
	return 0
}

// parseLocalTime reads the dates Event Viewer and wevtutil print. They are
// in the exporting machine's local time, which the text does not record.
func parseLocalTime(s string) time.Time {
	for _, layout := range []string{
		"2006-01-02T15:04:05.000000000Z", time.RFC3339Nano, "2006-01-02T15:04:05.999999999",
		"1/2/2006 3:04:05 PM", "1/2/2006 15:04:05", "2.1.2006 15:04:05", "2006/01/02 15:04:05",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
