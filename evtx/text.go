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
// lines), in an English or Japanese UI. Each block starts with "Log Name:"
// ("ログの名前:", or "Event[n]:") and has "Label: value" lines up to
// "Description:" ("説明:"), after which the message runs to the next block.
// When a block carries an "Event Xml:" ("イベント XML:") section, the event
// is read from that XML and the description kept as Message.
//
// Rendered text is lossy: no Data fields unless the XML is there, and a
// local time without a zone (read as UTC).
//
// Memory is bounded: a line is cut at Limits.MaxToken bytes, a description
// keeps at most MaxTextLines lines, and one block at most MaxEventBytes
// bytes; what is dropped is reported as a *RecordError before the event.
type textSource struct {
	lr   lineReader
	lim  limits
	cur  *textEvent
	done bool
}

type textEvent struct {
	ev      Event
	at      int64
	inDesc  bool
	desc    []string
	inXML   bool
	xml     []string
	hasBody bool
	kept    int    // bytes of desc and xml kept
	dropped int    // lines dropped
	why     string // why lines were dropped
}

func newTextSource(r io.Reader, lim limits) source {
	return &textSource{lr: newLineReader(decodeText(r), lim.token), lim: lim}
}

// A lineReader reads lines of at most max bytes; the rest of a longer
// line is read and dropped, so that no line costs more memory than that.
type lineReader struct {
	r    *bufio.Reader
	max  int
	off  int64 // offset of the next line in the decoded text
	buf  []byte
	long bool // the last line was cut
}

func newLineReader(r io.Reader, max int) lineReader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return lineReader{r: br, max: max}
}

// next returns the next line without its end of line, and where it starts.
// The line is valid until the next call. It returns io.EOF after the last
// line.
func (l *lineReader) next() (line []byte, at int64, err error) {
	at = l.off
	l.buf, l.long = l.buf[:0], false
	for {
		chunk, err := l.r.ReadSlice('\n')
		l.off += int64(len(chunk))
		var cut bool
		l.buf, cut = appendCapped(l.buf, chunk, l.max)
		l.long = l.long || cut
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && (err != io.EOF || (len(l.buf) == 0 && l.off == at)) {
			return nil, at, err
		}
		b := l.buf
		b = bytes.TrimSuffix(b, []byte("\n"))
		b = bytes.TrimSuffix(b, []byte("\r"))
		return b, at, nil
	}
}

// looksLikeText reports whether the head of a file is a text export.
func looksLikeText(b []byte) bool {
	for _, line := range bytes.SplitN(b, []byte("\n"), 8) {
		line = bytes.TrimSpace(line)
		if label, _, ok := splitLabel(string(line)); ok && label == "Log Name" {
			return true
		}
		if bytes.HasPrefix(line, []byte("Event[")) && bytes.HasSuffix(line, []byte("]:")) {
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
			s.keepLine(c, &c.xml, line)
			continue
		case trim == "Event Xml:" || trim == "イベント XML:":
			c.inXML, c.inDesc = true, false
			continue
		case c.inDesc:
			s.keepLine(c, &c.desc, line)
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
		case "Description":
			c.inDesc = true
			if value != "" {
				s.keepLine(c, &c.desc, value)
			}
		}
	}
	return out, nil
}

// keepLine adds a line to the description or XML of c, within the limits.
func (s *textSource) keepLine(c *textEvent, to *[]string, line string) {
	switch {
	case s.lr.long && c.why == "":
		c.why = "a line longer than " + strconv.Itoa(s.lim.token) + " bytes was cut"
	case len(c.desc)+len(c.xml) >= s.lim.lines:
		c.dropped++
		if c.why == "" {
			c.why = "more than " + strconv.Itoa(s.lim.lines) + " lines"
		}
		return
	case c.kept+len(line) > s.lim.eventBytes:
		c.dropped++
		if c.why == "" {
			c.why = "more than " + strconv.Itoa(s.lim.eventBytes) + " bytes"
		}
		return
	}
	c.kept += len(line)
	*to = append(*to, line)
}

// flush ends the current block.
func (s *textSource) flush(out []item) []item {
	c := s.cur
	s.cur = nil
	if c == nil || !c.hasBody {
		return out
	}
	if c.why != "" {
		msg := c.why
		if c.dropped > 0 {
			msg += "; " + strconv.Itoa(c.dropped) + " lines dropped"
		}
		out = append(out, item{err: &RecordError{Offset: c.at, Err: errf(ErrCorrupt, "text event too long: %s", msg)}})
	}
	msg := strings.TrimRight(strings.Join(c.desc, "\n"), "\n ")
	if len(c.xml) > 0 {
		x := newXMLSource(strings.NewReader(strings.Join(c.xml, "\n")), s.lim)
		items, _ := x.fill(nil)
		for _, it := range items {
			if it.ev != nil {
				it.ev.Offset = c.at
				it.ev.Source = Text
				if it.ev.Message == "" {
					it.ev.Message = msg
				}
				return append(out, it)
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

// textLabels maps the labels of Event Viewer's text in English and in a
// Japanese UI, and of wevtutil's text, to one English name.
var textLabels = map[string]string{
	"Log Name": "Log Name", "Source": "Source", "Date": "Date", "Event ID": "Event ID",
	"Task Category": "Task Category", "Task": "Task", "Level": "Level", "Opcode": "Opcode",
	"Keywords": "Keywords", "Keyword": "Keywords", "User": "User", "User Name": "User Name",
	"Computer": "Computer", "Description": "Description",

	"ログの名前": "Log Name", "ソース": "Source", "日付": "Date", "イベント ID": "Event ID",
	"イベントID": "Event ID", "タスクのカテゴリ": "Task Category", "レベル": "Level",
	"オペコード": "Opcode", "キーワード": "Keywords", "ユーザー": "User", "ユーザー名": "User Name",
	"コンピューター": "Computer", "コンピュータ": "Computer", "説明": "Description",
}

// splitLabel splits "Label:   value" where Label is a known field name,
// returning the English name of the label.
func splitLabel(line string) (label, value string, ok bool) {
	i := strings.IndexByte(line, ':')
	if i <= 0 || i > 40 {
		return "", "", false
	}
	label, ok = textLabels[strings.TrimSpace(line[:i])]
	if !ok {
		return "", "", false
	}
	return label, strings.TrimSpace(line[i+1:]), true
}

// levelByName reads a level as Event Viewer names it, in English or
// Japanese, or as a number.
func levelByName(s string) uint8 {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical", "重大":
		return 1
	case "error", "エラー":
		return 2
	case "warning", "警告":
		return 3
	case "information", "情報":
		return 4
	case "verbose", "詳細":
		return 5
	}
	if v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 8); err == nil && v <= 5 {
		return uint8(v)
	}
	return 0
}

// parseLocalTime reads the dates Event Viewer, wevtutil and PowerShell
// print. They are in the exporting machine's local time, which the text
// does not record, so they are read as UTC.
func parseLocalTime(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{
		"2006-01-02T15:04:05.000000000Z", time.RFC3339Nano, "2006-01-02T15:04:05.999999999",
		"1/2/2006 3:04:05 PM", "1/2/2006 15:04:05", "2.1.2006 15:04:05", "2006/01/02 15:04:05",
		"2006/1/2 15:04:05", "2006-01-02 15:04:05", "02/01/2006 15:04:05",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
