package logline

import (
	"encoding/binary"
	"unicode/utf8"
)

// A Wrap tells the physical lines of a log that a console or a
// fixed-width page cut: a copy taken from a console window (80 columns,
// 120 in newer consoles) or from a page that wraps at a fixed width cuts
// every longer line at the same width, so the cut lines are the longest
// of the copy and share one length. A Wrap takes 80 and 120 columns as
// cuts from the start, and learns any other width from the lines it is
// shown: a length at least 60 that is the longest seen and that three
// lines have had. Feed it every physical line with Next; the zero value
// is ready to use.
type Wrap struct {
	last, indent  int // runes and leading blanks of the last line
	width, widthN int // the longest line seen, and how many had it
}

// Next records the next physical line (without its terminator, trailing
// blanks trimmed) and reports whether the line before it was cut at the
// console width: then line is its rest, and joins it without a line
// break (after a space when space is set: the cut fell on a blank that
// trimming removed); rest is line without the indentation of the copy (a
// copy indented as a whole indents the rest of a cut line too). Whether
// to join is the caller's: a line that starts a record of its own is not
// a rest.
func (w *Wrap) Next(line []byte) (rest []byte, cut, space bool) {
	return w.next(line, ascii(line))
}

// next is Next for a line known to be all ASCII or not.
func (w *Wrap) next(line []byte, ascii bool) (rest []byte, cut, space bool) {
	cut, space = w.cut()
	rest = line
	if cut || space {
		for i := 0; i < w.indent && len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t'); i++ {
			rest = rest[1:]
		}
	}
	// Lengths leave out the indentation: a copy indented as a whole (a
	// code block) was cut before it was indented.
	text := line
	for len(text) > 0 && (text[0] == ' ' || text[0] == '\t') {
		text = text[1:]
	}
	n := len(text)
	if n >= minWidth-1 && !ascii {
		n = utf8.RuneCount(text)
	}
	w.last = n
	w.indent = len(line) - len(text)
	switch {
	case n > w.width:
		w.width, w.widthN = n, 1
	case n == w.width:
		w.widthN++
	}
	return rest, cut || space, space
}

// cut reports whether the last line was cut at a console width, or one
// character short of it (space).
func (w *Wrap) cut() (cut, space bool) {
	n := w.last
	if n < minWidth-1 {
		return false, false
	}
	learned := w.widthN >= 3 && w.width >= minWidth
	if learned && n == w.width || n == 80 || n == 120 {
		return true, false
	}
	return false, learned && n == w.width-1 || n == 79 || n == 119
}

// Unquote removes the quote markers of a line quoted in a mail or a
// Markdown post ("> ", "> > ", ">>"), with the blanks before them; a
// line without one is returned as it is.
func Unquote(b []byte) []byte {
	i := 0
	for i < len(b) && i < 4 && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	if i == len(b) || b[i] != '>' {
		return b
	}
	for i < len(b) && b[i] == '>' {
		i++
		if i < len(b) && b[i] == ' ' {
			i++
		}
		j := i
		for j < len(b) && j-i < 4 && (b[j] == ' ' || b[j] == '\t') {
			j++
		}
		if j < len(b) && b[j] == '>' {
			i = j
		}
	}
	return b[i:]
}

// minWidth is the narrowest width a Wrap learns. A line shorter than
// minWidth-1 bytes cannot be cut, so its runes need no counting.
const minWidth = 60

// ascii reports whether b is all ASCII, eight bytes at a time: most log
// lines are, and then their length in runes is their length in bytes.
func ascii(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
