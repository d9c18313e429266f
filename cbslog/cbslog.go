// Package cbslog reads CBS.log and CbsPersist_*.log, the log of Windows'
// Component-Based Servicing stack (TrustedInstaller, TiWorker, DISM hosts),
// as a stream of entries.
//
// A CBS.log line is
//
//	2023-05-17 08:25:12, Info                  CBS    Session: 31033555_3320119381 initialized by client WinMgmt
//	2025-02-27 08:58:35, Error                 CSI    0000000a@2025/2/27:11:58:35.891 (F) Attempting to mark store corrupt ...
//
// local time, level, component (CBS, CSI, DPX), message. CSI records carry
// a per-process sequence counter, an optional UTC stamp and an "(F)" mark
// on the record where a failure originated. Lines without a timestamp
// continue the record above them (hash mismatches, advanced-installer
// blocks, store-corruption summaries). The Reader handles genuine logs in
// any encoding and the altered copies users paste into tickets: padding
// collapsed to one space, timestamps stripped or replaced by placeholders,
// CRLF turned into LF, a trailing "|" from a table.
//
// The Reader never reads the whole file: memory is bounded by the longest
// record (1 MiB), so a 2 GB log streams in constant space.
//
// On top of the entries, a Summary collects what an analyst looks for:
// servicing sessions and their results, SFC findings, store-corruption
// reports, servicing-stack versions and the error codes seen.
package cbslog

import (
	"bytes"
	"io"
	"iter"
	"time"
	"unsafe"

	"github.com/wudiag/wudiag/codes"
	"github.com/wudiag/wudiag/internal/logline"
	"github.com/wudiag/wudiag/internal/scan"
	"github.com/wudiag/wudiag/internal/textdec"
)

// An Entry is one record of the log: a timestamped line and the
// untimestamped lines that continue it.
type Entry struct {
	// Line is the physical line number (1-based) where the entry starts.
	Line int
	// Time is the wall-clock time written on the line. CBS.log does not
	// record the zone; Time is in the Reader's Location (UTC by default).
	// It is zero for text with no timestamp, or a placeholder one.
	Time time.Time
	// Level is "Info", "Warning" or "Error"; "" for untimestamped text.
	// Most decisive failure lines are Info: do not filter on it.
	Level string
	// Component is "CBS", "CSI", "DPX", ...; "" when the column is empty.
	Component string
	// Text is the message with continuation lines appended, each after a
	// '\n'. For CSI records the counter, UTC stamp and "(F)" mark are
	// removed from the front (see Seq, UTC and Failure).
	Text string
	// Seq is the CSI sequence counter, or -1 when the entry has none. It
	// restarts at 1 with every servicing host process.
	Seq int
	// UTC is the CSI record's own UTC time stamp ("@2023/5/17:15:44:12.956"),
	// zero when absent.
	UTC time.Time
	// Failure reports the CSI "(F)" mark: the record where a failure
	// originated.
	Failure bool
	// Codes lists every error or status code found in Text, in order of
	// first appearance, without repeats. It is nil when there is none.
	Codes []codes.Code
	// Split reports that the entry was cut: a line over 1 MiB, or a run of
	// continuation lines over 1 MiB, continues in the next entry.
	Split bool
}

// Failed reports whether the entry carries a failure code (severity bit
// set). Routine failures are common at Info level; see the package doc.
func (e *Entry) Failed() bool {
	for _, c := range e.Codes {
		if c.Failed() {
			return true
		}
	}
	return false
}

// A Reader reads entries from a CBS log. Set its fields before the first
// call to Scan.
type Reader struct {
	// Location is the zone in which the log's wall-clock times are
	// reported; nil means UTC (zone unknown).
	Location *time.Location
	// Encoding forces the text encoding ("utf-8", "utf-16le", "cp932", ...);
	// empty means detect it (see internal/textdec: BOM, UTF-16 sniffing,
	// then UTF-8 with a legacy code-page fallback per line).
	Encoding string
	// Legacy is the order of code pages tried for lines that are not
	// valid UTF-8; nil means CP932, GBK, CP1251, CP1252.
	Legacy []string

	src   io.Reader
	sc    *logline.Scanner
	entry Entry
	match []codes.Match
	text  arena[byte]       // backing store of Entry.Text strings
	codes arena[codes.Code] // backing store of Entry.Codes
}

// An arena hands out immutable pieces of large blocks, so that entries
// own their data without one allocation each. A block is never written
// again where a piece was handed out; the garbage collector frees it when
// no piece is referenced.
type arena[T any] struct{ block []T }

const arenaBlock = 64 << 10

// add copies v into the arena and returns the copy; its capacity is its
// length, so appending to it never writes into the arena.
func (a *arena[T]) add(v []T) []T {
	if len(v) > arenaBlock/4 {
		return append([]T(nil), v...)
	}
	if cap(a.block)-len(a.block) < len(v) {
		a.block = make([]T, 0, arenaBlock)
	}
	n := len(a.block)
	a.block = append(a.block, v...)
	return a.block[n:len(a.block):len(a.block)]
}

// NewReader returns a Reader that reads from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{src: r}
}

// Scan advances to the next entry, which is then available through
// Entry. It returns false at the end of the input or on a read error.
func (r *Reader) Scan() bool {
	if r.sc == nil {
		r.sc = logline.NewScanner(r.src, &logline.Options{
			Text:     textdec.Options{Encoding: r.Encoding, Legacy: r.Legacy},
			Location: r.Location,
		})
	}
	if !r.sc.Scan() {
		return false
	}
	rec := r.sc.Record()
	r.match = r.fill(&r.entry, rec, r.match)
	return true
}

// Entry returns the entry found by the last call to Scan. The Entry owns
// its data: it stays valid after later calls to Scan.
func (r *Reader) Entry() Entry { return r.entry }

// Err returns the first read error, or nil at a clean end of input.
func (r *Reader) Err() error {
	if r.sc == nil {
		return nil
	}
	return r.sc.Err()
}

// DetectedEncoding names the encoding in use, known after the first Scan: "utf-8-bom", "utf-8",
// "utf-16le", ...; with "+cp932" (say) appended when some lines were not
// valid UTF-8 and were decoded from that legacy code page.
func (r *Reader) DetectedEncoding() string {
	if r.sc == nil {
		return ""
	}
	d := r.sc.Decoder()
	if d.Legacy() != "" {
		return d.Encoding() + "+" + d.Legacy()
	}
	return d.Encoding()
}

// fill turns a record into an entry.
func (r *Reader) fill(e *Entry, rec *logline.Record, match []codes.Match) []codes.Match {
	text := rec.Text
	*e = Entry{
		Line:      rec.Line,
		Time:      rec.Head.Time,
		Level:     rec.Head.Level,
		Component: rec.Head.Component,
		Seq:       -1,
		Split:     rec.Split,
	}
	if e.Component == "CSI" && logline.IsCSICounter(text) {
		text = parseCSIHead(e, text, r.Location)
	}
	if len(text) > 0 {
		b := r.text.add(text)
		e.Text = unsafe.String(&b[0], len(b))
	}
	match = codes.Find(match[:0], text)
	if len(match) > 0 {
		var buf [16]codes.Code
		cs := buf[:0]
	next:
		for _, m := range match {
			for _, c := range cs {
				if c == m.Code {
					continue next
				}
			}
			cs = append(cs, m.Code)
		}
		e.Codes = r.codes.add(cs)
	}
	return match
}

// parseCSIHead takes the counter, the optional "@yyyy/m/d:hh:mm:ss.mmm"
// UTC stamp and the optional "(F)" off the front of a CSI message.
func parseCSIHead(e *Entry, text []byte, loc *time.Location) []byte {
	seq := 0
	for _, c := range text[:8] {
		seq = seq<<4 | int(unhex(c))
	}
	e.Seq = seq
	text = text[8:]
	if len(text) > 0 && text[0] == '@' {
		end := bytes.IndexByte(text, ' ')
		if end < 0 {
			end = len(text)
		}
		e.UTC = parseCSITime(text[1:end])
		text = text[end:]
	}
	for len(text) > 0 && text[0] == ' ' {
		text = text[1:]
	}
	if bytes.HasPrefix(text, []byte("(F)")) {
		e.Failure = true
		text = text[3:]
		for len(text) > 0 && text[0] == ' ' {
			text = text[1:]
		}
	}
	return text
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}

// parseCSITime parses "2023/5/17:15:44:12.956" (month and day not padded).
func parseCSITime(b []byte) time.Time {
	var f [7]int
	i, n := 0, 0
	digits := 0
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			if digits >= 9 {
				return time.Time{}
			}
			n = n*10 + int(c-'0')
			digits++
		case (c == '/' || c == ':' || c == '.') && digits > 0 && i < 6:
			f[i], n, digits = n, 0, 0
			i++
		default:
			return time.Time{}
		}
	}
	if digits == 0 || i < 5 {
		return time.Time{}
	}
	f[i] = n
	y, mo, d, h, mi, s, ms := f[0], f[1], f[2], f[3], f[4], f[5], f[6]
	if i == 5 { // no milliseconds
		ms = 0
	}
	if y < 1990 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || ms > 999 {
		return time.Time{}
	}
	return time.Date(y, time.Month(mo), d, h, mi, s, ms*int(time.Millisecond), time.UTC)
}

// Entries returns an iterator over the entries of r. Iteration stops
// after yielding a read error.
func Entries(r io.Reader) iter.Seq2[Entry, error] {
	rd := NewReader(r)
	return scan.Seq2(rd, rd.Entry)
}
