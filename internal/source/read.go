package source

import (
	"compress/flate"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

var numCPU = runtime.NumCPU

// hash reads the item once to learn its SHA-256 and true size. The read
// goes through the item's bounded open function, so a bomb or a damaged
// entry is found here, before the analyzer sees it.
func (it *item) hash(ctx context.Context, buf []byte, left *atomic.Int64) {
	rc, err := it.open()
	if err != nil {
		it.err = err
		return
	}
	defer rc.Close()
	h := sha256.New()
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			it.err = err
			return
		}
		m, err := rc.Read(buf)
		h.Write(buf[:m])
		n += int64(m)
		if it.size < 0 && left.Add(-int64(m)) < 0 {
			it.err = fmt.Errorf("%w: the bytes allowed for all inputs together are used up", ErrLimit)
			return
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			it.err = err
			return
		}
	}
	if it.size >= 0 && n != it.size {
		it.err = fmt.Errorf("%w: %d bytes read, %d declared", ErrCorrupt, n, it.size)
		return
	}
	it.size = n
	h.Sum(it.sum[:0])
	it.hashed = true
}

// A guard bounds a decompressing reader: it fails with ErrBomb once more
// than max bytes come out (the declared size, or what MaxRatio and
// MaxEntry allow when none is declared), with ErrTruncated when fewer
// than the declared size do, and with ErrCorrupt when the CRC-32 given
// does not match. It fails with ctx's error once ctx is done (the
// context given to Open), so that reading an input stops with the
// analysis that reads it.
type guard struct {
	ctx    context.Context // nil: not checked
	r      io.Reader
	c      io.Closer
	n      int64  // bytes so far
	max    int64  // most bytes allowed
	exact  bool   // max is the declared size: fewer is an error too
	why    string // what max is, for the error
	crc    uint32
	want   uint32
	hasCRC bool
	err    error
}

func (g *guard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if g.ctx != nil {
		if err := g.ctx.Err(); err != nil {
			g.err = err
			return 0, err
		}
	}
	// Ask for one byte more than allowed, to see a lie.
	if left := g.max - g.n; int64(len(p)) > left {
		p = p[:left+1]
	}
	n, err := g.r.Read(p)
	if g.n+int64(n) > g.max {
		g.err = fmt.Errorf("%w: more than %d bytes (%s)", ErrBomb, g.max, g.why)
		n = int(g.max - g.n)
	}
	g.n += int64(n)
	if g.hasCRC {
		g.crc = crc32.Update(g.crc, crc32.IEEETable, p[:n])
	}
	switch {
	case g.err != nil:
	case err == io.EOF:
		if g.exact && g.n < g.max {
			g.err = fmt.Errorf("%w: %d of %d bytes", ErrTruncated, g.n, g.max)
		} else if g.hasCRC && g.crc != g.want {
			g.err = fmt.Errorf("%w: CRC-32 %08x, want %08x", ErrCorrupt, g.crc, g.want)
		} else {
			g.err = io.EOF
		}
	case err != nil:
		g.err = decodeError(err)
	}
	if g.err != nil && g.err != io.EOF && n > 0 {
		return n, nil // report the error on the next call
	}
	return n, g.err
}

func (g *guard) Close() error {
	if g.c != nil {
		return g.c.Close()
	}
	return nil
}

// decodeError names the usual decompressor errors with this package's.
func decodeError(err error) error {
	var ce flate.CorruptInputError
	switch {
	case errors.Is(err, ErrTruncated), errors.Is(err, ErrCorrupt), errors.Is(err, ErrBomb):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %v", ErrTruncated, err)
	case errors.As(err, &ce), errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return err
}

// ratioCap is the most an entry of csize compressed bytes may produce.
func (l Limits) ratioCap(csize int64) int64 {
	c := float64(csize)*l.MaxRatio + 64<<10 // small entries compress well
	if c >= float64(l.MaxEntry) {
		return l.MaxEntry
	}
	return int64(c)
}

// declaredCap is the most all entries of an archive of size bytes may
// declare together: MaxRatio × size. Entries that point at the same
// compressed data pass the ratio one by one, not all together.
func (l Limits) declaredCap(size int64) int64 {
	c := float64(size)*l.MaxRatio + 64<<10
	if c >= 1<<62 {
		return 1 << 62
	}
	return int64(c)
}

// checkRatio tells whether declared sizes are within MaxRatio.
func (l Limits) checkRatio(size, csize int64) error {
	if size > l.ratioCap(csize) {
		return fmt.Errorf("%w: %d bytes from %d (ratio above %g)", ErrBomb, size, csize, l.MaxRatio)
	}
	return nil
}

// entryName checks and cleans an archive entry's name: it may not be
// absolute, name a drive, climb out of the archive with "..", or hold
// NUL or control
// characters (names are shown to people; nothing is ever written with
// them). Backslashes count as separators. Names that are not UTF-8 are
// decoded from Shift-JIS when they are valid Shift-JIS (zips made by a
// Japanese Windows), else from code page 437.
func entryName(raw string) (string, error) {
	name := raw
	if !utf8.ValidString(name) {
		name = legacyName([]byte(name))
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return "", fmt.Errorf("%w: %s has a control character", ErrTraversal, strconv.QuoteToASCII(raw))
		}
	}
	name = strings.ReplaceAll(name, `\`, "/")
	switch {
	case name == "":
		return "", fmt.Errorf("%w: empty name", ErrTraversal)
	case strings.HasPrefix(name, "/"):
		return "", fmt.Errorf("%w: %s is absolute", ErrTraversal, strconv.QuoteToASCII(raw))
	case len(name) >= 2 && name[1] == ':' && ('a' <= name[0]|0x20 && name[0]|0x20 <= 'z'):
		return "", fmt.Errorf("%w: %s names a drive", ErrTraversal, strconv.QuoteToASCII(raw))
	}
	name = path.Clean(name)
	if name == ".." || strings.HasPrefix(name, "../") {
		return "", fmt.Errorf("%w: %s climbs out with \"..\"", ErrTraversal, strconv.QuoteToASCII(raw))
	}
	return name, nil
}

// legacyName decodes a name in a legacy code page.
func legacyName(b []byte) string {
	if s, err := japanese.ShiftJIS.NewDecoder().Bytes(b); err == nil && !strings.ContainsRune(string(s), utf8.RuneError) {
		return string(s)
	}
	s, _ := charmap.CodePage437.NewDecoder().Bytes(b)
	return string(s)
}

// A sectionRC is a stored entry read in place: an io.ReaderAt for the
// analyzer's event-log reader, with the CRC-32 checked when it is read
// from start to end instead.
type sectionRC struct {
	s *io.SectionReader
	g guard
}

func newSectionRC(ctx context.Context, s *io.SectionReader, crc uint32, checkCRC bool) *sectionRC {
	return &sectionRC{s: s, g: guard{ctx: ctx, r: s, max: s.Size(), exact: true, why: "stored size", want: crc, hasCRC: checkCRC}}
}

func (s *sectionRC) Read(p []byte) (int, error)              { return s.g.Read(p) }
func (s *sectionRC) ReadAt(p []byte, off int64) (int, error) { return s.s.ReadAt(p, off) }
func (s *sectionRC) Size() int64                             { return s.s.Size() }
func (s *sectionRC) Close() error                            { return nil }
