package render

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Visible returns s with every control character made visible, so that
// text taken from logs cannot drive the terminal it is printed on (OSC 52
// writing the clipboard, screen clears, title changes, cursor moves):
// C0 controls and DEL in caret notation (ESC is "^[", CR "^M", DEL "^?"),
// C1 controls (U+0080–U+009F) as "<U+009B>", and bytes that are not
// UTF-8 as "\xff". Tab and newline are kept: they are layout, and every
// text format places its own. It is the one rule of every text output
// (analyze text and table, events table, summary, codes); VisibleWriter
// applies it to a stream.
func Visible(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	writeVisible(&b, s)
	return b.String()
}

// needsEscape reports whether Visible would change s.
func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' && c != '\n' || c >= 0x7f {
			// Bytes from 0x80 are fine when they spell printable runes.
			if c < 0x80 {
				return true
			}
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 || r >= 0x80 && r < 0xa0 {
				return true
			}
			i += n - 1
		}
	}
	return false
}

func writeVisible(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(b, `\x%02x`, s[i])
		case r == '\t' || r == '\n':
			b.WriteRune(r)
		case r < 0x20:
			b.WriteByte('^')
			b.WriteByte(byte(r) + '@')
		case r == 0x7f:
			b.WriteString("^?")
		case r >= 0x80 && r < 0xa0:
			fmt.Fprintf(b, "<U+%04X>", r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
}

// A VisibleWriter passes what is written to it on with Visible applied.
// A character split across two writes is held until the second; Flush
// passes on what is held at the end (as \x escapes, being incomplete).
type VisibleWriter struct {
	w       io.Writer
	pending []byte // the start of a UTF-8 sequence cut by the last write
	err     error
}

// NewVisibleWriter returns a VisibleWriter writing to w.
func NewVisibleWriter(w io.Writer) *VisibleWriter { return &VisibleWriter{w: w} }

// Write writes p with its control characters made visible. It reports
// len(p) on success: what reaches w is longer.
func (v *VisibleWriter) Write(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	buf := p
	if len(v.pending) > 0 {
		buf = append(v.pending, p...)
		v.pending = nil
	}
	// Hold back an incomplete sequence at the end.
	cut := len(buf)
	for k := 1; k <= utf8.UTFMax-1 && k <= len(buf); k++ {
		if c := buf[len(buf)-k]; c >= 0xc0 { // a leading byte
			if !utf8.FullRune(buf[len(buf)-k:]) {
				cut = len(buf) - k
			}
			break
		} else if c < 0x80 {
			break
		}
	}
	v.pending = append([]byte(nil), buf[cut:]...)
	if _, err := io.WriteString(v.w, Visible(string(buf[:cut]))); err != nil {
		v.err = err
		return 0, err
	}
	return len(p), nil
}

// Flush writes what a last write left held.
func (v *VisibleWriter) Flush() error {
	if v.err != nil || len(v.pending) == 0 {
		return v.err
	}
	_, v.err = io.WriteString(v.w, Visible(string(v.pending)))
	v.pending = nil
	return v.err
}
