package evtx

// salvage decodes a carved record whose template definition is gone
// (overwritten by newer records), from its substitution values alone.
//
// Windows builds the System part of every event from one template layout:
// 0 Level, 1 Opcode, 2 Task, 3 EventID, 4 Qualifiers, 5 Keywords,
// 6 TimeCreated, 7 ActivityID, 8 ProcessID, 9 ThreadID, 10 EventRecordID,
// 11 Version, 12 UserID, and the payload as nested BinXML (type 0x21),
// whose own template is stored inline and so usually survives. A value is
// used only when its type matches the layout; the record is given up unless
// at least the event ID and the time are found. Provider, channel and
// computer are literal text in that layout and are lost with the template,
// unless the values carry them as strings.
func (d *chunkDecoder) salvage(p, end int) *Event {
	if end > len(d.data) {
		end = len(d.data)
	}
	if p+4 <= end && d.data[p] == tokFragment {
		p += 4
	}
	if p+10 > end || d.data[p] != tokTemplate {
		return nil
	}
	defOff := le.Uint32(d.data[p+6:])
	p += 10
	if int(defOff) == p {
		if p+24 > end {
			return nil
		}
		p += 24 + int(le.Uint32(d.data[p+20:]))
	}
	if p < 0 || p+4 > end {
		return nil
	}
	n := int(le.Uint32(d.data[p:]))
	p += 4
	if n <= 12 || n > (end-p)/4 {
		return nil
	}
	q := p + 4*n
	vals := make([]subValue, 0, n)
	for i := 0; i < n; i++ {
		size := int(le.Uint16(d.data[p+4*i:]))
		if q+size > end {
			return nil
		}
		vals = append(vals, subValue{t: d.data[p+4*i+2], off: q, n: size})
		q += size
	}
	want := [...]byte{tUint8, tUint8, tUint16, tUint16, tUint16, tHexInt64, tFileTime, tGUID, tUint32, tUint32, tUint64, tUint8, tSID}
	if vals[3].t != tUint16 || vals[6].t != tFileTime || vals[3].n != 2 || vals[6].n != 8 {
		return nil
	}
	d.b.reset()
	d.steps = min(recordSteps(end-p), d.chunkSteps)
	b := &d.b
	b.start("Event", kOther)
	b.start("System", kSystem)
	for i, v := range vals {
		if v.n == 0 || v.t == tNull {
			continue
		}
		data := d.data[v.off : v.off+v.n]
		if i < len(want) {
			if v.t != want[i] || v.n < fixedSize(v.t) {
				continue
			}
			switch i {
			case 0, 1, 2, 3, 5, 10, 11:
				k := [...]nameKind{kLevel, kOpcode, kTask, kEventID, kOther, kKeywords, kOther, kOther, kOther, kOther, kEventRecordID, kVersion}[i]
				b.start("", k)
				b.stack[len(b.stack)-1].role = rSysText
				b.value(v.t, data)
				b.end()
			case 4:
				b.ev.Qualifiers, b.ev.HasQualifiers = le.Uint16(data), true
			case 6:
				b.ev.Time, b.timeSet = fileTime(le.Uint64(data)), true
			case 7:
				b.activity = b.put(v.t, data)
			case 8:
				b.ev.ProcessID = le.Uint32(data)
			case 9:
				b.ev.ThreadID = le.Uint32(data)
			case 12:
				b.userID = b.put(v.t, data)
			}
			continue
		}
		switch v.t {
		case tString:
			if b.provider.hi == 0 {
				b.provider = b.put(v.t, data)
			} else if b.channel.hi == 0 {
				b.channel = b.put(v.t, data)
			}
		case tGUID:
			if b.provGUID.hi == 0 {
				b.provGUID = b.put(v.t, data)
			}
		}
	}
	b.end() // System
	for _, v := range vals {
		if v.t == tBinXML && v.n > 0 {
			if _, err := d.fragment(v.off, v.off+v.n, 1); err != nil {
				break
			}
		}
	}
	b.err = nil
	return b.finish()
}

// put appends a rendered value to buf and returns its span.
func (b *builder) put(t byte, v []byte) span {
	lo := b.pos()
	b.buf = appendValue(b.buf, t, v)
	return span{lo, b.pos()}
}
