// Package textdec reads Windows text logs as UTF-8 lines, whatever the
// encoding they were written or copied in.
//
// Windows writes CBS.log, dism.log and setupact.log as UTF-8 with a BOM and
// CRLF line ends; MpCmdRun.log is UTF-16LE; copies made with PowerShell
// redirection are UTF-16LE too; paths and product names inside an otherwise
// English log are in the system's ANSI code page (CP932 on Japanese
// machines); and copies that went through git, a ticket or a chat lose the
// BOM, change CRLF into LF, or keep stray bare CRs. A Reader hides all of
// that behind one loop:
//
//	r := textdec.NewReader(f, nil)
//	for r.Next() {
//		line := r.Line() // UTF-8, no line terminator
//	}
//	if err := r.Err(); err != nil { ... }
//
// # Encoding detection
//
// In order:
//
//  1. A byte-order mark: EF BB BF (UTF-8), FF FE (UTF-16LE), FE FF (UTF-16BE).
//  2. UTF-16 without a BOM: in the first 4 KiB, most byte pairs have exactly
//     one NUL byte, at the odd (LE) or the even (BE) offset.
//  3. Otherwise the text is read as UTF-8. Each line that is not valid UTF-8
//     is decoded with a legacy code page instead. The code page is chosen once
//     per file, at the first such line, as the first of Options.Legacy that
//     decodes that line without an invalid sequence; the default order is
//     CP932 (Shift-JIS, for Japanese support desks), GBK (CP936), CP1251, and
//     CP1252 as the last resort (it accepts any byte). Valid UTF-8 lines are
//     never re-decoded, so a UTF-8 log with one CP932 path stays intact.
//
// Options.Encoding skips detection.
//
// # Lines
//
// CRLF, LF and a bare CR all end a line. A line longer than
// Options.MaxLine (1 MiB by default) is returned in pieces of at most
// MaxLine bytes, cut on a UTF-8 boundary; each piece but the last reports
// Split() == true. Memory stays bounded by MaxLine plus the read buffer.
package textdec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// DefaultMaxLine is the longest line returned in one piece.
const DefaultMaxLine = 1 << 20

// DefaultLegacy is the order in which legacy code pages are tried for lines
// that are not valid UTF-8.
var DefaultLegacy = []string{"cp932", "gbk", "cp1251", "cp1252"}

// Options adjust a Reader. The zero value (or nil) is the default.
type Options struct {
	// Encoding forces the encoding instead of detecting it: one of the
	// names accepted by LookupEncoding ("utf-8", "utf-16le", "utf-16be",
	// "cp932", ...).
	Encoding string
	// Legacy is the order of code pages tried for lines that are not
	// valid UTF-8. Nil means DefaultLegacy.
	Legacy []string
	// MaxLine is the longest line returned in one piece; 0 means
	// DefaultMaxLine.
	MaxLine int
}

// names maps every accepted encoding name to its decoder. UTF-8 maps to nil.
var names = map[string]encoding.Encoding{
	"utf-8":        nil,
	"utf8":         nil,
	"utf-16le":     unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM),
	"utf-16be":     unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM),
	"cp932":        japanese.ShiftJIS,
	"shift-jis":    japanese.ShiftJIS,
	"shift_jis":    japanese.ShiftJIS,
	"sjis":         japanese.ShiftJIS,
	"gbk":          simplifiedchinese.GBK,
	"cp936":        simplifiedchinese.GBK,
	"gb18030":      simplifiedchinese.GB18030,
	"cp1251":       charmap.Windows1251,
	"windows-1251": charmap.Windows1251,
	"cp1252":       charmap.Windows1252,
	"windows-1252": charmap.Windows1252,
	"cp1250":       charmap.Windows1250,
	"cp866":        charmap.CodePage866,
}

// ErrUnknownEncoding is returned (wrapped) for an encoding name that is not supported.
var ErrUnknownEncoding = errors.New("unknown encoding")

// LookupEncoding reports whether name is a supported encoding name.
func LookupEncoding(name string) error {
	if _, ok := names[strings.ToLower(name)]; !ok {
		return fmt.Errorf("textdec: %w %q", ErrUnknownEncoding, name)
	}
	return nil
}

// A Reader returns the lines of a text log as UTF-8.
type Reader struct {
	src     io.Reader
	opts    Options
	maxLine int

	buf        []byte // read buffer; data is buf[start:end]
	start, end int
	eof        bool
	err        error

	line     []byte
	lineNum  int
	ascii    bool // line is all ASCII
	split    bool
	sniffed  bool
	encName  string
	legacy   *encoding.Decoder // chosen legacy decoder, or nil
	legacyNm string
	scratch  []byte
}

// NewReader returns a Reader that decodes src. opts may be nil.
func NewReader(src io.Reader, opts *Options) *Reader {
	r := &Reader{src: src}
	if opts != nil {
		r.opts = *opts
	}
	r.maxLine = r.opts.MaxLine
	if r.maxLine <= 0 {
		r.maxLine = DefaultMaxLine
	}
	if r.maxLine < 4 {
		r.maxLine = 4
	}
	if r.opts.Legacy == nil {
		r.opts.Legacy = DefaultLegacy
	}
	return r
}

// Encoding names the encoding in use: "utf-8", "utf-8-bom", "utf-16le",
// "utf-16be", or a forced name. Lines decoded with a legacy code page are
// reported by Legacy. Encoding is known after the first call to Next.
func (r *Reader) Encoding() string { return r.encName }

// Legacy names the legacy code page chosen for lines that were not valid
// UTF-8, or "" when every line so far was valid UTF-8.
func (r *Reader) Legacy() string { return r.legacyNm }

// Line returns the current line as UTF-8 without its terminator. The slice
// is valid until the next call to Next.
func (r *Reader) Line() []byte { return r.line }

// ASCII reports whether the current line is all ASCII, as most log lines
// are (its length in bytes is then its length in characters). It is
// found while the line is checked for UTF-8, at no extra cost.
func (r *Reader) ASCII() bool { return r.ascii }

// LineNum returns the 1-based physical line number of the current line.
// The pieces of a split line share one number.
func (r *Reader) LineNum() int { return r.lineNum }

// Split reports whether the current line was cut because it is longer
// than MaxLine; the rest follows in the next line(s).
func (r *Reader) Split() bool { return r.split }

// Err returns the first read error, or nil at a clean end of input.
func (r *Reader) Err() error { return r.err }

const readSize = 256 << 10

// Next advances to the next line. It returns false at the end of the input
// or on a read error.
func (r *Reader) Next() bool {
	if !r.sniffed {
		r.sniffed = true
		if err := r.sniff(); err != nil {
			r.err = err
			return false
		}
	}
	wasSplit := r.split
	for {
		data := r.buf[r.start:r.end]
		if i := bytes.IndexByte(data, '\n'); i >= 0 && i <= r.maxLine {
			line := data[:i]
			next := i + 1
			if j := bytes.IndexByte(line, '\r'); j >= 0 {
				if j == len(line)-1 {
					line = line[:j] // CRLF
				} else {
					line, next = line[:j], j+1 // bare CR
				}
			}
			return r.emit(line, next, false, wasSplit)
		}
		// No LF within reach: a bare CR may still end the line.
		limit := min(len(data), r.maxLine)
		if j := bytes.IndexByte(data[:limit], '\r'); j >= 0 && (j+1 < len(data) || r.eof) {
			next := j + 1
			if j+1 < len(data) && data[j+1] == '\n' {
				next++
			}
			return r.emit(data[:j], next, false, wasSplit)
		}
		if len(data) >= r.maxLine {
			cut := utf8Cut(data[:r.maxLine])
			return r.emit(data[:cut], cut, true, wasSplit)
		}
		if r.eof {
			if len(data) == 0 {
				r.line = nil
				return false
			}
			return r.emit(data, len(data), false, wasSplit)
		}
		r.fill()
	}
}

// emit sets the current line and consumes n bytes of the buffer.
func (r *Reader) emit(line []byte, n int, split, prevSplit bool) bool {
	r.start += n
	if !prevSplit {
		r.lineNum++
	}
	r.split = split
	r.line = r.decodeLine(line)
	return true
}

// utf8Cut returns a length ≤ len(b) that does not cut a UTF-8 sequence.
func utf8Cut(b []byte) int {
	n := len(b)
	for i := n - 1; i >= 0 && i >= n-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:n]) {
				return max(i, 1)
			}
			break
		}
	}
	return n
}

// fill reads more input, compacting or growing the buffer.
func (r *Reader) fill() {
	if r.start > 0 {
		n := copy(r.buf, r.buf[r.start:r.end])
		r.start, r.end = 0, n
	}
	if r.end == len(r.buf) {
		size := max(2*len(r.buf), readSize)
		nb := make([]byte, size)
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	n, err := r.src.Read(r.buf[r.end:])
	r.end += n
	if err != nil {
		r.eof = true
		if err != io.EOF {
			r.err = err
		}
	}
	if n == 0 && err == nil {
		// A reader that returns nothing repeatedly would hang us; treat a
		// run of empty reads as the end of the input.
		for tries := 0; tries < 100 && n == 0 && err == nil; tries++ {
			n, err = r.src.Read(r.buf[r.end:])
		}
		r.end += n
		if n == 0 {
			r.eof = true
			if err != nil && err != io.EOF {
				r.err = err
			} else if err == nil {
				r.err = io.ErrNoProgress
			}
		}
	}
}

// sniff reads the first bytes, detects the encoding and, for UTF-16,
// replaces the source with a decoding reader.
func (r *Reader) sniff() error {
	r.buf = make([]byte, readSize)
	for r.end < 4096 && !r.eof {
		r.fill()
	}
	if r.err != nil && r.end == 0 {
		return r.err
	}
	head := r.buf[:r.end]
	if name := strings.ToLower(r.opts.Encoding); name != "" {
		enc, ok := names[name]
		if !ok {
			return fmt.Errorf("textdec: %w %q", ErrUnknownEncoding, r.opts.Encoding)
		}
		r.encName = name
		switch {
		case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")) && enc == nil:
			r.start = 3
		case enc != nil && strings.HasPrefix(name, "utf-16"):
			r.wrapUTF16(enc)
		case enc != nil:
			r.opts.Legacy = []string{name}
		}
		return nil
	}
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		r.encName = "utf-8-bom"
		r.start = 3
	case bytes.HasPrefix(head, []byte("\xFF\xFE")):
		r.encName = "utf-16le"
		r.start = 2
		r.wrapUTF16(names["utf-16le"])
	case bytes.HasPrefix(head, []byte("\xFE\xFF")):
		r.encName = "utf-16be"
		r.start = 2
		r.wrapUTF16(names["utf-16be"])
	default:
		switch utf16Guess(head) {
		case 1:
			r.encName = "utf-16le"
			r.wrapUTF16(names["utf-16le"])
		case 2:
			r.encName = "utf-16be"
			r.wrapUTF16(names["utf-16be"])
		default:
			r.encName = "utf-8"
		}
	}
	return nil
}

// utf16Guess returns 1 for UTF-16LE, 2 for UTF-16BE, 0 for neither: most
// byte pairs must hold exactly one NUL, on the same side.
func utf16Guess(b []byte) int {
	b = b[:len(b)&^1]
	if len(b) < 8 {
		return 0
	}
	var le, be int
	for i := 0; i+1 < len(b); i += 2 {
		switch {
		case b[i] != 0 && b[i+1] == 0:
			le++
		case b[i] == 0 && b[i+1] != 0:
			be++
		}
	}
	pairs := len(b) / 2
	switch {
	case le*4 >= pairs*3 && be*8 < pairs:
		return 1
	case be*4 >= pairs*3 && le*8 < pairs:
		return 2
	}
	return 0
}

// wrapUTF16 replaces the source by a UTF-8 stream decoded from the bytes
// already buffered followed by the rest of the source.
func (r *Reader) wrapUTF16(enc encoding.Encoding) {
	rest := append([]byte(nil), r.buf[r.start:r.end]...)
	src := io.MultiReader(bytes.NewReader(rest), r.src)
	if r.eof {
		src = bytes.NewReader(rest)
	}
	r.src = transform.NewReader(src, enc.NewDecoder())
	r.start, r.end, r.eof = 0, 0, false
	if r.err != nil && len(rest) > 0 {
		r.err = nil // the error is met again when the rest is read
	}
}

// decodeLine returns line as UTF-8, decoding it with the legacy code page
// when it is not valid UTF-8.
func (r *Reader) decodeLine(line []byte) []byte {
	var valid bool
	if r.ascii, valid = checkUTF8(line); valid {
		return line
	}
	if r.legacy == nil {
		r.chooseLegacy(line)
	}
	if r.legacy == nil {
		return bytes.ToValidUTF8(line, []byte("\uFFFD"))
	}
	out, err := r.legacy.Bytes(line)
	if err != nil {
		return bytes.ToValidUTF8(line, []byte("\uFFFD"))
	}
	r.scratch = append(r.scratch[:0], out...)
	return r.scratch
}

// chooseLegacy picks the first legacy code page that decodes line cleanly.
func (r *Reader) chooseLegacy(line []byte) {
	var fallback *encoding.Decoder
	var fallbackName string
	for _, name := range r.opts.Legacy {
		enc, ok := names[strings.ToLower(name)]
		if !ok || enc == nil {
			continue
		}
		dec := enc.NewDecoder()
		if fallback == nil {
			fallback, fallbackName = enc.NewDecoder(), name
		}
		out, err := dec.Bytes(line)
		if err == nil && !bytes.ContainsRune(out, utf8.RuneError) {
			r.legacy, r.legacyNm = enc.NewDecoder(), strings.ToLower(name)
			return
		}
	}
	r.legacy, r.legacyNm = fallback, strings.ToLower(fallbackName)
}

// checkUTF8 reports whether line is all ASCII, and whether it is valid
// UTF-8, looking at eight bytes at a time while they are ASCII.
func checkUTF8(line []byte) (ascii, valid bool) {
	p := line
	for len(p) >= 16 {
		if (binary.LittleEndian.Uint64(p)|binary.LittleEndian.Uint64(p[8:]))&0x8080808080808080 != 0 {
			return false, utf8.Valid(p)
		}
		p = p[16:]
	}
	for _, c := range p {
		if c >= utf8.RuneSelf {
			return false, utf8.Valid(p)
		}
	}
	return true, true
}
