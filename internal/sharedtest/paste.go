package sharedtest

import (
	"strings"
	"unicode/utf8"
)

// ConsoleCut cuts the lines of s longer than width characters as a
// console copy does, the rest of each on lines of its own.
func ConsoleCut(s string, width int) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		r := []rune(strings.TrimRight(line, "\r\n"))
		for len(r) > width {
			b.WriteString(string(r[:width]) + "\n")
			r = r[width:]
		}
		b.WriteString(string(r) + "\n")
	}
	return b.String()
}

// PrefixLines puts p before every line of s, as a code block ("    ")
// or a mail quote ("> ") does.
func PrefixLines(s, p string) string {
	return p + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n"+p) + "\n"
}

// CutAt reports whether at least three lines of s are exactly width
// characters long, as a console copy of a wider log is.
func CutAt(s string, width int) bool {
	n := 0
	for line := range strings.Lines(s) {
		if utf8.RuneCountInString(strings.TrimRight(line, "\r\n")) == width {
			n++
		}
	}
	return n >= 3
}
