package source

import (
	"bytes"
	"cmp"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// This file reads Microsoft Cabinet files ([MS-CAB]) in place, through an
// io.ReaderAt, with the stored, MSZIP ([MS-MCI]) and LZX (lzx.go)
// methods. No maintained pure-Go reader could be had from the module
// proxy, and the format is small: a header, folder records, file records,
// then per folder a chain of data blocks, each compressed on its own but
// (for MSZIP) against the previous 32 KiB of the folder's output, or (for
// LZX) as one 32 KiB frame of a stream that runs through the folder.
//
// Files in a folder are stored back to back in its uncompressed stream
// ("solid"), so a file is read by decompressing its folder from the start
// and skipping to the file's offset. CbsPersist cabinets hold one file.

// Compression methods of a cabinet folder (CFFOLDER.typeCompress & 0x0F).
const (
	cabStored  = 0
	cabMSZIP   = 1
	cabQuantum = 2
	cabLZX     = 3
)

// Header flags.
const (
	cabPrevCabinet    = 0x0001
	cabNextCabinet    = 0x0002
	cabReservePresent = 0x0004
)

// cabNameIsUTF marks a CFFILE name as UTF-8; otherwise it is in the
// system code page, read here as Windows-1252.
const cabNameIsUTF = 0x80

// mszipBlock is the largest uncompressed size of one MSZIP block.
const mszipBlock = 32 << 10

// errCabFormat is the base of every cabinet format error.
var errCabFormat = errors.New("cab: not a valid cabinet")

// A cabinet is an opened cabinet file.
type cabinet struct {
	ctx     context.Context // checked while blocks are walked and read
	r       io.ReaderAt
	size    int64
	folders []cabFolder
	files   []cabFile
	// dataReserve is the per-block reserved area (cbCFData).
	dataReserve int

	mu      sync.Mutex
	idle    *cabFolderReader // kept by openFile for the next file
	work    atomic.Int64     // bytes decompressed only to be skipped
	maxWork int64
}

// A cabFolder is one CFFOLDER: a chain of data blocks with one method.
type cabFolder struct {
	off    int64  // first CFDATA block
	blocks int    // number of CFDATA blocks
	method uint16 // typeCompress & 0x0F
	window uint   // LZX window size in bits: (typeCompress >> 8) & 0x1F
	// Filled by scanning the block headers when the cabinet is opened.
	csize, usize int64 // compressed and uncompressed bytes of all blocks
	end          int64 // just past the last block header walked
	err          error // why the folder cannot be read, if it cannot
}

// A cabFile is one CFFILE.
type cabFile struct {
	name   string
	size   int64 // cbFile
	off    int64 // uoffFolderStart: offset in the folder's uncompressed stream
	folder int   // iFolder
}

// openCab parses the header, folders and files of the cabinet in r and
// walks each folder's block headers, so that the sizes used for limits are
// known before anything is decompressed. Folders whose blocks run past the
// end of the file, whose method is not supported, or whose chain of blocks
// shares or overlaps another folder's carry an error; the cabinet still
// opens so that the other folders can be read.
//
// The walk is bounded: every block header takes at least 8 bytes of the
// file, so the folders of a cabinet together never have more than size/8
// honest block headers. Past that budget folders are refused, so that
// many folders pointing at one long chain of empty blocks cost no more
// than the file's size. ctx is checked while walking, and kept for the
// folder readers.
func openCab(ctx context.Context, r io.ReaderAt, size, maxWork int64) (*cabinet, error) {
	var h [36]byte
	if err := readAt(r, h[:], 0); err != nil {
		return nil, fmt.Errorf("%w: header: %v", errCabFormat, err)
	}
	if string(h[:4]) != "MSCF" {
		return nil, fmt.Errorf("%w: no MSCF signature", errCabFormat)
	}
	le := binary.LittleEndian
	coffFiles := int64(le.Uint32(h[16:]))
	if major := h[25]; major != 1 {
		return nil, fmt.Errorf("%w: version %d.%d", errCabFormat, major, h[24])
	}
	nFolders := int(le.Uint16(h[26:]))
	nFiles := int(le.Uint16(h[28:]))
	flags := le.Uint16(h[30:])
	c := &cabinet{ctx: ctx, r: r, size: size, maxWork: maxWork}
	pos := int64(36)
	folderReserve := 0
	if flags&cabReservePresent != 0 {
		var rs [4]byte
		if err := readAt(r, rs[:], pos); err != nil {
			return nil, fmt.Errorf("%w: reserve sizes: %v", errCabFormat, err)
		}
		pos += 4 + int64(le.Uint16(rs[:]))
		folderReserve = int(rs[2])
		c.dataReserve = int(rs[3])
	}
	if flags&(cabPrevCabinet|cabNextCabinet) != 0 {
		return nil, fmt.Errorf("%w: cabinet spans several files", ErrUnsupported)
	}
	if nFolders == 0 && nFiles > 0 {
		return nil, fmt.Errorf("%w: files but no folders", errCabFormat)
	}
	// Each folder record is 8 bytes plus its reserve; each file record
	// at least 17 bytes: counts that cannot fit in the file are lies.
	if int64(nFolders)*int64(8+folderReserve) > size-pos || int64(nFiles)*17 > size-coffFiles {
		return nil, fmt.Errorf("%w: %d folders and %d files do not fit in %d bytes", errCabFormat, nFolders, nFiles, size)
	}
	c.folders = make([]cabFolder, nFolders)
	budget := size / 8 // block headers left to walk
	first := map[int64]int{}
	for i := range c.folders {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var fh [8]byte
		if err := readAt(r, fh[:], pos); err != nil {
			return nil, fmt.Errorf("%w: folder %d: %v", errCabFormat, i, err)
		}
		pos += 8 + int64(folderReserve)
		f := &c.folders[i]
		f.off = int64(le.Uint32(fh[0:]))
		f.blocks = int(le.Uint16(fh[4:]))
		f.method = le.Uint16(fh[6:]) & 0x0F
		f.window = uint(le.Uint16(fh[6:])>>8) & 0x1F
		if j, ok := first[f.off]; ok && f.blocks > 0 {
			// The cheap case of sharing, refused before walking.
			f.err = fmt.Errorf("%w: folder %d's data blocks at offset %d are those of folder %d", ErrCorrupt, i, f.off, j)
			continue
		}
		if f.blocks > 0 {
			first[f.off] = i
		}
		if err := c.scanFolder(ctx, i, f, &budget); err != nil {
			return nil, err
		}
	}
	c.refuseOverlaps()
	pos = coffFiles
	c.files = make([]cabFile, 0, nFiles)
	for i := 0; i < nFiles; i++ {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var fh [16]byte
		if err := readAt(r, fh[:], pos); err != nil {
			return nil, fmt.Errorf("%w: file %d: %v", errCabFormat, i, err)
		}
		name, n, err := readCString(r, pos+16, 256)
		if err != nil {
			return nil, fmt.Errorf("%w: file %d name: %v", errCabFormat, i, err)
		}
		pos += 16 + int64(n)
		attrs := le.Uint16(fh[14:])
		if attrs&cabNameIsUTF == 0 || !utf8.Valid(name) {
			name, _ = charmap.Windows1252.NewDecoder().Bytes(name)
		}
		f := cabFile{
			name:   string(name),
			size:   int64(le.Uint32(fh[0:])),
			off:    int64(le.Uint32(fh[4:])),
			folder: int(le.Uint16(fh[8:])),
		}
		c.files = append(c.files, f)
	}
	return c, nil
}

// readCString reads a NUL-terminated string of at most max bytes at off
// and returns it with the number of bytes it took, NUL included.
func readCString(r io.ReaderAt, off int64, max int) ([]byte, int, error) {
	buf := make([]byte, max+1)
	n, err := r.ReadAt(buf, off)
	if i := bytes.IndexByte(buf[:n], 0); i >= 0 {
		return buf[:i], i + 1, nil
	}
	if err == nil || err == io.EOF {
		err = errors.New("unterminated")
	}
	return nil, 0, err
}

// scanFolder walks the block headers of folder i, adding up its sizes
// and checking that every block lies inside the file, within budget block
// headers for the whole cabinet. It returns an error only when ctx is
// done; a folder that cannot be read carries its error.
func (c *cabinet) scanFolder(ctx context.Context, i int, f *cabFolder, budget *int64) error {
	switch f.method {
	case cabStored, cabMSZIP:
	case cabLZX:
		if _, ok := lzxSlots[f.window]; !ok {
			f.err = fmt.Errorf("%w: LZX window of 2^%d bytes", ErrUnsupported, f.window)
			return nil
		}
	case cabQuantum:
		f.err = fmt.Errorf("%w: Quantum compression", ErrUnsupported)
		return nil
	default:
		f.err = fmt.Errorf("%w: compression method %d", ErrUnsupported, f.method)
		return nil
	}
	pos := f.off
	defer func() { f.end = pos }()
	for b := 0; b < f.blocks; b++ {
		if b%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if *budget <= 0 {
			f.err = fmt.Errorf("%w: folder %d: block %d at offset %d: more than %d data block headers in a cabinet of %d bytes (folders share or overlap their blocks)", ErrLimit, i, b, pos, c.size/8, c.size)
			return nil
		}
		*budget--
		var bh [8]byte
		if err := readAt(c.r, bh[:], pos); err != nil {
			f.err = fmt.Errorf("%w: block %d of %d at offset %d: %v", ErrTruncated, b, f.blocks, pos, err)
			return nil
		}
		cb := int64(binary.LittleEndian.Uint16(bh[4:]))
		ub := int64(binary.LittleEndian.Uint16(bh[6:]))
		next := pos + 8 + int64(c.dataReserve) + cb
		if next > c.size {
			f.err = fmt.Errorf("%w: block %d of %d at offset %d ends past the end of the file", ErrTruncated, b, f.blocks, pos)
			return nil
		}
		pos = next
		f.csize += cb
		f.usize += ub
	}
	return nil
}

// refuseOverlaps refuses each folder whose walked chain of blocks overlaps
// that of a folder starting before it (or at the same offset with a lower
// index): honest folders have chains of their own, while shared ones would
// make a few bytes of blocks decompress once per folder.
func (c *cabinet) refuseOverlaps() {
	var idx []int
	for i := range c.folders {
		if f := &c.folders[i]; f.end > f.off {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(a, b int) int {
		return cmp.Or(cmp.Compare(c.folders[a].off, c.folders[b].off), cmp.Compare(a, b))
	})
	owner := -1 // the folder reaching furthest so far
	for _, i := range idx {
		f := &c.folders[i]
		if owner >= 0 && f.off < c.folders[owner].end {
			if f.err == nil {
				f.err = fmt.Errorf("%w: folder %d's data blocks at offset %d overlap those of folder %d (offsets %d to %d)", ErrCorrupt, i, f.off, owner, c.folders[owner].off, c.folders[owner].end)
			}
			continue
		}
		owner = i
	}
}

// openFolder returns the uncompressed stream of folder i.
func (c *cabinet) openFolder(i int) (*cabFolderReader, error) {
	if i < 0 || i >= len(c.folders) {
		return nil, fmt.Errorf("%w: folder %d of %d", errCabFormat, i, len(c.folders))
	}
	f := &c.folders[i]
	if f.err != nil {
		return nil, f.err
	}
	return &cabFolderReader{c: c, f: f, pos: f.off}, nil
}

// A cabFolderReader decompresses a folder block by block.
type cabFolderReader struct {
	c     *cabinet
	f     *cabFolder
	pos   int64 // next block header
	block int   // next block index
	n     int64 // bytes read so far
	in    []byte
	out   []byte // the current block's output
	rest  []byte // unread part of out
	hist  []byte // the last 32 KiB of output: the MSZIP dictionary
	fl    io.ReadCloser
	lzx   *lzxDecoder
	err   error
}

func (r *cabFolderReader) Read(p []byte) (int, error) {
	for len(r.rest) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.block >= r.f.blocks {
			r.err = io.EOF
			return 0, io.EOF
		}
		// Blocks may be empty: a long run of them is a loop that must
		// stop when the analysis does.
		if err := r.c.ctx.Err(); err != nil {
			r.err = err
			return 0, err
		}
		pos := r.pos
		if err := r.next(); err != nil {
			r.err = fmt.Errorf("data block at offset %d: %w", pos, err)
			return 0, r.err
		}
	}
	n := copy(p, r.rest)
	r.rest = r.rest[n:]
	r.n += int64(n)
	return n, nil
}

// next reads, checks and decompresses the next block.
func (r *cabFolderReader) next() error {
	le := binary.LittleEndian
	var bh [8]byte
	if err := readAt(r.c.r, bh[:], r.pos); err != nil {
		return fmt.Errorf("%w: block %d: %v", ErrTruncated, r.block, err)
	}
	cb := int(le.Uint16(bh[4:]))
	ub := int(le.Uint16(bh[6:]))
	hdr := 8 + r.c.dataReserve
	need := hdr + cb
	if cap(r.in) < need {
		r.in = make([]byte, need)
	}
	in := r.in[:need]
	if err := readAt(r.c.r, in, r.pos); err != nil {
		return fmt.Errorf("%w: block %d: %v", ErrTruncated, r.block, err)
	}
	if sum := le.Uint32(bh[0:]); sum != 0 {
		if got := cabChecksum(in[4:8], cabChecksum(in[hdr:], 0)); got != sum {
			return fmt.Errorf("%w: block %d checksum %08x, want %08x", ErrCorrupt, r.block, got, sum)
		}
	}
	data := in[hdr:]
	r.pos += int64(need)
	r.block++
	switch r.f.method {
	case cabStored:
		if cb != ub {
			return fmt.Errorf("%w: stored block %d: %d bytes for %d", ErrCorrupt, r.block-1, cb, ub)
		}
		r.out = append(r.out[:0], data...)
	case cabMSZIP:
		if ub > mszipBlock {
			return fmt.Errorf("%w: MSZIP block %d of %d bytes", ErrCorrupt, r.block-1, ub)
		}
		if len(data) < 2 || data[0] != 'C' || data[1] != 'K' {
			return fmt.Errorf("%w: MSZIP block %d without CK signature", ErrCorrupt, r.block-1)
		}
		br := bytes.NewReader(data[2:])
		if r.fl == nil {
			r.fl = flate.NewReader(br)
		}
		if err := r.fl.(flate.Resetter).Reset(br, r.hist); err != nil {
			return err
		}
		if cap(r.out) < mszipBlock {
			r.out = make([]byte, mszipBlock)
		}
		r.out = r.out[:ub]
		if _, err := io.ReadFull(r.fl, r.out); err != nil {
			return fmt.Errorf("%w: MSZIP block %d: %v", ErrCorrupt, r.block-1, err)
		}
		r.hist = appendHistory(r.hist, r.out)
	case cabLZX:
		if r.lzx == nil {
			d, err := newLZXDecoder(r.f.window)
			if err != nil {
				return err
			}
			r.lzx = d
		}
		out, err := r.lzx.decodeFrame(data, ub)
		if err != nil {
			return fmt.Errorf("LZX block %d: %w", r.block-1, err)
		}
		r.out = append(r.out[:0], out...)
	}
	r.rest = r.out
	return nil
}

// appendHistory appends out to the dictionary h and keeps its last 32 KiB.
func appendHistory(h, out []byte) []byte {
	if len(out) >= mszipBlock {
		return append(h[:0], out[len(out)-mszipBlock:]...)
	}
	if keep := mszipBlock - len(out); len(h) > keep {
		h = append(h[:0], h[len(h)-keep:]...)
	}
	return append(h, out...)
}

// cabChecksum is the CFDATA checksum: the XOR of the little-endian 32-bit
// words of p, with a trailing 1–3 bytes taken big-end first, folded into
// seed. A block's checksum is that of its header fields after the sum
// (cbData and cbUncomp) seeded with that of its data, as cabextract
// computes it.
func cabChecksum(p []byte, seed uint32) uint32 {
	sum := seed
	for len(p) >= 4 {
		sum ^= binary.LittleEndian.Uint32(p)
		p = p[4:]
	}
	var ul uint32
	for _, b := range p {
		ul = ul<<8 | uint32(b)
	}
	return sum ^ ul
}

// openFile returns the content of file i: its folder decompressed and
// skipped to the file's offset, and cut to the file's size. Files are
// mostly read in the order they are stored, so the reader of the last
// file closed is kept and continues to the next file when it can, instead
// of decompressing the folder again from its start. The bytes skipped
// are counted against maxWork, so that a cabinet of many files in one
// large folder read out of order cannot make the work quadratic.
func (c *cabinet) openFile(i int) (io.ReadCloser, error) {
	f := c.files[i]
	c.mu.Lock()
	fr := c.idle
	if fr != nil && fr.f == &c.folders[f.folder] && fr.n <= f.off && fr.err == nil {
		c.idle = nil
	} else {
		fr = nil
	}
	c.mu.Unlock()
	if fr == nil {
		var err error
		if fr, err = c.openFolder(f.folder); err != nil {
			return nil, err
		}
	}
	skip := f.off - fr.n
	if c.work.Add(skip) > c.maxWork {
		return nil, fmt.Errorf("%w: more than %d bytes decompressed to reach files inside one cabinet", ErrLimit, c.maxWork)
	}
	if _, err := io.CopyN(io.Discard, fr, skip); err != nil {
		if err == io.EOF {
			err = fmt.Errorf("%w: folder ends before the file starts", ErrTruncated)
		}
		return nil, err
	}
	return &cabFileReader{c: c, fr: fr, r: io.LimitReader(fr, f.size)}, nil
}

// A cabFileReader reads one file of a folder; Close hands the folder
// reader back for the next file.
type cabFileReader struct {
	c  *cabinet
	fr *cabFolderReader
	r  io.Reader
}

func (r *cabFileReader) Read(p []byte) (int, error) { return r.r.Read(p) }

func (r *cabFileReader) Close() error {
	if r.fr != nil {
		r.c.mu.Lock()
		r.c.idle = r.fr
		r.c.mu.Unlock()
		r.fr = nil
	}
	return nil
}

// readAt fills p from r at off. Unlike a bare ReadAt it accepts io.EOF
// with a full p, which the io.ReaderAt contract allows at the end.
func readAt(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}
