package evtx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"iter"
	"os"
	"sync"
)

// Options control a Reader. The zero value (or a nil *Options) reads the
// live records of a binary log one chunk at a time.
type Options struct {
	// Recover also returns records found in chunk slack space, behind the
	// last live record (deleted or overwritten events). They are marked
	// Event.Recovered. Records whose template was overwritten are decoded
	// from their values alone, so their Data may lack names.
	Recover bool
	// Parallel decodes up to this many chunks at a time, one goroutine each.
	// Events are still returned in file order. Values below 2 decode in the
	// caller's goroutine. It applies to binary logs only.
	Parallel int

	// Limits for exports (XML, text, CSV); zero means the default. An
	// event past one is skipped, or its description cut, with a
	// *RecordError naming its offset. See DefaultMaxDepth and the
	// constants beside it for the defaults and why they are safe.
	MaxDepth      int // element nesting inside one event (64)
	MaxEventBytes int // input bytes one event may span (16 MiB)
	MaxToken      int // one XML text, attribute or name; one text line or CSV field (1 MiB)
	MaxTextLines  int // description lines kept per text or CSV event (10,000)
}

// Kind is the kind of file a Reader reads; it is sniffed from the content,
// never from the file name.
type Kind uint8

const (
	Unknown Kind = iota
	Binary       // a binary .evtx log
	XML          // wevtutil qe /f:xml output or Event Viewer "Save as XML"
	Text         // Event Viewer text ("Log Name:", "Source:", "Event ID:", ...), wevtutil /f:text, PowerShell Format-List
	CSV          // Event Viewer CSV or tab-delimited text, PowerShell Export-Csv
)

func (k Kind) String() string {
	switch k {
	case Binary:
		return "evtx"
	case XML:
		return "xml"
	case Text:
		return "text"
	case CSV:
		return "csv"
	}
	return "unknown"
}

// FileHeader is the header of a binary log. Logs copied from a running
// system commonly have the dirty flag set and a stale chunk count; the
// Reader walks every chunk up to the end of the file whatever it says.
type FileHeader struct {
	FirstChunk   uint64
	LastChunk    uint64
	NextRecordID uint64
	HeaderSize   uint32
	MinorVersion uint16
	MajorVersion uint16
	ChunkCount   uint16
	Flags        uint32
	Checksum     uint32
}

// Header flags.
const (
	FlagDirty   = 0x1 // the log was not closed cleanly
	FlagFull    = 0x2 // the log reached its maximum size
	FlagNoCRC32 = 0x4 // checksums are not maintained
)

// A Reader reads events one at a time, like bufio.Scanner:
//
//	r := evtx.NewReader(f, size, nil)
//	for r.Next() {
//		for _, w := range r.Warnings() { log.Print(w) }
//		ev := r.Event()
//	}
//	if err := r.Err(); err != nil { ... }
//
// Damage is reported, not fatal: checksum mismatches, bad chunks and
// undecodable records come back from Warnings as *ChunkError or
// *RecordError values carrying file offsets, and reading goes on. Err
// reports only what stops reading: input that is not an event log at all,
// or an I/O error.
//
// A Reader reads binary logs chunk by chunk through io.ReaderAt, so memory
// stays bounded whatever the file size; exports are streamed, one event at
// a time, within the limits of Options.
type Reader struct {
	kind   Kind
	src    source
	header FileHeader
	queue  []item
	qi     int
	ev     *Event
	warns  []error
	err    error
	done   bool
	closer io.Closer
	ctx    context.Context // set by All: checked between batches
}

// A source produces items in file order, a batch at a time. It returns
// io.EOF after the last batch and any other error to stop reading.
type source interface {
	fill(out []item) ([]item, error)
}

// NewReader returns a Reader for the size bytes of r. The kind of content
// (binary log, XML, text or CSV export; see Sniff) is sniffed from the
// first bytes. If it is none of those, the Reader's Next returns false and
// Err returns an error wrapping ErrFormat.
func NewReader(r io.ReaderAt, size int64, opts *Options) *Reader {
	var o Options
	if opts != nil {
		o = *opts
	}
	rd := &Reader{}
	head := make([]byte, min(size, fileHeaderBlock+chunkHeaderSize))
	n, err := r.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		rd.fail(err)
		return rd
	}
	head = head[:n]
	rd.kind = sniff(head)
	switch rd.kind {
	case Binary:
		rd.src = rd.newBinary(r, size, head, o)
	case XML:
		rd.src = newXMLSource(decodeText(rd.export(r, size)), o.limits())
	case Text:
		rd.src = newTextSource(rd.export(r, size), o.limits())
	case listKind:
		rd.kind = Text
		rd.src = newListSource(rd.export(r, size), o.limits())
	case CSV:
		rd.src = newCSVSource(rd.export(r, size), o.limits())
	default:
		if size == 0 {
			rd.fail(fmt.Errorf("%w: empty file", ErrFormat))
		} else {
			rd.fail(fmt.Errorf("%w: neither a binary event log nor an XML or text export", ErrFormat))
		}
	}
	return rd
}

// export returns the stream an export is read from. It checks the context
// of All before each read (64 KiB at a time), so that every loop of the
// export readers stops soon after cancellation, even inside one token.
func (r *Reader) export(ra io.ReaderAt, size int64) io.Reader {
	return &ctxReader{r: io.NewSectionReader(ra, 0, size), rd: r}
}

type ctxReader struct {
	r  io.Reader
	rd *Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if ctx := c.rd.ctx; ctx != nil {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
	}
	return c.r.Read(p)
}

func (r *Reader) fail(err error) {
	r.err = err
	r.done = true
}

// Open opens the named file and returns a Reader for it. It fails if the
// file cannot be opened or is not an event log in any supported form.
// Close the Reader when done.
func Open(name string, opts *Options) (*Reader, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	r := NewReader(f, fi.Size(), opts)
	if r.err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, r.err)
	}
	r.closer = f
	return r, nil
}

// Close closes the file opened by Open. It is safe to call on any Reader
// and more than once. The Reader keeps no goroutines between calls to Next,
// so stopping early without Close leaks nothing but the open file.
func (r *Reader) Close() error {
	r.done = true
	r.queue, r.ev = nil, nil
	if r.closer != nil {
		err := r.closer.Close()
		r.closer = nil
		return err
	}
	return nil
}

// Kind returns the kind of file being read.
func (r *Reader) Kind() Kind { return r.kind }

// Header returns the file header of a binary log (the zero value for exports).
func (r *Reader) Header() FileHeader { return r.header }

// Next advances to the next event, which Event then returns. It returns
// false at the end of the input or when reading stopped on an error.
func (r *Reader) Next() bool {
	r.ev = nil
	r.warns = r.warns[:0]
	for {
		for r.qi < len(r.queue) {
			it := r.queue[r.qi]
			r.queue[r.qi] = item{}
			r.qi++
			if it.err != nil {
				r.warns = append(r.warns, it.err)
				continue
			}
			r.ev = it.ev
			return true
		}
		if r.done {
			return false
		}
		if r.ctx != nil {
			if err := r.ctx.Err(); err != nil {
				r.fail(err)
				return false
			}
		}
		r.queue, r.qi = r.queue[:0], 0
		var err error
		r.queue, err = r.src.fill(r.queue)
		if err != nil {
			r.done = true
			if err != io.EOF {
				r.err = err
			}
		}
	}
}

// Event returns the event found by the last call to Next. The Reader does
// not reuse it: callers may keep it.
func (r *Reader) Event() *Event { return r.ev }

// Warnings returns the problems met while looking for the current event
// (or, after Next returned false, those after the last event): checksum
// mismatches, damaged chunks, records skipped. Each is a *HeaderError,
// *ChunkError or *RecordError. The slice is reused by the next call to Next.
func (r *Reader) Warnings() []error { return r.warns }

// Err returns the error that stopped reading, or nil at a normal end.
func (r *Reader) Err() error { return r.err }

// All returns an iterator over the remaining events. Warnings are yielded
// as (nil, err) in file order, and so is a final error that stopped
// reading; iteration stops early when ctx is done (yielding ctx.Err()).
func (r *Reader) All(ctx context.Context) iter.Seq2[*Event, error] {
	return func(yield func(*Event, error) bool) {
		r.ctx = ctx
		defer func() { r.ctx = nil }()
		for r.Next() {
			for _, w := range r.warns {
				if !yield(nil, w) {
					return
				}
			}
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			if !yield(r.ev, nil) {
				return
			}
		}
		for _, w := range r.warns {
			if !yield(nil, w) {
				return
			}
		}
		if r.err != nil {
			yield(nil, r.err)
		}
	}
}

// Events opens the named file and iterates over its events as Reader.All
// does, closing the file at the end. An open error is yielded as (nil, err).
func Events(ctx context.Context, name string, opts *Options) iter.Seq2[*Event, error] {
	return func(yield func(*Event, error) bool) {
		r, err := Open(name, opts)
		if err != nil {
			yield(nil, err)
			return
		}
		defer r.Close()
		for ev, err := range r.All(ctx) {
			if !yield(ev, err) {
				return
			}
		}
	}
}

// sniff tells the kind of content from its first bytes.
func sniff(head []byte) Kind {
	if bytes.HasPrefix(head, fileMagic) {
		return Binary
	}
	if len(head) >= fileHeaderBlock+8 && bytes.Equal(head[fileHeaderBlock:fileHeaderBlock+8], chunkMagic) {
		return Binary // damaged file header, chunks intact
	}
	text := headText(head)
	text = bytes.TrimLeft(text, " \t\r\n")
	if len(text) > 0 && text[0] == '<' && looksLikeXML(text) {
		return XML
	}
	if looksLikeText(text) {
		return Text
	}
	if looksLikeCSV(text) {
		return CSV
	}
	if looksLikeList(text) {
		return listKind
	}
	return Unknown
}

// looksLikeXML reports whether text that starts with '<' holds an Event
// element (possibly with a namespace prefix), so that other logs that
// start with '<' (SCCM's "<![LOG[", excerpts of CBS.log with "<Date>") are
// not taken for exports.
func looksLikeXML(text []byte) bool {
	for i := 0; ; {
		j := bytes.Index(text[i:], []byte("Event"))
		if j < 0 {
			return false
		}
		j += i
		if j > 0 && (text[j-1] == '<' || text[j-1] == ':') {
			if k := j + len("Event"); k == len(text) || text[k] == '>' || text[k] == 's' || text[k] == ' ' || text[k] == '\t' || text[k] == '\r' || text[k] == '\n' || text[k] == '/' {
				return true
			}
		}
		i = j + 1
	}
}

// listKind is PowerShell Format-List text, reported as Text.
const listKind Kind = 255

// Sniff tells the kind of event log in the first bytes of a file (a few
// KiB are enough; NewReader reads 4 KiB plus a chunk header): a binary
// log, an XML export, rendered text (Event Viewer's text in an English or
// Japanese UI, wevtutil /f:text, PowerShell Format-List) or CSV (Event
// Viewer's CSV or tab-delimited text, PowerShell Export-Csv). It returns
// Unknown for anything else. NewReader uses the same test, so a file Sniff
// accepts is one NewReader reads.
func Sniff(head []byte) Kind {
	k := sniff(head)
	if k == listKind {
		return Text
	}
	return k
}

// binarySource reads the chunks of a binary log.
type binarySource struct {
	r        io.ReaderAt
	size     int64
	opts     Options
	checkCRC bool
	next     int64
	index    int
	decs     []*chunkDecoder
	bufs     [][]byte
	outs     [][]item
	reg      templateRegistry // Recover: intact templates of the chunks read
}

func (r *Reader) newBinary(ra io.ReaderAt, size int64, head []byte, o Options) source {
	s := &binarySource{r: ra, size: size, opts: o, checkCRC: true, next: fileHeaderBlock}
	var warn []item
	if len(head) < 128 || !bytes.HasPrefix(head, fileMagic) {
		warn = append(warn, item{err: &HeaderError{Err: errf(ErrMagic, "no ElfFile signature; reading chunks anyway")}})
	} else {
		h := &r.header
		h.FirstChunk = le.Uint64(head[8:])
		h.LastChunk = le.Uint64(head[16:])
		h.NextRecordID = le.Uint64(head[24:])
		h.HeaderSize = le.Uint32(head[32:])
		h.MinorVersion = le.Uint16(head[36:])
		h.MajorVersion = le.Uint16(head[38:])
		h.ChunkCount = le.Uint16(head[42:])
		h.Flags = le.Uint32(head[120:])
		h.Checksum = le.Uint32(head[124:])
		if h.Flags&FlagNoCRC32 != 0 {
			s.checkCRC = false
		} else if got := crc32.ChecksumIEEE(head[:120]); got != h.Checksum {
			warn = append(warn, item{err: &HeaderError{Err: errf(ErrChecksum, "CRC32 is %08x, header says %08x", got, h.Checksum)}})
		}
	}
	if size < fileHeaderBlock {
		warn = append(warn, item{err: &HeaderError{Err: errf(ErrTruncated, "file has %d bytes, no chunks", size)}})
	}
	r.queue = warn
	n := max(o.Parallel, 1)
	if n > 1 {
		n *= 2 // keep every goroutine busy between barriers
	}
	s.decs = make([]*chunkDecoder, n)
	s.bufs = make([][]byte, n)
	s.outs = make([][]item, n)
	for i := range s.decs {
		s.decs[i] = newChunkDecoder()
		s.decs[i].shared = &s.reg
		s.bufs[i] = make([]byte, chunkSize)
	}
	return s
}

var errInternal = errors.New("internal decoder error")

// decode reads and decodes chunk i of this batch, turning a panic (a bug
// in this package) into a warning so that no input can crash the caller.
func (s *binarySource) decode(i int, off int64, index int) (ioErr error) {
	out := s.outs[i][:0]
	defer func() {
		if p := recover(); p != nil {
			s.outs[i] = append(out[:0], item{err: &ChunkError{Offset: off, Chunk: index, Err: fmt.Errorf("%w: %v", errInternal, p)}})
			ioErr = nil
		}
	}()
	buf := s.bufs[i][:min(int64(chunkSize), s.size-off)]
	n, err := s.r.ReadAt(buf, off)
	if err != nil && !(errors.Is(err, io.EOF) && n == len(buf)) {
		if !errors.Is(err, io.EOF) {
			return fmt.Errorf("evtx: reading chunk at offset %d: %w", off, err)
		}
	}
	s.outs[i] = s.decs[i].decodeChunk(buf[:n], off, index, &s.opts, s.checkCRC, out)
	return nil
}

// carve recovers the records in the slack space of chunk i of this batch,
// after the chunks before it, so that their templates can stand in for
// overwritten ones; then it adds the chunk's templates to the registry.
// A panic becomes a warning, as in decode.
func (s *binarySource) carve(i int, off int64, index int) {
	d := s.decs[i]
	n := len(s.outs[i])
	defer func() {
		if p := recover(); p != nil {
			s.outs[i] = append(s.outs[i][:n], item{err: &ChunkError{Offset: off, Chunk: index, Err: fmt.Errorf("%w: %v", errInternal, p)}})
		}
	}()
	s.outs[i] = d.carveSlack(s.outs[i])
	s.reg.addChunk(d)
}

func (s *binarySource) fill(out []item) ([]item, error) {
	if s.next >= s.size {
		return out, io.EOF
	}
	k := 0
	for k < len(s.decs) && s.next+int64(k)*chunkSize < s.size {
		k++
	}
	errs := make([]error, k)
	if k == 1 {
		errs[0] = s.decode(0, s.next, s.index)
	} else {
		var wg sync.WaitGroup
		for i := 0; i < k; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.decode(i, s.next+int64(i)*chunkSize, s.index+i)
			}()
		}
		wg.Wait()
	}
	for i := 0; i < k; i++ {
		if errs[i] != nil {
			return out, errs[i]
		}
		if s.opts.Recover {
			s.carve(i, s.next+int64(i)*chunkSize, s.index+i)
		}
		out = append(out, s.outs[i]...)
		clear(s.outs[i])
	}
	s.next += int64(k) * chunkSize
	s.index += k
	return out, nil
}
