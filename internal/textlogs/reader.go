package textlogs

import (
	"bytes"
	"io"
	"iter"
	"maps"
	"slices"
	"time"

	"github.com/wudiag/wudiag/codes"
	"github.com/wudiag/wudiag/internal/logline"
	"github.com/wudiag/wudiag/internal/scan"
	"github.com/wudiag/wudiag/internal/textdec"
)

// maxRecord bounds the text of one record, as logline.DefaultMaxRecord
// does for CBS.log: a longer run of lines is returned in pieces.
const maxRecord = logline.DefaultMaxRecord

// A Record is one logical entry of a text log, normalized for rule
// matching.
type Record struct {
	Line      int               // physical line number where it starts (1-based)
	Time      time.Time         // as written: UTC when the log says so, else wall-clock time in the UTC location; zero when none
	Level     string            // when the format has one
	Component string            // WU component, Panther component, Burn message id, ...
	Text      string            // the message; continuation lines attached with '\n'
	Codes     []codes.Code      // every code in Text (codes.Find) and in Fields, deduplicated, in order of appearance
	Fields    map[string]string // format-specific values (see the package doc); nil when none
}

// Field returns Fields[name], or "" when the record has no such field.
func (r Record) Field(name string) string { return r.Fields[name] }

// A Reader streams the records of one text log. Like bufio.Scanner,
// call Scan until it returns false, then check Err.
//
// Memory is bounded: lines longer than 1 MiB are cut by textdec, and a
// record that would grow past 1 MiB is returned in pieces.
type Reader struct {
	kind  Kind
	dec   *textdec.Reader  // line-based kinds
	sc    *logline.Scanner // Panther-grammar kinds (SetupAct, ReAgent)
	p     parser
	queue []Record
	cur   Record
	done  bool
	found []codes.Match // scratch for codes.Find
}

// A parser turns physical lines into records for one kind.
type parser interface {
	// line handles one physical line (UTF-8, no terminator); b is only
	// valid during the call.
	line(r *Reader, num int, b []byte)
	// flush emits whatever is pending at the end of the input.
	flush(r *Reader)
}

// NewReader returns a Reader that parses r as a log of the given kind. An
// unknown or empty kind reads r as Generic.
func NewReader(r io.Reader, kind Kind) *Reader {
	rd := &Reader{kind: kind}
	switch kind {
	case SetupAct, ReAgent:
		rd.sc = logline.NewScanner(r, nil)
		rd.p = &pantherParser{reagent: kind == ReAgent}
		return rd
	}
	rd.dec = textdec.NewReader(r, nil)
	switch kind {
	case WindowsUpdate:
		rd.p = &wuParser{}
	case WindowsUpdateClassic:
		rd.p = &wuParser{classic: true}
	case ReportingEvents:
		rd.p = &reportingParser{}
	case MpCmdRun:
		rd.p = &mpCmdRunParser{}
	case MpSigStub:
		rd.p = &sigStubParser{}
	case UpdatePlatform:
		rd.p = lineParser(updatePlatformLine)
	case Burn:
		rd.p = &burnParser{}
	case MSI:
		rd.p = &msiParser{}
	case Fltmc:
		rd.p = lineParser(fltmcLine)
	case Chkdsk:
		rd.p = lineParser(chkdskLine)
	default:
		rd.kind = Generic
		rd.p = &proseParser{}
	}
	return rd
}

// Kind returns the kind the Reader parses.
func (r *Reader) Kind() Kind { return r.kind }

// Scan advances to the next record. It returns false at the end of the
// input or on a read error.
func (r *Reader) Scan() bool {
	for len(r.queue) == 0 {
		if r.done {
			return false
		}
		if !r.step() {
			r.done = true
			r.p.flush(r)
		}
	}
	r.cur = r.queue[0]
	r.queue[0] = Record{}
	r.queue = r.queue[1:]
	if len(r.queue) == 0 {
		r.queue = r.queue[:0:0]
	}
	return true
}

// step feeds one physical line (or one Panther record) to the parser.
func (r *Reader) step() bool {
	if r.sc != nil {
		if !r.sc.Scan() {
			return false
		}
		r.p.(*pantherParser).record(r, r.sc.Record())
		return true
	}
	if !r.dec.Next() {
		return false
	}
	r.p.line(r, r.dec.LineNum(), logline.Unquote(r.dec.Line()))
	return true
}

// Record returns the record found by the last call to Scan. It owns its
// data: it stays valid after further calls to Scan.
func (r *Reader) Record() Record { return r.cur }

// Err returns the first read error, or nil at a clean end of input.
func (r *Reader) Err() error {
	if r.sc != nil {
		return r.sc.Err()
	}
	return r.dec.Err()
}

// Records returns an iterator over the records of r read as kind. A read
// error is yielded once, with a zero Record, after the last record.
func Records(r io.Reader, kind Kind) iter.Seq2[Record, error] {
	rd := NewReader(r, kind)
	return scan.Seq2(rd, rd.Record)
}

// emit finishes rec (its Text from text, its Codes) and queues it.
func (r *Reader) emit(rec Record, text []byte) {
	text = bytes.TrimRight(text, " \t\r\n")
	text = bytes.TrimLeft(text, "\r\n")
	rec.Text = string(text)
	r.found = codes.Find(r.found[:0], text)
	for _, m := range r.found {
		rec.Codes = addCode(rec.Codes, m.Code)
	}
	for _, k := range codeFields {
		if v, ok := rec.Fields[k]; ok {
			if c, err := codes.Parse(v); err == nil {
				rec.Codes = addCode(rec.Codes, c)
			}
		}
	}
	if len(rec.Fields) == 0 {
		rec.Fields = nil
	}
	r.queue = append(r.queue, rec)
}

// codeFields are the fields whose value is a normalized code; their codes
// join Record.Codes even when Text spells them in a way codes.Find does not
// know (WUA's "*FAILED* [8024000C]", "resultUnMapped=FFFE").
var codeFields = []string{"hr", "result", "result_mapped", "result_unmapped", "msi_result", "handler_result", "hresult", "msi_error"}

func addCode(cs []codes.Code, c codes.Code) []codes.Code {
	if slices.Contains(cs, c) {
		return cs
	}
	return append(cs, c)
}

// normCode returns s as a normalized "0x…" code, or "" when it is not one.
func normCode(s string) string {
	c, err := codes.Parse(s)
	if err != nil {
		return ""
	}
	return c.String()
}

// setField sets f[k] = v when v is not empty, allocating f if needed.
func setField(f *map[string]string, k, v string) {
	if v == "" {
		return
	}
	if *f == nil {
		*f = make(map[string]string)
	}
	(*f)[k] = v
}

// lineParser adapts a function that turns one line into at most one
// record: it returns ok == false to skip the line.
type lineParser func(num int, line string) (rec Record, ok bool)

func (p lineParser) line(r *Reader, num int, b []byte) {
	if len(bytes.TrimSpace(b)) == 0 {
		return
	}
	rec, ok := p(num, string(b))
	if ok {
		rec.Line = num
		r.emit(rec, []byte(rec.Text))
	}
}

func (lineParser) flush(*Reader) {}

// pending is a record being assembled from a head line and the
// continuation lines after it.
type pending struct {
	open bool
	rec  Record
	buf  []byte
	// wrap tells lines a console copy cut.
	wrap logline.Wrap
	// finish, when set, extracts fields from the assembled text.
	finish func(rec *Record, text []byte)
}

// start begins a new record with the given head text.
func (p *pending) start(rec Record, head []byte) {
	p.startLine(rec, head, head)
}

// startLine is start for a head text cut from a longer physical line
// (after its timestamp and columns): wrap detection needs the length of
// the whole line.
func (p *pending) startLine(rec Record, head, line []byte) {
	p.open = true
	p.rec = rec
	p.buf = append(p.buf[:0], head...)
	p.wrap.Next(line)
}

// add appends a continuation line. A line that follows a physical line
// cut by a console (see logline.Wrap) is joined without a newline.
func (p *pending) add(r *Reader, num int, b []byte) {
	if !p.open {
		p.start(Record{Line: num}, b)
		return
	}
	if len(p.buf)+len(b)+1 > maxRecord {
		p.emit(r)
		rec := p.rec
		rec.Line = num
		p.start(rec, b)
		return
	}
	switch rest, cut, space := p.wrap.Next(b); {
	case space:
		p.buf = append(p.buf, ' ')
		fallthrough
	case cut:
		b = rest
	default:
		p.buf = append(p.buf, '\n')
	}
	p.buf = append(p.buf, b...)
}

// emit hands the pending record to r (through finish when set) and
// closes it. p.rec keeps the fields it was started with, for a record
// continued in pieces.
func (p *pending) emit(r *Reader) {
	if !p.open {
		return
	}
	p.open = false
	rec := p.rec
	rec.Fields = cloneFields(rec.Fields)
	if p.finish != nil {
		p.finish(&rec, p.buf)
	}
	r.emit(rec, p.buf)
}

func cloneFields(f map[string]string) map[string]string {
	if f == nil {
		return nil
	}
	g := make(map[string]string, len(f))
	maps.Copy(g, f)
	return g
}

// trimPaste drops the trailing " |" (and blanks) a pasted table leaves.
func trimPaste(b []byte) []byte {
	b = bytes.TrimRight(b, " \t")
	if n := len(b); n > 0 && b[n-1] == '|' {
		b = bytes.TrimRight(b[:n-1], " \t")
	}
	return b
}

// containsFold reports whether s contains lower, a lower-case ASCII
// word, ignoring ASCII case, without allocating.
func containsFold(s, lower string) bool {
	n := len(lower)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for j < n {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lower[j] {
				break
			}
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}
