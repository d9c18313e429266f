package textlogs

import (
	"bytes"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wudiag/wudiag/cbslog"
)

var (
	// A `fltmc filters` row: name, then instances, altitude and frame.
	// Legacy filters print "<Legacy>" in place of numbers.
	reFltRow = regexp.MustCompile(`^\s*(\S+)\s+(\d+|<Legacy>)(?:\s+(\d+(?:\.\d+)?|<Legacy>))?(?:\s+(\d+|<Legacy>))?\s*$`)
)

// fltmcLine reads one row of `fltmc filters` output; the header, the
// dashed rule and other lines are skipped.
func fltmcLine(_ int, line string) (Record, bool) {
	m := reFltRow.FindStringSubmatch(line)
	if m == nil {
		return Record{}, false
	}
	rec := Record{Text: strings.TrimSpace(line)}
	setField(&rec.Fields, "filter", m[1])
	setField(&rec.Fields, "instances", m[2])
	if m[4] != "" { // three columns: instances, altitude, frame
		setField(&rec.Fields, "altitude", m[3])
		setField(&rec.Fields, "frame", m[4])
	}
	return rec, true
}

var (
	reBadSectors  = regexp.MustCompile(`^\s*([\d,. \x{a0}]*\d)\s*KB in bad sectors`)
	reChkProgress = regexp.MustCompile(`(?i)^\s*(?:Progress:|\d+ percent complete|.*\d+%\s*complete)`)
)

// chkdskLine reads one line of chkdsk output: every line but progress
// counters, with the bad-sector total and the "no problems" verdict as
// fields.
func chkdskLine(_ int, line string) (Record, bool) {
	if reChkProgress.MatchString(line) {
		return Record{}, false
	}
	rec := Record{Text: strings.TrimSpace(line)}
	if m := reBadSectors.FindStringSubmatch(line); m != nil {
		n := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, m[1])
		setField(&rec.Fields, "bad_sectors_kb", n)
	}
	if strings.Contains(line, "Windows has scanned the file system and found no problems") {
		setField(&rec.Fields, "no_problems", "true")
	}
	if containsFold(line, "corrupt") {
		setField(&rec.Fields, "corrupt", "true")
	}
	return rec, true
}

// A proseParser reads an unknown text log (a console capture, a pasted
// excerpt, an installer's own log): every line that is not blank is a
// record, with its KB number as a field, except that a sentence a
// program wrapped itself is one record. SFC, DISM and Settings wrap
// their messages at about 75 columns ("… was unable to fix some" / "of
// them. For online repairs, …"), so a key phrase can straddle two lines;
// a line is joined to the one before when that one runs on (no closing
// punctuation) and it starts as a continuation does: a lower-case letter,
// or Japanese hiragana. Which records matter is for the reader's user to
// decide (classify keeps those some rule or failure pattern can use).
type proseParser struct {
	rec  Record
	buf  []byte
	open bool
}

// maxProse bounds a joined record.
const maxProse = 4 << 10

func (p *proseParser) line(r *Reader, num int, b []byte) {
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		p.flush(r)
		return
	}
	if p.open && len(p.buf)+1+len(t) <= maxProse && runsOn(p.buf) && continues(t) {
		p.buf = append(append(p.buf, ' '), t...)
		return
	}
	p.flush(r)
	p.open = true
	p.rec = Record{Line: num}
	p.buf = append(p.buf[:0], t...)
}

func (p *proseParser) flush(r *Reader) {
	if !p.open {
		return
	}
	p.open = false
	rec := p.rec
	setField(&rec.Fields, "kb", cbslog.FindKB(string(p.buf)))
	if m := reWingetFound.FindSubmatch(p.buf); m != nil {
		setField(&rec.Fields, "product", string(m[1]))
		setField(&rec.Fields, "package_id", string(m[2]))
	}
	r.emit(rec, p.buf)
}

// reWingetFound is winget's line naming the package it is about to
// install or upgrade: "Found Microsoft .NET Windows Desktop Runtime 6.0
// [Microsoft.DotNet.DesktopRuntime.6] Version 6.0.26". The installer's
// failure a few lines later ("Installer failed with exit code: 1603")
// does not name it.
var reWingetFound = regexp.MustCompile(`^Found (.{1,200}?) \[([\w.+-]{1,128})\](?: Version \S+)?$`)

// runsOn reports whether a line ends inside a sentence: after a letter
// or a comma, and long enough to have been wrapped.
func runsOn(line []byte) bool {
	if utf8.RuneCount(line) < 30 {
		return false
	}
	r, _ := utf8.DecodeLastRune(line)
	return r == ',' || r == '、' || unicode.IsLetter(r)
}

// continues reports whether a line starts the way the rest of a wrapped
// sentence does.
func continues(line []byte) bool {
	r, _ := utf8.DecodeRune(line)
	return r >= 'a' && r <= 'z' || unicode.In(r, unicode.Hiragana)
}
