// Package evtxwrite writes Windows XML Event Log (EVTX) files for tests,
// fuzz seeds and benchmarks.
//
// It writes what Windows writes: a 4096-byte file header, 64 KiB chunks with
// their common-string and template tables, one template definition per
// distinct event shape and chunk (inline at its first use, referenced by
// offset afterwards), template instances with typed substitution values,
// and correct CRC32s. Options damage the output the ways real copies are
// damaged: a dirty header with a stale chunk count, bad checksums,
// zero-size records, a truncated file.
//
//	w := evtxwrite.New(f, nil)
//	w.Add(evtxwrite.Event{Channel: "System", Provider: "Microsoft-Windows-WindowsUpdateClient", EventID: 20, ...})
//	err := w.Close()
package evtxwrite

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// An Event is one event to write. Zero fields are written as zero values,
// except RecordID (0 assigns the next number) and the optional parts
// (ProviderGUID, EventSourceName, Qualifiers, UserID, Binary), which are
// left out of the template when empty.
type Event struct {
	Channel         string
	Provider        string
	ProviderGUID    string // {945A8954-C147-4ACD-923F-40C45405A658}
	EventSourceName string // classic sources behind a manifest provider
	EventID         uint16
	Qualifiers      uint16
	HasQualifiers   bool // write EventID/@Qualifiers (classic sources)
	Version         uint8
	Level           uint8
	Task            uint16
	Opcode          uint8
	Keywords        uint64
	Time            time.Time
	RecordID        uint64 // 0: previous + 1
	Computer        string
	UserID          string // a SID such as S-1-5-18; empty leaves Security out
	ProcessID       uint32
	ThreadID        uint32

	// Data is the payload, in order: EventData <Data Name=...> elements, or
	// the leaf elements of the UserData element when UserData is set.
	Data []Field
	// Unnamed writes EventData <Data> elements without Name attributes
	// (classic sources such as MsiInstaller).
	Unnamed bool
	// UserData, when set, writes the payload as
	// <UserData><UserData xmlns=UserDataNS>...</UserData></UserData>.
	UserData   string
	UserDataNS string
	// Binary adds an EventData <Binary> element.
	Binary []byte
}

// A Field is one payload value. Value's Go type selects the BinXML value
// type: string, []string, int8…int64, uint8…uint64, int (Int64), bool,
// float32, float64, []byte (Binary), time.Time (FILETIME), GUID, SID,
// HexInt32, HexInt64, or nil (NULL). Arrays (type|0x80): []string (each
// element NUL-terminated, as a classic source's insertion strings),
// []uint16, []int32, []uint32, []int64, []uint64, []HexInt32, []HexInt64.
type Field struct {
	Name  string
	Value any
}

// Value types with no Go counterpart.
type (
	GUID     string // braced or bare GUID text
	SID      string // S-1-5-18
	HexInt32 uint32 // rendered 0x80070643
	HexInt64 uint64
)

// Options damage or shape the output. The zero value writes a clean file.
type Options struct {
	// FirstRecordID is the first automatic record ID (default 1).
	FirstRecordID uint64
	// Dirty sets the header's dirty flag, as on a copy of a live log.
	Dirty bool
	// StaleChunkCount, when > 0, makes the header claim this many chunks
	// (a live copy's header lags behind the chunks in use).
	StaleChunkCount int
	// BadHeaderCRC writes a wrong file-header checksum.
	BadHeaderCRC bool
	// BadChunkCRC lists chunk indexes whose header and records checksums
	// are written wrong.
	BadChunkCRC []int
	// ZeroSizeRecords lists record IDs whose size field is written as 0
	// (the record is otherwise intact).
	ZeroSizeRecords []uint64
	// TruncateAt, when > 0, stops the output after this many bytes.
	TruncateAt int64
	// NestedEventData stores EventData/UserData as a nested BinXML value
	// (type 0x21) with its own template, as Windows 7 does for some logs.
	NestedEventData bool
	// RecordsPerChunk, when > 0, closes chunks after this many records.
	RecordsPerChunk int
	// Win7Layout writes the generic System template of Windows 7 and
	// later, as in the System logs of python-evtx's issue_38.evtx: values
	// 0-12 as usual, 13 RelatedActivityID, 14 Provider Name, 15 Provider
	// Guid, 16 Channel, and the payload as nested BinXML (value 17, as
	// with NestedEventData). Computer (and EventSourceName) are literal
	// text in the template, so events of every provider share it. The
	// nested payload's template is inline but its element and attribute
	// names refer to the chunk's names (EventData, Data, Name), as
	// Windows writes them.
	Win7Layout bool
}

// A Writer writes an EVTX file. If the destination is an io.WriterAt
// (such as *os.File) chunks are written as they fill and the header is
// written again by Close; otherwise the file is kept in memory until Close.
type Writer struct {
	w      io.Writer
	wa     io.WriterAt
	opts   Options
	out    int64 // bytes written or buffered
	mem    []byte
	err    error
	nextID uint64
	chunks int
	c      *chunk
	closed bool
}

const (
	headerBlock = 4096
	chunkSize   = 65536
	chunkHeader = 512
)

// New returns a Writer that writes to w. opts may be nil.
func New(w io.Writer, opts *Options) *Writer {
	wr := &Writer{w: w}
	if opts != nil {
		wr.opts = *opts
	}
	wr.nextID = max(wr.opts.FirstRecordID, 1)
	if wa, ok := w.(io.WriterAt); ok {
		wr.wa = wa
	}
	wr.emit(make([]byte, headerBlock)) // rewritten by Close
	return wr
}

// Add writes one event.
func (w *Writer) Add(ev Event) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("evtxwrite: Add after Close")
	}
	if ev.RecordID == 0 {
		ev.RecordID = w.nextID
	}
	w.nextID = ev.RecordID + 1
	if w.c == nil {
		w.c = newChunk()
	}
	if w.opts.RecordsPerChunk > 0 && w.c.count >= w.opts.RecordsPerChunk {
		w.flushChunk()
	}
	rec, err := w.c.record(&ev, &w.opts)
	if err == errChunkFull && w.c.count > 0 {
		w.flushChunk()
		rec, err = w.c.record(&ev, &w.opts)
	}
	if err != nil {
		w.err = fmt.Errorf("evtxwrite: record %d: %w", ev.RecordID, err)
		return w.err
	}
	w.c.commit(rec, ev.RecordID)
	return nil
}

// Close writes the last chunk and the file header.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	if w.c != nil && w.c.count > 0 {
		w.flushChunk()
	}
	h := w.header()
	if w.wa != nil {
		n := int64(len(h))
		if w.opts.TruncateAt > 0 {
			n = min(n, w.opts.TruncateAt)
		}
		if _, err := w.wa.WriteAt(h[:n], 0); err != nil {
			w.err = err
		}
		return w.err
	}
	copy(w.mem, h)
	if w.opts.TruncateAt > 0 && int64(len(w.mem)) > w.opts.TruncateAt {
		w.mem = w.mem[:w.opts.TruncateAt]
	}
	if _, err := w.w.Write(w.mem); err != nil {
		w.err = err
	}
	w.mem = nil
	return w.err
}

// Reuse starts the current chunk over, as Windows does when a full log
// wraps around and reuses its oldest chunk: the next records are written
// from the chunk's first record offset on, with new string and template
// tables, over the records already there. What they do not overwrite
// stays behind the new records as slack space: deleted records whose
// template definitions and names (stored in the first records) are gone.
// Close writes the chunk with the new records only in its header.
func (w *Writer) Reuse() {
	if w.err != nil || w.closed || w.c == nil {
		return
	}
	c := w.c
	c.pos, c.count, c.firstID, c.lastID, c.lastOff = chunkHeader, 0, 0, 0, 0
	c.names, c.templates = map[string]uint32{}, map[string]uint32{}
	c.strTable, c.tmplTable = [64]uint32{}, [32]uint32{}
}

func (w *Writer) header() []byte {
	h := make([]byte, headerBlock)
	copy(h, "ElfFile\x00")
	le := binary.LittleEndian
	n := w.chunks
	if w.opts.StaleChunkCount > 0 {
		n = w.opts.StaleChunkCount
	}
	le.PutUint64(h[8:], 0)
	le.PutUint64(h[16:], uint64(max(n-1, 0)))
	le.PutUint64(h[24:], w.nextID)
	le.PutUint32(h[32:], 128)
	le.PutUint16(h[36:], 1)
	le.PutUint16(h[38:], 3)
	le.PutUint16(h[40:], headerBlock)
	le.PutUint16(h[42:], uint16(n))
	var flags uint32
	if w.opts.Dirty {
		flags |= 1
	}
	le.PutUint32(h[120:], flags)
	sum := crc32.ChecksumIEEE(h[:120])
	if w.opts.BadHeaderCRC {
		sum = ^sum
	}
	le.PutUint32(h[124:], sum)
	return h
}

// emit writes b (or keeps it in memory), honouring TruncateAt.
func (w *Writer) emit(b []byte) {
	if w.err != nil {
		return
	}
	if w.wa == nil {
		w.mem = append(w.mem, b...)
		w.out += int64(len(b))
		return
	}
	if t := w.opts.TruncateAt; t > 0 {
		if w.out >= t {
			w.out += int64(len(b))
			return
		}
		if w.out+int64(len(b)) > t {
			b = b[:t-w.out]
		}
	}
	if _, err := w.wa.WriteAt(b, w.out); err != nil {
		w.err = err
	}
	w.out += int64(len(b))
}

func (w *Writer) flushChunk() {
	bad := false
	for _, i := range w.opts.BadChunkCRC {
		bad = bad || i == w.chunks
	}
	w.emit(w.c.finish(bad))
	w.chunks++
	w.c = newChunk()
}

var errChunkFull = errors.New("record does not fit in a chunk")

// chunk is the chunk being filled.
type chunk struct {
	buf       []byte // 64 KiB
	pos       int
	count     int
	firstID   uint64
	lastID    uint64
	lastOff   int
	names     map[string]uint32 // name → offset of its structure
	templates map[string]uint32 // shape key → definition offset
	strTable  [64]uint32
	tmplTable [32]uint32
}

func newChunk() *chunk {
	return &chunk{buf: make([]byte, chunkSize), pos: chunkHeader,
		names: map[string]uint32{}, templates: map[string]uint32{}}
}

// rec is a record built at a chunk position, before it is committed.
type rec struct {
	b        []byte
	newNames map[string]uint32
	newTmpl  map[string]uint32
}

func (c *chunk) commit(r *rec, id uint64) {
	copy(c.buf[c.pos:], r.b)
	// Link new names and templates in offset order, not map order, so that
	// the same events always give the same bytes.
	for _, name := range sortedByValue(r.newNames) {
		off := r.newNames[name]
		c.names[name] = off
		h := nameHash(name)
		// chain: the new name's next field points at the bucket's head
		binary.LittleEndian.PutUint32(c.buf[off:], c.strTable[h%64])
		c.strTable[h%64] = off
	}
	for _, key := range sortedByValue(r.newTmpl) {
		off := r.newTmpl[key]
		c.templates[key] = off
		id := binary.LittleEndian.Uint32(c.buf[off+4:])
		binary.LittleEndian.PutUint32(c.buf[off:], c.tmplTable[id%32])
		c.tmplTable[id%32] = off
	}
	if c.count == 0 {
		c.firstID = id
	}
	c.lastID = id
	c.lastOff = c.pos
	c.pos += len(r.b)
	c.count++
}

// sortedByValue returns the keys of m ordered by their values (offsets).
func sortedByValue[K comparable](m map[K]uint32) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] < m[keys[j]] })
	return keys
}

func (c *chunk) finish(bad bool) []byte {
	le := binary.LittleEndian
	b := c.buf
	copy(b, "ElfChnk\x00")
	le.PutUint64(b[8:], c.firstID)
	le.PutUint64(b[16:], c.lastID)
	le.PutUint64(b[24:], c.firstID)
	le.PutUint64(b[32:], c.lastID)
	le.PutUint32(b[40:], 128)
	le.PutUint32(b[44:], uint32(c.lastOff))
	le.PutUint32(b[48:], uint32(c.pos))
	for i, off := range c.strTable {
		le.PutUint32(b[128+4*i:], off)
	}
	for i, off := range c.tmplTable {
		le.PutUint32(b[384+4*i:], off)
	}
	rsum := crc32.ChecksumIEEE(b[chunkHeader:c.pos])
	if bad {
		rsum = ^rsum
	}
	le.PutUint32(b[52:], rsum)
	h := crc32.NewIEEE()
	h.Write(b[:120])
	h.Write(b[128:chunkHeader])
	sum := h.Sum32()
	if bad {
		sum = ^sum
	}
	le.PutUint32(b[124:], sum)
	return b
}

func nameHash(s string) uint16 {
	var h uint32
	for _, u := range utf16.Encode([]rune(s)) {
		h = h*65599 + uint32(u)
	}
	return uint16(h)
}

// Substitution indexes of the System part, the layout Windows uses.
const (
	sLevel = iota
	sOpcode
	sTask
	sEventID
	sQualifiers
	sKeywords
	sTime
	sActivityID
	sProcessID
	sThreadID
	sRecordID
	sVersion
	sUserID
	sProvider
	sProviderGUID
	sEventSource
	sChannel
	sComputer
	sPayload // first payload value (or the nested payload)
)

// BinXML tokens and value types.
const (
	tokEOF        = 0x00
	tokOpenStart  = 0x01
	tokCloseStart = 0x02
	tokCloseEmpty = 0x03
	tokEnd        = 0x04
	tokValue      = 0x05
	tokAttr       = 0x06
	tokTemplate   = 0x0c
	tokSubst      = 0x0d
	tokOptSubst   = 0x0e
	tokFragment   = 0x0f
	more          = 0x40

	tNull     = 0x00
	tString   = 0x01
	tInt8     = 0x03
	tUint8    = 0x04
	tInt16    = 0x05
	tUint16   = 0x06
	tInt32    = 0x07
	tUint32   = 0x08
	tInt64    = 0x09
	tUint64   = 0x0a
	tReal32   = 0x0b
	tReal64   = 0x0c
	tBool     = 0x0d
	tBinary   = 0x0e
	tGUID     = 0x0f
	tFileTime = 0x11
	tSID      = 0x13
	tHexInt32 = 0x14
	tHexInt64 = 0x15
	tBinXML   = 0x21
	tArray    = 0x80
)

type value struct {
	t byte
	b []byte
}

// enc builds BinXML at a known chunk offset (base + len(b)).
type enc struct {
	c        *chunk
	base     int
	b        []byte
	newNames map[string]uint32
	inline   bool // nested BinXML: template inline, names inline unless shareNames
	// shareNames lets nested BinXML refer to names already in the chunk
	// (Win7Layout).
	shareNames bool
}

func (e *enc) off() int { return e.base + len(e.b) }

func (e *enc) u8(v byte)    { e.b = append(e.b, v) }
func (e *enc) u16(v uint16) { e.b = binary.LittleEndian.AppendUint16(e.b, v) }
func (e *enc) u32(v uint32) { e.b = binary.LittleEndian.AppendUint32(e.b, v) }

// name writes a name reference, storing the name inline at its first use.
func (e *enc) name(s string) {
	if !e.inline || e.shareNames {
		if off, ok := e.c.names[s]; ok {
			e.u32(off)
			return
		}
		if off, ok := e.newNames[s]; ok {
			e.u32(off)
			return
		}
	}
	off := uint32(e.off() + 4)
	e.u32(off)
	if !e.inline || e.shareNames {
		e.newNames[s] = off
	}
	u := utf16.Encode([]rune(s))
	e.u32(0) // next, set on commit
	e.u16(nameHash(s))
	e.u16(uint16(len(u)))
	for _, c := range u {
		e.u16(c)
	}
	e.u16(0)
}

// element writes <name attrs>content</name>; attrs and content write themselves.
type attr struct {
	name     string
	sub      int // substitution index, or -1 for literal text
	t        byte
	optional bool
	text     string
}

func (e *enc) open(name string, attrs []attr) (sizeAt int) {
	tok := byte(tokOpenStart)
	if len(attrs) > 0 {
		tok |= more
	}
	e.u8(tok)
	e.u16(0xffff) // dependency identifier
	sizeAt = len(e.b)
	e.u32(0) // data size, patched by close
	e.name(name)
	if len(attrs) > 0 {
		listAt := len(e.b)
		e.u32(0)
		for i, a := range attrs {
			t := byte(tokAttr)
			if i < len(attrs)-1 {
				t |= more
			}
			e.u8(t)
			e.name(a.name)
			if a.sub < 0 {
				e.text(a.text)
			} else {
				e.subst(a.sub, a.t, a.optional)
			}
		}
		binary.LittleEndian.PutUint32(e.b[listAt:], uint32(len(e.b)-listAt-4))
	}
	return sizeAt
}

func (e *enc) closeEmpty(sizeAt int) {
	e.u8(tokCloseEmpty)
	binary.LittleEndian.PutUint32(e.b[sizeAt:], uint32(len(e.b)-sizeAt-4))
}

func (e *enc) closeStart() { e.u8(tokCloseStart) }

func (e *enc) end(sizeAt int) {
	e.u8(tokEnd)
	binary.LittleEndian.PutUint32(e.b[sizeAt:], uint32(len(e.b)-sizeAt-4))
}

func (e *enc) text(s string) {
	u := utf16.Encode([]rune(s))
	e.u8(tokValue)
	e.u8(tString)
	e.u16(uint16(len(u)))
	for _, c := range u {
		e.u16(c)
	}
}

func (e *enc) subst(i int, t byte, optional bool) {
	if optional {
		e.u8(tokOptSubst)
	} else {
		e.u8(tokSubst)
	}
	e.u16(uint16(i))
	e.u8(t)
}

// leaf writes <name attrs>{sub}</name>.
func (e *enc) leaf(name string, attrs []attr, sub int, t byte, optional bool) {
	at := e.open(name, attrs)
	e.closeStart()
	e.subst(sub, t, optional)
	e.end(at)
}

// shapeKey identifies events that share a template.
func shapeKey(ev *Event, vals []value, nested bool) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%t|%t|%t|%t|%t|%t|%q|%q|%t|", ev.ProviderGUID != "", ev.EventSourceName != "", ev.HasQualifiers,
		ev.UserID != "", ev.Unnamed, len(ev.Binary) > 0, ev.UserData, ev.UserDataNS, nested)
	for i, f := range ev.Data {
		fmt.Fprintf(&sb, "%q:%d,", f.Name, vals[sPayload+i].t)
	}
	return sb.String()
}

// record builds the record for ev at the chunk's current position.
func (c *chunk) record(ev *Event, opts *Options) (*rec, error) {
	vals, err := values(ev)
	if err != nil {
		return nil, err
	}
	r := &rec{newNames: map[string]uint32{}, newTmpl: map[string]uint32{}}
	base := c.pos
	e := &enc{c: c, base: base, newNames: r.newNames}
	// record header, fixed up below
	e.b = append(e.b, "**\x00\x00"...)
	e.u32(0)
	e.b = binary.LittleEndian.AppendUint64(e.b, ev.RecordID)
	e.b = binary.LittleEndian.AppendUint64(e.b, filetime(ev.Time))

	key := shapeKey(ev, vals, opts.NestedEventData)
	nested, first := opts.NestedEventData, sPayload
	e.fragmentHeader()
	if opts.Win7Layout {
		nested, first = true, w7Payload
		vals = win7Values(vals)
		pkey := key
		key = fmt.Sprintf("win7|%t|%t|%q|%q", ev.HasQualifiers, ev.UserID != "", ev.Computer, ev.EventSourceName)
		e.templateInstance(key, r, func() { e.win7Template(ev) })
		key = pkey
	} else {
		e.templateInstance(key, r, func() { e.eventTemplate(ev, vals, opts.NestedEventData) })
	}
	if nested {
		// The payload becomes one BinXML value, the last one. Its names
		// and template definition are stored inline, at chunk offsets
		// known once the outer values before it are laid out.
		payload := vals[first:]
		start := e.off() + 4 + 4*(first+1)
		for _, v := range vals[:first] {
			start += len(v.b)
		}
		ne := &enc{c: c, base: start, inline: true}
		if opts.Win7Layout {
			ne.shareNames, ne.newNames = true, r.newNames
		}
		ne.fragmentHeader()
		ne.templateInstance(key+"|payload", r, func() { ne.payload(ev, payload, 0) })
		ne.instanceValues(payload)
		ne.u8(tokEOF)
		vals = append(vals[:first:first], value{t: tBinXML, b: ne.b})
	}
	e.instanceValues(vals)
	// The event's BinXML ends with an EndOfFile token, as in every record
	// (and every nested payload) Windows writes. Without it libevtx reads
	// on into the padding and, when the values end on the 8-byte boundary
	// (no padding), takes the low byte of the size copy for a token
	// ("unsupported binary XML token type").
	e.u8(tokEOF)
	for len(e.b)%8 != 4 { // records are 8-byte aligned (with the size copy)
		e.u8(0)
	}
	size := len(e.b) + 4
	e.u32(uint32(size))
	sizeField := uint32(size)
	for _, id := range opts.ZeroSizeRecords {
		if id == ev.RecordID {
			sizeField = 0
		}
	}
	binary.LittleEndian.PutUint32(e.b[4:], sizeField)
	if base+size > chunkSize {
		if base == chunkHeader {
			return nil, fmt.Errorf("%w (%d bytes)", errChunkFull, size)
		}
		return nil, errChunkFull
	}
	r.b = e.b
	return r, nil
}

func (e *enc) fragmentHeader() { e.b = append(e.b, tokFragment, 1, 1, 0) }

// templateInstance writes a TemplateInstance token referring to the
// definition for key, writing the definition inline at its first use.
func (e *enc) templateInstance(key string, r *rec, body func()) {
	e.u8(tokTemplate)
	e.u8(1)
	id := templateID(key)
	e.u32(id)
	if off, ok := e.c.templates[key]; ok && !e.inline {
		e.u32(off)
		return
	}
	if off, ok := r.newTmpl[key]; ok && !e.inline {
		e.u32(off)
		return
	}
	defOff := uint32(e.off() + 4)
	e.u32(defOff)
	if !e.inline {
		r.newTmpl[key] = defOff
	}
	e.u32(0) // next definition, set on commit
	e.u32(id)
	guid := templateGUID(key)
	e.b = append(e.b, guid[4:]...)
	sizeAt := len(e.b)
	e.u32(0)
	e.fragmentHeader()
	body()
	e.u8(tokEOF)
	binary.LittleEndian.PutUint32(e.b[sizeAt:], uint32(len(e.b)-sizeAt-4))
}

func (e *enc) instanceValues(vals []value) {
	e.u32(uint32(len(vals)))
	for _, v := range vals {
		e.u16(uint16(len(v.b)))
		e.u8(v.t)
		e.u8(0)
	}
	for _, v := range vals {
		e.b = append(e.b, v.b...)
	}
}

func templateID(key string) uint32 {
	h := crc32.ChecksumIEEE([]byte(key))
	return h
}

func templateGUID(key string) [16]byte {
	var g [16]byte
	binary.LittleEndian.PutUint32(g[:], templateID(key))
	binary.LittleEndian.PutUint32(g[4:], crc32.Checksum([]byte(key), crc32.MakeTable(crc32.Castagnoli)))
	binary.LittleEndian.PutUint64(g[8:], uint64(len(key))*0x9e3779b97f4a7c15)
	return g
}

// eventTemplate writes the Event element of the template for ev.
func (e *enc) eventTemplate(ev *Event, vals []value, nested bool) {
	ev0 := e.open("Event", []attr{{name: "xmlns", sub: -1, text: "http://schemas.microsoft.com/win/2004/08/events/event"}})
	e.closeStart()
	sys := e.open("System", nil)
	e.closeStart()
	// Windows writes every System substitution as optional (0x0e): a
	// missing value (NullType, size 0) leaves its attribute out.
	pattrs := []attr{{name: "Name", sub: sProvider, t: tString, optional: true}}
	if ev.ProviderGUID != "" {
		pattrs = append(pattrs, attr{name: "Guid", sub: sProviderGUID, t: tGUID, optional: true})
	}
	if ev.EventSourceName != "" {
		pattrs = append(pattrs, attr{name: "EventSourceName", sub: sEventSource, t: tString, optional: true})
	}
	e.closeEmpty(e.open("Provider", pattrs))
	e.systemCore(ev)
	e.closeEmpty(e.open("Correlation", []attr{{name: "ActivityID", sub: sActivityID, t: tGUID, optional: true}}))
	e.closeEmpty(e.open("Execution", []attr{{name: "ProcessID", sub: sProcessID, t: tUint32, optional: true}, {name: "ThreadID", sub: sThreadID, t: tUint32, optional: true}}))
	e.leaf("Channel", nil, sChannel, tString, true)
	e.leaf("Computer", nil, sComputer, tString, true)
	if ev.UserID != "" {
		e.closeEmpty(e.open("Security", []attr{{name: "UserID", sub: sUserID, t: tSID, optional: true}}))
	} else {
		e.closeEmpty(e.open("Security", nil))
	}
	e.end(sys)
	if nested {
		e.subst(sPayload, tBinXML, true)
	} else {
		e.payload(ev, vals[sPayload:], sPayload)
	}
	e.end(ev0)
}

// systemCore writes the System elements both layouts take from the same
// values (0-12): EventID (with Qualifiers for classic events) through
// EventRecordID.
func (e *enc) systemCore(ev *Event) {
	var qa []attr
	if ev.HasQualifiers {
		qa = []attr{{name: "Qualifiers", sub: sQualifiers, t: tUint16, optional: true}}
	}
	e.leaf("EventID", qa, sEventID, tUint16, true)
	e.leaf("Version", nil, sVersion, tUint8, true)
	e.leaf("Level", nil, sLevel, tUint8, true)
	e.leaf("Task", nil, sTask, tUint16, true)
	e.leaf("Opcode", nil, sOpcode, tUint8, true)
	e.leaf("Keywords", nil, sKeywords, tHexInt64, true)
	e.closeEmpty(e.open("TimeCreated", []attr{{name: "SystemTime", sub: sTime, t: tFileTime, optional: true}}))
	e.leaf("EventRecordID", nil, sRecordID, tUint64, true)
}

// Value indexes of Win7Layout after the usual 0-12.
const (
	w7RelatedActivityID = sUserID + 1 + iota
	w7Provider
	w7ProviderGUID
	w7Channel
	w7Payload
)

// win7Values reorders values (the writer's own layout) into Win7Layout's.
func win7Values(v []value) []value {
	out := make([]value, w7Payload, w7Payload+len(v)-sPayload)
	copy(out, v[:sUserID+1])
	out[w7RelatedActivityID] = value{t: tNull}
	out[w7Provider] = v[sProvider]
	out[w7ProviderGUID] = v[sProviderGUID]
	out[w7Channel] = v[sChannel]
	return append(out, v[sPayload:]...)
}

// win7Template writes the Event element of Win7Layout's generic template:
// System from values 0-16 and literal text, then the nested payload.
func (e *enc) win7Template(ev *Event) {
	ev0 := e.open("Event", []attr{{name: "xmlns", sub: -1, text: "http://schemas.microsoft.com/win/2004/08/events/event"}})
	e.closeStart()
	sys := e.open("System", nil)
	e.closeStart()
	pattrs := []attr{{name: "Name", sub: w7Provider, t: tString, optional: true}, {name: "Guid", sub: w7ProviderGUID, t: tGUID, optional: true}}
	if ev.EventSourceName != "" {
		pattrs = append(pattrs, attr{name: "EventSourceName", sub: -1, text: ev.EventSourceName})
	}
	e.closeEmpty(e.open("Provider", pattrs))
	e.systemCore(ev)
	e.closeEmpty(e.open("Correlation", []attr{{name: "ActivityID", sub: sActivityID, t: tGUID, optional: true},
		{name: "RelatedActivityID", sub: w7RelatedActivityID, t: tGUID, optional: true}}))
	e.closeEmpty(e.open("Execution", []attr{{name: "ProcessID", sub: sProcessID, t: tUint32, optional: true}, {name: "ThreadID", sub: sThreadID, t: tUint32, optional: true}}))
	e.leaf("Channel", nil, w7Channel, tString, true)
	c := e.open("Computer", nil)
	e.closeStart()
	e.text(ev.Computer)
	e.end(c)
	e.closeEmpty(e.open("Security", []attr{{name: "UserID", sub: sUserID, t: tSID, optional: true}}))
	e.end(sys)
	e.subst(w7Payload, tBinXML, true)
	e.end(ev0)
}

// payload writes EventData or UserData with substitutions from first on.
func (e *enc) payload(ev *Event, vals []value, first int) {
	if ev.UserData != "" {
		ud := e.open("UserData", nil)
		e.closeStart()
		var attrs []attr
		if ev.UserDataNS != "" {
			attrs = []attr{{name: "xmlns", sub: -1, text: ev.UserDataNS}}
		}
		el := e.open(ev.UserData, attrs)
		e.closeStart()
		for i, f := range ev.Data {
			t, opt := payloadType(vals[i])
			e.leaf(f.Name, nil, first+i, t, opt)
		}
		e.end(el)
		e.end(ud)
		return
	}
	if len(ev.Data) == 0 && len(ev.Binary) == 0 {
		return
	}
	ed := e.open("EventData", nil)
	e.closeStart()
	for i, f := range ev.Data {
		var attrs []attr
		if !ev.Unnamed {
			attrs = []attr{{name: "Name", sub: -1, text: f.Name}}
		}
		t, opt := payloadType(vals[i])
		e.leaf("Data", attrs, first+i, t, opt)
	}
	if len(ev.Binary) > 0 {
		e.leaf("Binary", nil, first+len(ev.Data), tBinary, true)
	}
	e.end(ed)
}

// payloadType is the template type of a payload substitution and whether
// it is optional. Windows writes payload values under normal substitutions
// (0x0d), an empty string as a zero-size string. A NULL value (Field.Value
// nil) is NullType under an optional substitution (0x0e), so readers leave
// the element out ([MS-EVEN6] 3.1.4.7.2); the template declares a string.
// NullType under a normal substitution is not something Windows writes, and
// libevtx rejects it.
func payloadType(v value) (t byte, optional bool) {
	if v.t == tNull {
		return tString, true
	}
	return v.t, false
}

// values converts an event to its substitution values (System layout,
// then payload, then Binary).
func values(ev *Event) ([]value, error) {
	le := binary.LittleEndian
	v := make([]value, sPayload, sPayload+len(ev.Data)+1)
	v[sLevel] = value{tUint8, []byte{ev.Level}}
	v[sOpcode] = value{tUint8, []byte{ev.Opcode}}
	v[sTask] = value{tUint16, le.AppendUint16(nil, ev.Task)}
	v[sEventID] = value{tUint16, le.AppendUint16(nil, ev.EventID)}
	if ev.HasQualifiers {
		v[sQualifiers] = value{tUint16, le.AppendUint16(nil, ev.Qualifiers)}
	}
	v[sKeywords] = value{tHexInt64, le.AppendUint64(nil, ev.Keywords)}
	v[sTime] = value{tFileTime, le.AppendUint64(nil, filetime(ev.Time))}
	v[sProcessID] = value{tUint32, le.AppendUint32(nil, ev.ProcessID)}
	v[sThreadID] = value{tUint32, le.AppendUint32(nil, ev.ThreadID)}
	v[sRecordID] = value{tUint64, le.AppendUint64(nil, ev.RecordID)}
	v[sVersion] = value{tUint8, []byte{ev.Version}}
	if ev.UserID != "" {
		sid, err := encodeSID(ev.UserID)
		if err != nil {
			return nil, err
		}
		v[sUserID] = value{tSID, sid}
	}
	v[sProvider] = value{tString, utf16le(ev.Provider)}
	if ev.ProviderGUID != "" {
		g, err := encodeGUID(ev.ProviderGUID)
		if err != nil {
			return nil, err
		}
		v[sProviderGUID] = value{tGUID, g}
	}
	if ev.EventSourceName != "" {
		v[sEventSource] = value{tString, utf16le(ev.EventSourceName)}
	}
	v[sChannel] = value{tString, utf16le(ev.Channel)}
	v[sComputer] = value{tString, utf16le(ev.Computer)}
	for _, f := range ev.Data {
		fv, err := encodeValue(f.Value)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", f.Name, err)
		}
		v = append(v, fv)
	}
	if len(ev.Binary) > 0 {
		v = append(v, value{tBinary, ev.Binary})
	}
	for i := range v {
		if len(v[i].b) > math.MaxUint16 {
			return nil, errors.New("value larger than 65535 bytes")
		}
		// An empty System value is NullType with size 0, as Windows writes
		// it. Payload values keep their type: Windows writes an empty Data
		// string as a zero-size string (0x01) under a normal substitution,
		// which readers show as <Data Name="x"/>.
		if i < sPayload && len(v[i].b) == 0 {
			v[i].t = tNull
		}
	}
	return v, nil
}

func encodeValue(x any) (value, error) {
	le := binary.LittleEndian
	switch x := x.(type) {
	case nil:
		return value{tNull, nil}, nil
	case string:
		return value{tString, utf16le(x)}, nil
	case []string:
		var b []byte
		for _, s := range x {
			b = append(b, utf16le(s)...)
			b = append(b, 0, 0)
		}
		return value{tString | tArray, b}, nil
	case []uint16:
		return fixedArray(tUint16, x, func(b []byte, v uint16) []byte { return le.AppendUint16(b, v) }), nil
	case []int32:
		return fixedArray(tInt32, x, func(b []byte, v int32) []byte { return le.AppendUint32(b, uint32(v)) }), nil
	case []uint32:
		return fixedArray(tUint32, x, func(b []byte, v uint32) []byte { return le.AppendUint32(b, v) }), nil
	case []int64:
		return fixedArray(tInt64, x, func(b []byte, v int64) []byte { return le.AppendUint64(b, uint64(v)) }), nil
	case []uint64:
		return fixedArray(tUint64, x, func(b []byte, v uint64) []byte { return le.AppendUint64(b, v) }), nil
	case []HexInt32:
		return fixedArray(tHexInt32, x, func(b []byte, v HexInt32) []byte { return le.AppendUint32(b, uint32(v)) }), nil
	case []HexInt64:
		return fixedArray(tHexInt64, x, func(b []byte, v HexInt64) []byte { return le.AppendUint64(b, uint64(v)) }), nil
	case int8:
		return value{tInt8, []byte{byte(x)}}, nil
	case uint8:
		return value{tUint8, []byte{x}}, nil
	case int16:
		return value{tInt16, le.AppendUint16(nil, uint16(x))}, nil
	case uint16:
		return value{tUint16, le.AppendUint16(nil, x)}, nil
	case int32:
		return value{tInt32, le.AppendUint32(nil, uint32(x))}, nil
	case uint32:
		return value{tUint32, le.AppendUint32(nil, x)}, nil
	case int64:
		return value{tInt64, le.AppendUint64(nil, uint64(x))}, nil
	case int:
		return value{tInt64, le.AppendUint64(nil, uint64(x))}, nil
	case uint64:
		return value{tUint64, le.AppendUint64(nil, x)}, nil
	case float32:
		return value{tReal32, le.AppendUint32(nil, math.Float32bits(x))}, nil
	case float64:
		return value{tReal64, le.AppendUint64(nil, math.Float64bits(x))}, nil
	case bool:
		var n uint32
		if x {
			n = 1
		}
		return value{tBool, le.AppendUint32(nil, n)}, nil
	case []byte:
		return value{tBinary, x}, nil
	case time.Time:
		return value{tFileTime, le.AppendUint64(nil, filetime(x))}, nil
	case HexInt32:
		return value{tHexInt32, le.AppendUint32(nil, uint32(x))}, nil
	case HexInt64:
		return value{tHexInt64, le.AppendUint64(nil, uint64(x))}, nil
	case GUID:
		b, err := encodeGUID(string(x))
		return value{tGUID, b}, err
	case SID:
		b, err := encodeSID(string(x))
		return value{tSID, b}, err
	}
	return value{}, fmt.Errorf("unsupported value type %T", x)
}

// fixedArray encodes an array of a fixed-size type (BinXML type t|0x80):
// the elements back to back.
func fixedArray[T any](t byte, xs []T, put func([]byte, T) []byte) value {
	var b []byte
	for _, v := range xs {
		b = put(b, v)
	}
	return value{t | tArray, b}
}

func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

func filetime(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return uint64(t.UnixNano()/100 + 116444736000000000)
}

func encodeGUID(s string) ([]byte, error) {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	parts := strings.Split(s, "-")
	if len(parts) != 5 || len(parts[0]) != 8 || len(parts[1]) != 4 || len(parts[2]) != 4 || len(parts[3]) != 4 || len(parts[4]) != 12 {
		return nil, fmt.Errorf("bad GUID %q", s)
	}
	var b [16]byte
	d1, err1 := strconv.ParseUint(parts[0], 16, 32)
	d2, err2 := strconv.ParseUint(parts[1], 16, 16)
	d3, err3 := strconv.ParseUint(parts[2], 16, 16)
	d4, err4 := hex.DecodeString(parts[3] + parts[4])
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return nil, fmt.Errorf("bad GUID %q", s)
	}
	binary.LittleEndian.PutUint32(b[:], uint32(d1))
	binary.LittleEndian.PutUint16(b[4:], uint16(d2))
	binary.LittleEndian.PutUint16(b[6:], uint16(d3))
	copy(b[8:], d4)
	return b[:], nil
}

func encodeSID(s string) ([]byte, error) {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || parts[0] != "S" {
		return nil, fmt.Errorf("bad SID %q", s)
	}
	rev, err := strconv.ParseUint(parts[1], 10, 8)
	if err != nil {
		return nil, fmt.Errorf("bad SID %q", s)
	}
	auth, err := strconv.ParseUint(parts[2], 10, 48)
	if err != nil {
		return nil, fmt.Errorf("bad SID %q", s)
	}
	b := []byte{byte(rev), byte(len(parts) - 3), 0, 0, 0, 0, 0, 0}
	for i := 0; i < 6; i++ {
		b[7-i] = byte(auth >> (8 * i))
	}
	for _, p := range parts[3:] {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("bad SID %q", s)
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(n))
	}
	return b, nil
}
