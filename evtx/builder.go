package evtx

import (
	"time"
	"unsafe"
)

// nameKind classifies element and attribute names that matter for the
// normalized Event. It is computed once per name (when a template is
// compiled or an XML name is read), so the builder compares integers.
type nameKind uint8

const (
	kOther nameKind = iota
	kSystem
	kEventData
	kUserData
	kRenderingInfo
	kProvider
	kEventID
	kVersion
	kLevel
	kTask
	kOpcode
	kKeywords
	kTimeCreated
	kEventRecordID
	kCorrelation
	kExecution
	kChannel
	kComputer
	kSecurity
	kData
	kBinary
	kMessage
	// attributes
	kName
	kGUID
	kEventSourceName
	kQualifiers
	kSystemTime
	kProcessID
	kThreadID
	kUserID
	kActivityID
	kXmlns
	// kLost is a name a carved record's template refers to that newer
	// records overwrote. The builder guesses it from where it is: below
	// Event the payload's EventData, below EventData a Data element, and
	// on a Data element the Name attribute.
	kLost
)

func classify(name string) nameKind {
	switch name {
	case "System":
		return kSystem
	case "EventData":
		return kEventData
	case "UserData":
		return kUserData
	case "RenderingInfo":
		return kRenderingInfo
	case "Provider":
		return kProvider
	case "EventID":
		return kEventID
	case "Version":
		return kVersion
	case "Level":
		return kLevel
	case "Task":
		return kTask
	case "Opcode":
		return kOpcode
	case "Keywords":
		return kKeywords
	case "TimeCreated":
		return kTimeCreated
	case "EventRecordID":
		return kEventRecordID
	case "Correlation":
		return kCorrelation
	case "Execution":
		return kExecution
	case "Channel":
		return kChannel
	case "Computer":
		return kComputer
	case "Security":
		return kSecurity
	case "Data":
		return kData
	case "Binary":
		return kBinary
	case "Message":
		return kMessage
	case "Name":
		return kName
	case "Guid":
		return kGUID
	case "EventSourceName":
		return kEventSourceName
	case "Qualifiers":
		return kQualifiers
	case "SystemTime":
		return kSystemTime
	case "ProcessID":
		return kProcessID
	case "ThreadID":
		return kThreadID
	case "UserID":
		return kUserID
	case "ActivityID":
		return kActivityID
	case "xmlns":
		return kXmlns
	}
	return kOther
}

// role is what an open element means for the Event being built.
type role uint8

const (
	rIgnore role = iota // content not needed
	rEvent
	rSystem
	rSysText   // System child whose text is a field (EventID, Level, ...)
	rSysAttrs  // System child whose attributes are fields (Provider, ...)
	rEventData // EventData
	rData      // EventData/Data
	rBinary    // EventData/Binary
	rUserData  // UserData
	rPayload   // UserData/<payload>
	rField     // other element under EventData or the payload: leaf text is a field
	rRendering // RenderingInfo
	rMessage   // RenderingInfo/Message
)

// span is a byte range in builder.buf.
type span struct{ lo, hi int32 }

// A frame is an open element. It holds no pointers (its names are
// indexes into builder.strs), so pushing one costs no GC write barrier.
type frame struct {
	role     role
	kind     nameKind
	hasChild bool
	named    bool  // Data had a Name attribute
	name     int32 // element name in strs, or -1 when not kept
	dataName int32 // Data/@Name in strs, or -1
	text     int32 // where this element's text starts in buf
	strsAt   int32 // len(strs) when the element opened
	nameSpan span  // Data/@Name given by a substitution
}

type pendingField struct {
	name     string
	nameSpan span
	value    span
}

// maxDepth bounds element nesting; deeper input is reported as corrupt.
const maxDepth = 128

// A builder receives the SAX-like stream of a BinXML or XML event and fills
// an Event. The text of events is appended to buf, an arena shared by many
// events, and their strings are cut from it without copying; bytes once
// handed out (buf[:committed]) are never written again, so the strings
// stay immutable. Events and their Data come from slabs, so an event costs
// well under one allocation.
type builder struct {
	buf       []byte
	committed int // buf[:committed] belongs to events already returned
	stack     []frame
	fields    []pendingField
	attr      nameKind // attribute being read, kOther when ignored
	attrAt    int32    // where its text starts in buf
	attrOn    bool     // an attribute is open
	err       error

	ev       *Event // the event being built: the next slot of evSlab
	evOut    bool   // ev was returned by finish
	timeSet  bool
	channel  span
	provider span
	provGUID span
	source   span
	computer span
	userID   span
	activity span
	binary   span
	message  span
	payload  string
	payNS    span
	recID    bool

	// strs holds the names frames refer to, for the current event.
	strs []string
	// keepNames keeps every element's name (the XML reader matches end
	// tags by name); otherwise only names that can become field names.
	keepNames bool

	evSlab    []Event
	fieldSlab []Field
}

// Arena blocks: a new one is started when less than arenaMin bytes are
// left, or after one event grew a block past arenaMax.
const (
	arenaBlock = 64 << 10
	arenaMin   = 4 << 10
	arenaMax   = 1 << 20
)

func (b *builder) reset() {
	b.buf = b.buf[:b.committed] // drop the text of an event not returned
	if cap(b.buf)-len(b.buf) < arenaMin || cap(b.buf) > arenaMax {
		b.buf, b.committed = make([]byte, 0, arenaBlock), 0
	}
	b.stack = b.stack[:0]
	b.fields = b.fields[:0]
	b.attrOn = false
	b.err = nil
	switch {
	case b.ev == nil || b.evOut:
		// Events are cut from slabs: one allocation per 64 events.
		if len(b.evSlab) == cap(b.evSlab) {
			b.evSlab = make([]Event, 0, 64)
		}
		b.evSlab = b.evSlab[:len(b.evSlab)+1]
		b.ev, b.evOut = &b.evSlab[len(b.evSlab)-1], false
	default:
		*b.ev = Event{} // reuse the slot of an event not returned
	}
	b.timeSet = false
	b.channel, b.provider, b.provGUID, b.source = span{}, span{}, span{}, span{}
	b.computer, b.userID, b.activity, b.binary, b.message = span{}, span{}, span{}, span{}, span{}
	b.payload, b.payNS = "", span{}
	b.recID = false
	b.strs = b.strs[:0]
}

// addStr keeps s for the current event and returns its index.
func (b *builder) addStr(s string) int32 {
	b.strs = append(b.strs, s)
	return int32(len(b.strs) - 1)
}

// str returns the kept string i, or "" for -1.
func (b *builder) str(i int32) string {
	if i < 0 || int(i) >= len(b.strs) {
		return ""
	}
	return b.strs[i]
}

func (b *builder) pos() int32 { return int32(len(b.buf)) }

func (b *builder) top() *frame {
	if len(b.stack) == 0 {
		return nil
	}
	return &b.stack[len(b.stack)-1]
}

func (b *builder) start(name string, k nameKind) {
	b.endAttr()
	if len(b.stack) >= maxDepth {
		if b.err == nil {
			b.err = errf(ErrCorrupt, "elements nested deeper than %d", maxDepth)
		}
	}
	r := rIgnore
	p := b.top()
	if p == nil {
		r = rEvent
	} else {
		p.hasChild = true
		switch p.role {
		case rEvent:
			switch k {
			case kLost:
				r = rEventData
			case kSystem:
				r = rSystem
			case kEventData:
				r = rEventData
			case kUserData:
				r = rUserData
			case kRenderingInfo:
				r = rRendering
			}
		case rSystem:
			switch k {
			case kEventID, kVersion, kLevel, kTask, kOpcode, kKeywords, kEventRecordID, kChannel, kComputer:
				r = rSysText
			case kProvider, kTimeCreated, kCorrelation, kExecution, kSecurity:
				r = rSysAttrs
			}
		case rEventData:
			// Data, and other elements such as ComplexData, which also
			// carry a Name attribute (or else are named by their element).
			r = rData
			if k == kBinary {
				r = rBinary
			} else if k == kLost {
				k = kData // unnamed unless a Name attribute follows
			}
		case rUserData:
			r = rPayload
			b.payload = name
		case rPayload, rField, rData:
			r = rField
		case rRendering:
			if k == kMessage {
				r = rMessage
			}
		}
	}
	at, ni := int32(len(b.strs)), int32(-1)
	if b.keepNames || r == rField || r == rData && k != kData {
		ni = b.addStr(name)
	}
	b.stack = append(b.stack, frame{role: r, kind: k, name: ni, dataName: -1, text: b.pos(), strsAt: at})
}

func (b *builder) attrStart(k nameKind) {
	b.endAttr()
	f := b.top()
	b.attr = kOther
	b.attrOn = true
	b.attrAt = b.pos()
	if f == nil {
		return
	}
	switch f.role {
	case rSysAttrs:
		switch f.kind {
		case kProvider:
			if k == kName || k == kGUID || k == kEventSourceName {
				b.attr = k
			}
		case kTimeCreated:
			if k == kSystemTime {
				b.attr = k
			}
		case kCorrelation:
			if k == kActivityID {
				b.attr = k
			}
		case kExecution:
			if k == kProcessID || k == kThreadID {
				b.attr = k
			}
		case kSecurity:
			if k == kUserID {
				b.attr = k
			}
		}
	case rSysText:
		if f.kind == kEventID && k == kQualifiers {
			b.attr = k
		}
	case rData:
		if k == kName || k == kLost {
			b.attr = kName
			f.named = true
		}
	case rPayload:
		if k == kXmlns {
			b.attr = k
		}
	}
}

// endAttr commits the open attribute, if any.
func (b *builder) endAttr() {
	if !b.attrOn {
		return
	}
	b.attrOn = false
	s := span{b.attrAt, b.pos()}
	switch b.attr {
	case kOther:
		return
	case kName:
		f := b.top()
		if f.role == rData {
			if s.hi > s.lo {
				f.nameSpan = s
			}
			return
		}
		b.provider = s
	case kGUID:
		b.provGUID = s
	case kEventSourceName:
		b.source = s
	case kActivityID:
		b.activity = s
	case kUserID:
		b.userID = s
	case kXmlns:
		b.payNS = s
	case kQualifiers:
		if v, ok := parseUint(b.buf[s.lo:s.hi]); ok {
			b.ev.Qualifiers = uint16(v)
			b.ev.HasQualifiers = true
		}
		b.buf = b.buf[:s.lo]
	case kProcessID:
		v, _ := parseUint(b.buf[s.lo:s.hi])
		b.ev.ProcessID = uint32(v)
		b.buf = b.buf[:s.lo]
	case kThreadID:
		v, _ := parseUint(b.buf[s.lo:s.hi])
		b.ev.ThreadID = uint32(v)
		b.buf = b.buf[:s.lo]
	case kSystemTime:
		if s.hi > s.lo {
			if t, err := time.Parse(time.RFC3339Nano, string(b.buf[s.lo:s.hi])); err == nil {
				b.ev.Time = t.UTC()
				b.timeSet = true
			}
		}
		b.buf = b.buf[:s.lo]
	}
}

func (b *builder) closeStart() { b.endAttr() }

func (b *builder) end() {
	b.endAttr()
	f := b.top()
	if f == nil {
		return
	}
	s := span{f.text, b.pos()}
	switch f.role {
	case rSysText:
		b.sysText(f.kind, s)
	case rData:
		b.fields = append(b.fields, pendingField{name: b.fieldName(f), nameSpan: f.nameSpan, value: s})
		b.checkFields()
	case rBinary:
		b.binary = s
	case rField:
		if !f.hasChild {
			b.fields = append(b.fields, pendingField{name: b.str(f.name), value: s})
			b.checkFields()
		}
	case rMessage:
		b.message = s
	}
	if int(f.strsAt) < len(b.strs) {
		// The names this element and its children kept are used up.
		b.strs = b.strs[:f.strsAt]
	}
	b.stack = b.stack[:len(b.stack)-1]
}

func (b *builder) sysText(k nameKind, s span) {
	t := b.buf[s.lo:s.hi]
	switch k {
	case kChannel:
		b.channel = s
		return
	case kComputer:
		b.computer = s
		return
	case kEventID:
		v, _ := parseUint(t)
		b.ev.EventID = uint32(v)
	case kVersion:
		v, _ := parseUint(t)
		b.ev.Version = uint8(v)
	case kLevel:
		v, _ := parseUint(t)
		b.ev.Level = uint8(v)
	case kTask:
		v, _ := parseUint(t)
		b.ev.Task = uint16(v)
	case kOpcode:
		v, _ := parseUint(t)
		b.ev.Opcode = uint8(v)
	case kKeywords:
		v, _ := parseUint(t)
		b.ev.Keywords = v
	case kEventRecordID:
		if v, ok := parseUint(t); ok {
			b.ev.RecordID = v
			b.recID = true
		}
	}
	b.buf = b.buf[:s.lo]
}

// wantText reports whether text at the current position is kept.
func (b *builder) wantText() bool {
	if b.attrOn {
		return b.attr != kOther
	}
	f := b.top()
	if f == nil {
		return false
	}
	switch f.role {
	case rSysText, rData, rBinary, rField, rMessage:
		return true
	}
	return false
}

// text receives literal character data.
func (b *builder) text(s string) {
	if b.attrOn && b.attr == kName {
		if f := b.top(); f.role == rData {
			if f.dataName < 0 {
				f.dataName = b.addStr(s)
			} else {
				b.strs[f.dataName] += s
			}
			return
		}
	}
	if b.wantText() {
		b.buf = append(b.buf, s...)
		b.checkSize()
	}
}

// textBytes is text for a byte slice, which it does not keep.
func (b *builder) textBytes(s []byte) {
	if b.attrOn && b.attr == kName {
		if f := b.top(); f.role == rData {
			if f.dataName < 0 {
				f.dataName = b.addStr(string(s))
			} else {
				b.strs[f.dataName] += string(s)
			}
			return
		}
	}
	if b.wantText() {
		b.buf = append(b.buf, s...)
		b.checkSize()
	}
}

// shrink drops buffers grown large by one big event, so that a skipped
// event does not keep its memory for the rest of the file.
func (b *builder) shrink() {
	if cap(b.buf) > arenaMax {
		b.buf, b.committed = nil, 0
	}
	if cap(b.stack) > 256 {
		b.stack = nil
	}
	if cap(b.fields) > 4096 {
		b.fields = nil
	}
}

// maxFields bounds the Data fields of one event. Windows allows at most a
// few hundred substitution values per event.
const maxFields = 1 << 16

func (b *builder) checkFields() {
	if len(b.fields) > maxFields && b.err == nil {
		b.err = errf(ErrCorrupt, "event has more than %d data fields", maxFields)
		b.fields = b.fields[:0]
	}
}

// maxEventText bounds the text kept for one event.
const maxEventText = 8 << 20

func (b *builder) checkSize() {
	if len(b.buf)-b.committed > maxEventText && b.err == nil {
		b.err = errf(ErrCorrupt, "event text larger than %d bytes", maxEventText)
		b.buf = b.buf[:b.committed]
	}
}

// value receives a typed substitution value.
func (b *builder) value(t byte, v []byte) {
	if !b.wantText() {
		return
	}
	if b.attrOn {
		switch b.attr {
		case kSystemTime:
			switch {
			case t == tFileTime && len(v) >= 8:
				b.ev.Time = fileTime(le.Uint64(v))
				b.timeSet = true
				return
			case t == tSysTime && len(v) >= 16:
				b.ev.Time = sysTime(v)
				b.timeSet = true
				return
			}
		case kProcessID, kThreadID, kQualifiers:
			if n := fixedSize(t); n != 0 && n <= 8 && len(v) >= n && t != tReal32 && t != tReal64 {
				b.setAttrNumber(readUint(t, v))
				b.attr = kOther
				return
			}
		}
	} else if f := b.top(); f.role == rSysText && f.kind != kChannel && f.kind != kComputer {
		if n := fixedSize(t); n != 0 && n <= 8 && len(v) >= n && t != tReal32 && t != tReal64 && t != tFileTime {
			b.setSysNumber(f.kind, readUint(t, v))
			f.role = rIgnore // value taken; nothing to parse at end
			return
		}
	}
	if t&tArray != 0 && !b.attrOn {
		if f := b.top(); f.role == rData || f.role == rField && !f.hasChild {
			b.array(f, t&^tArray, v)
			return
		}
	}
	b.buf = appendValue(b.buf, t, v)
	b.checkSize()
}

// omit leaves out the Data element (or UserData leaf) being read, when it
// has no text yet: its only content is a value that is not there.
func (b *builder) omit() {
	if b.attrOn {
		return
	}
	if f := b.top(); f != nil && (f.role == rData || f.role == rField && !f.hasChild) && b.pos() == f.text {
		f.role = rIgnore
	}
}

// fieldName is the name of the field an EventData element makes: its Name
// attribute, or for elements other than Data (ComplexData) the element's
// own name. A Name given by a substitution is in nameSpan instead.
func (b *builder) fieldName(f *frame) string {
	if f.role == rField || !f.named && f.kind != kData {
		return b.str(f.name)
	}
	return b.str(f.dataName)
}

// array expands an array value inside a Data element (or a UserData leaf)
// into one field per element, all with the element's name, as Event
// Viewer and evtxexport show them: a classic source's string array (type
// 0x81) becomes the positional values %1, %2, ... The last element is
// left open for end to close, like a plain value.
func (b *builder) array(f *frame, t byte, v []byte) {
	if len(v) == 0 {
		b.omit()
		return
	}
	first := true
	eachElement(t, v, func(elem []byte) {
		if !first {
			b.fields = append(b.fields, pendingField{name: b.fieldName(f), nameSpan: f.nameSpan, value: span{f.text, b.pos()}})
			b.checkFields()
			f.text = b.pos()
		}
		first = false
		b.buf = appendValue(b.buf, t, elem)
	})
	b.checkSize()
}

func (b *builder) setAttrNumber(v uint64) {
	switch b.attr {
	case kProcessID:
		b.ev.ProcessID = uint32(v)
	case kThreadID:
		b.ev.ThreadID = uint32(v)
	case kQualifiers:
		b.ev.Qualifiers = uint16(v)
		b.ev.HasQualifiers = true
	}
}

func (b *builder) setSysNumber(k nameKind, v uint64) {
	switch k {
	case kEventID:
		b.ev.EventID = uint32(v)
	case kVersion:
		b.ev.Version = uint8(v)
	case kLevel:
		b.ev.Level = uint8(v)
	case kTask:
		b.ev.Task = uint16(v)
	case kOpcode:
		b.ev.Opcode = uint8(v)
	case kKeywords:
		b.ev.Keywords = v
	case kEventRecordID:
		b.ev.RecordID = v
		b.recID = true
	}
}

func readUint(t byte, v []byte) uint64 {
	switch fixedSize(t) {
	case 1:
		return uint64(v[0])
	case 2:
		return uint64(le.Uint16(v))
	case 4:
		return uint64(le.Uint32(v))
	}
	return le.Uint64(v)
}

// parseUint parses decimal or 0x-prefixed hex, ignoring surrounding spaces.
func parseUint(t []byte) (uint64, bool) {
	for len(t) > 0 && (t[0] == ' ' || t[0] == '\t' || t[0] == '\n' || t[0] == '\r') {
		t = t[1:]
	}
	for len(t) > 0 && (t[len(t)-1] == ' ' || t[len(t)-1] == '\t' || t[len(t)-1] == '\n' || t[len(t)-1] == '\r') {
		t = t[:len(t)-1]
	}
	if len(t) == 0 {
		return 0, false
	}
	base := uint64(10)
	if len(t) > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') {
		base = 16
		t = t[2:]
	}
	var v uint64
	for _, c := range t {
		var d uint64
		switch {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = uint64(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return v, false
		}
		v = v*base + d
	}
	return v, true
}

// finish closes any open elements and returns the event. Its strings
// are cut from the arena, its Data from a slab of fields.
func (b *builder) finish() *Event {
	for len(b.stack) > 0 {
		b.end()
	}
	if b.ev == nil {
		b.reset()
	}
	ev := b.ev
	b.evOut = true
	buf := b.buf
	b.committed = len(buf)
	cut := func(sp span) string {
		if sp.lo < 0 || sp.hi > int32(len(buf)) || sp.lo >= sp.hi {
			return ""
		}
		// buf[sp.lo:sp.hi] is never written again (see builder).
		return unsafe.String(&buf[sp.lo], sp.hi-sp.lo)
	}
	ev.Channel = cut(b.channel)
	ev.Provider = cut(b.provider)
	ev.ProviderGUID = cut(b.provGUID)
	ev.EventSourceName = cut(b.source)
	ev.Computer = cut(b.computer)
	ev.UserID = cut(b.userID)
	ev.ActivityID = cut(b.activity)
	ev.Binary = cut(b.binary)
	ev.Message = cut(b.message)
	ev.UserData = b.payload
	ev.UserDataNS = cut(b.payNS)
	if len(b.fields) > 0 {
		n := len(b.fields)
		if cap(b.fieldSlab)-len(b.fieldSlab) < n {
			b.fieldSlab = make([]Field, 0, max(512, n))
		}
		lo := len(b.fieldSlab)
		b.fieldSlab = b.fieldSlab[:lo+n]
		ev.Data = b.fieldSlab[lo : lo+n : lo+n]
		for i, f := range b.fields {
			name := f.name
			if name == "" && f.nameSpan.hi > f.nameSpan.lo {
				name = cut(f.nameSpan)
			}
			ev.Data[i] = Field{Name: name, Value: cut(f.value)}
		}
	}
	return ev
}
