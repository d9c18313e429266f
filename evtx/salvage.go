package evtx

// Substitution indexes of the System part in every template Windows
// writes (the values of the standard System layout).
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
	sRelatedActivityID
	sProvider     // manifest events whose template takes the provider as a value
	sProviderGUID // (the generic System template of Windows 7 and later)
	sChannel
	sSystemValues // payload values (or the nested payload) follow
)

// systemTypes are the value types of the standard System layout.
var systemTypes = [sSystemValues]byte{tUint8, tUint8, tUint16, tUint16, tUint16, tHexInt64, tFileTime, tGUID,
	tUint32, tUint32, tUint64, tUint8, tSID, tGUID, tString, tGUID, tString}

// salvage decodes a carved record whose template definition is gone
// (overwritten by newer records) and has no stand-in with the same
// template ID, from its substitution values alone, by the standard System
// layout (the built-in outer template):
//
//	0 Level, 1 Opcode, 2 Task, 3 EventID, 4 Qualifiers, 5 Keywords,
//	6 TimeCreated, 7 ActivityID, 8 ProcessID, 9 ThreadID,
//	10 EventRecordID, 11 Version, 12 UserID, 13 RelatedActivityID,
//	14 Provider Name, 15 Provider Guid, 16 Channel,
//
// then the payload: EventData or UserData as nested BinXML (type 0x21),
// whose own template is stored inline and so usually survives. A value is
// used only when its type matches the layout; the record is given up
// unless at least the event ID and the time are found. In templates of
// classic sources provider, channel and computer are literal text, lost
// with the template; the generic template of manifest providers takes
// provider and channel as values 14 to 16 (WindowsUpdateClient 20 on
// Windows 7), so they survive.
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
	if n <= sUserID || n > (end-p)/4 {
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
	if vals[sEventID].t != tUint16 || vals[sTime].t != tFileTime || vals[sEventID].n != 2 || vals[sTime].n != 8 {
		return nil
	}
	d.b.reset()
	b := &d.b
	b.start("Event", kOther)
	b.start("System", kSystem)
	for i, v := range vals[:min(len(vals), sSystemValues)] {
		if v.n == 0 || v.t != systemTypes[i] || v.n < fixedSize(v.t) {
			continue
		}
		data := d.data[v.off : v.off+v.n]
		switch i {
		case sLevel, sOpcode, sTask, sEventID, sKeywords, sRecordID, sVersion:
			k := [...]nameKind{sLevel: kLevel, sOpcode: kOpcode, sTask: kTask, sEventID: kEventID,
				sKeywords: kKeywords, sRecordID: kEventRecordID, sVersion: kVersion}[i]
			b.start("", k)
			b.stack[len(b.stack)-1].role = rSysText
			b.value(v.t, data)
			b.end()
		case sQualifiers:
			b.ev.Qualifiers, b.ev.HasQualifiers = le.Uint16(data), true
		case sTime:
			b.ev.Time, b.timeSet = fileTime(le.Uint64(data)), true
		case sActivityID:
			b.activity = b.put(v.t, data)
		case sProcessID:
			b.ev.ProcessID = le.Uint32(data)
		case sThreadID:
			b.ev.ThreadID = le.Uint32(data)
		case sUserID:
			b.userID = b.put(v.t, data)
		case sProvider:
			b.provider = b.put(v.t, data)
		case sProviderGUID:
			b.provGUID = b.put(v.t, data)
		case sChannel:
			b.channel = b.put(v.t, data)
		}
	}
	b.end() // System
	for _, v := range vals[sUserID:] {
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
