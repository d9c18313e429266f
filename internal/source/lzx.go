package source

import (
	"encoding/binary"
	"fmt"
)

// LZX, the compression Microsoft's cabinet tools use besides MSZIP, as
// the Cabinet SDK's "LZX Format" describes it (and as libmspack and
// cabextract decode it): an LZ77 window of 2^15 to 2^21 bytes, Huffman
// coded in blocks (verbatim, aligned-offset or uncompressed) whose tree
// lengths are sent as deltas from the previous block's, three recent
// match offsets, and an optional E8 call-translation of x86 code. In a
// cabinet the output comes in frames of 32 KiB, one per data block; the
// bit stream is realigned to 16 bits after each frame.

const (
	lzxFrame          = 32 << 10
	lzxMinMatch       = 2
	lzxNumChars       = 256
	lzxPrimaryLengths = 7
	lzxLengthSymbols  = 249
	lzxPretreeSymbols = 20
	lzxAlignedSymbols = 8
	lzxMaxCodeLen     = 16
	// lzxLenSafety is room past the end of a length table: a run of
	// lengths may overshoot the part being read (libmspack allows it, and
	// the overshoot becomes the base of the next part's deltas).
	lzxLenSafety = 64

	// lzxMaxCarry is the most bytes of a block's data a frame may leave
	// unread for the next: one block's worth (cbData is 16 bits).
	lzxMaxCarry = 1<<16 - 1

	lzxVerbatim     = 1
	lzxAligned      = 2
	lzxUncompressed = 3
)

// errLZX is the error of damaged LZX data; it wraps ErrCorrupt.
var errLZX = fmt.Errorf("%w: LZX data", ErrCorrupt)

// lzxExtraBits and lzxPositionBase give, per position slot, the number of
// footer bits of a match offset and the offset's base.
var lzxExtraBits, lzxPositionBase = func() (eb [52]uint8, pb [52]uint32) {
	j := uint8(0)
	for i := 0; i < 51; i += 2 {
		eb[i], eb[i+1] = j, j
		if i != 0 && j < 17 {
			j++
		}
	}
	var b uint32
	for i := range pb {
		pb[i] = b
		b += 1 << eb[i]
	}
	return
}()

// lzxSlots is the number of position slots per window size (2^15 … 2^21).
var lzxSlots = map[uint]int{15: 30, 16: 32, 17: 34, 18: 36, 19: 38, 20: 42, 21: 50}

// A huffTable decodes one canonical Huffman code. Codes of up to
// huffFast bits are looked up in a table indexed by the next bits (entry:
// symbol<<5 | length); longer ones are decoded bit by bit from the counts
// per length. Building costs O(symbols + 2^huffFast), so a stream of tiny
// blocks cannot make the decoder rebuild big tables at will.
type huffTable struct {
	entries []uint32 // 1<<huffFast; 0 = a longer code
	count   [lzxMaxCodeLen + 1]uint16
	symbols []uint16 // symbols sorted by code (length, then symbol)
	empty   bool
}

const huffFast = 10

// build makes the table for the code lengths (0 = unused). A code must be
// complete, or all lengths zero (an empty tree, an error only if used).
func (h *huffTable) build(lens []uint8) error {
	h.count = [lzxMaxCodeLen + 1]uint16{}
	used := 0
	for _, l := range lens {
		if l > lzxMaxCodeLen {
			return errLZX
		}
		if l > 0 {
			h.count[l]++
			used++
		}
	}
	h.empty = used == 0
	if h.empty {
		return nil
	}
	// Kraft sum must be exactly 1.
	left := 1
	for l := 1; l <= lzxMaxCodeLen; l++ {
		left = left<<1 - int(h.count[l])
		if left < 0 {
			return fmt.Errorf("%w: over-subscribed Huffman code", errLZX)
		}
	}
	if left != 0 {
		return fmt.Errorf("%w: incomplete Huffman code", errLZX)
	}
	var offs [lzxMaxCodeLen + 2]int
	for l := 1; l <= lzxMaxCodeLen; l++ {
		offs[l+1] = offs[l] + int(h.count[l])
	}
	h.symbols = h.symbols[:0]
	h.symbols = append(h.symbols, make([]uint16, used)...)
	for sym, l := range lens {
		if l > 0 {
			h.symbols[offs[l]] = uint16(sym)
			offs[l]++
		}
	}
	if cap(h.entries) < 1<<huffFast {
		h.entries = make([]uint32, 1<<huffFast)
	}
	h.entries = h.entries[:1<<huffFast]
	clear(h.entries)
	code, i := 0, 0
	for l := 1; l <= lzxMaxCodeLen; l++ {
		for n := 0; n < int(h.count[l]); n, i = n+1, i+1 {
			if l <= huffFast {
				shift := huffFast - l
				start := code << shift
				for j := start; j < start+(1<<shift); j++ {
					h.entries[j] = uint32(h.symbols[i])<<5 | uint32(l)
				}
			}
			code++
		}
		code <<= 1
	}
	return nil
}

// decode returns the symbol whose code starts the 16 bits v (most
// significant first) and the code's length.
func (h *huffTable) decode(v uint32) (int, int) {
	if e := h.entries[v>>(lzxMaxCodeLen-huffFast)]; e != 0 {
		return int(e >> 5), int(e & 31)
	}
	code, first, index := 0, 0, 0
	for l := 1; l <= lzxMaxCodeLen; l++ {
		code |= int(v>>(lzxMaxCodeLen-l)) & 1
		n := int(h.count[l])
		if code-first < n {
			return int(h.symbols[index+code-first]), l
		}
		index += n
		first = (first + n) << 1
		code <<= 1
	}
	return 0, lzxMaxCodeLen // not reached for a complete code
}

// An lzxBits reads the LZX bit stream: 16-bit little-endian words, most
// significant bit first. Past the end of in it reads zero words (a Huffman
// look-ahead may peek there); consumed tells whether any were used.
type lzxBits struct {
	in   []byte
	pos  int    // bytes pulled into buf, zero words past the end included
	buf  uint64 // bits left-aligned
	left int
}

func (b *lzxBits) ensure(n int) {
	for b.left < n {
		var w uint64
		if b.pos+1 < len(b.in) {
			w = uint64(b.in[b.pos]) | uint64(b.in[b.pos+1])<<8
		} else if b.pos < len(b.in) {
			w = uint64(b.in[b.pos])
		}
		b.pos += 2
		b.buf |= w << (48 - b.left)
		b.left += 16
	}
}

// consumed is how many bits have been read.
func (b *lzxBits) consumed() int { return b.pos*8 - b.left }

// dropPhantom forgets the zero words pulled from past the end of in; they
// are the last bits of buf and were not consumed.
func (b *lzxBits) dropPhantom() {
	if b.pos > len(b.in) {
		b.left -= (b.pos - len(b.in)) * 8
		b.buf &^= ^uint64(0) >> b.left
		b.pos = len(b.in)
	}
}

func (b *lzxBits) read(n int) uint32 {
	if n == 0 {
		return 0
	}
	b.ensure(n)
	v := uint32(b.buf >> (64 - n))
	b.buf <<= n
	b.left -= n
	return v
}

func (b *lzxBits) sym(h *huffTable) (int, error) {
	if h.empty {
		return 0, fmt.Errorf("%w: symbol from an empty tree", errLZX)
	}
	b.ensure(lzxMaxCodeLen)
	sym, l := h.decode(uint32(b.buf >> (64 - lzxMaxCodeLen)))
	b.buf <<= l
	b.left -= l
	return sym, nil
}

// align drops bits up to the next 16-bit word boundary (after a frame).
func (b *lzxBits) align() {
	b.buf <<= b.left & 15
	b.left -= b.left & 15
}

// An lzxDecoder decodes the frames of one cabinet folder in order.
type lzxDecoder struct {
	window     []byte
	posn       int   // next write position in the window
	total      int64 // bytes produced so far
	slots      int
	bits       lzxBits
	r          [3]uint32
	headerRead bool
	intelSize  int32
	intelPos   int32
	intelOn    bool
	frame      int

	blockType      int
	blockRemaining int
	blockLength    int

	mainLens    []uint8 // main tree lengths, plus lzxLenSafety
	mainSyms    int
	lengthLens  [lzxLengthSymbols + lzxLenSafety]uint8
	alignedLens [lzxAlignedSymbols]uint8
	main        huffTable
	length      huffTable
	aligned     huffTable
	pretree     huffTable
	out         []byte
	buf         []byte // the input of the frame: carry-over and block data
}

func newLZXDecoder(windowBits uint) (*lzxDecoder, error) {
	slots, ok := lzxSlots[windowBits]
	if !ok {
		return nil, fmt.Errorf("%w: LZX window of 2^%d bytes", ErrUnsupported, windowBits)
	}
	return &lzxDecoder{
		window:   make([]byte, 1<<windowBits),
		slots:    slots,
		r:        [3]uint32{1, 1, 1},
		mainLens: make([]uint8, lzxNumChars+slots*8+lzxLenSafety),
		mainSyms: lzxNumChars + slots*8,
	}, nil
}

// decodeFrame decodes the next frame, of size bytes (at most 32 KiB), from
// the data of one cabinet block, and returns it; the slice is valid until
// the next call. data is not kept: bytes left over are copied and carried
// into the next frame.
func (d *lzxDecoder) decodeFrame(data []byte, size int) ([]byte, error) {
	if size <= 0 || size > lzxFrame {
		return nil, fmt.Errorf("%w: frame of %d bytes", errLZX, size)
	}
	// Unread whole bytes of the previous block come first. A compressor
	// may let a frame's bits run into the next block, but never leaves
	// more than a block unread: a carry-over past that is refused, as
	// carrying a growing one on would copy it again every frame
	// (quadratic work in the folder's size).
	var carry []byte
	if rest := d.bits.pos; rest < len(d.bits.in) {
		carry = d.bits.in[rest:]
	}
	if len(carry) > lzxMaxCarry {
		return nil, fmt.Errorf("%w: frame %d left %d bytes of its data unread, more than a block holds", errLZX, d.frame-1, len(carry))
	}
	// The input is copied (data is the caller's buffer, reused), and
	// carry may be part of d.buf: append moves it down first.
	d.buf = append(append(d.buf[:0], carry...), data...)
	d.bits.in = d.buf
	d.bits.pos = 0
	if d.posn == len(d.window) {
		d.posn = 0
	}
	start := d.posn
	if start+size > len(d.window) {
		return nil, fmt.Errorf("%w: frame runs past the window", errLZX)
	}
	if !d.headerRead {
		if d.bits.read(1) == 1 {
			hi := d.bits.read(16)
			lo := d.bits.read(16)
			d.intelSize = int32(hi<<16 | lo)
		}
		d.headerRead = true
	}
	end := start + size
	for d.posn < end {
		if d.blockRemaining == 0 {
			if err := d.readBlockHeader(); err != nil {
				return nil, err
			}
		}
		todo := min(d.blockRemaining, end-d.posn)
		var err error
		switch d.blockType {
		case lzxVerbatim, lzxAligned:
			err = d.decodeRun(todo)
		case lzxUncompressed:
			err = d.copyRaw(todo)
		}
		if err != nil {
			return nil, err
		}
		if d.bits.consumed() > len(d.bits.in)*8 {
			return nil, fmt.Errorf("%w: frame %d needs more data than its block holds", errLZX, d.frame)
		}
	}
	if d.posn > end {
		// A match ran past the frame end: those bytes open the next frame.
		return nil, fmt.Errorf("%w: a match crosses frame %d's end", errLZX, d.frame)
	}
	d.bits.align()
	d.bits.dropPhantom()
	d.out = append(d.out[:0], d.window[start:end]...)
	if d.intelOn && d.intelSize != 0 && d.frame < 32768 && size > 10 {
		d.translateE8(d.out)
	}
	d.intelPos += int32(size)
	d.frame++
	return d.out, nil
}

// readBlockHeader reads a block's type and size and its trees.
func (d *lzxDecoder) readBlockHeader() error {
	if d.blockType == lzxUncompressed && d.blockLength&1 == 1 {
		d.bits.pos++ // pad byte after an odd-sized uncompressed block
	}
	d.blockType = int(d.bits.read(3))
	hi := d.bits.read(16)
	lo := d.bits.read(8)
	d.blockLength = int(hi<<8 | lo)
	d.blockRemaining = d.blockLength
	if d.blockLength == 0 {
		return fmt.Errorf("%w: empty block", errLZX)
	}
	switch d.blockType {
	case lzxAligned:
		for i := range d.alignedLens {
			d.alignedLens[i] = uint8(d.bits.read(3))
		}
		if err := d.aligned.build(d.alignedLens[:]); err != nil {
			return err
		}
		fallthrough
	case lzxVerbatim:
		if err := d.readLengths(d.mainLens, 0, lzxNumChars); err != nil {
			return err
		}
		if err := d.readLengths(d.mainLens, lzxNumChars, d.mainSyms); err != nil {
			return err
		}
		if err := d.main.build(d.mainLens[:d.mainSyms]); err != nil {
			return err
		}
		if d.mainLens[0xE8] != 0 {
			d.intelOn = true
		}
		if err := d.readLengths(d.lengthLens[:], 0, lzxLengthSymbols); err != nil {
			return err
		}
		return d.length.build(d.lengthLens[:lzxLengthSymbols])
	case lzxUncompressed:
		d.intelOn = true
		// Realign to the next 16-bit word (1 to 16 bits of padding).
		d.bits.ensure(16)
		if d.bits.left > 16 {
			d.bits.pos -= 2
		}
		d.bits.buf, d.bits.left = 0, 0
		if d.bits.pos+12 > len(d.bits.in) {
			return fmt.Errorf("%w: uncompressed block header cut short", errLZX)
		}
		for i := range d.r {
			d.r[i] = binary.LittleEndian.Uint32(d.bits.in[d.bits.pos:])
			d.bits.pos += 4
		}
		return nil
	}
	return fmt.Errorf("%w: block type %d", errLZX, d.blockType)
}

// readLengths reads code lengths lens[first:last] as deltas from their
// previous values, coded with a pretree.
func (d *lzxDecoder) readLengths(lens []uint8, first, last int) error {
	var pre [lzxPretreeSymbols]uint8
	for i := range pre {
		pre[i] = uint8(d.bits.read(4))
	}
	if err := d.pretree.build(pre[:]); err != nil {
		return err
	}
	for x := first; x < last; {
		z, err := d.bits.sym(&d.pretree)
		if err != nil {
			return err
		}
		switch z {
		case 17, 18:
			var n int
			if z == 17 {
				n = int(d.bits.read(4)) + 4
			} else {
				n = int(d.bits.read(5)) + 20
			}
			if x+n > len(lens) {
				return fmt.Errorf("%w: run of lengths past the tree", errLZX)
			}
			for ; n > 0; n-- {
				lens[x] = 0
				x++
			}
		case 19:
			n := int(d.bits.read(1)) + 4
			if x+n > len(lens) {
				return fmt.Errorf("%w: run of lengths past the tree", errLZX)
			}
			z, err := d.bits.sym(&d.pretree)
			if err != nil {
				return err
			}
			if z > 16 {
				return fmt.Errorf("%w: bad length delta", errLZX)
			}
			v := (int(lens[x]) - z + 17) % 17
			for ; n > 0; n-- {
				lens[x] = uint8(v)
				x++
			}
		default:
			lens[x] = uint8((int(lens[x]) - z + 17) % 17)
			x++
		}
	}
	return nil
}

// decodeRun decodes about n bytes of a verbatim or aligned block.
func (d *lzxDecoder) decodeRun(n int) error {
	stop := d.posn + n
	for d.posn < stop {
		m, err := d.bits.sym(&d.main)
		if err != nil {
			return err
		}
		if m < lzxNumChars {
			d.window[d.posn] = byte(m)
			d.posn++
			d.total++
			d.blockRemaining--
			continue
		}
		m -= lzxNumChars
		length := m & lzxPrimaryLengths
		if length == lzxPrimaryLengths {
			extra, err := d.bits.sym(&d.length)
			if err != nil {
				return err
			}
			length += extra
		}
		length += lzxMinMatch
		slot := m >> 3
		var offset uint32
		switch slot {
		case 0:
			offset = d.r[0]
		case 1:
			offset = d.r[1]
			d.r[1] = d.r[0]
			d.r[0] = offset
		case 2:
			offset = d.r[2]
			d.r[2] = d.r[0]
			d.r[0] = offset
		default:
			if slot >= d.slots {
				return fmt.Errorf("%w: position slot %d", errLZX, slot)
			}
			extra := int(lzxExtraBits[slot])
			offset = lzxPositionBase[slot] - 2
			if d.blockType == lzxAligned && extra >= 3 {
				offset += d.bits.read(extra-3) << 3
				a, err := d.bits.sym(&d.aligned)
				if err != nil {
					return err
				}
				offset += uint32(a)
			} else {
				offset += d.bits.read(extra)
			}
			d.r[2], d.r[1], d.r[0] = d.r[1], d.r[0], offset
		}
		if offset == 0 || int64(offset) > d.total || int(offset) > len(d.window) {
			return fmt.Errorf("%w: match offset %d", errLZX, offset)
		}
		if d.posn+length > len(d.window) {
			return fmt.Errorf("%w: match runs past the window", errLZX)
		}
		if length > d.blockRemaining {
			return fmt.Errorf("%w: match runs past the block", errLZX)
		}
		src := d.posn - int(offset)
		if src < 0 {
			src += len(d.window)
		}
		for i := 0; i < length; i++ {
			d.window[d.posn] = d.window[src]
			d.posn++
			src++
			if src == len(d.window) {
				src = 0
			}
		}
		d.total += int64(length)
		d.blockRemaining -= length
	}
	return nil
}

// copyRaw copies n bytes of an uncompressed block.
func (d *lzxDecoder) copyRaw(n int) error {
	if d.bits.pos+n > len(d.bits.in) {
		return fmt.Errorf("%w: uncompressed block cut short", errLZX)
	}
	copy(d.window[d.posn:], d.bits.in[d.bits.pos:d.bits.pos+n])
	d.bits.pos += n
	d.posn += n
	d.total += int64(n)
	d.blockRemaining -= n
	return nil
}

// translateE8 undoes the E8 call translation of one frame.
func (d *lzxDecoder) translateE8(p []byte) {
	cur := d.intelPos
	for i := 0; i < len(p)-10; {
		if p[i] != 0xE8 {
			i++
			cur++
			continue
		}
		abs := int32(binary.LittleEndian.Uint32(p[i+1:]))
		if abs >= -cur && abs < d.intelSize {
			rel := abs - cur
			if abs < 0 {
				rel = abs + d.intelSize
			}
			binary.LittleEndian.PutUint32(p[i+1:], uint32(rel))
		}
		i += 5
		cur += 5
	}
}
