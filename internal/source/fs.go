package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// OpenFS is Open for the files of fsys (os.DirFS, a zip.Reader, an
// upload held in memory): every file under "." is listed as Open lists a
// folder, archives among them opened by their content. Names are the
// paths in fsys ("Logs/CBS/CBS.log", "bundle.zip:Logs/CBS/CBS.log").
// An archive whose fs.File is not an io.ReaderAt is read into memory or
// spooled, within Limits, as a nested archive is.
func OpenFS(ctx context.Context, fsys fs.FS, lim Limits) (*Bundle, error) {
	b := &Bundle{lim: lim.withDefaults()}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			b.problem(name, err)
			if d != nil && d.IsDir() && name != "." {
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case d.IsDir():
		case d.Type()&fs.ModeSymlink != 0:
			b.problem(name, fmt.Errorf("%w: symbolic link inside a folder is not followed", ErrUnsupported))
		case d.Type().IsRegular():
			fi, err := d.Info()
			if err != nil {
				b.problem(name, err)
				return nil
			}
			b.add(ctx, &item{
				name: name,
				size: fi.Size(),
				fsys: fsys,
				open: func() (io.ReadCloser, error) { return fsys.Open(name) },
			})
		default:
			b.problem(name, fmt.Errorf("%w: not a regular file", ErrUnsupported))
		}
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			b.Close()
			return nil, ctx.Err()
		}
		b.problem(".", err)
	}
	if err := b.finish(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// fsReaderAt opens an item of an fs.FS for random access, into it.ra and
// it.size, when its fs.File allows it (an os.File under os.DirFS does).
func (b *Bundle) fsReaderAt(it *item) bool {
	f, err := it.fsys.Open(it.name)
	if err != nil {
		return false
	}
	ra, ok := f.(io.ReaderAt)
	fi, err := f.Stat()
	if !ok || err != nil {
		f.Close()
		return false
	}
	b.closers = append(b.closers, f)
	it.ra, it.size = ra, fi.Size()
	return true
}

// The Bundle as a file system, in the manner of archive/zip.Reader: its
// files under their names as reports write them, made valid fs paths
// (slashes for backslashes, no leading "/" or "..", so that
// "/tmp/b/bundle.zip:Logs/CBS.log" is "tmp/b/bundle.zip:Logs/CBS.log"),
// with the folders those names imply. Reading a file reads the archive in
// place, bounded as the file's Open is.

// fsTree is the directory tree of the file system view, built once.
type fsTree struct {
	once  sync.Once
	files map[string]*File         // by fs name
	dirs  map[string][]fs.DirEntry // by fs name, sorted
}

// FSName returns the name under which the Bundle's file system view
// shows a file named name (File.Name).
func FSName(name string) string {
	p := path.Clean("/" + strings.ReplaceAll(name, `\`, "/"))
	return strings.TrimPrefix(p, "/")
}

func (b *Bundle) tree() *fsTree {
	t := &b.fs
	t.once.Do(func() {
		t.files = map[string]*File{}
		t.dirs = map[string][]fs.DirEntry{".": nil}
		for i := range b.files {
			f := &b.files[i]
			name := FSName(f.Name)
			if name == "" || t.files[name] != nil || t.dirs[name] != nil {
				continue
			}
			t.files[name] = f
			child := fs.DirEntry(fileInfo{name: path.Base(name), size: f.Size})
			for dir := path.Dir(name); ; dir = path.Dir(dir) {
				_, seen := t.dirs[dir]
				t.dirs[dir] = append(t.dirs[dir], child)
				if seen || dir == "." {
					break
				}
				child = fileInfo{name: path.Base(dir), dir: true}
			}
		}
		for _, ents := range t.dirs {
			slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
		}
	})
	return t
}

// Open opens a file or folder of the Bundle's file system view (fs.FS).
// Names are those of FSName. It fails once the Bundle is closed.
func (b *Bundle) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	t := b.tree()
	if f := t.files[name]; f != nil {
		rc, err := f.Open()
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		of := regFile{ReadCloser: rc, info: fileInfo{name: path.Base(name), size: f.Size}}
		if _, ok := rc.(io.ReaderAt); ok {
			return &fileAt{of}, nil
		}
		return &of, nil
	}
	if ents, ok := t.dirs[name]; ok {
		return &dirFile{info: fileInfo{name: path.Base(name), dir: true}, ents: ents}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// ReadDir lists a folder of the Bundle's file system view (fs.ReadDirFS).
func (b *Bundle) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	ents, ok := b.tree().dirs[name]
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return slices.Clone(ents), nil
}

var (
	_ fs.FS        = (*Bundle)(nil)
	_ fs.ReadDirFS = (*Bundle)(nil)
)

// fileInfo describes a file or folder of the view; it is its own
// fs.DirEntry.
type fileInfo struct {
	name string
	size int64
	dir  bool
}

func (fi fileInfo) Name() string { return fi.name }
func (fi fileInfo) Size() int64  { return max(fi.size, 0) }
func (fi fileInfo) Mode() fs.FileMode {
	if fi.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (fi fileInfo) ModTime() time.Time         { return time.Time{} }
func (fi fileInfo) IsDir() bool                { return fi.dir }
func (fi fileInfo) Sys() any                   { return nil }
func (fi fileInfo) Type() fs.FileMode          { return fi.Mode().Type() }
func (fi fileInfo) Info() (fs.FileInfo, error) { return fi, nil }
func (fi fileInfo) String() string             { return fs.FormatFileInfo(fi) }
func (f *regFile) Stat() (fs.FileInfo, error)  { return f.info, nil }
func (d *dirFile) Stat() (fs.FileInfo, error)  { return d.info, nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: errIsDir}
}
func (d *dirFile) Close() error { return nil }
func (f *fileAt) ReadAt(p []byte, off int64) (int, error) {
	return f.ReadCloser.(io.ReaderAt).ReadAt(p, off)
}

var errIsDir = errors.New("is a directory")

// A regFile is a file of the view, open.
type regFile struct {
	io.ReadCloser
	info fileInfo
}

// A fileAt is an open file whose content is addressable in place
// (a file on disk, an entry stored in its archive): an io.ReaderAt.
type fileAt struct{ regFile }

// A dirFile is a folder of the view, open.
type dirFile struct {
	info fileInfo
	ents []fs.DirEntry
	off  int
}

// ReadDir reads the folder's entries as fs.ReadDirFile does.
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.ents[d.off:]
	if n <= 0 {
		d.off = len(d.ents)
		return slices.Clone(rest), nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.off += n
	return slices.Clone(rest[:n]), nil
}
