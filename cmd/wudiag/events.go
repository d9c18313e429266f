package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/wudiag/wudiag/evtx"
	"github.com/wudiag/wudiag/internal/eventtext"
	"github.com/wudiag/wudiag/internal/render"
	"github.com/wudiag/wudiag/internal/source"
	"github.com/wudiag/wudiag/report"
)

const eventsHelp = `NAME
	wudiag events - print the events of Windows event logs

SYNOPSIS
	wudiag events [--format jsonl|xml|table|csv] [--lang en|ja] [--id LIST]
	              [--provider TEXT] [--level LIST] [--since TIME] [--until TIME]
	              [--recover] [--parallel N] PATH...

DESCRIPTION
	Reads the event logs of each PATH and prints their events, normalized: record ID, time
	(UTC), channel, provider, event ID, level, computer and the payload
	(EventData or UserData) as ordered name/value pairs.

	Each PATH is a file, a folder (walked recursively) or an archive (zip,
	cab, gzip, nested), read through the same intake as wudiag analyze,
	with the same bounds; the event logs found are printed, in the order
	analyze lists them, each event naming its file ("bundle.zip:Logs/
	System.evtx"). A file named on the command line that is not an event
	log is reported; other files in folders and archives are passed over.

	An event log may be a binary .evtx log (also a dirty, truncated or damaged
	copy of a live log), an XML export (wevtutil qe /f:xml, Event Viewer
	"Save as XML", PowerShell ToXml(); UTF-8 or UTF-16), an Event Viewer
	text copy ("Log Name:", "Source:", "Event ID:" ... or the Japanese
	labels) or a CSV export (Event Viewer, Get-WinEvent | Export-Csv). The
	kind is told from the content, not the file name.

	The table and CSV formats read each event as one sentence of its
	decisive fields, in wudiag's wording ("Windows Update failed to install
	KB5034441: 0x80070643 ERROR_INSTALL_FAILURE — ..."), every error code
	named; events wudiag has no sentence for show their fields. JSON and
	XML keep the raw fields only.

	Damage never stops reading. Checksum mismatches, damaged chunks and
	records that cannot be decoded are reported on standard error with the
	file name and byte offset, and every other event is still printed.

OPTIONS
	--format jsonl|xml|table|csv
		jsonl (default): one JSON object per event.
		xml: an <Events> document, one <Event> per event.
		table: aligned columns for reading in a terminal; the message
		column is the event's sentence.
		csv: a header row, then one row per event: time, record,
		event_id, level, provider, channel, computer, sentence, data
		(name=value pairs), file, recovered. Cells that a spreadsheet
		would run as a formula (= + - @ first) start with '.
	--lang en|ja
		Language of the sentences (default: from LC_ALL, LC_MESSAGES or
		LANG; English otherwise).
	--id LIST
		Only these event IDs: a comma-separated list of IDs and ranges,
		e.g. 20,31,1033 or 4500-4504.
	--provider TEXT
		Only events whose provider contains TEXT, without case
		(--provider defender); a comma-separated list matches any.
	--level LIST
		Only these levels: critical, error, warning, information,
		verbose or their numbers 1-5 (information includes 0), comma-
		separated, e.g. --level critical,error.
	--since TIME, --until TIME
		Only events from (until) TIME: RFC 3339 (2024-01-12T10:00:00+09:00)
		or a UTC date and time (2024-01-12 10:00, 2024-01-12), as
		analyze reads them; a date alone as --until means the end of that
		day. Events without a time are left out when either is given.
	--recover
		Also print records left in chunk slack space behind the last live
		record (deleted or overwritten events), marked "recovered".
	--parallel N
		Decode up to N chunks of a binary log at a time (default 1).
		Output stays in file order.
	-h, --help
		Print this help.

EXIT STATUS
	0  at least one event log was read (warnings may have been printed)
	2  usage error, or no event log could be read

EXAMPLES
	wudiag events System.evtx
	wudiag events --format table --id 20,4502 logs.zip
	wudiag events --format table --lang ja --recover Setup.evtx Application.evtx
	wudiag events --format csv --level critical,error,warning --since 2024-01-10 System.evtx > events.csv
	wudiag events --id 20,4502 --provider windowsupdate,winre System.evtx
	wudiag events events.xml | grep 0x80070643
`

func runEvents(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("events", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, eventsHelp) }
	format := fs.String("format", "jsonl", "output format: jsonl, xml, table or csv")
	langFlag := fs.String("lang", "", "language of the sentences: en or ja (default: from LC_ALL, LC_MESSAGES or LANG)")
	ids := fs.String("id", "", "only these event IDs (20,31,4500-4504)")
	provider := fs.String("provider", "", "only providers containing this text, without case (comma-separated: any)")
	levels := fs.String("level", "", "only these levels: critical,error,warning,information,verbose or 1-5")
	since := fs.String("since", "", "only events from this time (RFC 3339 or 2006-01-02 [15:04], UTC)")
	until := fs.String("until", "", "only events until this time (RFC 3339 or 2006-01-02 [15:04], UTC)")
	recov := fs.Bool("recover", false, "also print records recovered from slack space")
	parallel := fs.Int("parallel", 1, "chunks decoded at a time")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	lang := "en"
	if tag := report.LanguageFromEnv(); tag == language.Japanese {
		lang = "ja"
	}
	if *langFlag != "" {
		tag, ok := parseLang(*langFlag)
		if !ok {
			fmt.Fprintf(stderr, "wudiag events: unknown --lang %q (en or ja)\n", *langFlag)
			return exitUsage
		}
		lang = "en"
		if tag == language.Japanese {
			lang = "ja"
		}
	}
	filter, err := newEventFilter(*ids, *provider, *levels, *since, *until)
	if err != nil {
		fmt.Fprintf(stderr, "wudiag events: %v\n", err)
		return exitUsage
	}
	var out eventWriter
	bw := bufio.NewWriterSize(stdout, 64<<10)
	defer bw.Flush()
	switch *format {
	case "jsonl", "json":
		out = &jsonlWriter{w: bw}
	case "xml":
		out = &xmlWriter{w: bw}
	case "table":
		out = &tableWriter{tw: tabwriter.NewWriter(bw, 0, 8, 2, ' ', 0), lang: lang}
		// JSON and XML escape control characters themselves.
	case "csv":
		out = &csvWriter{w: csv.NewWriter(bw), lang: lang}
	default:
		fmt.Fprintf(stderr, "wudiag events: unknown format %q (want jsonl, xml, table or csv)\n", *format)
		return exitUsage
	}
	if *parallel < 1 {
		fmt.Fprintln(stderr, "wudiag events: --parallel must be at least 1")
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "wudiag events: no PATH given (see wudiag events -h)")
		return exitUsage
	}
	opts := &evtx.Options{Recover: *recov, Parallel: *parallel}
	// Files, folders and archives go through the same intake as analyze;
	// the event logs among them are printed, binary or exported.
	b, err := source.Open(ctx, fs.Args(), source.DefaultLimits())
	if err != nil {
		fmt.Fprintf(stderr, "wudiag events: %v\n", err)
		return exitUsage
	}
	defer b.Close()
	for _, p := range b.Problems() {
		if !errors.Is(p.Err, source.ErrDuplicate) {
			fmt.Fprintf(stderr, "wudiag events: %s\n", render.Visible(p.Error()))
		}
	}
	out.begin()
	readable := 0
	for _, f := range b.Files() {
		if ctx.Err() != nil {
			break
		}
		if !f.Kind.EventLog() {
			// Named on the command line, not found in a folder or archive.
			if slices.Contains(fs.Args(), f.Name) {
				fmt.Fprintf(stderr, "wudiag events: %s: not an event log (%s)\n", render.Visible(f.Name), f.Kind)
			}
			continue
		}
		ok, err := printEvents(ctx, f, opts, filter, out, func(err error) {
			bw.Flush() // keep stdout and stderr in order on a terminal
			fmt.Fprintf(stderr, "wudiag events: %s\n", render.Visible(fmt.Sprintf("%s: %v", f.Name, err)))
		})
		if ok {
			readable++
		}
		if err != nil {
			fmt.Fprintf(stderr, "wudiag events: %v\n", err)
			return exitUsage
		}
	}
	if err := out.end(); err != nil {
		fmt.Fprintf(stderr, "wudiag events: %v\n", err)
	}
	if err := bw.Flush(); err != nil {
		fmt.Fprintf(stderr, "wudiag events: %v\n", err)
	}
	if readable == 0 {
		return exitUsage
	}
	return exitOK
}

// printEvents writes the events of f that filter keeps. It reports
// whether f could be read; warn gets each problem met on the way, and the
// error is one of writing.
func printEvents(ctx context.Context, f source.File, opts *evtx.Options, filter *eventFilter, out eventWriter, warn func(error)) (bool, error) {
	rc, err := f.Open()
	if err != nil {
		warn(err)
		return false, nil
	}
	defer rc.Close()
	ra, size, err := source.ReaderAt(rc, f.Size, maxEventsInMemory)
	if err != nil {
		warn(err)
		return false, nil
	}
	r := evtx.NewReader(ra, size, opts)
	defer r.Close()
	for ev, err := range r.All(ctx) {
		if err != nil {
			warn(err)
			if ev == nil {
				continue
			}
		}
		if !filter.keep(ev) {
			continue
		}
		if err := out.event(f.Name, ev); err != nil {
			return true, err
		}
	}
	return true, nil
}

// maxEventsInMemory bounds an event log read into memory because it is a
// compressed entry of an archive (one on disk is read in place).
const maxEventsInMemory = 512 << 20

type eventWriter interface {
	begin()
	event(file string, ev *evtx.Event) error
	end() error
}

// jsonlWriter writes one JSON object per event (JSON Lines). Field names
// are stable: file, offset, recordId, time, channel, provider,
// providerGuid, eventId, qualifiers, level, task, keywords, computer,
// userId, userData, data [{name, value}], binary, message, recovered,
// inferred, source; empty optional fields are left out. The objects are
// written by hand, not through encoding/json's reflection, which took
// more CPU than reading the log; strings are escaped as encoding/json
// escapes them (HTML characters too), so the bytes are the same.
type jsonlWriter struct {
	w   *bufio.Writer
	buf []byte
}

func (w *jsonlWriter) begin()     {}
func (w *jsonlWriter) end() error { return nil }
func (w *jsonlWriter) event(file string, ev *evtx.Event) error {
	b := w.buf[:0]
	str := func(key, v string) {
		if v == "" {
			return
		}
		b = append(b, ',', '"')
		b = append(b, key...)
		b = append(b, '"', ':')
		b = appendJSONString(b, v)
	}
	b = append(b, `{"file":`...)
	b = appendJSONString(b, file)
	b = append(b, `,"offset":`...)
	b = strconv.AppendInt(b, ev.Offset, 10)
	b = append(b, `,"recordId":`...)
	b = strconv.AppendUint(b, ev.RecordID, 10)
	b = append(b, `,"time":"`...)
	if !ev.Time.IsZero() {
		b = ev.Time.UTC().AppendFormat(b, "2006-01-02T15:04:05.0000000Z")
	}
	b = append(b, '"')
	str("channel", ev.Channel)
	str("provider", ev.Provider)
	str("providerGuid", ev.ProviderGUID)
	b = append(b, `,"eventId":`...)
	b = strconv.AppendUint(b, uint64(ev.EventID), 10)
	if ev.HasQualifiers {
		b = append(b, `,"qualifiers":`...)
		b = strconv.AppendUint(b, uint64(ev.Qualifiers), 10)
	}
	b = append(b, `,"level":`...)
	b = strconv.AppendUint(b, uint64(ev.Level), 10)
	if ev.Task != 0 {
		b = append(b, `,"task":`...)
		b = strconv.AppendUint(b, uint64(ev.Task), 10)
	}
	if ev.Keywords != 0 {
		b = append(b, `,"keywords":"0x`...)
		b = strconv.AppendUint(b, ev.Keywords, 16)
		b = append(b, '"')
	}
	str("computer", ev.Computer)
	str("userId", ev.UserID)
	str("userData", ev.UserData)
	if len(ev.Data) > 0 {
		b = append(b, `,"data":[`...)
		for i, f := range ev.Data {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			if f.Name != "" {
				b = append(b, `"name":`...)
				b = appendJSONString(b, f.Name)
				b = append(b, ',')
			}
			b = append(b, `"value":`...)
			b = appendJSONString(b, f.Value)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	str("binary", ev.Binary)
	str("message", ev.Message)
	if ev.Recovered {
		b = append(b, `,"recovered":true`...)
	}
	if ev.Inferred {
		b = append(b, `,"inferred":true`...)
	}
	b = append(b, `,"source":`...)
	b = appendJSONString(b, ev.Source.String())
	b = append(b, '}', '\n')
	w.buf = b
	_, err := w.w.Write(b)
	return err
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it: quote, backslash and control characters, <, > and &
// (HTML-safe), U+2028 and U+2029, and invalid UTF-8 as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.0000000Z")
}

// xmlWriter writes events as Windows renders them, inside <Events>.
type xmlWriter struct{ w *bufio.Writer }

func (x *xmlWriter) begin() {
	x.w.WriteString("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Events>\n")
}
func (x *xmlWriter) end() error {
	_, err := x.w.WriteString("</Events>\n")
	return err
}

func (x *xmlWriter) esc(s string) {
	xml.EscapeText(x.w, []byte(s))
}

func (x *xmlWriter) event(file string, ev *evtx.Event) error {
	w := x.w
	w.WriteString(`<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="`)
	x.esc(ev.Provider)
	w.WriteString(`"`)
	if ev.ProviderGUID != "" {
		w.WriteString(` Guid="`)
		x.esc(ev.ProviderGUID)
		w.WriteString(`"`)
	}
	w.WriteString(`/><EventID`)
	if ev.HasQualifiers {
		fmt.Fprintf(w, ` Qualifiers="%d"`, ev.Qualifiers)
	}
	fmt.Fprintf(w, `>%d</EventID><Version>%d</Version><Level>%d</Level><Task>%d</Task><Opcode>%d</Opcode><Keywords>0x%016x</Keywords>`,
		ev.EventID, ev.Version, ev.Level, ev.Task, ev.Opcode, ev.Keywords)
	fmt.Fprintf(w, `<TimeCreated SystemTime="%s"/><EventRecordID>%d</EventRecordID>`, formatTime(ev.Time), ev.RecordID)
	fmt.Fprintf(w, `<Execution ProcessID="%d" ThreadID="%d"/><Channel>`, ev.ProcessID, ev.ThreadID)
	x.esc(ev.Channel)
	w.WriteString(`</Channel><Computer>`)
	x.esc(ev.Computer)
	w.WriteString(`</Computer>`)
	if ev.UserID != "" {
		w.WriteString(`<Security UserID="`)
		x.esc(ev.UserID)
		w.WriteString(`"/>`)
	}
	w.WriteString(`</System>`)
	if ev.UserData != "" {
		// Element names come from the input: made valid XML names, so
		// that none can close an element or open one of its own.
		root := xmlName(ev.UserData)
		w.WriteString(`<UserData><`)
		w.WriteString(root)
		if ev.UserDataNS != "" {
			w.WriteString(` xmlns="`)
			x.esc(ev.UserDataNS)
			w.WriteString(`"`)
		}
		w.WriteString(`>`)
		for _, f := range ev.Data {
			name := xmlName(f.Name)
			fmt.Fprintf(w, "<%s>", name)
			x.esc(f.Value)
			fmt.Fprintf(w, "</%s>", name)
		}
		fmt.Fprintf(w, "</%s></UserData>", root)
	} else if len(ev.Data) > 0 || ev.Binary != "" {
		w.WriteString(`<EventData>`)
		for _, f := range ev.Data {
			if f.Name != "" {
				w.WriteString(`<Data Name="`)
				x.esc(f.Name)
				w.WriteString(`">`)
			} else {
				w.WriteString(`<Data>`)
			}
			x.esc(f.Value)
			w.WriteString(`</Data>`)
		}
		if ev.Binary != "" {
			w.WriteString(`<Binary>`)
			x.esc(ev.Binary)
			w.WriteString(`</Binary>`)
		}
		w.WriteString(`</EventData>`)
	}
	if ev.Message != "" {
		w.WriteString(`<RenderingInfo><Message>`)
		x.esc(ev.Message)
		w.WriteString(`</Message></RenderingInfo>`)
	}
	w.WriteString("</Event>")
	switch {
	case ev.Inferred:
		w.WriteString("<!-- recovered from slack space; its template was overwritten, so field names are inferred -->")
	case ev.Recovered:
		w.WriteString("<!-- recovered from slack space -->")
	}
	_, err := w.WriteString("\n")
	return err
}

// xmlName returns name if it is an XML name, else name with every
// character that may not be in one replaced by '_' (and '_' in front if
// it may not start one): an element name from a damaged or crafted log
// must not break the document or forge elements. Colons are replaced
// too: the output declares no prefixes.
func xmlName(name string) string {
	var b strings.Builder
	for i, r := range name {
		switch {
		case isNameStart(r):
		case i > 0 && (r == '-' || r == '.' || r >= '0' && r <= '9' || r == 0xB7 ||
			r >= 0x300 && r <= 0x36F || r >= 0x203F && r <= 0x2040):
		case i == 0 && (r == '-' || r == '.' || r >= '0' && r <= '9'):
			b.WriteByte('_')
		default:
			r = '_'
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

// isNameStart reports whether r may start an XML name (XML 1.0 fifth
// edition, NameStartChar, without ':').
func isNameStart(r rune) bool {
	return r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' ||
		r >= 0xC0 && r <= 0xD6 || r >= 0xD8 && r <= 0xF6 || r >= 0xF8 && r <= 0x2FF ||
		r >= 0x370 && r <= 0x37D || r >= 0x37F && r <= 0x1FFF || r >= 0x200C && r <= 0x200D ||
		r >= 0x2070 && r <= 0x218F || r >= 0x2C00 && r <= 0x2FEF || r >= 0x3001 && r <= 0xD7FF ||
		r >= 0xF900 && r <= 0xFDCF || r >= 0xFDF0 && r <= 0xFFFD || r >= 0x10000 && r <= 0xEFFFF
}

// tableWriter prints aligned columns; the message is the event's
// sentence in lang (package eventtext).
type tableWriter struct {
	tw    *tabwriter.Writer
	lang  string
	lines int
}

// cell is s for one table cell: controls visible, and no tab or
// newline to break the columns.
func cell(s string) string {
	return strings.Join(strings.Fields(render.Visible(s)), " ")
}

func (t *tableWriter) begin() {
	fmt.Fprintln(t.tw, "TIME (UTC)\tRECORD\tEVENT\tLEVEL\tPROVIDER\tMESSAGE")
}

func (t *tableWriter) end() error { return t.tw.Flush() }

// recoveredMark is the table's and CSV's word for a record carved out
// of free space.
func recoveredMark(ev *evtx.Event) string {
	switch {
	case ev.Inferred:
		return "recovered, names inferred"
	case ev.Recovered:
		return "recovered"
	}
	return ""
}

func (t *tableWriter) event(file string, ev *evtx.Event) error {
	msg := eventtext.OfEvent(ev, t.lang)
	if m := recoveredMark(ev); m != "" {
		msg = "[" + m + "] " + msg
	}
	msg = cell(msg) // no tabs or newlines in a cell
	if r := []rune(msg); len(r) > 200 {
		msg = string(r[:197]) + "..."
	}
	ts := ev.Time.UTC().Format("2006-01-02 15:04:05")
	// Cells from the log with their control characters made visible:
	// the table is read on a terminal.
	_, err := fmt.Fprintf(t.tw, "%s\t%d\t%d\t%s\t%s\t%s\n", ts, ev.RecordID, ev.EventID, ev.LevelName(), cell(ev.Provider), msg)
	t.lines++
	if t.lines%512 == 0 { // bounded memory: realign every 512 rows
		t.tw.Flush()
	}
	return err
}

// csvWriter writes one row per event, with the columns EvtxECmd users
// know: time, record, event ID, level, provider, channel, computer, the
// sentence, the data as name=value pairs, the file and whether the
// record was recovered. Every cell is defused against formula injection
// (render.CSVCell).
type csvWriter struct {
	w    *csv.Writer
	lang string
}

func (c *csvWriter) begin() {
	c.w.Write([]string{"time", "record", "event_id", "level", "provider", "channel", "computer", "sentence", "data", "file", "recovered"})
}

func (c *csvWriter) end() error {
	c.w.Flush()
	return c.w.Error()
}

func (c *csvWriter) event(file string, ev *evtx.Event) error {
	var data strings.Builder
	for i, f := range ev.Data {
		if i > 0 {
			data.WriteString("; ")
		}
		if f.Name != "" {
			data.WriteString(f.Name)
			data.WriteByte('=')
		}
		data.WriteString(f.Value)
	}
	if len(ev.Data) == 0 && ev.Message != "" {
		data.WriteString(ev.Message)
	}
	return c.w.Write(render.CSVRow(formatTime(ev.Time), strconv.FormatUint(ev.RecordID, 10),
		strconv.FormatUint(uint64(ev.EventID), 10), ev.LevelName(), ev.Provider, ev.Channel, ev.Computer,
		eventtext.OfEvent(ev, c.lang), data.String(), file, recoveredMark(ev)))
}

// eventFilter selects events as --id, --provider, --level, --since and
// --until ask; a zero filter keeps every event.
type eventFilter struct {
	ids          [][2]uint32 // inclusive ranges
	providers    []string    // lower case
	levels       map[uint8]bool
	since, until time.Time
	window       bool
}

func newEventFilter(ids, providers, levels, since, until string) (*eventFilter, error) {
	f := &eventFilter{}
	for _, s := range splitList(ids) {
		lo, hi, isRange := strings.Cut(s, "-")
		a, err := strconv.ParseUint(strings.TrimSpace(lo), 10, 32)
		b := a
		if err == nil && isRange {
			b, err = strconv.ParseUint(strings.TrimSpace(hi), 10, 32)
		}
		if err != nil || b < a {
			return nil, fmt.Errorf("--id: cannot read %q (want IDs and ranges: 20,31,4500-4504)", s)
		}
		f.ids = append(f.ids, [2]uint32{uint32(a), uint32(b)})
	}
	for _, s := range splitList(providers) {
		f.providers = append(f.providers, strings.ToLower(s))
	}
	for _, s := range splitList(levels) {
		var ls []uint8
		switch strings.ToLower(s) {
		case "critical", "1":
			ls = []uint8{1}
		case "error", "2":
			ls = []uint8{2}
		case "warning", "3":
			ls = []uint8{3}
		case "information", "info", "4", "0":
			ls = []uint8{0, 4} // LogAlways reads as Information
		case "verbose", "5":
			ls = []uint8{5}
		default:
			return nil, fmt.Errorf("--level: unknown level %q (critical, error, warning, information, verbose or 1-5)", s)
		}
		if f.levels == nil {
			f.levels = map[uint8]bool{}
		}
		for _, l := range ls {
			f.levels[l] = true
		}
	}
	// The same reading of times as analyze -since/-until; event times are
	// UTC, so a time without an offset is UTC.
	var untilDate bool
	var err error
	if f.since, _, err = parseWhenIn(since, time.UTC); err != nil {
		return nil, fmt.Errorf("--since: %w", err)
	}
	if f.until, untilDate, err = parseWhenIn(until, time.UTC); err != nil {
		return nil, fmt.Errorf("--until: %w", err)
	}
	if untilDate {
		f.until = f.until.Add(24*time.Hour - time.Nanosecond) // a date alone: the end of that day
	}
	if !f.since.IsZero() && !f.until.IsZero() && f.since.After(f.until) {
		return nil, fmt.Errorf("--since %s is after --until %s", since, until)
	}
	f.window = !f.since.IsZero() || !f.until.IsZero()
	return f, nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (f *eventFilter) keep(ev *evtx.Event) bool {
	if len(f.ids) > 0 {
		in := false
		for _, r := range f.ids {
			if ev.EventID >= r[0] && ev.EventID <= r[1] {
				in = true
				break
			}
		}
		if !in {
			return false
		}
	}
	if len(f.providers) > 0 {
		p := strings.ToLower(ev.Provider)
		in := false
		for _, want := range f.providers {
			if strings.Contains(p, want) {
				in = true
				break
			}
		}
		if !in {
			return false
		}
	}
	if f.levels != nil && !f.levels[ev.Level] {
		return false
	}
	if f.window {
		if ev.Time.IsZero() || !f.since.IsZero() && ev.Time.Before(f.since) || !f.until.IsZero() && ev.Time.After(f.until) {
			return false
		}
	}
	return true
}
