package classify

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/wudiag/wudiag/internal/source"
)

// Limits bound what AnalyzePaths and AnalyzeFS read of files, folders
// and archives: the total uncompressed bytes, the number of files, the
// nesting of archives, the compression ratio of one entry (zip bombs),
// the memory and disk nested archives take. A zero field takes its
// default (DefaultLimits); a negative one means no limit.
type Limits = source.Limits

// DefaultLimits returns the limits used for the zero fields of Limits.
func DefaultLimits() Limits { return source.DefaultLimits() }

// A Reason says why an input was skipped or not read, in a code a report
// translates (InputReport.Errors keeps the reader's own words). The zero
// Reason is none: the input was read.
type Reason string

// The reasons an input is skipped or not read.
const (
	// ReasonNotLog: the content is no log wudiag reads (other text, a
	// binary file).
	ReasonNotLog Reason = "not_a_log"
	// ReasonETL: a binary ETW trace (WindowsUpdate's *.etl): on the
	// machine, run Get-WindowsUpdateLog and send WindowsUpdate.log.
	ReasonETL Reason = "etl"
	// ReasonDuplicate: the same content as an input listed before it.
	ReasonDuplicate Reason = "duplicate"
	// ReasonDamaged: a damaged archive, or an entry of one that is
	// truncated or fails its checksum.
	ReasonDamaged Reason = "damaged_archive"
	// ReasonUnsafeName: an archive entry whose name is absolute, climbs
	// out of the archive or holds control characters.
	ReasonUnsafeName Reason = "unsafe_name"
	// ReasonBomb: an archive entry that expands far more than its size
	// (a zip bomb).
	ReasonBomb Reason = "zip_bomb"
	// ReasonLimit: a limit of Limits was reached.
	ReasonLimit Reason = "limit"
	// ReasonUnsupported: an encrypted entry, an archive feature wudiag
	// does not read, a link or a special file.
	ReasonUnsupported Reason = "unsupported"
	// ReasonUnreadable: the file could not be opened or read.
	ReasonUnreadable Reason = "unreadable"
)

// Reasons returns every Reason but the zero one, for reports that word
// them.
func Reasons() []Reason {
	return []Reason{ReasonNotLog, ReasonETL, ReasonDuplicate, ReasonDamaged, ReasonUnsafeName, ReasonBomb,
		ReasonLimit, ReasonUnsupported, ReasonUnreadable}
}

// reasonOf is the Reason of an intake problem or a read error.
func reasonOf(err error) Reason {
	switch {
	case errors.Is(err, source.ErrDuplicate):
		return ReasonDuplicate
	case errors.Is(err, source.ErrTraversal):
		return ReasonUnsafeName
	case errors.Is(err, source.ErrBomb):
		return ReasonBomb
	case errors.Is(err, source.ErrLimit):
		return ReasonLimit
	case errors.Is(err, source.ErrEncrypted), errors.Is(err, source.ErrUnsupported):
		return ReasonUnsupported
	case errors.Is(err, source.ErrArchive), errors.Is(err, source.ErrTruncated), errors.Is(err, source.ErrCorrupt):
		return ReasonDamaged
	}
	return ReasonUnreadable
}

// reasonFor is the Reason of an input of a kind no reader takes. The
// name only chooses the explanation: a *.etl file too short or damaged
// for Detect to see its trace header is still a trace to convert.
func reasonFor(k source.Kind, name string) Reason {
	if k == source.ETL || strings.HasSuffix(strings.ToLower(name), ".etl") {
		return ReasonETL
	}
	return ReasonNotLog
}

// AnalyzePaths analyses the logs in paths — files, folders (read
// recursively, in lexical order) and the archives among them (zip, cab,
// gzip, an archive inside an archive), read in place and never extracted
// — as Analyze does. A folder holding a Windows system drive (a mounted
// or copied C:\) is read for the logs "wudiag collect" takes, ignoring
// everything else on it.
//
// What the intake skips — a duplicate, a damaged archive, an unsafe
// entry name, a zip bomb, a limit reached (Options.Limits), a path that
// cannot be read — is listed in Diagnosis.Inputs after the inputs read,
// with its Reason and the reader's words. The error is as Analyze's, or
// the context's error when ctx is done while listing.
func AnalyzePaths(ctx context.Context, paths []string, opts *Options) (*Diagnosis, error) {
	b, err := source.Open(ctx, paths, limitsOf(opts))
	if err != nil {
		return &Diagnosis{}, fmt.Errorf("list inputs: %w", err)
	}
	defer b.Close()
	return analyzeBundle(ctx, b, opts)
}

// AnalyzeFS is AnalyzePaths for the files of fsys (os.DirFS, a
// *zip.Reader, fstest.MapFS, an upload): every file under "." and the
// archives among them. Reports name the files by their paths in fsys.
func AnalyzeFS(ctx context.Context, fsys fs.FS, opts *Options) (*Diagnosis, error) {
	b, err := source.OpenFS(ctx, fsys, limitsOf(opts))
	if err != nil {
		return &Diagnosis{}, fmt.Errorf("list inputs: %w", err)
	}
	defer b.Close()
	return analyzeBundle(ctx, b, opts)
}

// analyzeBundle analyses the files of an opened bundle and lists its
// problems after them.
func analyzeBundle(ctx context.Context, b *source.Bundle, opts *Options) (*Diagnosis, error) {
	name := func(s string) string { return s }
	if opts != nil && opts.DisplayName != nil {
		name = opts.DisplayName
	}
	files := b.Files()
	if opts != nil && opts.DisplayName != nil {
		files = append([]Input(nil), files...)
		for i := range files {
			files[i].Name = name(files[i].Name)
		}
	}
	d, err := Analyze(ctx, files, opts)
	for _, p := range b.Problems() {
		r := reasonOf(p.Err)
		d.Inputs = append(d.Inputs, InputReport{File: name(p.Name), Errors: []string{p.Err.Error()}, Reason: r,
			Skipped: r == ReasonDuplicate})
	}
	return d, err
}

func limitsOf(opts *Options) Limits {
	if opts == nil {
		return Limits{}
	}
	return opts.Limits
}
