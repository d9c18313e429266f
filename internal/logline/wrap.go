package logline

import (
	"bytes"
	"unicode/utf8"
)

// A Wrap tells the physical lines of a log that a console or a
// fixed-width page cut: a copy taken from a console window (80 columns,
// 120 in newer consoles) or from a page that wraps at a fixed width cuts
// every longer line at the same width, so the cut lines are the longest
// of the copy and share one length. A Wrap learns that width from the
// lines it is shown: a length at least 60 that is the longest seen and
// that three lines have had. Feed it every physical line with Next.
type Wrap struct {
	// Consoles takes the usual console widths, 80 and 120 columns, as
	// cuts before any width is learned.
	Consoles bool

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
	cut, space = w.cut()
	rest = line
	if cut || space {
		for i := 0; i < w.indent && len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t'); i++ {
			rest = rest[1:]
		}
	}
	// Lengths leave out the indentation: a copy indented as a whole (a
	// code block) was cut before it was indented.
	text := bytes.TrimLeft(line, " \t")
	n := utf8.RuneCount(text)
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
	learned := 0
	if w.widthN >= 3 && w.width >= 60 {
		learned = w.width
	}
	widths := [3]int{learned}
	if w.Consoles {
		widths[1], widths[2] = 80, 120
	}
	for _, width := range widths {
		if width == 0 {
			continue
		}
		switch w.last {
		case width:
			return true, false
		case width - 1:
			space = true
		}
	}
	return false, space
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
