package evtx

import "slices"

// Binary XML ([MS-EVEN6] 2.2.12, libyal "Binary XML").
//
// A record's body is a BinXML fragment: usually a TemplateInstance that
// names a template definition (a BinXML element tree with numbered
// substitutions) plus the substitution values. Definitions live in the
// chunk and are shared by later records of the same chunk. This decoder
// compiles each definition once per chunk into a flat list of ops whose
// element and attribute names are already classified, and runs the ops
// against each record's values straight into the Event builder, without
// building an XML tree.

const (
	tokEOF           = 0x00
	tokOpenStart     = 0x01
	tokCloseStart    = 0x02
	tokCloseEmpty    = 0x03
	tokEnd           = 0x04
	tokValue         = 0x05
	tokAttr          = 0x06
	tokCDATA         = 0x07
	tokCharRef       = 0x08
	tokEntityRef     = 0x09
	tokPITarget      = 0x0a
	tokPIData        = 0x0b
	tokTemplate      = 0x0c
	tokSubst         = 0x0d
	tokOptSubst      = 0x0e
	tokFragment      = 0x0f
	tokMoreFlag      = 0x40
	maxFragmentDepth = 8 // nested BinXML (value type 0x21) levels
)

type opKind uint8

const (
	opStart opKind = iota
	opAttr
	opCloseStart
	opCloseEmpty
	opEnd
	opText
	opSubst
)

type op struct {
	kind     opKind
	nk       nameKind
	vtype    byte
	optional bool
	skip     uint8 // fused ops: how many original ops follow (see fuse)
	sub      uint16
	s        string // element or attribute name, or literal text
}

// A template is a compiled template definition.
type template struct {
	ops []op
	err error
	// lost reports that some element or attribute names could not be
	// read (carved records only: the chunk's name table was overwritten).
	lost bool
}

// subValue is one substitution value of a template instance.
type subValue struct {
	t   byte
	off int // chunk offset of the data
	n   int // size
}

// chunkDecoder decodes the records of one chunk. Names and templates are
// cached by their chunk offset, as the format intends.
type chunkDecoder struct {
	data      []byte // the chunk, at most 64 KiB
	names     map[uint32]string
	templates map[uint32]*template
	vals      []subValue
	b         builder
	opsBuf    []op
	compBuf   []op // scratch for compiling a definition, copied to its exact size
	fuseBuf   []op
	// intern maps raw UTF-16 names and template text to their UTF-8
	// strings across chunks, so that the names every chunk repeats are
	// decoded and allocated once per file, not once per chunk.
	intern map[string]string
	// tcache holds compiled templates across chunks by GUID and size.
	tcache map[string]*template

	// Carving (Options.Recover): a record from slack space may point at
	// names and templates that newer records overwrote. Its names are
	// checked against their stored hash and its templates against the
	// template ID of the instance, in caches of their own.
	carving    bool
	lost       bool // a name was unreadable during the current compile
	inferred   bool // the current record's template or names were inferred
	cnames     map[uint32]cname
	ctemplates map[uint32]*template
	// byID holds this chunk's intact templates by template ID (the first
	// four bytes of the definition's GUID), to stand in for an overwritten
	// definition that a carved record names by the same ID.
	byID map[uint32]*template
	// shared holds intact templates of earlier chunks (read-only while
	// a chunk is decoded; see binarySource.fill).
	shared *templateRegistry

	// Where carveSlack starts (-1: nothing to carve), in which chunk.
	slack     int
	slackData []byte
	slackOff  int64
	// steps bounds the work per record so that no input, however
	// crafted, makes decoding loop for long.
	steps      int
	chunkSteps int
}

func newChunkDecoder() *chunkDecoder {
	return &chunkDecoder{
		names:      make(map[uint32]string),
		templates:  make(map[uint32]*template),
		cnames:     make(map[uint32]cname),
		ctemplates: make(map[uint32]*template),
		byID:       make(map[uint32]*template),
		intern:     make(map[string]string),
		tcache:     make(map[string]*template),
	}
}

func (d *chunkDecoder) reset(data []byte) {
	d.data = data
	d.chunkSteps = chunkBudget
	clear(d.names)
	clear(d.templates)
	clear(d.cnames)
	clear(d.ctemplates)
	clear(d.byID)
}

// A cname is a name read for a carved record: lost when the structure at
// its offset no longer matches its hash.
type cname struct {
	s    string
	lost bool
}

// errLostName is returned by name for a carved record whose name was
// overwritten; compile turns it into an op of kind kLost.
var errLostName = errf(ErrCorrupt, "name overwritten")

// nameHash is the hash stored in a name structure: h = h*65599 + unit
// over the UTF-16 code units, low 16 bits.
func nameHash(u16 []byte) uint16 {
	var h uint32
	for i := 0; i+1 < len(u16); i += 2 {
		h = h*65599 + uint32(le.Uint16(u16[i:]))
	}
	return uint16(h)
}

// name returns the name structure at chunk offset off and its size
// (next-offset u32, hash u16, count u16, UTF-16 chars, NUL).
func (d *chunkDecoder) name(off uint32) (string, int, error) {
	if int64(off)+8 > int64(len(d.data)) {
		return "", 0, errf(ErrCorrupt, "name offset %d outside chunk", off)
	}
	n := int(le.Uint16(d.data[off+6:]))
	size := 8 + 2*n + 2
	end := int(off) + 8 + 2*n
	if end > len(d.data) {
		return "", 0, errf(ErrCorrupt, "name at offset %d runs past chunk", off)
	}
	if d.carving {
		c, ok := d.cnames[off]
		if !ok {
			units := d.data[int(off)+8 : end]
			c.lost = n == 0 || le.Uint16(d.data[off+4:]) != nameHash(units)
			if !c.lost {
				var tmp [64]byte
				c.s = string(appendUTF16(tmp[:0], units))
			}
			d.cnames[off] = c
		}
		if c.lost {
			d.lost = true
			return "", size, errLostName
		}
		return c.s, size, nil
	}
	if s, ok := d.names[off]; ok {
		return s, size, nil
	}
	s := d.internUTF16(d.data[int(off)+8 : end])
	d.names[off] = s
	return s, size, nil
}

// readName reads a name reference at p: a u32 chunk offset, followed by
// the name structure itself when it is stored inline (offset == p+4).
func (d *chunkDecoder) readName(p int) (string, int, error) {
	if p+4 > len(d.data) {
		return "", p, errf(ErrTruncated, "name reference at %d", p)
	}
	off := le.Uint32(d.data[p:])
	p += 4
	s, size, err := d.name(off)
	if err != nil && err != errLostName {
		return "", p, err
	}
	if int(off) == p {
		p += size
	}
	return s, p, err
}

func (d *chunkDecoder) utf16At(p, n int) (string, int, error) {
	end := p + 2*n
	if n < 0 || end > len(d.data) {
		return "", p, errf(ErrTruncated, "string at %d", p)
	}
	return d.internUTF16(d.data[p:end]), end, nil
}

// Bounds of the intern table: strings up to maxIntern bytes of UTF-16,
// and at most maxInterned of them (then the table starts over).
const (
	maxIntern   = 512
	maxInterned = 8192
)

// internUTF16 returns u (UTF-16LE) as a string, the same string for the
// same bytes within a file.
func (d *chunkDecoder) internUTF16(u []byte) string {
	if s, ok := d.intern[string(u)]; ok {
		return s
	}
	var tmp [128]byte
	s := string(appendUTF16(tmp[:0], u))
	if len(u) <= maxIntern {
		if len(d.intern) >= maxInterned {
			clear(d.intern)
		}
		d.intern[string(u)] = s
	}
	return s
}

// elementName returns where the name reference of the OpenStartElement at p
// is. Inside template definitions the token is followed by a 2-byte
// dependency identifier and a 4-byte data size; in records without a
// template and in some nested BinXML the identifier is missing. The name
// reference is whichever candidate points at a name stored inline or at a
// name already seen.
func (d *chunkDecoder) elementName(p, end int) int {
	withID, without := p+7, p+5
	if withID+4 > end {
		return without
	}
	a, b := le.Uint32(d.data[withID:]), le.Uint32(d.data[without:])
	switch {
	case int(a) == withID+4:
		return withID
	case int(b) == without+4:
		return without
	}
	if _, ok := d.names[a]; ok {
		return withID
	}
	if _, ok := d.names[b]; ok {
		return without
	}
	if d.plausibleName(a) || !d.plausibleName(b) {
		return withID
	}
	return without
}

// plausibleName reports whether a name structure could be at off.
func (d *chunkDecoder) plausibleName(off uint32) bool {
	if off < chunkHeaderSize || int64(off)+10 > int64(len(d.data)) {
		return false
	}
	n := int(le.Uint16(d.data[off+6:]))
	end := int(off) + 8 + 2*n
	return n > 0 && end+2 <= len(d.data) && d.data[end] == 0 && d.data[end+1] == 0
}

var entities = map[string]string{"amp": "&", "lt": "<", "gt": ">", "quot": `"`, "apos": "'"}

// compile turns the BinXML token stream at [p, end) into ops, stopping at
// the EOF token or at end. It returns the position after the stream.
func (d *chunkDecoder) compile(p, end int, ops []op) ([]op, int, error) {
	if end > len(d.data) {
		end = len(d.data)
	}
	depth := 0
	for p < end {
		d.steps--
		if d.steps < 0 {
			return ops, p, errf(ErrCorrupt, "token stream too long")
		}
		tok := d.data[p]
		switch tok &^ tokMoreFlag {
		case tokEOF:
			return ops, p + 1, nil
		case tokOpenStart:
			if p+9 > end {
				return ops, p, errf(ErrTruncated, "element at %d", p)
			}
			name, q, err := d.readName(d.elementName(p, end))
			nk := classify(name)
			if err == errLostName {
				nk, err = kLost, nil
			}
			if err != nil {
				return ops, p, err
			}
			p = q
			if tok&tokMoreFlag != 0 { // attribute list size
				p += 4
			}
			ops = append(ops, op{kind: opStart, nk: nk, s: name})
			depth++
			if depth > maxDepth {
				return ops, p, errf(ErrCorrupt, "elements nested deeper than %d", maxDepth)
			}
		case tokCloseStart:
			ops = append(ops, op{kind: opCloseStart})
			p++
		case tokCloseEmpty:
			ops = append(ops, op{kind: opCloseEmpty})
			depth--
			p++
		case tokEnd:
			ops = append(ops, op{kind: opEnd})
			depth--
			p++
		case tokValue:
			if p+4 > end {
				return ops, p, errf(ErrTruncated, "value at %d", p)
			}
			t := d.data[p+1]
			n := int(le.Uint16(d.data[p+2:]))
			var s string
			var err error
			switch t {
			case tString:
				s, p, err = d.utf16At(p+4, n)
			case tAnsiString:
				if p+4+n > end {
					return ops, p, errf(ErrTruncated, "value at %d", p)
				}
				s, p = string(appendANSI(nil, d.data[p+4:p+4+n])), p+4+n
			default:
				return ops, p, errf(ErrCorrupt, "value text of type 0x%02x at %d", t, p)
			}
			if err != nil {
				return ops, p, err
			}
			ops = append(ops, op{kind: opText, s: s})
		case tokAttr:
			name, q, err := d.readName(p + 1)
			nk := classify(name)
			if err == errLostName {
				nk, err = kLost, nil
			}
			if err != nil {
				return ops, p, err
			}
			p = q
			ops = append(ops, op{kind: opAttr, nk: nk, s: name})
		case tokCDATA:
			if p+3 > end {
				return ops, p, errf(ErrTruncated, "CDATA at %d", p)
			}
			s, q, err := d.utf16At(p+3, int(le.Uint16(d.data[p+1:])))
			if err != nil {
				return ops, p, err
			}
			p = q
			ops = append(ops, op{kind: opText, s: s})
		case tokCharRef:
			if p+3 > end {
				return ops, p, errf(ErrTruncated, "character reference at %d", p)
			}
			ops = append(ops, op{kind: opText, s: string(rune(le.Uint16(d.data[p+1:])))})
			p += 3
		case tokEntityRef:
			name, q, err := d.readName(p + 1)
			if err == errLostName {
				p = q
				continue
			}
			if err != nil {
				return ops, p, err
			}
			p = q
			s, ok := entities[name]
			if !ok {
				s = "&" + name + ";"
			}
			ops = append(ops, op{kind: opText, s: s})
		case tokPITarget:
			_, q, err := d.readName(p + 1)
			if err != nil && err != errLostName {
				return ops, p, err
			}
			p = q
		case tokPIData:
			if p+3 > end {
				return ops, p, errf(ErrTruncated, "PI data at %d", p)
			}
			_, q, err := d.utf16At(p+3, int(le.Uint16(d.data[p+1:])))
			if err != nil {
				return ops, p, err
			}
			p = q
		case tokSubst, tokOptSubst:
			if p+4 > end {
				return ops, p, errf(ErrTruncated, "substitution at %d", p)
			}
			ops = append(ops, op{kind: opSubst, sub: le.Uint16(d.data[p+1:]), vtype: d.data[p+3], optional: tok == tokOptSubst})
			p += 4
		case tokFragment:
			p += 4
		case tokTemplate:
			return ops, p, errf(ErrCorrupt, "template instance inside a template at %d", p)
		default:
			return ops, p, errf(ErrCorrupt, "unknown BinXML token 0x%02x at %d", tok, p)
		}
	}
	return ops, p, errf(ErrTruncated, "BinXML ends without EOF")
}

// template returns the compiled definition at chunk offset off.
func (d *chunkDecoder) template(off uint32) *template {
	if t, ok := d.templates[off]; ok {
		return t
	}
	t := &template{}
	d.templates[off] = t
	p := int(off)
	if p+24 > len(d.data) || p < 0 {
		t.err = errf(ErrCorrupt, "template definition offset %d outside chunk", off)
		return t
	}
	// The same template recurs in every chunk of a log, with the same
	// GUID (which Windows derives from its content) and size: it is
	// compiled once per file.
	key := d.data[p+4 : p+24]
	if c, ok := d.tcache[string(key)]; ok {
		d.templates[off] = c
		if len(d.byID) < maxTemplatesByID {
			d.byID[le.Uint32(key)] = c
		}
		return c
	}
	size := int(le.Uint32(d.data[p+20:]))
	start := p + 24
	end := start + size
	if size < 0 || end > len(d.data) || end < start {
		end = len(d.data)
	}
	ops, _, err := d.compile(start, end, d.compBuf[:0])
	d.compBuf = ops[:0]
	if err != nil {
		t.err = err
		return t
	}
	d.fuseBuf = fuse(ops, d.fuseBuf[:0])
	t.ops = slices.Clone(d.fuseBuf)
	if len(d.byID) < maxTemplatesByID {
		d.byID[le.Uint32(key)] = t
	}
	if len(d.tcache) >= maxTemplatesByID {
		clear(d.tcache)
	}
	d.tcache[string(key)] = t
	return t
}

// maxTemplatesByID bounds the templates kept by ID per chunk (a chunk
// holds at most a few hundred definitions).
const maxTemplatesByID = 4096

// carvedTemplate returns the compiled definition at off for a carved
// record whose instance names template ID id, or nil when the definition
// is gone: not at off any more (its GUID does not start with id), not
// compilable, or with names overwritten. Inline definitions are part of
// the record itself and are not checked against the ID.
func (d *chunkDecoder) carvedTemplate(off, id uint32, inline bool) *template {
	t, ok := d.ctemplates[off]
	if !ok {
		t = &template{}
		d.ctemplates[off] = t
		p := int(off)
		switch {
		case p+24 > len(d.data) || p < chunkHeaderSize:
			t.err = errf(ErrCorrupt, "template definition offset %d outside chunk", off)
		case !inline && le.Uint32(d.data[p+4:]) != id:
			t.err = errf(ErrCorrupt, "template definition at %d overwritten", off)
		default:
			size := int(le.Uint32(d.data[p+20:]))
			start := p + 24
			end := start + size
			if size < 0 || end > len(d.data) || end < start {
				end = len(d.data)
			}
			d.lost = false
			ops, _, err := d.compile(start, end, d.compBuf[:0])
			d.compBuf = ops[:0]
			t.ops, t.err, t.lost = slices.Clone(ops), err, d.lost
			if t.err == nil && !t.lost && len(d.byID) < maxTemplatesByID {
				if _, ok := d.byID[id]; !ok {
					d.byID[id] = t
				}
			}
		}
	}
	if t.err != nil {
		return nil
	}
	return t
}

// fits reports whether template t can render vals (see fits), counting
// the work against the record's budget: many tiny carved records naming
// one huge template must not take long.
func (d *chunkDecoder) fits(t *template, vals []subValue) bool {
	d.steps -= len(t.ops) + len(vals)
	return d.steps >= 0 && fits(t, vals)
}

// fits reports whether template t can render vals: every substitution it
// makes has a value of its declared type (or NULL), and every value that
// is not NULL is used.
func fits(t *template, vals []subValue) bool {
	var used [64]uint64
	for i := range t.ops {
		o := &t.ops[i]
		if o.kind != opSubst {
			continue
		}
		if int(o.sub) >= len(vals) {
			if o.optional {
				continue
			}
			return false
		}
		v := vals[o.sub]
		if v.t != o.vtype && v.t != tNull && v.n != 0 {
			return false
		}
		if int(o.sub) < 64*len(used) {
			used[o.sub/64] |= 1 << (o.sub % 64)
		}
	}
	for i, v := range vals {
		if i >= 64*len(used) {
			break
		}
		if v.t != tNull && v.n != 0 && used[i/64]&(1<<(i%64)) == 0 {
			return false
		}
	}
	return true
}

// fragment decodes the BinXML fragment at [p, end) into the builder. It
// returns the position after it.
func (d *chunkDecoder) fragment(p, end, depth int) (int, error) {
	if depth > maxFragmentDepth {
		return p, errf(ErrCorrupt, "BinXML nested deeper than %d", maxFragmentDepth)
	}
	if end > len(d.data) {
		end = len(d.data)
	}
	if p < end && d.data[p] == tokFragment {
		p += 4
	}
	if p >= end {
		return p, errf(ErrTruncated, "empty BinXML fragment")
	}
	if d.data[p] != tokTemplate {
		// A record without a template: the element tree with literal values.
		ops, q, err := d.compile(p, end, d.opsBuf[:0])
		d.opsBuf = ops[:0]
		if err != nil {
			return q, err
		}
		return q, d.run(ops, nil, depth)
	}
	// TemplateInstance: token, unknown byte, template id, definition offset.
	if p+10 > end {
		return p, errf(ErrTruncated, "template instance at %d", p)
	}
	tid := le.Uint32(d.data[p+2:])
	defOff := le.Uint32(d.data[p+6:])
	p += 10
	inline := int(defOff) == p
	if inline { // the definition follows inline
		if p+24 > end {
			return p, errf(ErrTruncated, "template definition at %d", p)
		}
		size := int(le.Uint32(d.data[p+20:]))
		if size < 0 || p+24+size > end {
			return p, errf(ErrTruncated, "template definition at %d (size %d)", p, size)
		}
		p += 24 + size
	}
	var t *template
	if d.carving {
		t = d.carvedTemplate(defOff, tid, inline)
	} else {
		t = d.template(defOff)
		if t.err != nil {
			return p, t.err
		}
	}
	// Instance data: count, descriptors (size u16, type u8, pad), values.
	if p+4 > end {
		return p, errf(ErrTruncated, "substitution count at %d", p)
	}
	n := int(le.Uint32(d.data[p:]))
	p += 4
	if n < 0 || n > (end-p)/4 {
		return p, errf(ErrCorrupt, "%d substitutions do not fit", n)
	}
	base := len(d.vals)
	q := p + 4*n
	for i := 0; i < n; i++ {
		size := int(le.Uint16(d.data[p+4*i:]))
		t := d.data[p+4*i+2]
		if q+size > end {
			d.vals = d.vals[:base]
			return q, errf(ErrTruncated, "substitution %d runs past the record", i)
		}
		d.vals = append(d.vals, subValue{t: t, off: q, n: size})
		q += size
	}
	vals := d.vals[base:]
	if d.carving && (t == nil || depth == 0 && t.lost || !d.fits(t, vals)) {
		// The definition was overwritten: use an intact one with the same
		// template ID, from this chunk or an earlier one.
		t = d.byID[tid]
		if t == nil || !d.fits(t, vals) {
			t = d.shared.get(d, tid, vals)
		}
		if t == nil && depth == 0 {
			d.vals = d.vals[:base]
			return q, errTemplateGone
		}
		d.inferred = true
		if t == nil {
			// A nested payload (EventData) whose template is gone: its
			// values as unnamed Data, in order.
			err := d.valuesAsData(vals)
			d.vals = d.vals[:base]
			return q, err
		}
	}
	if t.lost {
		d.inferred = true // names guessed (carving only)
	}
	err := d.run(t.ops, vals, depth)
	d.vals = d.vals[:base]
	return q, err
}

// run executes compiled ops with the given substitution values.
func (d *chunkDecoder) run(ops []op, vals []subValue, depth int) error {
	b := &d.b
	for i := 0; i < len(ops); i++ {
		o := &ops[i]
		d.steps--
		if d.steps < 0 {
			return errf(ErrCorrupt, "record needs too much work to decode")
		}
		switch o.kind {
		case opLeaf:
			if d.leaf(o, vals) {
				i += int(o.skip)
				d.steps -= int(o.skip)
			}
		case opDataNamed:
			if d.dataNamed(o, vals) {
				i += int(o.skip)
				d.steps -= int(o.skip)
			}
		case opAttrSubst:
			if d.attrSubst(o, vals) {
				i += int(o.skip)
				d.steps -= int(o.skip)
			}
		case opStart:
			b.start(o.s, o.nk)
		case opAttr:
			b.attrStart(o.nk)
		case opCloseStart:
			b.closeStart()
		case opCloseEmpty:
			b.closeStart()
			b.end()
		case opEnd:
			b.end()
		case opText:
			b.text(o.s)
		case opSubst:
			if int(o.sub) >= len(vals) {
				continue
			}
			v := vals[o.sub]
			if v.t&tArray != 0 && v.n == 0 || o.optional && v.t == tNull {
				// An empty array, or NULL under an optional substitution
				// ([MS-EVEN6] 3.1.4.7.2): the element is left out, as
				// Windows and evtxexport show it (EventLog 6005 has no
				// Data, only Binary).
				b.omit()
				continue
			}
			if v.t == tNull || v.n == 0 {
				continue
			}
			if v.t == tBinXML {
				if _, err := d.fragment(v.off, v.off+v.n, depth+1); err != nil {
					return err
				}
				continue
			}
			b.value(v.t, d.data[v.off:v.off+v.n])
		}
		if b.err != nil {
			return b.err
		}
	}
	return nil
}

// valuesAsData renders the values of a nested payload whose template is
// gone as EventData: one unnamed Data element per value that is not
// NULL, in order (Binary for a binary value), as a classic source's
// positional values read.
func (d *chunkDecoder) valuesAsData(vals []subValue) error {
	b := &d.b
	if f := b.top(); f != nil && f.role == rEvent {
		b.start("EventData", kEventData)
		defer b.end()
	}
	for _, v := range vals {
		d.steps--
		if d.steps < 0 {
			return errf(ErrCorrupt, "record needs too much work to decode")
		}
		if v.t == tNull || v.n == 0 || v.t == tBinXML {
			continue
		}
		if v.t == tBinary {
			b.start("Binary", kBinary)
		} else {
			b.start("Data", kData)
		}
		b.value(v.t, d.data[v.off:v.off+v.n])
		b.end()
		if b.err != nil {
			return b.err
		}
	}
	return nil
}
