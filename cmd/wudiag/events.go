package main

import (
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/wudiag/wudiag/evtx"
	"github.com/wudiag/wudiag/internal/render"
)

const eventsHelp = `NAME
	wudiag events - print the events of Windows event logs

SYNOPSIS
	wudiag events [--format jsonl|xml|table] [--recover] [--parallel N] FILE...

DESCRIPTION
	Reads each FILE and prints its events, normalized: record ID, time
	(UTC), channel, provider, event ID, level, computer and the payload
	(EventData or UserData) as ordered name/value pairs.

	A FILE may be a binary .evtx log (also a dirty, truncated or damaged
	copy of a live log), an XML export (wevtutil qe /f:xml, Event Viewer
	"Save as XML", PowerShell ToXml(); UTF-8 or UTF-16) or an Event Viewer
	text copy ("Log Name:", "Source:", "Event ID:" ...). The kind is told
	from the content, not the file name.

	Damage never stops reading. Checksum mismatches, damaged chunks and
	records that cannot be decoded are reported on standard error with the
	file name and byte offset, and every other event is still printed.

OPTIONS
	--format jsonl|xml|table
		jsonl (default): one JSON object per event.
		xml: an <Events> document, one <Event> per event.
		table: aligned columns for reading in a terminal.
	--recover
		Also print records left in chunk slack space behind the last live
		record (deleted or overwritten events), marked "recovered".
	--parallel N
		Decode up to N chunks of a binary log at a time (default 1).
		Output stays in file order.
	-h, --help
		Print this help.

EXIT STATUS
	0  at least one FILE was read (warnings may have been printed)
	2  usage error, or no FILE could be read

EXAMPLES
	wudiag events System.evtx
	wudiag events --format table --recover Setup.evtx Application.evtx
	wudiag events events.xml | grep 0x80070643
`

func runEvents(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("events", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, eventsHelp) }
	format := fs.String("format", "jsonl", "output format: jsonl, xml or table")
	recov := fs.Bool("recover", false, "also print records recovered from slack space")
	parallel := fs.Int("parallel", 1, "chunks decoded at a time")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
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
		out = &tableWriter{tw: tabwriter.NewWriter(bw, 0, 8, 2, ' ', 0)}
		// JSON and XML escape control characters themselves.
	default:
		fmt.Fprintf(stderr, "wudiag events: unknown format %q (want jsonl, xml or table)\n", *format)
		return exitUsage
	}
	if *parallel < 1 {
		fmt.Fprintln(stderr, "wudiag events: --parallel must be at least 1")
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "wudiag events: no FILE given (see wudiag events -h)")
		return exitUsage
	}
	opts := &evtx.Options{Recover: *recov, Parallel: *parallel}
	out.begin()
	readable := 0
	for _, name := range fs.Args() {
		if ctx.Err() != nil {
			break
		}
		r, err := evtx.Open(name, opts)
		if err != nil {
			fmt.Fprintf(stderr, "wudiag events: %v\n", err)
			continue
		}
		readable++
		for ev, err := range r.All(ctx) {
			if err != nil {
				bw.Flush() // keep stdout and stderr in order on a terminal
				fmt.Fprintf(stderr, "wudiag events: %s\n", render.Visible(fmt.Sprintf("%s: %v", name, err)))
				continue
			}
			if err := out.event(name, ev); err != nil {
				r.Close()
				fmt.Fprintf(stderr, "wudiag events: %v\n", err)
				return exitUsage
			}
		}
		r.Close()
	}
	out.end()
	if err := bw.Flush(); err != nil {
		fmt.Fprintf(stderr, "wudiag events: %v\n", err)
	}
	if readable == 0 {
		return exitUsage
	}
	return exitOK
}

type eventWriter interface {
	begin()
	event(file string, ev *evtx.Event) error
	end()
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

func (w *jsonlWriter) begin() {}
func (w *jsonlWriter) end()   {}
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
func (x *xmlWriter) end() { x.w.WriteString("</Events>\n") }

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

// tableWriter prints aligned columns; the payload is summarized.
type tableWriter struct {
	tw    *tabwriter.Writer
	lines int
}

// cell is s for one table cell: controls visible, and no tab or
// newline to break the columns.
func cell(s string) string {
	return strings.Join(strings.Fields(render.Visible(s)), " ")
}

func (t *tableWriter) begin() {
	fmt.Fprintln(t.tw, "TIME (UTC)\tRECORD\tEVENT\tLEVEL\tPROVIDER\tDATA")
}

func (t *tableWriter) end() { t.tw.Flush() }

func (t *tableWriter) event(file string, ev *evtx.Event) error {
	var sb strings.Builder
	switch {
	case ev.Inferred:
		sb.WriteString("[recovered, names inferred] ")
	case ev.Recovered:
		sb.WriteString("[recovered] ")
	}
	for i, f := range ev.Data {
		if i > 0 {
			sb.WriteString("; ")
		}
		if f.Name != "" {
			sb.WriteString(f.Name)
			sb.WriteString("=")
		}
		sb.WriteString(f.Value)
		if sb.Len() > 160 {
			break
		}
	}
	if len(ev.Data) == 0 && ev.Message != "" {
		sb.WriteString(ev.Message)
	}
	data := strings.Join(strings.Fields(sb.String()), " ") // no tabs or newlines in a cell
	if r := []rune(data); len(r) > 160 {
		data = string(r[:157]) + "..."
	}
	ts := ev.Time.UTC().Format("2006-01-02 15:04:05")
	// Cells from the log with their control characters made visible:
	// the table is read on a terminal.
	_, err := fmt.Fprintf(t.tw, "%s\t%d\t%d\t%s\t%s\t%s\n", ts, ev.RecordID, ev.EventID, ev.LevelName(), cell(ev.Provider), cell(data))
	t.lines++
	if t.lines%512 == 0 { // bounded memory: realign every 512 rows
		t.tw.Flush()
	}
	return err
}
