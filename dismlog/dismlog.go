// Package dismlog reads dism.log, the log of the Deployment Image
// Servicing and Management tool and of DismApi.dll hosts, as a stream of
// entries.
//
// dism.log shares CBS.log's line grammar (package cbslog) and adds its own
// message shape:
//
//	2023-05-17 12:06:13, Error                 DISM   DISM Package Manager: PID=5372 TID=12244 Failed finalizing changes. - CDISMPackageManager::Internal_Finalize(hr:0x800f081f)
//	                                                  └ subsystem ─────────┘ └ process ────────┘ └ text ─────────────────┘   └ class::method ─────────────────────┘└ hr ──────────┘
//
// Besides DISM lines a dism.log holds lines with an empty component
// (Disk Cleanup and setup plug-ins), untimestamped WIMGAPI lines
// ("[3252.2868] [0x8007007b] FIOReadFileIntoBuffer:(1456): …") and, for
// offline servicing, whole CBS and CSI records. An Entry is a cbslog.Entry
// with the DISM fields parsed out; CBS and CSI records keep their cbslog
// meaning.
package dismlog

import (
	"io"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/wudiag/wudiag/cbslog"
	"github.com/wudiag/wudiag/codes"
	"github.com/wudiag/wudiag/internal/scan"
)

// Boundary values of Entry.Boundary.
const (
	SessionStart = "start" // "<----- Starting Dism.exe session ----->", "... DismApi.dll session ..."
	SessionEnd   = "end"   // "<----- Ending Dism.exe session ----->", "... DismApi.dll session ..."
)

// An Entry is one dism.log record.
type Entry struct {
	cbslog.Entry

	// Subsystem is the part before ": PID=" ("DISM Package Manager",
	// "DISM Provider Store", "API", "DISM.EXE"), "" when absent.
	Subsystem string
	// PID and TID are the process and thread IDs, 0 when absent (Win7
	// DISM writes no TID).
	PID, TID int
	// Message is the text between the process IDs and the method.
	Message string
	// Method is the trailing "Class::Method" ("CDISMPackageManager::Internal_Finalize").
	Method string
	// HR is the code in "(hr:0x800f081f)" after the method; HasHR reports it.
	HR    codes.Code
	HasHR bool
	// CBSHR is the code in "(CBS HRESULT=0x800f081f)"; HasCBSHR reports it.
	CBSHR    codes.Code
	HasCBSHR bool
	// Command is the command line of "Executing command line: …" lines.
	Command string
	// Boundary is SessionStart or SessionEnd on the lines that open and
	// close a DISM or DismApi session, else "".
	Boundary string
	// WIMGAPI reports an untimestamped WIMGAPI line; its code is in
	// HR and its function in Method.
	WIMGAPI bool
}

// A Reader reads entries from a dism.log. Set its fields before the first
// call to Scan.
type Reader struct {
	// Location, Encoding and Legacy are as in cbslog.Reader.
	Location *time.Location
	Encoding string
	Legacy   []string

	cr    *cbslog.Reader
	src   io.Reader
	entry Entry
}

// NewReader returns a Reader that reads from r.
func NewReader(r io.Reader) *Reader { return &Reader{src: r} }

// Scan advances to the next entry. It returns false at the end of the
// input or on a read error.
func (r *Reader) Scan() bool {
	if r.cr == nil {
		r.cr = cbslog.NewReader(r.src)
		r.cr.Location, r.cr.Encoding, r.cr.Legacy = r.Location, r.Encoding, r.Legacy
	}
	if !r.cr.Scan() {
		return false
	}
	r.entry = Parse(r.cr.Entry())
	return true
}

// Entry returns the entry found by the last call to Scan. It stays valid
// after later calls to Scan.
func (r *Reader) Entry() Entry { return r.entry }

// Err returns the first read error, or nil at a clean end of input.
func (r *Reader) Err() error {
	if r.cr == nil {
		return nil
	}
	return r.cr.Err()
}

// DetectedEncoding is as in cbslog.Reader.
func (r *Reader) DetectedEncoding() string {
	if r.cr == nil {
		return ""
	}
	return r.cr.DetectedEncoding()
}

// Entries returns an iterator over the entries of r. Iteration stops
// after yielding a read error.
func Entries(r io.Reader) iter.Seq2[Entry, error] {
	rd := NewReader(r)
	return scan.Seq2(rd, rd.Entry)
}

// Parse adds the DISM fields to a record read with the shared grammar.
// CBS and CSI records are returned with only the embedded Entry set.
func Parse(e cbslog.Entry) Entry {
	d := Entry{Entry: e}
	switch e.Component {
	case "CBS", "CSI", "DPX":
		return d
	}
	text := e.Text
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	if e.Time.IsZero() && e.Level == "" && parseWIMGAPI(&d, text) {
		return d
	}
	if _, after, ok := strings.Cut(text, "(CBS HRESULT="); ok {
		if c, ok := codeUntil(after, ')'); ok {
			d.CBSHR, d.HasCBSHR = c, true
		}
	}
	rest := text
	if i := strings.Index(rest, ": PID="); i > 0 && i < 48 && isSubsystem(rest[:i]) {
		d.Subsystem, rest = rest[:i], rest[i+2:]
	} else if i := strings.Index(rest, ": "); i > 0 && i < 48 && knownSubsystem(rest[:i]) {
		d.Subsystem, rest = rest[:i], rest[i+2:]
	}
	if strings.HasPrefix(rest, "PID=") {
		d.PID, rest = intField(rest[len("PID="):])
		rest = strings.TrimLeft(rest, " ")
		if strings.HasPrefix(rest, "TID=") {
			d.TID, rest = intField(rest[len("TID="):])
		}
		rest = strings.TrimLeft(rest, " ")
	}
	rest = parseMethod(&d, rest)
	d.Message = strings.TrimSpace(rest)
	switch {
	case strings.Contains(d.Message, "<----- Starting "):
		d.Boundary = SessionStart
	case strings.Contains(d.Message, "<----- Ending "):
		d.Boundary = SessionEnd
	}
	if i := strings.Index(d.Message, "Executing command line: "); i >= 0 {
		d.Command = strings.TrimSpace(d.Message[i+len("Executing command line: "):])
	}
	return d
}

// parseWIMGAPI reads "[3252.2868] [0x8007007b] FIOReadFileIntoBuffer:(1456): text".
func parseWIMGAPI(d *Entry, text string) bool {
	if !strings.HasPrefix(text, "[") {
		return false
	}
	end := strings.IndexByte(text, ']')
	if end < 2 || !strings.HasPrefix(text[end:], "] [0x") {
		return false
	}
	ids := text[1:end]
	rest := text[end+2:]
	c, ok := codeUntil(rest[1:], ']')
	if !ok {
		return false
	}
	d.WIMGAPI = true
	d.HR, d.HasHR = c, true
	pid, tid, _ := strings.Cut(ids, ".")
	d.PID, _ = strconv.Atoi(pid)
	d.TID, _ = strconv.Atoi(tid)
	rest = strings.TrimLeft(rest[strings.IndexByte(rest, ']')+1:], " ")
	fn, msg, _ := strings.Cut(rest, ":(")
	d.Method = fn
	if _, m, ok := strings.Cut(msg, "):"); ok {
		d.Message = strings.TrimSpace(m)
	}
	return true
}

// parseMethod takes a trailing " - Class::Method(hr:0x…)" off rest.
func parseMethod(d *Entry, rest string) string {
	i := strings.LastIndex(rest, " - ")
	if i < 0 {
		if strings.HasPrefix(rest, "- ") {
			i = -1
		} else {
			return rest
		}
	}
	m := strings.TrimSpace(rest[i+3:])
	if j := strings.Index(m, "(hr:"); j >= 0 {
		if c, ok := codeUntil(m[j+len("(hr:"):], ')'); ok {
			d.HR, d.HasHR = c, true
		}
		m = m[:j]
	}
	if !isMethod(m) {
		d.HasHR = false
		return rest
	}
	d.Method = m
	if i < 0 {
		return ""
	}
	return rest[:i]
}

func isMethod(s string) bool {
	if s == "" || len(s) > 120 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == ':' || c == '~' || c == '<' || c == '>') {
			return false
		}
	}
	return true
}

func isSubsystem(s string) bool {
	if knownSubsystem(s) {
		return true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ' || c == '.' || c == '/' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func knownSubsystem(s string) bool {
	switch s {
	case "DISM.EXE", "API", "DISM Provider Store", "DISM Package Manager", "DISM Manager",
		"DISM OS Provider", "DISM Transmog Provider", "DISM Imaging Provider",
		"DISM Image Session", "DISM WIM/VHD/FFU Provider", "DISM Driver Manager",
		"DISM Appx Provider", "PE Provider", "DISM Unattend Manager", "DISM Log Provider",
		"DISM SMI Provider", "DISM Intl Provider", "DISM Generic Provider",
		"DISM Capability Provider", "DISM Edition Provider", "DISM Core":
		return true
	}
	return strings.HasPrefix(s, "DISM ") && len(s) < 40 && !strings.ContainsAny(s, ":[(")
}

// intField reads decimal digits at the start of s.
func intField(s string) (int, string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' && i < 10 {
		i++
	}
	n, _ := strconv.Atoi(s[:i])
	return n, s[i:]
}

// codeUntil parses the code that runs up to the byte end.
func codeUntil(s string, end byte) (codes.Code, bool) {
	i := strings.IndexByte(s, end)
	if i < 0 || i > 40 {
		return 0, false
	}
	c, err := codes.Parse(strings.TrimSpace(s[:i]))
	return c, err == nil
}
