package evtx

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

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
//
// It has its own small tokenizer rather than encoding/xml, because exports
// come from strangers: encoding/xml keeps a whole text, attribute or
// comment in memory however long it is, and a run of millions of open
// elements costs a stack frame each in the builder. Here every token is
// cut at Limits.MaxToken, nesting at Limits.MaxDepth and one event at
// Limits.MaxEventBytes; an event that passes a limit is skipped with a
// *RecordError naming its offset, counting only its depth, and reading
// goes on after it. The tokenizer is lenient like a browser: unescaped &
// and <, missing end tags, unquoted attribute values and unknown entities
// are read as well as they can be.
type xmlSource struct {
	r    *bufio.Reader
	off  int64 // offset in the decoded text of the next byte of r
	lim  limits
	b    builder
	in   bool  // inside an Event
	at   int64 // offset where the current Event started
	done bool

	// skip is why the current event is being skipped (nil when it is
	// not); depth counts its open elements meanwhile.
	skip  error
	depth int

	tok   []byte            // the token being read, raw, at most lim.token bytes
	dec   []byte            // tok with entities decoded
	long  bool              // the token was longer than lim.token
	names map[string]string // interned element and attribute names
}

func newXMLSource(r io.Reader, lim limits) *xmlSource {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	s := &xmlSource{r: br, lim: lim, names: map[string]string{}}
	s.b.keepNames = true
	return s
}

// xmlBatch is how many events fill returns at most per call.
const xmlBatch = 256

// xmlWork is how many input bytes fill reads at most per call, so that the
// Reader can check its context between calls even inside one huge event.
const xmlWork = 4 << 20

func (s *xmlSource) fill(out []item) ([]item, error) {
	if s.done {
		return out, io.EOF
	}
	n := 0
	stop := s.off + xmlWork
	for n < xmlBatch && s.off < stop {
		before := len(out)
		var err error
		out, err = s.step(out)
		n += len(out) - before
		if err != nil {
			s.done = true
			if err == io.EOF {
				switch {
				case s.in && s.skip != nil:
					out = append(out, item{err: &RecordError{Offset: s.at, Err: s.skip}})
				case s.in:
					out = append(out, item{err: &RecordError{Offset: s.at, Err: errf(ErrTruncated, "XML ends inside an event")}})
				}
				s.in = false
				return out, io.EOF
			}
			return out, err
		}
	}
	return out, nil
}

// step reads one token and feeds it to the builder.
func (s *xmlSource) step(out []item) ([]item, error) {
	if s.in && s.skip == nil && s.off-s.at > int64(s.lim.eventBytes) {
		s.skipEvent(errf(ErrCorrupt, "event larger than %d bytes; skipped", s.lim.eventBytes))
	}
	if s.in && s.skip == nil {
		text, err := s.readText(true)
		if s.long && s.b.wantText() {
			s.skipEvent(errf(ErrCorrupt, "text longer than %d bytes; event skipped", s.lim.token))
		} else if len(text) > 0 {
			s.b.textBytes(text)
			s.checkBuilder()
		}
		if err != nil {
			return out, err
		}
	} else if _, err := s.readText(false); err != nil {
		return out, err
	}
	// At '<' (consumed by readText).
	at := s.off - 1
	c, err := s.r.ReadByte()
	if err != nil {
		return out, err
	}
	s.off++
	switch {
	case c == '/':
		_, name, err := s.readQName()
		if err != nil {
			return out, err
		}
		if err := s.skipTo('>'); err != nil {
			return out, err
		}
		return s.endTag(out, name), nil
	case c == '?':
		return out, s.skipPast("?>")
	case c == '!':
		return s.bang(out)
	case !isNameStart(c):
		// A stray '<': text, like a browser reads it.
		if s.in && s.skip == nil {
			s.b.text("<")
		}
		s.r.UnreadByte()
		s.off--
		return out, nil
	}
	s.r.UnreadByte()
	s.off--
	return s.startElement(out, at)
}

// startElement reads a start tag (after its '<') with its attributes.
func (s *xmlSource) startElement(out []item, at int64) ([]item, error) {
	_, local, err := s.readQName()
	if err != nil {
		return out, err
	}
	if s.long {
		if s.in {
			s.skipEvent(errf(ErrCorrupt, "element name longer than %d bytes; event skipped", s.lim.token))
		}
	}
	feeding := false
	switch {
	case !s.in:
		if local != "Event" {
			return out, s.skipTag()
		}
		s.in, s.at, s.skip, s.depth = true, at, nil, 0
		s.b.reset()
		feeding = true
	case s.skip != nil:
		if local == "Event" && s.off-s.at > int64(s.lim.eventBytes) {
			// An event that never ended: take this one as the next.
			out = s.endSkip(out)
			s.in, s.at, s.skip, s.depth = true, at, nil, 0
			s.b.reset()
			feeding = true
		} else {
			s.depth++
		}
	case len(s.b.stack) >= s.lim.depth:
		s.skipEvent(errf(ErrCorrupt, "elements nested deeper than %d; event skipped", s.lim.depth))
		s.depth++
	default:
		feeding = true
	}
	if feeding {
		s.b.start(local, classify(local))
		if s.checkBuilder() {
			feeding = false
		}
	}
	for {
		c, err := s.skipSpace()
		if err != nil {
			return out, err
		}
		switch c {
		case '>':
			if feeding {
				s.b.closeStart()
			}
			return out, nil
		case '/':
			c, err := s.r.ReadByte()
			if err != nil {
				return out, err
			}
			s.off++
			if c != '>' {
				s.r.UnreadByte()
				s.off--
				continue
			}
			if feeding {
				s.b.closeStart()
			}
			return s.endElement(out), nil
		}
		s.r.UnreadByte()
		s.off--
		space, name, err := s.readQName()
		if err != nil {
			return out, err
		}
		if name == "" {
			// Not a name character: drop it.
			s.r.ReadByte()
			s.off++
			continue
		}
		if s.long && feeding {
			s.skipEvent(errf(ErrCorrupt, "attribute name longer than %d bytes; event skipped", s.lim.token))
			feeding = false
		}
		value, err := s.readAttrValue(feeding && space != "xmlns")
		if err != nil {
			return out, err
		}
		if s.long && feeding {
			s.skipEvent(errf(ErrCorrupt, "attribute value longer than %d bytes; event skipped", s.lim.token))
			feeding = false
		}
		if feeding && space != "xmlns" {
			s.b.attrStart(classify(name))
			s.b.textBytes(value)
			if s.checkBuilder() {
				feeding = false
			}
		}
		if feeding && s.off-s.at > int64(s.lim.eventBytes) {
			s.skipEvent(errf(ErrCorrupt, "event larger than %d bytes; skipped", s.lim.eventBytes))
			feeding = false
		}
	}
}

// endTag closes the element named by an end tag, and the elements left
// open inside it; an end tag that matches no open element is ignored, as
// a browser does. While an event is skipped only depth is counted.
func (s *xmlSource) endTag(out []item, name string) []item {
	if !s.in || s.skip != nil {
		return s.endElement(out)
	}
	st := s.b.stack
	i := len(st) - 1
	for i >= 0 && s.b.str(st[i].name) != name {
		i--
	}
	if i < 0 {
		return out
	}
	for n := len(st) - i; n > 0 && s.in && s.skip == nil; n-- {
		out = s.endElement(out)
	}
	return out
}

// endElement closes the innermost open element of the current event.
func (s *xmlSource) endElement(out []item) []item {
	if !s.in {
		return out
	}
	if s.skip != nil {
		s.depth--
		if s.depth <= 0 {
			out = s.endSkip(out)
		}
		return out
	}
	s.b.end()
	if s.checkBuilder() {
		if s.depth <= 0 {
			out = s.endSkip(out)
		}
		return out
	}
	if len(s.b.stack) > 0 {
		return out
	}
	s.in = false
	if s.b.err != nil {
		return append(out, item{err: &RecordError{Offset: s.at, Err: s.b.err}})
	}
	ev := s.b.finish()
	if !s.b.recID {
		ev.RecordID = 0
	}
	ev.Offset = s.at
	ev.Source = XML
	return append(out, item{ev: ev})
}

// checkBuilder skips the current event when the builder found it bad (too
// much text or too many fields), and reports whether it did.
func (s *xmlSource) checkBuilder() bool {
	if s.b.err == nil {
		return false
	}
	s.skipEvent(s.b.err)
	return true
}

// skipEvent stops building the current event: what is left of it is only
// counted, and the event is reported with err when it ends.
func (s *xmlSource) skipEvent(err error) {
	if s.skip != nil {
		return
	}
	s.skip = err
	s.depth = len(s.b.stack)
	s.b.reset()
	s.b.shrink()
}

func (s *xmlSource) endSkip(out []item) []item {
	err := s.skip
	s.in, s.skip, s.depth = false, nil, 0
	return append(out, item{err: &RecordError{Offset: s.at, Err: err}})
}

// bang reads what follows "<!": a comment, CDATA section or declaration.
func (s *xmlSource) bang(out []item) ([]item, error) {
	head, _ := s.r.Peek(7)
	switch {
	case bytes.HasPrefix(head, []byte("--")):
		s.r.Discard(2)
		s.off += 2
		return out, s.skipPast("-->")
	case bytes.HasPrefix(head, []byte("[CDATA[")):
		s.r.Discard(7)
		s.off += 7
		keep := s.in && s.skip == nil
		s.tok, s.long = s.tok[:0], false
		err := s.readUntil("]]>", keep)
		if keep {
			s.b.textBytes(s.tok)
			if s.long {
				s.skipEvent(errf(ErrCorrupt, "CDATA longer than %d bytes; event skipped", s.lim.token))
			}
		}
		return out, err
	}
	// <!DOCTYPE ...> and the like, with a possible [internal subset].
	depth := 1
	for depth > 0 {
		c, err := s.r.ReadByte()
		if err != nil {
			return out, err
		}
		s.off++
		switch c {
		case '<':
			depth++
		case '>':
			depth--
		}
	}
	return out, nil
}

// readText reads character data up to and including the next '<'. When
// keep is set it returns the text with entities decoded, at most
// lim.token bytes of it (s.long tells that there was more).
func (s *xmlSource) readText(keep bool) ([]byte, error) {
	s.tok, s.long = s.tok[:0], false
	for {
		chunk, err := s.r.ReadSlice('<')
		s.off += int64(len(chunk))
		if keep {
			body := chunk
			if err == nil {
				body = chunk[:len(chunk)-1]
			}
			s.keep(body)
		}
		switch err {
		case nil:
			if !keep {
				return nil, nil
			}
			return s.decode(s.tok), nil
		case bufio.ErrBufferFull:
			continue
		}
		if keep {
			return s.decode(s.tok), err
		}
		return nil, err
	}
}

// keep appends p to the token, up to the limit.
func (s *xmlSource) keep(p []byte) {
	var cut bool
	s.tok, cut = appendCapped(s.tok, p, s.lim.token)
	s.long = s.long || cut
}

// readUntil reads up to and past end, keeping what comes before it in
// s.tok when keep is set. Comments, CDATA and processing instructions are
// rare in exports, so it goes a byte at a time.
func (s *xmlSource) readUntil(end string, keep bool) error {
	var win [3]byte // the last bytes read, newest last; len(end) <= 3
	n := len(end)
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return err
		}
		s.off++
		copy(win[:], win[1:])
		win[2] = c
		if string(win[3-n:]) == end {
			if keep {
				s.tok = s.tok[:max(len(s.tok)-(n-1), 0)]
			}
			return nil
		}
		if keep {
			s.keep([]byte{c})
		}
	}
}

func (s *xmlSource) skipPast(end string) error { return s.readUntil(end, false) }

// skipTo reads up to and past the byte c.
func (s *xmlSource) skipTo(c byte) error {
	for {
		chunk, err := s.r.ReadSlice(c)
		s.off += int64(len(chunk))
		if err != bufio.ErrBufferFull {
			return err
		}
	}
}

// skipTag reads the rest of a start tag that is not kept: up to the '>'
// that is not inside a quoted value.
func (s *xmlSource) skipTag() error {
	var quote byte
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return err
		}
		s.off++
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return nil
		}
	}
}

// skipSpace skips white space and returns the next byte, unread.
func (s *xmlSource) skipSpace() (byte, error) {
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return 0, err
		}
		s.off++
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return c, nil
		}
	}
}

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || c >= 0x80
}

func isNameByte(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '>', '/', '=', '<', '"', '\'':
		return false
	}
	return true
}

// maxNames bounds the interned names: an export uses a few dozen, and a
// hostile one must not grow the table without end.
const maxNames = 4096

// readQName reads a name such as "xmlns:x" and returns its prefix and
// local part. A name longer than the token limit sets s.long.
func (s *xmlSource) readQName() (space, local string, err error) {
	s.tok, s.long = s.tok[:0], false
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return "", "", err
		}
		s.off++
		if !isNameByte(c) {
			s.r.UnreadByte()
			s.off--
			break
		}
		if len(s.tok) < s.lim.token {
			s.tok = append(s.tok, c)
		} else {
			s.long = true
		}
	}
	name := s.tok
	if i := bytes.LastIndexByte(name, ':'); i >= 0 {
		return s.intern(name[:i]), s.intern(name[i+1:]), nil
	}
	return "", s.intern(name), nil
}

func (s *xmlSource) intern(b []byte) string {
	if v, ok := s.names[string(b)]; ok {
		return v
	}
	v := string(b)
	if len(s.names) < maxNames && len(b) <= 256 {
		s.names[v] = v
	}
	return v
}

// readAttrValue reads "= value" after an attribute name: quoted, or
// unquoted up to white space or the end of the tag. An attribute without
// a value has an empty one. The value is decoded when keep is set.
func (s *xmlSource) readAttrValue(keep bool) ([]byte, error) {
	s.tok, s.long = s.tok[:0], false
	c, err := s.skipSpace()
	if err != nil {
		return nil, err
	}
	if c != '=' {
		s.r.UnreadByte()
		s.off--
		return nil, nil
	}
	c, err = s.skipSpace()
	if err != nil {
		return nil, err
	}
	if c != '"' && c != '\'' {
		s.r.UnreadByte()
		s.off--
		for {
			c, err := s.r.ReadByte()
			if err != nil {
				return nil, err
			}
			s.off++
			if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '>' {
				s.r.UnreadByte()
				s.off--
				break
			}
			if keep {
				s.keep([]byte{c})
			}
		}
	} else {
		for {
			chunk, err := s.r.ReadSlice(c)
			s.off += int64(len(chunk))
			if keep {
				body := chunk
				if err == nil {
					body = chunk[:len(chunk)-1]
				}
				s.keep(body)
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil {
				return nil, err
			}
			break
		}
	}
	if !keep {
		return nil, nil
	}
	return s.decode(s.tok), nil
}

// decode replaces entity and character references in p and normalizes
// line ends to \n, as an XML parser does. Unknown or malformed references
// are kept as written.
func (s *xmlSource) decode(p []byte) []byte {
	if bytes.IndexByte(p, '&') < 0 && bytes.IndexByte(p, '\r') < 0 {
		return p
	}
	d := s.dec[:0]
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch c {
		case '\r':
			d = append(d, '\n')
			if i+1 < len(p) && p[i+1] == '\n' {
				i++
			}
			continue
		case '&':
			j := bytes.IndexByte(p[i:min(len(p), i+12)], ';')
			if j > 1 {
				if r, ok := entity(p[i+1 : i+j]); ok {
					d = utf8.AppendRune(d, r)
					i += j
					continue
				}
			}
		}
		d = append(d, c)
	}
	s.dec = d
	return d
}

// entity returns the character named by an entity or character reference
// (the part between & and ;).
func entity(name []byte) (rune, bool) {
	switch string(name) {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "quot":
		return '"', true
	case "apos":
		return '\'', true
	}
	if len(name) < 2 || name[0] != '#' {
		return 0, false
	}
	base, digits := 10, name[1:]
	if digits[0] == 'x' || digits[0] == 'X' {
		base, digits = 16, digits[1:]
	}
	v, err := strconv.ParseUint(string(digits), base, 32)
	if err != nil || v > utf8.MaxRune {
		return 0, false
	}
	return rune(v), true
}
