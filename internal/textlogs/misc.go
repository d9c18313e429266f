package textlogs

import (
	"regexp"
	"strings"

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

// genericLine reads one line of an unknown text log (a console capture,
// a pasted excerpt, an installer's own log): every line that is not blank
// is a record, with its KB number as a field. Which lines matter is for
// the reader's user to decide (classify keeps those some rule or failure
// pattern can use).
func genericLine(_ int, line string) (Record, bool) {
	rec := Record{Text: strings.TrimSpace(line)}
	setField(&rec.Fields, "kb", cbslog.FindKB(line))
	return rec, true
}
