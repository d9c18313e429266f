package evtx

import (
	"bytes"
	"hash/crc32"
)

// Sizes and signatures of the binary format (libyal "Windows XML Event Log
// (EVTX) format").
const (
	fileHeaderBlock = 4096
	chunkSize       = 65536
	chunkHeaderSize = 512
	recordHeader    = 24
	minRecord       = recordHeader + 4 // header and trailing size copy
)

var (
	fileMagic   = []byte("ElfFile\x00")
	chunkMagic  = []byte("ElfChnk\x00")
	recordMagic = []byte("**\x00\x00")
)

// An item is one event or one warning, in file order.
type item struct {
	ev  *Event
	err error
}

// recordBudget bounds decoding work per record (ops run plus tokens read):
// proportional to the record's size, with a floor for records that use a
// large template defined earlier. chunkBudget bounds a whole chunk, so a
// chunk of thousands of tiny crafted records stays cheap too.
const (
	recordBudget = 1 << 20
	chunkBudget  = 1 << 24
)

func recordSteps(size int) int { return min(256*size+16384, recordBudget) }

// decodeChunk decodes the live records of one chunk (data may be shorter
// than 64 KiB when the file is truncated) and appends their events and
// warnings to out. With opts.Recover it also notes where slack space
// starts, for carveSlack.
func (d *chunkDecoder) decodeChunk(data []byte, off int64, index int, opts *Options, checkCRC bool, out []item) []item {
	d.reset(data)
	d.slack, d.slackData, d.slackOff = -1, data, off
	warn := func(err error) {
		out = append(out, item{err: &ChunkError{Offset: off, Chunk: index, Err: err}})
	}
	if len(data) < chunkHeaderSize {
		if !allZero(data) {
			warn(errf(ErrTruncated, "%d bytes, less than a chunk header", len(data)))
		}
		return out
	}
	if !bytes.Equal(data[:8], chunkMagic) {
		if allZero(data) {
			return out // never used
		}
		if len(data) < chunkHeaderSize+4 || !bytes.Equal(data[chunkHeaderSize:chunkHeaderSize+4], recordMagic) {
			warn(errf(ErrMagic, "no chunk signature; chunk skipped"))
			if opts.Recover {
				d.slack = chunkHeaderSize
			}
			return out
		}
		warn(errf(ErrMagic, "no chunk signature; reading its records anyway"))
		checkCRC = false
	}
	if len(data) < chunkSize {
		warn(errf(ErrTruncated, "chunk has %d of %d bytes", len(data), chunkSize))
	}
	free := int(le.Uint32(data[48:]))
	if checkCRC {
		h := crc32.NewIEEE()
		h.Write(data[:120])
		h.Write(data[128:chunkHeaderSize])
		if got, want := h.Sum32(), le.Uint32(data[124:]); got != want {
			warn(errf(ErrChecksum, "chunk header CRC32 is %08x, header says %08x", got, want))
		}
		if free >= chunkHeaderSize && free <= len(data) {
			if got, want := crc32.ChecksumIEEE(data[chunkHeaderSize:free]), le.Uint32(data[52:]); got != want {
				warn(errf(ErrChecksum, "records CRC32 is %08x, header says %08x", got, want))
			}
		}
	}
	liveEnd := 0
	if free >= chunkHeaderSize && free <= chunkSize {
		liveEnd = free
	}
	p := chunkHeaderSize
	var lastID uint64
	for p+recordHeader <= len(data) {
		size, ok := recordAt(data, p)
		if !ok && len(data) < chunkSize && p < liveEnd {
			// A record cut by the end of a truncated file: decode what is there.
			if n := int(le.Uint32(data[p+4:])); bytes.Equal(data[p:p+4], recordMagic) && n >= minRecord && p+n > len(data) && p+n <= chunkSize {
				out = append(out, item{err: &RecordError{Offset: off + int64(p), RecordID: le.Uint64(data[p+8:]),
					Err: errf(ErrTruncated, "record of %d bytes cut after %d", n, len(data)-p)}})
				// Decode it as if the missing bytes were zeros, as a reader of
				// the live file would have seen them before they were written.
				padded := make([]byte, p+n)
				copy(padded, data)
				d.data = padded
				out = d.record(padded, off, p, n, false, out)
				break
			}
		}
		if !ok {
			if p >= liveEnd {
				break // end of the live records
			}
			id := uint64(0)
			if p+16 <= len(data) && bytes.Equal(data[p:p+4], recordMagic) {
				id = le.Uint64(data[p+8:])
				// Signature and size are sound but the size copy at the end
				// is not (part of the record was wiped): decode what is there.
				if n := int(le.Uint32(data[p+4:])); n >= minRecord && n <= len(data)-p {
					if ev, err := d.decodeRecord(data, off, p, n, false); err == nil {
						out = append(out, item{err: &RecordError{Offset: off + int64(p), RecordID: id,
							Err: errf(ErrCorrupt, "size copy at the end of the record does not match; decoded anyway, values may be cut")}},
							item{ev: ev})
						lastID = id
						p += n
						continue
					}
				}
			}
			q := nextRecord(data, p+1)
			if q < 0 || q >= liveEnd {
				out = append(out, item{err: &RecordError{Offset: off + int64(p), RecordID: id,
					Err: errf(ErrCorrupt, "bad record header; no further live record in the chunk")}})
				break
			}
			out = append(out, item{err: &RecordError{Offset: off + int64(p), RecordID: id,
				Err: errf(ErrCorrupt, "bad record header; skipped %d bytes", q-p)}})
			p = q
			continue
		}
		id := le.Uint64(data[p+8:])
		if p >= liveEnd && (lastID == 0 || id != lastID+1) {
			break // slack space: older records, not a continuation
		}
		out = d.record(data, off, p, size, false, out)
		lastID = id
		p += size
	}
	if opts.Recover {
		d.slack = p
	}
	return out
}

// carveSlack scans the slack space of the chunk decodeChunk last decoded
// (from the end of its live records, or the whole chunk when its header
// is gone) for records left behind, and decodes them, marking them
// Recovered. It runs after decodeChunk, in file order (see
// binarySource.fill), so that d.shared holds the templates of every
// earlier chunk whatever Options.Parallel is.
func (d *chunkDecoder) carveSlack(out []item) []item {
	if d.slack < 0 {
		return out
	}
	data, off, p := d.slackData, d.slackOff, d.slack
	d.slack = -1
	d.data = data
	for {
		q := nextRecord(data, p)
		if q < 0 {
			return out
		}
		size, _ := recordAt(data, q)
		out = d.record(data, off, q, size, true, out)
		p = q + size
	}
}

// record decodes the record at chunk offset p.
func (d *chunkDecoder) record(data []byte, off int64, p, size int, recovered bool, out []item) []item {
	ev, err := d.decodeRecord(data, off, p, size, recovered)
	if err != nil {
		return append(out, item{err: err})
	}
	return append(out, item{ev: ev})
}

func (d *chunkDecoder) decodeRecord(data []byte, off int64, p, size int, recovered bool) (*Event, error) {
	id := le.Uint64(data[p+8:])
	d.b.reset()
	d.steps = min(recordSteps(size), d.chunkSteps)
	start := d.steps
	d.carving, d.inferred = recovered, false
	defer func() { d.carving = false }()
	_, err := d.fragment(p+recordHeader, p+size-4, 0)
	d.chunkSteps -= start - max(d.steps, 0)
	if err == nil {
		err = d.b.err
	}
	if err != nil && recovered {
		// The template is gone and none with its ID was found: read the
		// values by the standard System layout.
		d.steps = min(recordSteps(size), d.chunkSteps)
		start = d.steps
		ev := d.salvage(p+recordHeader, p+size-4)
		d.chunkSteps -= start - max(d.steps, 0)
		if ev != nil {
			d.finishRecord(ev, data, off, p, id, true)
			ev.Inferred = true
			return ev, nil
		}
	}
	if err != nil {
		return nil, &RecordError{Offset: off + int64(p), RecordID: id, Recovered: recovered, Err: err}
	}
	ev := d.b.finish()
	d.finishRecord(ev, data, off, p, id, recovered)
	ev.Inferred = d.inferred
	return ev, nil
}

func (d *chunkDecoder) finishRecord(ev *Event, data []byte, off int64, p int, id uint64, recovered bool) {
	ev.HeaderID = id
	if !d.b.recID {
		ev.RecordID = id
	}
	ev.Written = fileTime(le.Uint64(data[p+16:]))
	if !d.b.timeSet {
		ev.Time = ev.Written
	}
	ev.Offset = off + int64(p)
	ev.Recovered = recovered
	ev.Source = Binary
}

// recordAt reports whether a plausible record starts at p, and its size:
// signature, a size that fits the chunk, and the trailing size copy.
func recordAt(data []byte, p int) (int, bool) {
	if p < 0 || p+recordHeader > len(data) || !bytes.Equal(data[p:p+4], recordMagic) {
		return 0, false
	}
	size := int(le.Uint32(data[p+4:]))
	if size < minRecord || size > len(data)-p {
		return 0, false
	}
	if int(le.Uint32(data[p+size-4:])) != size {
		return 0, false
	}
	return size, true
}

// nextRecord returns the offset of the next plausible record at or after
// p, or -1.
func nextRecord(data []byte, p int) int {
	for p < len(data) {
		i := bytes.Index(data[p:], recordMagic)
		if i < 0 {
			return -1
		}
		p += i
		if _, ok := recordAt(data, p); ok {
			return p
		}
		p++
	}
	return -1
}

func allZero(b []byte) bool {
	for len(b) >= 8 {
		if le.Uint64(b) != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
