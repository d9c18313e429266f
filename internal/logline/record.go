package logline

import (
	"io"
	"time"

	"github.com/wudiag/wudiag/internal/textdec"
)

// DefaultMaxRecord bounds the text of one record. A longer record (a run
// of untimestamped lines, say a non-log file) is returned in pieces, each
// but the last marked Split.
const DefaultMaxRecord = 1 << 20

// A Record is a timestamped (or bare, or tagged) line with the
// continuation lines that follow it, or a run of text lines with no line
// above them.
type Record struct {
	Line  int  // physical line number of the first line (1-based)
	Lines int  // number of physical lines in the record
	Head  Line // the first line; Head.Msg is not valid, use Text
	// Text is the first line's message, then each continuation line
	// after a '\n'. Valid until the next call to Scan.
	Text  []byte
	Split bool // the record was cut because it reached MaxRecord, or holds a cut line
}

// Options adjust a Scanner.
type Options struct {
	Text      textdec.Options
	Location  *time.Location // zone of the wall-clock times; nil means UTC
	MaxRecord int            // 0 means DefaultMaxRecord
}

// A Scanner assembles records from the physical lines of a log.
type Scanner struct {
	tr        *textdec.Reader
	loc       *time.Location
	maxRecord int

	cur, next Record
	have      bool // next holds a record in progress
	// The last timestamp parsed: consecutive lines mostly share it.
	lastStamp [19]byte
	lastTime  time.Time
	done      bool
	lastSplit bool // the previous physical line was cut (textdec.Split)
	wrap      Wrap // tells lines a console copy cut
}

// NewScanner returns a Scanner reading r. opts may be nil.
func NewScanner(r io.Reader, opts *Options) *Scanner {
	var o Options
	if opts != nil {
		o = *opts
	}
	s := &Scanner{tr: textdec.NewReader(r, &o.Text), loc: o.Location, maxRecord: o.MaxRecord}
	if s.maxRecord <= 0 {
		s.maxRecord = DefaultMaxRecord
	}
	if s.loc == nil {
		s.loc = time.UTC
	}
	return s
}

// Decoder returns the underlying line decoder (for its Encoding and Legacy).
func (s *Scanner) Decoder() *textdec.Reader { return s.tr }

// Record returns the record found by the last call to Scan. It is valid
// until the next call to Scan.
func (s *Scanner) Record() *Record { return &s.cur }

// Err returns the first read error, or nil at a clean end of input.
func (s *Scanner) Err() error { return s.tr.Err() }

// Scan advances to the next record and reports whether there is one.
func (s *Scanner) Scan() bool {
	if s.done {
		return false
	}
	for s.tr.Next() {
		raw := Unquote(s.tr.Line())
		num := s.tr.LineNum()
		cont := s.lastSplit
		s.lastSplit = s.tr.Split()
		if cont && s.have {
			// The rest of a cut physical line.
			s.next.Split = true
			if len(s.next.Text)+len(raw) > s.maxRecord {
				return s.flush(Line{Kind: Text}, raw, num, true)
			}
			s.appendText(raw, false)
			continue
		}
		l := s.parse(raw)
		rest, cut, space := s.wrap.next(trim(raw), s.tr.ASCII()) // for a Text line, rest is its Msg less the indentation
		switch {
		case l.Kind == Text:
			if len(l.Msg) == 0 {
				continue // blank lines separate nothing
			}
		case l.Kind == Stamped && l.Component == "CSI" && !IsCSICounter(l.Msg) &&
			s.have && s.next.Head.Component == "CSI":
			// A long CSI record broken across physical lines: the tail got
			// a timestamp prefix of its own but no counter.
			l = Line{Kind: Text, Msg: l.Msg}
		default:
			if s.have {
				return s.flush(l, l.Msg, num, s.lastSplit)
			}
			s.start(l, l.Msg, num, s.lastSplit)
			continue
		}
		// A continuation line.
		if !s.have {
			s.start(Line{Kind: Text}, l.Msg, num, s.lastSplit)
			continue
		}
		if len(s.next.Text)+len(l.Msg) >= s.maxRecord {
			// Too long: return what we have and go on with a new piece.
			s.next.Split = true
			return s.flush(Line{Kind: Text}, l.Msg, num, true)
		}
		if cut {
			// The rest of a line a console copy cut.
			if space {
				s.appendText([]byte{' '}, false)
			}
			s.appendText(rest, false)
		} else {
			s.appendText(l.Msg, true)
		}
		s.next.Lines++
	}
	s.done = true
	if s.have {
		s.cur, s.next = s.next, s.cur
		s.have = false
		return true
	}
	return false
}

// flush makes the record in progress current and starts a new one with l.
func (s *Scanner) flush(l Line, msg []byte, num int, split bool) bool {
	s.cur, s.next = s.next, s.cur
	s.start(l, msg, num, split)
	return true
}

func (s *Scanner) start(l Line, msg []byte, num int, split bool) {
	l.Msg = nil
	s.next.Line = num
	s.next.Lines = 1
	s.next.Head = l
	s.next.Split = split
	s.next.Text = append(s.next.Text[:0], msg...)
	s.have = true
}

func (s *Scanner) appendText(b []byte, newline bool) {
	if newline {
		s.next.Text = append(s.next.Text, '\n')
	}
	room := s.maxRecord - len(s.next.Text)
	if room < len(b) {
		b = b[:max(room, 0)]
		s.next.Split = true
	}
	s.next.Text = append(s.next.Text, b...)
}

// parse is Parse with a cache of the last timestamp.
func (s *Scanner) parse(raw []byte) Line {
	raw = trim(raw)
	if len(raw) >= 21 && raw[19] == ',' && string(raw[:19]) == string(s.lastStamp[:]) {
		l := Line{Kind: Stamped, Time: s.lastTime}
		parseRest(&l, raw, 21, false)
		return l
	}
	l := Parse(raw, s.loc)
	if l.Kind == Stamped && len(raw) >= 21 && raw[19] == ',' && !l.Time.IsZero() {
		copy(s.lastStamp[:], raw[:19])
		s.lastTime = l.Time
	}
	return l
}
