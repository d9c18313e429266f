package evtx

import (
	"bytes"
	"io"
	"strconv"
)

// csvSource reads events exported as comma- or tab-separated values:
// Event Viewer's "Save All Events As" CSV or "Text (Tab delimited)", in an
// English or Japanese UI (header "Level,Date and Time,Source,Event ID,Task
// Category" or "レベル,日付と時刻,ソース,イベント ID,タスクのカテゴリ",
// the description in a sixth, unnamed column), and PowerShell's
// Get-WinEvent or Get-EventLog piped to Export-Csv or ConvertTo-Csv
// (an optional "#TYPE" line, then quoted property names such as
// "Message","Id",...,"ProviderName","LogName",...,"TimeCreated").
//
// Columns are found by name, so any selection or order of properties is
// read. No format of this kind carries the Data values (PowerShell writes
// the Properties list as its type name), and times are local without a
// zone (read as UTC).
//
// Memory is bounded as for text exports: a field is cut at MaxToken bytes,
// a record (whose quoted description may span lines) at MaxTextLines lines
// and MaxEventBytes bytes, and a record has at most maxColumns columns.
type csvSource struct {
	lr       lineReader
	lim      limits
	sep      byte
	cols     []column
	extraMsg bool // a column past the header's last holds the description
	header   bool
	done     bool
	stopErr  error // the read error that ended the last record
	fields   [][]byte
}

// end is what fill returns after the last record.
func (s *csvSource) end() error {
	if s.stopErr != nil {
		return s.stopErr
	}
	return io.EOF
}

// maxColumns bounds the columns of one record; PowerShell writes 27.
const maxColumns = 256

func newCSVSource(r io.Reader, lim limits) source {
	return &csvSource{lr: newLineReader(decodeText(r), lim.token), lim: lim}
}

// csvHeader tells whether line is the header of an event CSV export and
// returns its separator and columns.
func csvHeader(line []byte) (sep byte, cols []column, ok bool) {
	best := 0
	for _, s := range []byte{',', '\t', ';'} {
		names := splitCSVLine(line, s)
		var cs []column
		known, id, src, command := 0, false, false, false
		for _, n := range names {
			c := lookupColumn(string(n))
			cs = append(cs, c)
			if c != cNone {
				known++
			} else if len(n) > 64 || bytes.ContainsAny(n, "|>") {
				// Not a column name: a command line that names the
				// columns it selects ("PS C:\> Get-WinEvent … |
				// Format-List TimeCreated,ProviderName,Id,Message").
				command = true
			}
			id = id || c == cEventID || c == cInstanceID
			src = src || c == cProvider
		}
		if id && src && !command && known >= 3 && known > best {
			best, sep, cols, ok = known, s, cs, true
		}
	}
	return sep, cols, ok
}

// splitCSVLine splits one line with simple quoting, for sniffing headers.
func splitCSVLine(line []byte, sep byte) [][]byte {
	var out [][]byte
	for _, f := range bytes.Split(line, []byte{sep}) {
		out = append(out, bytes.Trim(bytes.TrimSpace(f), `"`))
	}
	return out
}

// looksLikeCSV reports whether the head of a file is an event CSV export.
func looksLikeCSV(head []byte) bool {
	for i, line := range bytes.SplitN(head, []byte("\n"), 4) {
		line = bytes.TrimRight(line, "\r")
		if i == 0 {
			line = bytes.TrimPrefix(line, []byte("\uFEFF"))
		}
		if bytes.HasPrefix(line, []byte("#TYPE ")) || len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		_, _, ok := csvHeader(line)
		return ok
	}
	return false
}

func (s *csvSource) fill(out []item) ([]item, error) {
	if s.done {
		return out, io.EOF
	}
	n := 0
	for recs := 0; n < xmlBatch && recs < 1<<14; recs++ {
		at, why, err := s.record()
		if err != nil && len(s.fields) == 0 {
			s.done = true
			if err == io.EOF {
				return out, io.EOF
			}
			return out, err
		}
		if err != nil {
			// A record cut short by a read error: keep it, then stop.
			s.done = true
			if err == io.EOF {
				err = nil
			}
			s.stopErr = err
		}
		if len(s.fields) == 0 || len(s.fields) == 1 && len(s.fields[0]) == 0 {
			if s.done {
				return out, s.end()
			}
			continue // blank line
		}
		if !s.header {
			if bytes.HasPrefix(s.fields[0], []byte("#TYPE ")) {
				continue
			}
			_, cols, ok := csvHeader(bytes.Join(s.fields, []byte{s.sep}))
			if !ok {
				s.done = true
				out = append(out, item{err: &RecordError{Offset: at, Err: errf(ErrCorrupt, "not an event CSV header")}})
				return out, io.EOF
			}
			s.cols, s.header = cols, true
			// Event Viewer names five columns and writes the description
			// in a sixth.
			s.extraMsg = true
			for _, c := range cols {
				if c == cMessage {
					s.extraMsg = false
				}
			}
			continue
		}
		if why != "" {
			out = append(out, item{err: &RecordError{Offset: at, Err: errf(ErrCorrupt, "CSV record too long: %s", why)}})
		}
		ev := new(Event)
		for i, f := range s.fields {
			c := cNone
			switch {
			case i < len(s.cols):
				c = s.cols[i]
			case i == len(s.cols) && s.extraMsg:
				c = cMessage
			}
			if c != cNone {
				setColumn(ev, c, string(f))
			}
		}
		ev.Offset = at
		ev.Source = CSV
		out = append(out, item{ev: ev})
		n++
		if s.done {
			return out, s.end()
		}
	}
	return out, nil
}

// record reads one CSV record into s.fields. A quoted field may span
// lines; a quote inside an unquoted field is literal. why tells what was
// dropped to stay within the limits.
func (s *csvSource) record() (at int64, why string, err error) {
	for i := range s.fields {
		s.fields[i] = s.fields[i][:0]
	}
	s.fields = s.fields[:0]
	if s.sep == 0 {
		s.sep = ','
	}
	line, at, err := s.lr.next()
	if err != nil {
		return at, "", err
	}
	if !s.header {
		// The separator is not known before the header: take the one
		// csvHeader finds on this line.
		if sep, _, ok := csvHeader(bytes.TrimPrefix(line, []byte("\uFEFF"))); ok {
			s.sep = sep
		}
		line = bytes.TrimPrefix(line, []byte("\uFEFF"))
	}
	cur := s.newField()
	inQ, start := false, true
	lines, size := 1, 0
	for {
		if s.lr.long && why == "" {
			why = "a line longer than " + strconv.Itoa(s.lim.token) + " bytes was cut"
		}
		size += len(line)
		for i := 0; i < len(line); i++ {
			c := line[i]
			switch {
			case inQ && c == '"':
				if i+1 < len(line) && line[i+1] == '"' {
					s.fields[cur] = s.put(s.fields[cur], '"', &why)
					i++
				} else {
					inQ = false
				}
			case inQ:
				s.fields[cur] = s.put(s.fields[cur], c, &why)
			case c == '"' && start:
				inQ = true
				start = false
			case c == s.sep:
				cur = s.newField()
				start = true
			default:
				s.fields[cur] = s.put(s.fields[cur], c, &why)
				start = false
			}
		}
		if !inQ {
			return at, why, nil
		}
		line, _, err = s.lr.next()
		if err != nil {
			if err == io.EOF {
				why = "file ends inside a quoted field"
				return at, why, nil
			}
			return at, why, err
		}
		lines++
		if lines > s.lim.lines || size > s.lim.eventBytes {
			if why == "" {
				why = "more than " + strconv.Itoa(s.lim.lines) + " lines or " + strconv.Itoa(s.lim.eventBytes) + " bytes"
			}
			continue // read on to the closing quote, keeping nothing
		}
		s.fields[cur] = s.put(s.fields[cur], '\n', &why)
	}
}

// newField starts a field and returns its index; past maxColumns the last
// field is reused.
func (s *csvSource) newField() int {
	if len(s.fields) >= maxColumns {
		return len(s.fields) - 1
	}
	if len(s.fields) < cap(s.fields) {
		s.fields = s.fields[:len(s.fields)+1]
		s.fields[len(s.fields)-1] = s.fields[len(s.fields)-1][:0]
	} else {
		s.fields = append(s.fields, nil)
	}
	return len(s.fields) - 1
}

// put appends one byte to a field within the token limit.
func (s *csvSource) put(f []byte, c byte, why *string) []byte {
	if len(f) >= s.lim.token {
		if *why == "" {
			*why = "a field longer than " + strconv.Itoa(s.lim.token) + " bytes was cut"
		}
		return f
	}
	return append(f, c)
}
