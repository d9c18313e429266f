package source

import (
	"archive/zip"
	"cmp"
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Zip methods read: the two any Windows or TSS zip uses.
const (
	zipStore   = 0
	zipDeflate = 8
)

// addZip lists the entries of a zip read in place through ra. Entries
// whose compressed data overlaps an earlier entry's are refused (one
// deflate stream behind many entries is a zip bomb, not a bundle), and
// so are entries past MaxRatio × the zip's size in declared bytes, all
// entries together.
func (b *Bundle) addZip(ctx context.Context, it *item, ra io.ReaderAt, size int64) {
	dr := &dirReaderAt{r: ra, left: b.lim.MaxMemory, limit: b.lim.MaxMemory}
	zr, err := zip.NewReader(dr, size)
	dr.left = 1<<63 - 1 // the entries' own reads are not the directory's
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		b.problem(it.name, &archiveError{fmt.Errorf("read zip: %w", decodeError(err))})
		return
	}
	offs, overlaps, err := zipOverlaps(ctx, zr.File, size)
	if err != nil {
		return // ctx is done
	}
	left := b.lim.declaredCap(size)
	for i, f := range zr.File {
		if ctx.Err() != nil {
			return
		}
		if isZipDir(f) {
			continue
		}
		name, err := entryName(f.Name)
		if err != nil {
			b.problem(it.name, err)
			continue
		}
		full := it.name + ":" + name
		if err := overlaps[i]; err != nil {
			b.problem(full, err)
			continue
		}
		if err := b.zipEntry(ctx, it, f, full, ra, size, offs[i], &left); err != nil {
			b.problem(full, err)
		}
	}
}

// A dirReaderAt is a zip read by zip.NewReader: it refuses to read more
// than limit bytes, as the listing holds every directory record in memory
// (about five times the directory's size, and records are not bounded by
// the count the zip declares).
type dirReaderAt struct {
	r           io.ReaderAt
	left, limit int64
}

func (d *dirReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if int64(len(p)) > d.left {
		return 0, fmt.Errorf("%w: zip central directory near offset %d: more than the %d bytes of directory allowed (MaxMemory)", ErrLimit, off, d.limit)
	}
	d.left -= int64(len(p))
	return d.r.ReadAt(p, off)
}

// isZipDir tells a directory entry, which is skipped.
func isZipDir(f *zip.File) bool {
	return strings.HasSuffix(f.Name, "/") || strings.HasSuffix(f.Name, `\`)
}

// zipOverlaps returns, by index in files, each entry's data offset (-1
// when it cannot be read) and the error of each entry whose compressed
// data overlaps that of an entry starting before it (or at the same
// offset and listed before it). It fails only when ctx is done.
func zipOverlaps(ctx context.Context, files []*zip.File, size int64) ([]int64, []error, error) {
	offs := make([]int64, len(files))
	errs := make([]error, len(files))
	var idx []int
	for i, f := range files {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		offs[i] = -1
		off, err := f.DataOffset()
		if err != nil {
			continue // zipEntry says why
		}
		offs[i] = off
		if csize := int64(f.CompressedSize64); !isZipDir(f) && csize > 0 && off >= 0 && csize <= size-off {
			idx = append(idx, i)
		}
	}
	end := func(i int) int64 { return offs[i] + int64(files[i].CompressedSize64) }
	slices.SortFunc(idx, func(a, b int) int { return cmp.Or(cmp.Compare(offs[a], offs[b]), cmp.Compare(a, b)) })
	owner := -1 // the entry reaching furthest so far
	for _, i := range idx {
		if owner >= 0 && offs[i] < end(owner) {
			errs[i] = fmt.Errorf("%w: data at offset %d overlaps that of entry %s (offsets %d to %d)", ErrBomb, offs[i], strconv.QuoteToASCII(files[owner].Name), offs[owner], end(owner))
			continue
		}
		owner = i
	}
	return offs, errs, nil
}

// zipEntry checks one zip entry, whose data starts at off (-1: unknown),
// and adds it, taking its declared size from left.
func (b *Bundle) zipEntry(ctx context.Context, it *item, f *zip.File, name string, ra io.ReaderAt, size, off int64, left *int64) error {
	if f.Flags&0x1 != 0 {
		return ErrEncrypted
	}
	if f.Method != zipStore && f.Method != zipDeflate {
		return fmt.Errorf("%w: zip compression method %d", ErrUnsupported, f.Method)
	}
	usize, csize := int64(f.UncompressedSize64), int64(f.CompressedSize64)
	if usize < 0 || csize < 0 {
		return fmt.Errorf("%w: entry sizes out of range", ErrCorrupt)
	}
	if off < 0 {
		if _, err := f.DataOffset(); err != nil {
			return fmt.Errorf("%w: local header: %v", ErrCorrupt, err)
		}
		return fmt.Errorf("%w: local header offset out of range", ErrCorrupt)
	}
	if csize > size-off {
		return fmt.Errorf("%w: entry data at offset %d runs past the end of the archive", ErrTruncated, off)
	}
	if usize > *left {
		return fmt.Errorf("%w: entry at offset %d declares %d bytes, past the %d (ratio %g) allowed for all entries of the archive together", ErrBomb, off, usize, b.lim.declaredCap(size), b.lim.MaxRatio)
	}
	*left -= usize
	crc := f.CRC32
	child := &item{name: name, size: usize, csize: csize, depth: it.depth + 1}
	switch f.Method {
	case zipStore:
		if csize != usize {
			return fmt.Errorf("%w: stored entry of %d bytes declares %d", ErrCorrupt, csize, usize)
		}
		child.ra = io.NewSectionReader(ra, off, usize)
		child.open = func() (io.ReadCloser, error) {
			return newSectionRC(ctx, io.NewSectionReader(ra, off, usize), crc, true), nil
		}
	case zipDeflate:
		if err := b.lim.checkRatio(usize, csize); err != nil {
			return err
		}
		// Deflate never grows data by more than 5 bytes a 16 KiB block
		// or so: more compressed bytes than that is a header that lies
		// about the uncompressed size.
		if csize > usize+usize/1024+64 {
			return fmt.Errorf("%w: %d compressed bytes cannot make only the %d declared", ErrBomb, csize, usize)
		}
		child.open = func() (io.ReadCloser, error) {
			fr := flate.NewReader(io.NewSectionReader(ra, off, csize))
			return &guard{ctx: ctx, r: fr, c: fr, max: usize, exact: true, why: "the size the entry declares", want: crc, hasCRC: true}, nil
		}
	}
	b.add(ctx, child)
	return nil
}

// addCab lists the files of a cabinet read in place through ra.
func (b *Bundle) addCab(ctx context.Context, it *item, ra io.ReaderAt, size int64) {
	c, err := openCab(ctx, ra, size, b.lim.MaxTotal)
	if err != nil {
		b.problem(it.name, &archiveError{fmt.Errorf("read cab: %w", err)})
		return
	}
	left := b.lim.declaredCap(size)
	for i, f := range c.files {
		if ctx.Err() != nil {
			return
		}
		name, err := entryName(f.name)
		if err != nil {
			b.problem(it.name, err)
			continue
		}
		full := it.name + ":" + name
		if err := b.cabFile(ctx, it, c, i, full, &left); err != nil {
			b.problem(full, err)
		}
	}
}

// cabFile checks one cabinet file and adds it, taking its declared size
// from left.
func (b *Bundle) cabFile(ctx context.Context, it *item, c *cabinet, i int, name string, left *int64) error {
	f := c.files[i]
	if f.folder >= len(c.folders) {
		if f.folder >= 0xFFFD {
			return fmt.Errorf("%w: file continued from or to another cabinet", ErrUnsupported)
		}
		return fmt.Errorf("%w: folder %d of %d", ErrCorrupt, f.folder, len(c.folders))
	}
	fo := &c.folders[f.folder]
	if fo.err != nil {
		return fo.err
	}
	if fo.method != cabStored {
		if err := b.lim.checkRatio(fo.usize, fo.csize); err != nil {
			return err
		}
	}
	if f.off+f.size > fo.usize {
		return fmt.Errorf("%w: file ends at %d, its folder holds %d bytes", ErrTruncated, f.off+f.size, fo.usize)
	}
	if f.size > *left {
		return fmt.Errorf("%w: file at offset %d of folder %d declares %d bytes, past the %d (ratio %g) allowed for all files of the cabinet together", ErrBomb, f.off, f.folder, f.size, b.lim.declaredCap(c.size), b.lim.MaxRatio)
	}
	*left -= f.size
	b.add(ctx, &item{name: name, size: f.size, csize: -1, depth: it.depth + 1, open: func() (io.ReadCloser, error) {
		r, err := c.openFile(i)
		if err != nil {
			return nil, err
		}
		return &guard{ctx: ctx, r: r, c: r, max: f.size, exact: true, why: "the size the file declares"}, nil
	}})
	return nil
}

// addGzip adds the one member of a gzip file. It is named as the file
// without ".gz", or as file:name with the name in the gzip header when
// the file has no such suffix. Its size is not declared (the trailer
// holds it modulo 4 GiB), so it is read once by the hash pass and bounded
// by MaxRatio against the gzip file's size.
func (b *Bundle) addGzip(ctx context.Context, it *item) {
	rc, err := it.open()
	if err != nil {
		b.problem(it.name, err)
		return
	}
	zr, err := gzip.NewReader(rc)
	rc.Close()
	if err != nil {
		b.problem(it.name, &archiveError{fmt.Errorf("read gzip: %w", decodeError(err))})
		return
	}
	name := it.name
	switch {
	case strings.HasSuffix(strings.ToLower(name), ".gz") && len(name) > 3:
		name = name[:len(name)-3]
	case zr.Name != "":
		n, err := entryName(path.Base(strings.ReplaceAll(zr.Name, `\`, "/")))
		if err != nil {
			n = "content"
		}
		name += ":" + n
	default:
		name += ":content"
	}
	max, why := b.lim.MaxEntry, "the size allowed for one file"
	if it.size >= 0 {
		max, why = b.lim.ratioCap(it.size), fmt.Sprintf("ratio %g to %d compressed bytes", b.lim.MaxRatio, it.size)
	}
	b.add(ctx, &item{name: name, size: -1, csize: it.size, depth: it.depth + 1, open: func() (io.ReadCloser, error) {
		rc, err := it.open()
		if err != nil {
			return nil, err
		}
		zr, err := gzip.NewReader(rc)
		if err != nil {
			rc.Close()
			return nil, decodeError(err)
		}
		zr.Multistream(false)
		return &guard{ctx: ctx, r: zr, c: rc, max: max, why: why}, nil
	}})
}
