// Package source is wudiag's intake: it turns what a user hands over —
// any mix of files, folders and archives — into the files the analyzer
// reads, each with its Kind, and lists what it skipped and why.
//
// Detect is the one place where a file's kind is told from its first
// bytes (kind.go): binary event logs, event-log exports, CBS.log,
// dism.log, other text, ETW traces, archives and other binaries. Names
// never decide a kind.
//
// Open takes paths; OpenFS takes any fs.FS (os.DirFS, a *zip.Reader, an
// upload in memory). Folders are walked recursively in lexical order; a
// folder given to Open that holds a Windows system drive is read for the
// logs "wudiag collect" takes (windowsroot.go). The first HeadSize bytes
// of every file are read while listing to tell its Kind, which the
// analyzer then reads instead of looking again. Archives are recognised
// by their first bytes: zip (including Microsoft TSS DND_SetupReport
// zips), Microsoft Cabinet (as CbsPersist_*.cab) and gzip. They are read
// in place and never extracted to disk: a zip or cab on disk is read through its open
// file, an entry stored without compression is handed to the analyzer as
// an io.SectionReader over it, so that event logs are read in place too. An archive inside an
// archive is opened in place when it is stored, and from memory (bounded
// by Limits.MaxMemory) or else from a temporary file (in Limits.TempDir,
// bounded by Limits.MaxSpool, removed by Close) when it is compressed.
//
// Whatever cannot be read is not fatal: it becomes a Problem that names
// the file and says why (an unsafe name, an encrypted entry, a zip bomb, a
// truncated or corrupt entry, a limit reached), and the rest is listed.
// The same content seen twice — a log copied into two folders of a bundle,
// a file both loose and inside a zip — is listed once; the other copies
// are Problems wrapping ErrDuplicate.
//
// Duplicates are found by size and SHA-256: only inputs that share their
// size with another, and those whose size is not declared (gzip), are
// read whole while listing, so a bundle of distinct logs costs no extra
// pass.
//
// A Bundle is also a file system (fs.FS, fs.ReadDirFS), in the manner of
// archive/zip.Reader: its files under the names reports give them, made
// valid paths by FSName, with the folders those names imply, so that
// "bundle.zip:Logs/CBS/CBS.log" opens the entry in place.
//
// Everything that is read is bounded. Limits caps the total uncompressed
// bytes, the number of files, the nesting of archives, the uncompressed
// size of one entry and its compression ratio, and the memory and disk
// that nested archives take. Zip entries whose compressed data overlaps
// another's, and cabinet folders sharing data blocks, are refused; the
// walk of a cabinet's block headers is bounded by its size. Ratios and
// sizes are checked against the sizes an archive declares when it is
// listed, and again while reading: an entry's Open returns a reader that
// fails with ErrBomb as soon as it produces more than its header
// declared, with ErrTruncated when it produces less, and with ErrCorrupt
// when its CRC does not match. An entry read while listing (for the duplicate check)
// that fails is a Problem; any other fails when the analyzer reads it,
// with the same error, which the analyzer reports for that input.
//
// Cabinets are read by this package's own reader (cab.go): stored, MSZIP
// and LZX folders (lzx.go); Quantum folders are Problems wrapping
// ErrUnsupported, as are cabinets split over several files.
package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/wudiag/wudiag/internal/collect"
)

// Errors a Problem wraps, so that a report can explain each case.
var (
	// ErrTraversal: an archive entry's name is absolute, climbs out with
	// "..", names a drive, or holds a NUL or control character.
	ErrTraversal = errors.New("unsafe name")
	// ErrBomb: an entry expands more than Limits.MaxRatio, or produces
	// more than its header declared.
	ErrBomb = errors.New("compression ratio too high (possible zip bomb)")
	// ErrLimit: a limit of Limits was reached; the input was skipped.
	ErrLimit = errors.New("limit reached")
	// ErrDuplicate: the same content as an input listed earlier.
	ErrDuplicate = errors.New("duplicate of")
	// ErrEncrypted: an encrypted archive entry.
	ErrEncrypted = errors.New("encrypted")
	// ErrUnsupported: an archive feature this package does not read,
	// such as Quantum-compressed cabinets or zip methods other than
	// store and deflate.
	ErrUnsupported = errors.New("not supported")
	// ErrTruncated: the data ends before its declared size.
	ErrTruncated = errors.New("truncated")
	// ErrCorrupt: a checksum mismatch or undecodable compressed data.
	ErrCorrupt = errors.New("corrupt")
	// ErrArchive: an archive that cannot be opened at all (not a valid
	// zip, cab or gzip: truncated or damaged). The Problem's text is the
	// reader's own ("read zip: zip: not a valid zip file").
	ErrArchive = errors.New("damaged archive")
)

// archiveError is an archive that cannot be opened: its text is the
// reader's, and it wraps ErrArchive as well as the reader's error.
type archiveError struct{ err error }

func (e *archiveError) Error() string   { return e.err.Error() }
func (e *archiveError) Unwrap() []error { return []error{ErrArchive, e.err} }

// Limits bounds what Open reads. A zero field takes its default from
// DefaultLimits; a negative one means no limit.
type Limits struct {
	// MaxTotal is the total uncompressed bytes of all inputs listed
	// (default 8 GiB). Inputs past it are Problems wrapping ErrLimit.
	MaxTotal int64
	// MaxFiles is the number of files and archive entries looked at
	// (default 100000).
	MaxFiles int
	// MaxDepth is how many archives may nest (default 2: a zip inside a
	// zip; a gzip counts as one level).
	MaxDepth int
	// MaxRatio is the largest uncompressed/compressed ratio of one entry
	// (default 200; text logs deflate about 10:1, zip bombs 1000:1). The
	// sizes all entries of one zip or cabinet declare are capped together
	// at MaxRatio × the archive's size too.
	MaxRatio float64
	// MaxEntry is the largest uncompressed size of one entry or file
	// (default 4 GiB).
	MaxEntry int64
	// MaxMemory is how many bytes of nested archives stored compressed in
	// their parent may be held in memory, all together (default 16 MiB);
	// those that do not fit, and those whose size is not declared (inside
	// a gzip), are spooled to a temporary file instead. Stored ones are
	// read in place and not counted. It also caps the bytes of one zip's
	// central directory read, as listing a zip holds every record in
	// memory (about five times the directory's size).
	MaxMemory int64
	// MaxSpool is how many bytes of nested archives may be spooled to
	// temporary files, all together (default 4 GiB). Nested archives past
	// it are Problems wrapping ErrLimit.
	MaxSpool int64
	// TempDir is the folder of the temporary files (default
	// os.TempDir()). Close removes them.
	TempDir string
}

// DefaultLimits returns the limits used for zero fields of Limits.
func DefaultLimits() Limits {
	return Limits{
		MaxTotal:  8 << 30,
		MaxFiles:  100000,
		MaxDepth:  2,
		MaxRatio:  200,
		MaxEntry:  4 << 30,
		MaxMemory: 16 << 20,
		MaxSpool:  4 << 30,
		TempDir:   os.TempDir(),
	}
}

// withDefaults fills zero fields and turns negative ones into "no limit".
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	fill := func(v *int64, def int64) {
		switch {
		case *v == 0:
			*v = def
		case *v < 0:
			*v = 1<<63 - 1
		}
	}
	fill(&l.MaxTotal, d.MaxTotal)
	fill(&l.MaxEntry, d.MaxEntry)
	fill(&l.MaxMemory, d.MaxMemory)
	fill(&l.MaxSpool, d.MaxSpool)
	if l.TempDir == "" {
		l.TempDir = d.TempDir
	}
	switch {
	case l.MaxFiles == 0:
		l.MaxFiles = d.MaxFiles
	case l.MaxFiles < 0:
		l.MaxFiles = int(^uint(0) >> 1)
	}
	switch {
	case l.MaxDepth == 0:
		l.MaxDepth = d.MaxDepth
	case l.MaxDepth < 0:
		l.MaxDepth = int(^uint(0) >> 1)
	}
	switch {
	case l.MaxRatio == 0:
		l.MaxRatio = d.MaxRatio
	case l.MaxRatio < 0:
		l.MaxRatio = 1e300
	}
	return l
}

// A Problem is an input that was skipped or could not be read, with the
// reason. Err wraps one of this package's errors where one applies, or
// the underlying I/O or format error.
type Problem struct {
	Name string
	Err  error
}

func (p Problem) Error() string { return p.Name + ": " + p.Err.Error() }
func (p Problem) Unwrap() error { return p.Err }

// A File is one file to analyze: a file on disk, or an entry of an
// archive. Open may be called more than once.
type File struct {
	// Name is how reports name the file (a path, or "bundle.zip:Logs/CBS/CBS.log").
	Name string
	// Size is the file's size in bytes, or -1 when unknown.
	Size int64
	// Kind is what Detect told from the file's first bytes; Unknown when
	// the file was not looked at (a File built by hand).
	Kind Kind
	// Open opens the content. When the returned value is also an
	// io.ReaderAt (as *os.File is), event logs are read in place.
	Open func() (io.ReadCloser, error)
}

// A Bundle is the result of Open: the files to analyze, the problems
// met, and the archives held open for the files' Open functions.
type Bundle struct {
	lim      Limits
	files    []File
	problems []Problem
	fs       fsTree // the file system view, built at first use

	// While listing.
	items     []*item
	head      []byte // buffer for the first bytes of each item
	seen      int    // files and entries looked at
	skipped   int    // of which skipped past MaxFiles
	firstSkip string
	memory    int64 // bytes of nested archives held in memory
	spooled   int64 // bytes of nested archives in temporary files
	listed    int64 // declared bytes of the items listed
	mu        sync.Mutex
	closers   []io.Closer
}

// Open lists the inputs found in paths: files as they are, folders
// walked recursively in lexical order, archives opened by their content.
// It returns an error only when ctx is done; everything else that goes
// wrong is a Problem. ctx also bounds the inputs' readers: once it is
// done, reading an archive entry fails with its error, so pass the
// context of the analysis that reads them. The caller must Close the
// bundle once the inputs' Open functions are no longer used.
func Open(ctx context.Context, paths []string, lim Limits) (*Bundle, error) {
	b := &Bundle{lim: lim.withDefaults()}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			b.Close()
			return nil, err
		}
		b.addPath(ctx, p)
	}
	if err := b.finish(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// Files returns the files to analyze, in the order found.
func (b *Bundle) Files() []File { return b.files }

// Problems returns the inputs skipped or unreadable, with the reasons,
// in the order found.
func (b *Bundle) Problems() []Problem { return b.problems }

// Close closes the archives the inputs read from. The inputs' Open
// functions fail afterwards.
func (b *Bundle) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var errs []error
	for _, c := range b.closers {
		errs = append(errs, c.Close())
	}
	b.closers = nil
	return errors.Join(errs...)
}

// problem records a problem.
func (b *Bundle) problem(name string, err error) {
	b.problems = append(b.problems, Problem{Name: name, Err: err})
}

// addPath adds a path given by the user: a file, or a folder to walk.
// A symbolic link given by name is followed; links inside folders are not.
func (b *Bundle) addPath(ctx context.Context, p string) {
	fi, err := os.Stat(p)
	if err != nil {
		b.problem(p, err)
		return
	}
	if !fi.IsDir() {
		b.addFile(ctx, p, fi)
		return
	}
	if collect.IsWindowsRoot(p) { // a system drive: only what collect takes (windowsroot.go)
		b.addWindowsRoot(ctx, p)
		return
	}
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			b.problem(path, err)
			if d != nil && d.IsDir() && path != p {
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case d.IsDir():
		case d.Type()&fs.ModeSymlink != 0:
			b.problem(path, fmt.Errorf("%w: symbolic link inside a folder is not followed", ErrUnsupported))
		case d.Type().IsRegular():
			fi, err := d.Info()
			if err != nil {
				b.problem(path, err)
				return nil
			}
			b.addFile(ctx, path, fi)
		default:
			b.problem(path, fmt.Errorf("%w: not a regular file", ErrUnsupported))
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		b.problem(p, err)
	}
}

// addFile adds a file on disk.
func (b *Bundle) addFile(ctx context.Context, path string, fi fs.FileInfo) {
	if !fi.Mode().IsRegular() {
		b.problem(path, fmt.Errorf("%w: not a regular file", ErrUnsupported))
		return
	}
	b.add(ctx, &item{
		name: path,
		size: fi.Size(),
		path: path,
		open: func() (io.ReadCloser, error) { return os.Open(path) },
	})
}

// An item is a file or an archive entry found while listing.
type item struct {
	name  string
	size  int64 // uncompressed size as declared, -1 when unknown
	csize int64 // compressed size, -1 when unknown or not compressed
	path  string
	fsys  fs.FS // the file system of an item of OpenFS, named name in it
	// open returns the content, bounded and checked: it fails with
	// ErrBomb, ErrTruncated or ErrCorrupt rather than return more, less
	// or other bytes than declared.
	open func() (io.ReadCloser, error)
	// ra, when not nil, is the content addressable in place (a file on
	// disk read through its parent, a stored entry).
	ra    io.ReaderAt
	depth int  // number of archives around it
	kind  Kind // from the first bytes

	// Filled by the hash pass.
	hashed bool
	sum    [32]byte
	err    error
}

// add looks at one file or entry: an archive is opened and its entries
// added in turn, anything else becomes a candidate input.
func (b *Bundle) add(ctx context.Context, it *item) {
	if ctx.Err() != nil {
		return
	}
	b.seen++
	if b.seen > b.lim.MaxFiles {
		if b.skipped == 0 {
			b.firstSkip = it.name
		}
		b.skipped++
		return
	}
	if it.size > b.lim.MaxEntry {
		b.problem(it.name, fmt.Errorf("%w: %d bytes, more than the %d allowed for one file", ErrLimit, it.size, b.lim.MaxEntry))
		return
	}
	if b.head == nil {
		b.head = make([]byte, HeadSize)
	}
	head, err := readHead(it, b.head)
	if err != nil {
		b.problem(it.name, err)
		return
	}
	it.kind = Detect(head)
	if !it.kind.Archive() {
		// Charged now, copies too: many entries that point at the same
		// compressed data (an overlapping zip bomb) stop here, before
		// the duplicate check reads them.
		if it.size >= 0 {
			if b.listed+it.size > b.lim.MaxTotal {
				b.problem(it.name, fmt.Errorf("%w: the %d bytes allowed for all inputs together are used up", ErrLimit, b.lim.MaxTotal))
				return
			}
			b.listed += it.size
		}
		b.items = append(b.items, it)
		return
	}
	if it.depth >= b.lim.MaxDepth {
		b.problem(it.name, fmt.Errorf("%w: archive nested deeper than %d", ErrLimit, b.lim.MaxDepth))
		return
	}
	if it.kind == Gzip {
		b.addGzip(ctx, it)
		return
	}
	ra, size, err := b.readerAt(it)
	if err != nil {
		b.problem(it.name, err)
		return
	}
	switch it.kind {
	case Zip:
		b.addZip(ctx, it, ra, size)
	case Cab:
		b.addCab(ctx, it, ra, size)
	}
}

// readHead reads the first bytes of an item into buf (fewer if it is
// shorter) and returns them. An error past the first magicSize bytes is
// not one here: the item is listed on what was read, and the error comes
// again when it is read in full (an entry's lies are found by its reader).
func readHead(it *item, buf []byte) ([]byte, error) {
	rc, err := it.open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	m, err := io.ReadFull(rc, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF && m < magicSize {
		return nil, err
	}
	return buf[:m], nil
}

// magicSize is how many first bytes an item must give to be listed: enough
// to tell an archive.
const magicSize = 8

// readerAt returns an archive's content for random access: the file on
// disk, held open until Close; the entry in place when stored; the entry
// read into memory, within MaxMemory; or else the entry spooled to a
// temporary file, within MaxSpool.
func (b *Bundle) readerAt(it *item) (io.ReaderAt, int64, error) {
	switch {
	case it.path != "":
		f, err := os.Open(it.path)
		if err != nil {
			return nil, 0, err
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, 0, err
		}
		b.closers = append(b.closers, f)
		return f, fi.Size(), nil
	case it.ra != nil && it.size >= 0:
		return it.ra, it.size, nil
	case it.fsys != nil && b.fsReaderAt(it):
		return it.ra, it.size, nil
	case it.size >= 0 && it.size <= b.lim.MaxMemory-b.memory:
		return b.inMemory(it)
	}
	return b.spool(it)
}

// inMemory reads a nested archive of declared size into memory. The
// buffer is allocated once: the entry's reader fails rather than return
// more than its size, so it never grows.
func (b *Bundle) inMemory(it *item) (io.ReaderAt, int64, error) {
	rc, err := it.open()
	if err != nil {
		return nil, 0, err
	}
	defer rc.Close()
	buf := bytes.NewBuffer(make([]byte, 0, it.size+bytes.MinRead))
	if _, err := buf.ReadFrom(rc); err != nil {
		return nil, 0, err
	}
	b.memory += int64(buf.Len())
	return bytes.NewReader(buf.Bytes()), int64(buf.Len()), nil
}

// spool copies a nested archive to a temporary file in TempDir, within
// what is left of MaxSpool, so that its memory is the page cache's and
// not the heap's. Close closes and removes the file; a failed copy is
// removed at once.
func (b *Bundle) spool(it *item) (ra io.ReaderAt, size int64, err error) {
	room := b.lim.MaxSpool - b.spooled
	if it.size > room {
		return nil, 0, fmt.Errorf("%w: nested archive of %d bytes would pass the %d bytes allowed for nested archives spooled to disk", ErrLimit, it.size, b.lim.MaxSpool)
	}
	rc, err := it.open()
	if err != nil {
		return nil, 0, err
	}
	defer rc.Close()
	f, err := os.CreateTemp(b.lim.TempDir, "wudiag-nested-*")
	if err != nil {
		return nil, 0, fmt.Errorf("spool nested archive: %w", err)
	}
	tf := tempFile{f}
	defer func() {
		if err != nil {
			tf.Close()
		}
	}()
	n, err := io.Copy(f, io.LimitReader(rc, room+1))
	b.spooled += n
	switch {
	case err != nil:
		return nil, 0, err
	case n > room:
		return nil, 0, fmt.Errorf("%w: nested archive passes the %d bytes allowed for nested archives spooled to disk", ErrLimit, b.lim.MaxSpool)
	}
	b.closers = append(b.closers, tf)
	return f, n, nil
}

// A tempFile is a spooled archive: Close removes it too.
type tempFile struct{ f *os.File }

func (t tempFile) Close() error {
	return errors.Join(t.f.Close(), os.Remove(t.f.Name()))
}

// finish hashes what may be duplicated, drops duplicates and unreadable
// entries, applies MaxTotal in listing order and builds the inputs.
func (b *Bundle) finish(ctx context.Context) error {
	if b.skipped > 0 {
		b.problem(b.firstSkip, fmt.Errorf("%w: more than %d files; this one and %d more skipped", ErrLimit, b.lim.MaxFiles, b.skipped-1))
	}
	// Only items that share a size with another, or whose size is not
	// known, can be duplicates worth hashing.
	bySize := map[int64]int{}
	for _, it := range b.items {
		if it.size > 0 { // empty files are not worth calling copies
			bySize[it.size]++
		}
	}
	var todo []*item
	for _, it := range b.items {
		if it.size < 0 || it.size > 0 && bySize[it.size] > 1 {
			todo = append(todo, it)
		}
	}
	// Items of unknown size share what is left of MaxTotal while hashed.
	var left atomic.Int64
	left.Store(b.lim.MaxTotal - b.listed)
	if err := hashAll(ctx, todo, &left); err != nil {
		return err
	}
	type key struct {
		size int64
		sum  [32]byte
	}
	first := map[key]string{}
	var total int64
	for _, it := range b.items {
		if it.err != nil {
			b.problem(it.name, it.err)
			continue
		}
		if it.hashed && it.size > 0 {
			k := key{it.size, it.sum}
			if name, ok := first[k]; ok {
				b.problem(it.name, fmt.Errorf("%w %s", ErrDuplicate, name))
				continue
			}
			first[k] = it.name
		}
		if total+it.size > b.lim.MaxTotal || total+it.size < total {
			b.problem(it.name, fmt.Errorf("%w: the %d bytes allowed for all inputs together are used up", ErrLimit, b.lim.MaxTotal))
			continue
		}
		total += it.size
		b.files = append(b.files, File{Name: it.name, Size: it.size, Kind: it.kind, Open: it.open})
	}
	b.items = nil
	return nil
}

// hashAll computes the SHA-256 and true size of each item, reading it
// once through its bounded open function, on as many goroutines as
// there are CPUs. A read error is kept in the item.
func hashAll(ctx context.Context, items []*item, left *atomic.Int64) error {
	work := make(chan *item)
	var wg sync.WaitGroup
	n := min(max(1, numCPU()), len(items))
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			for it := range work {
				it.hash(ctx, buf, left)
			}
		}()
	}
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		work <- it
	}
	close(work)
	wg.Wait()
	return ctx.Err()
}

// openReaderAt is Open for one file already at hand as an io.ReaderAt,
// named name: the fuzz tests' way in, with no file system.
func openReaderAt(ctx context.Context, name string, ra io.ReaderAt, size int64, lim Limits) (*Bundle, error) {
	b := &Bundle{lim: lim.withDefaults()}
	b.add(ctx, &item{name: name, size: size, ra: ra, open: func() (io.ReadCloser, error) {
		return newSectionRC(ctx, io.NewSectionReader(ra, 0, size), 0, false), nil
	}})
	if err := b.finish(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}
