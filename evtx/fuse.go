package evtx

// Fused ops. Most of a template is leaf elements with one substitution:
// the System children (<Level>{0}</Level>), named Data elements
// (<Data Name="errorCode">{17}</Data>), UserData leaves, and attributes
// holding one substitution (<TimeCreated SystemTime="{6}"/>). fuse puts
// before each such run of ops one op that does the whole run; at run time
// it takes the fast way when the element's context and value are the
// common ones and otherwise falls through to the original ops, which stay
// in place, so both ways give the same Event.

const (
	opLeaf      opKind = iota + opSubst + 1 // Start, CloseStart, Subst, End
	opDataNamed                             // Start(Data), Attr(Name), Text, CloseStart, Subst, End
	opAttrSubst                             // Attr, Subst
)

// fuse returns ops with fused ops inserted, appended to out.
func fuse(ops, out []op) []op {
	for i := 0; i < len(ops); i++ {
		o := ops[i]
		switch {
		case o.kind == opStart && o.nk != kLost && i+3 < len(ops) &&
			ops[i+1].kind == opCloseStart && ops[i+2].kind == opSubst && ops[i+3].kind == opEnd:
			s := ops[i+2]
			out = append(out, op{kind: opLeaf, nk: o.nk, s: o.s, sub: s.sub, vtype: s.vtype, optional: s.optional, skip: 4})
		case o.kind == opStart && o.nk == kData && i+5 < len(ops) &&
			ops[i+1].kind == opAttr && ops[i+1].nk == kName && ops[i+2].kind == opText &&
			ops[i+3].kind == opCloseStart && ops[i+4].kind == opSubst && ops[i+5].kind == opEnd:
			s := ops[i+4]
			out = append(out, op{kind: opDataNamed, nk: kData, s: ops[i+2].s, sub: s.sub, vtype: s.vtype, optional: s.optional, skip: 6})
		case o.kind == opAttr && o.nk != kLost && i+1 < len(ops) && ops[i+1].kind == opSubst:
			s := ops[i+1]
			out = append(out, op{kind: opAttrSubst, nk: o.nk, sub: s.sub, vtype: s.vtype, optional: s.optional, skip: 2})
		}
		out = append(out, o)
	}
	return out
}

// substState classifies the value a substitution op gets, as run treats
// it: absent (no value: the element keeps no text), omitted (the element
// is left out), or present. ok is false for values the fast ways do not
// handle (nested BinXML, arrays).
func substState(o *op, vals []subValue) (v subValue, present, omitted, ok bool) {
	if int(o.sub) >= len(vals) {
		return v, false, false, true
	}
	v = vals[o.sub]
	switch {
	case v.t == tBinXML || v.t&tArray != 0 && v.n != 0:
		return v, false, false, false
	case v.t&tArray != 0 && v.n == 0 || o.optional && v.t == tNull:
		return v, false, true, true
	case v.t == tNull || v.n == 0:
		return v, false, false, true
	}
	return v, true, false, true
}

// leaf runs an opLeaf the fast way and reports whether it did.
func (d *chunkDecoder) leaf(o *op, vals []subValue) bool {
	b := &d.b
	if b.attrOn {
		return false
	}
	p := b.top()
	if p == nil {
		return false
	}
	v, present, omitted, ok := substState(o, vals)
	if !ok {
		return false
	}
	switch p.role {
	case rSystem:
		switch o.nk {
		case kEventID, kVersion, kLevel, kTask, kOpcode, kKeywords, kEventRecordID, kChannel, kComputer:
		default:
			return false
		}
		p.hasChild = true
		lo := b.pos()
		if present {
			data := d.data[v.off : v.off+v.n]
			if o.nk != kChannel && o.nk != kComputer {
				if n := fixedSize(v.t); n != 0 && n <= 8 && len(data) >= n && v.t != tReal32 && v.t != tReal64 && v.t != tFileTime {
					b.setSysNumber(o.nk, readUint(v.t, data))
					return true
				}
			}
			b.buf = appendValue(b.buf, v.t, data)
			b.checkSize()
		}
		b.sysText(o.nk, span{lo, b.pos()})
		return true
	case rEventData:
		if o.nk == kBinary || o.nk == kLost {
			return false
		}
		name := ""
		if o.nk != kData {
			name = o.s // ComplexData and such are named by their element
		}
		d.field(p, name, v, present, omitted)
		return true
	case rPayload, rField, rData:
		d.field(p, o.s, v, present, omitted)
		return true
	}
	return false
}

// dataNamed runs an opDataNamed the fast way and reports whether it did.
func (d *chunkDecoder) dataNamed(o *op, vals []subValue) bool {
	b := &d.b
	p := b.top()
	if b.attrOn || p == nil || p.role != rEventData {
		return false
	}
	v, present, omitted, ok := substState(o, vals)
	if !ok {
		return false
	}
	d.field(p, o.s, v, present, omitted)
	return true
}

// field adds the field a leaf element makes under parent p.
func (d *chunkDecoder) field(p *frame, name string, v subValue, present, omitted bool) {
	b := &d.b
	p.hasChild = true
	if omitted {
		return
	}
	lo := b.pos()
	if present {
		b.buf = appendValue(b.buf, v.t, d.data[v.off:v.off+v.n])
		b.checkSize()
	}
	b.fields = append(b.fields, pendingField{name: name, value: span{lo, b.pos()}})
	b.checkFields()
}

// attrSubst runs an opAttrSubst the fast way and reports whether it did.
func (d *chunkDecoder) attrSubst(o *op, vals []subValue) bool {
	v, present, _, ok := substState(o, vals)
	if !ok {
		return false
	}
	b := &d.b
	b.attrStart(o.nk)
	if present {
		b.value(v.t, d.data[v.off:v.off+v.n])
	}
	return true
}
