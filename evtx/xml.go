package evtx

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"unicode/utf16"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// decodeText returns r as UTF-8: UTF-16 with a byte order mark (what
// PowerShell redirection writes) or little-endian UTF-16 without one is
// transcoded, a UTF-8 BOM is dropped.
func decodeText(r io.Reader) io.Reader {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return transform.NewReader(br, unicode.BOMOverride(unicode.UTF8.NewDecoder()))
	case len(head) >= 4 && head[0] != 0 && head[1] == 0 && head[3] == 0:
		return transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder())
	case bytes.HasPrefix(head, []byte{0xef, 0xbb, 0xbf}):
		br.Discard(3)
	}
	return br
}

// headText converts the first bytes of a file to UTF-8 for sniffing.
func headText(b []byte) []byte {
	le16 := false
	switch {
	case bytes.HasPrefix(b, []byte{0xff, 0xfe}):
		b, le16 = b[2:], true
	case bytes.HasPrefix(b, []byte{0xfe, 0xff}):
		b = b[2:]
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		}
		return []byte(string(utf16.Decode(u)))
	case len(b) >= 4 && b[0] != 0 && b[1] == 0 && b[3] == 0:
		le16 = true
	case bytes.HasPrefix(b, []byte{0xef, 0xbb, 0xbf}):
		return b[3:]
	}
	if le16 {
		return appendUTF16(nil, b)
	}
	return b
}

// xmlSource reads exported XML: wevtutil qe /f:xml output (a run of <Event>
// elements with no root), Event Viewer "Save as XML" (an <Events> root) or
// Get-WinEvent ToXml() output. Every element named Event outside another
// Event is one event.
type xmlSource struct {
	dec  *xml.Decoder
	b    builder
	in   bool  // inside an Event
	at   int64 // offset where the current Event started
	done bool
}

func newXMLSource(r io.Reader) source {
	d := xml.NewDecoder(decodeText(r))
	d.Strict = false // tolerate unescaped & and missing end tags
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	return &xmlSource{dec: d}
}

// xmlBatch is how many events fill returns at most per call.
const xmlBatch = 256

func (s *xmlSource) fill(out []item) ([]item, error) {
	if s.done {
		return out, io.EOF
	}
	n := 0
	for n < xmlBatch {
		off := s.dec.InputOffset()
		tok, err := s.dec.RawToken()
		if err != nil {
			s.done = true
			if err == io.EOF {
				if s.in {
					out = append(out, item{err: &RecordError{Offset: s.at, Err: errf(ErrTruncated, "XML ends inside an event")}})
				}
				return out, io.EOF
			}
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				out = append(out, item{err: &RecordError{Offset: off, Err: errf(ErrCorrupt, "XML: %v; reading stops here", err)}})
				return out, io.EOF
			}
			return out, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !s.in {
				if t.Name.Local != "Event" {
					continue
				}
				s.in = true
				s.at = off
				s.b.reset()
			}
			s.b.start(t.Name.Local, classify(t.Name.Local))
			for _, a := range t.Attr {
				k := classify(a.Name.Local)
				if a.Name.Space == "xmlns" {
					continue // prefixed namespace declarations
				}
				s.b.attrStart(k)
				s.b.text(a.Value)
			}
			s.b.closeStart()
		case xml.EndElement:
			if !s.in {
				continue
			}
			s.b.end()
			if len(s.b.stack) == 0 {
				s.in = false
				if s.b.err != nil {
					out = append(out, item{err: &RecordError{Offset: s.at, Err: s.b.err}})
					continue
				}
				ev := s.b.finish()
				if !s.b.recID {
					ev.RecordID = 0
				}
				ev.Offset = s.at
				ev.Source = XML
				out = append(out, item{ev: ev})
				n++
			}
		case xml.CharData:
			if s.in {
				s.b.text(string(t))
			}
		}
	}
	return out, nil
}
