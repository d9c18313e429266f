package source

import (
	"bytes"
	"encoding/binary"
	"strconv"

	"github.com/wudiag/wudiag/evtx"
	"github.com/wudiag/wudiag/internal/logline"
	"github.com/wudiag/wudiag/internal/textdec"
)

// A Kind is what a file holds, as Detect tells it from the file's first
// bytes. Names never decide a kind.
type Kind uint8

// The kinds Detect tells apart. Text is refined by the secondary-log
// reader (internal/textlogs) into WindowsUpdate.log, ReAgent.log and the
// others; the archive kinds are opened by Open and never reach a reader.
const (
	Unknown   Kind = iota // not looked at yet (the zero value)
	EVTX                  // binary event log: "ElfFile\0", or chunks ("ElfChnk\0") behind a damaged header
	EventXML              // event-log export as XML (wevtutil /f:xml, Event Viewer "Save as XML", ToXml())
	EventText             // event-log export as text (Event Viewer, wevtutil /f:text, Format-List)
	EventCSV              // event-log export as CSV or tab-separated text (Event Viewer, Export-Csv)
	CBS                   // CBS.log, CbsPersist_*.log
	DISM                  // dism.log
	Text                  // any other text: the secondary logs, or nothing wudiag reads
	Zip                   // zip archive ("PK\3\4", or "PK\5\6" when empty)
	Cab                   // Microsoft Cabinet ("MSCF")
	Gzip                  // gzip (1F 8B)
	ETL                   // binary ETW trace (WindowsUpdate's *.etl)
	Binary                // any other binary: executables, PDFs and the like
)

var kindNames = [...]string{
	Unknown:   "",
	EVTX:      "evtx",
	EventXML:  "evtx-xml",
	EventText: "evtx-text",
	EventCSV:  "evtx-csv",
	CBS:       "cbs",
	DISM:      "dism",
	Text:      "text",
	Zip:       "zip",
	Cab:       "cab",
	Gzip:      "gzip",
	ETL:       "etl",
	Binary:    "binary",
}

// String returns the kind's name as reports and the JSON contract write
// it ("evtx", "cbs", ...); Unknown is "".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Archive reports whether the kind is an archive that Open reads through.
func (k Kind) Archive() bool { return k == Zip || k == Cab || k == Gzip }

// EventLog reports whether the kind is an event log, binary or exported.
func (k Kind) EventLog() bool { return k >= EVTX && k <= EventCSV }

// Textual reports whether the kind is text: an event-log export, CBS.log,
// dism.log or other text. The others are binary.
func (k Kind) Textual() bool { return k >= EventXML && k <= Text }

// Readable reports whether the kind is text or an event log: something
// a reader may take (Text only when the secondary-log reader knows it).
func (k Kind) Readable() bool { return k >= EVTX && k <= Text }

// MagicSize is how many first bytes tell the binary kinds apart: Detect
// on a head of MagicSize bytes is cheap and says whether a file is binary.
const MagicSize = 4096 + 8

// HeadSize is how many first bytes of a file Detect looks at; a shorter
// head is enough for the binary kinds (512 bytes) but may leave a text
// log as Text.
const HeadSize = 64 << 10

// magics are the binary formats told by their first bytes. This is the
// one list of magic bytes in wudiag's intake.
var magics = []struct {
	prefix string
	kind   Kind
}{
	{"ElfFile\x00", EVTX},
	{"ElfChnk\x00", EVTX},
	{"PK\x03\x04", Zip},
	{"PK\x05\x06", Zip},
	{"MSCF", Cab},
	{"\x1f\x8b", Gzip},
	{"MZ", Binary},      // Windows executables and DLLs
	{"\x7fELF", Binary}, // ELF executables
	{"%PDF", Binary},
}

// Detect tells what a file holds from its first bytes (up to HeadSize
// are looked at): the binary formats by their magic bytes, event-log
// exports by their XML element, labels or CSV header (English or
// Japanese UI), CBS.log and dism.log by the component column of their
// lines; any other text is Text. An empty head is Text.
func Detect(head []byte) Kind {
	if len(head) > HeadSize {
		head = head[:HeadSize]
	}
	for _, m := range magics {
		if bytes.HasPrefix(head, []byte(m.prefix)) {
			return m.kind
		}
	}
	// A binary log whose file header is damaged: its first chunk is intact.
	if len(head) >= 4096+8 && string(head[4096:4096+8]) == "ElfChnk\x00" {
		return EVTX
	}
	if isETL(head) {
		return ETL
	}
	text := utf8Head(head)
	if k := eventExport(head, text); k != Unknown {
		return k
	}
	sc := logline.NewScanner(bytes.NewReader(text), nil)
	cbs, dism := 0, 0
	for i := 0; i < 400 && sc.Scan(); i++ {
		r := sc.Record()
		if r.Head.Kind != logline.Stamped && r.Head.Kind != logline.Bare {
			continue
		}
		switch r.Head.Component {
		case "CBS", "CSI":
			cbs++
		case "DISM":
			dism++
		}
	}
	switch {
	case dism > 0 && dism >= cbs:
		return DISM
	case cbs > 0:
		return CBS
	}
	return Text
}

// isETL reports whether head starts an ETW trace file: a WMI buffer
// header (0x48 bytes: the buffer size, a multiple of 1 KiB, first) whose
// first event is the trace's logfile header, a system trace header
// (HeaderType 1 or 2, flags 0xC0) with hook ID 0.
func isETL(head []byte) bool {
	if len(head) < 0x50 {
		return false
	}
	size := binary.LittleEndian.Uint32(head)
	if size == 0 || size%1024 != 0 || size > 64<<20 {
		return false
	}
	h := head[0x48:]
	return (h[2] == 1 || h[2] == 2) && h[3] == 0xC0 && h[6] == 0 && h[7] == 0
}

// utf8Head returns the head as UTF-8 text whatever its encoding (UTF-16
// with or without a byte order mark, UTF-8, the ANSI code pages textdec
// knows), one line per decoded line.
func utf8Head(head []byte) []byte {
	d := textdec.NewReader(bytes.NewReader(head), nil)
	var out bytes.Buffer
	for d.Next() {
		out.Write(d.Line())
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// eventExport tells an event-log export from the file's head and its
// decoded text, Unknown when it is none: what the event-log reader
// accepts (evtx.Sniff, so that a file taken for an export is one it
// reads), and also Event Viewer text whose "Log Name:" label is further
// down than evtx.Sniff looks.
func eventExport(head, text []byte) Kind {
	switch evtx.Sniff(head) {
	case evtx.XML:
		return EventXML
	case evtx.Text:
		return EventText
	case evtx.CSV:
		return EventCSV
	}
	if bytes.Contains(text, []byte("Log Name:")) && bytes.Contains(text, []byte("Event ID:")) {
		return EventText
	}
	return Unknown
}
