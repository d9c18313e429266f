package evtx

import (
	"strings"
	"time"
)

// An Event is one event record, normalized: the System fields Windows shows
// for every event, and the payload (EventData or UserData) flattened into an
// ordered list of name/value pairs.
//
// Values are rendered as Windows renders them in XML: HexInt32 as 0x80070643,
// GUIDs in braces and upper case, SIDs as S-1-5-18, times as
// 2017-07-23T07:25:41.804504600Z, binary as upper-case hex. Strings lose
// their trailing NULs; message parameters such as %%827 are kept as stored.
type Event struct {
	// RecordID is System/EventRecordID, or the record header's identifier
	// when the event has none. In exported logs the two differ; see HeaderID.
	RecordID uint64
	// HeaderID is the identifier in the binary record header (0 for events
	// read from XML or text exports).
	HeaderID uint64
	// Time is System/TimeCreated/@SystemTime in UTC, or the record's written
	// time when the event carries none.
	Time time.Time
	// Written is the time in the binary record header (zero for exports).
	Written time.Time

	Channel         string
	Provider        string // Provider/@Name
	ProviderGUID    string // Provider/@Guid, e.g. {945A8954-C147-4ACD-923F-40C45405A658}
	EventSourceName string // Provider/@EventSourceName (classic sources)
	EventID         uint32
	Qualifiers      uint16
	HasQualifiers   bool // EventID carried a Qualifiers attribute
	Version         uint8
	Level           uint8
	Task            uint16
	Opcode          uint8
	Keywords        uint64
	Computer        string
	UserID          string // Security/@UserID
	ActivityID      string // Correlation/@ActivityID
	ProcessID       uint32
	ThreadID        uint32

	// Data holds the EventData <Data> elements in order, and for UserData
	// the leaf elements of the payload element in order. Classic sources
	// (MsiInstaller, Windows Error Reporting, SecurityCenter) write unnamed
	// Data, read by position (Name is empty).
	Data []Field
	// UserData is the name of the element inside <UserData> (for example
	// CbsPackageChangeState), and UserDataNS its namespace.
	UserData   string
	UserDataNS string
	// Binary is the EventData <Binary> element, as upper-case hex.
	Binary string
	// Message is the rendered description, when the event came from a
	// text export or an XML export with RenderingInfo.
	Message string

	// Offset is the byte offset of the record in its file (for binary
	// logs, the record header; for exports, where the event starts).
	Offset int64
	// Recovered reports that the record was carved from chunk slack space
	// (Options.Recover): it was overwritten or deleted and may be partial.
	Recovered bool
	// Inferred reports, for a recovered event, that newer records had
	// overwritten its template or the names the template uses: its
	// System fields were read by the standard Windows substitution
	// layout or through an intact template with the same ID found
	// elsewhere in the file, and lost element names were guessed
	// (EventData, Data, Name). Its Data names are those stored with the
	// payload, so they are usually right; a field may lack its name.
	Inferred bool
	// Source tells which kind of file the event came from.
	Source Kind
}

// A Field is one name/value pair of an event's payload.
type Field struct {
	Name  string
	Value string
}

// Lookup returns the value of the first Data field with the given name. If
// there is none it tries the names Windows used for the same field in other
// versions (see Aliases), so that
// Lookup("Current security intelligence Version") also finds the older
// "Current Signature Version".
func (e *Event) Lookup(name string) (string, bool) {
	for i := range e.Data {
		if e.Data[i].Name == name {
			return e.Data[i].Value, true
		}
	}
	for _, alt := range aliasesOf(name) {
		for i := range e.Data {
			if e.Data[i].Name == alt {
				return e.Data[i].Value, true
			}
		}
	}
	return "", false
}

// Get is Lookup without the second result.
func (e *Event) Get(name string) string {
	v, _ := e.Lookup(name)
	return v
}

// Value returns the i-th Data value (counting from 0), or "" when there are
// not that many. Use it for classic sources whose Data has no names, such
// as MsiInstaller 1033, where Value(3) is the installation status.
func (e *Event) Value(i int) string {
	if i < 0 || i >= len(e.Data) {
		return ""
	}
	return e.Data[i].Value
}

// LevelName returns the English name of the level as Event Viewer shows it.
func (e *Event) LevelName() string {
	switch e.Level {
	case 0:
		return "Information" // LogAlways
	case 1:
		return "Critical"
	case 2:
		return "Error"
	case 3:
		return "Warning"
	case 4:
		return "Information"
	case 5:
		return "Verbose"
	}
	return ""
}

// Aliases returns the Data names that Windows renamed between versions.
// Each entry is one field's set of names; Event.Lookup accepts any of
// them. The result is a fresh copy: changing it changes nothing here.
func Aliases() [][]string {
	out := make([][]string, len(aliases))
	for i, set := range aliases {
		out[i] = append([]string(nil), set...)
	}
	return out
}

var aliases = [...][]string{
	{"Current security intelligence Version", "Current Signature Version"},
	{"Previous security intelligence Version", "Previous Signature Version"},
	{"Security intelligence Type Index", "Signature Type Index"},
	{"Security intelligence Type", "Signature Type"},
	{"Security intelligence version", "Signature version"},
	{"AV security intelligence version", "AV signature version"},
	{"AS security intelligence version", "AS signature version"},
	{"NRI security intelligence version", "NRI signature version"},
	{"Last AV security intelligence age", "Last AV signature age"},
	{"Last AS security intelligence age", "Last AS signature age"},
	{"Security intelligence creation time", "Signature creation time"},
	{"OS Name", "OSName"},
	{"OS Version", "OSVersion"},
}

func aliasesOf(name string) []string {
	for _, set := range aliases {
		for _, n := range set {
			if strings.EqualFold(n, name) {
				return set
			}
		}
	}
	return nil
}
