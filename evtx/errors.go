package evtx

import (
	"errors"
	"fmt"
)

// Sentinel errors, wrapped by the positioned error types below; test them
// with errors.Is.
var (
	// ErrFormat means the input is not a file this package reads: not a
	// binary event log, not an XML export, not a rendered text export and
	// not a CSV export.
	ErrFormat = errors.New("evtx: unrecognized file format")
	// ErrChecksum is a CRC32 mismatch in a file or chunk header or in a
	// chunk's records. It is reported as a warning; the data is still read.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrMagic is a missing or wrong signature (ElfFile, ElfChnk or a record's **).
	ErrMagic = errors.New("bad signature")
	// ErrTruncated means data ends before a structure does.
	ErrTruncated = errors.New("truncated data")
	// ErrCorrupt is any other structural damage inside a record.
	ErrCorrupt = errors.New("corrupt data")
)

// A HeaderError reports a problem with the 4096-byte file header. For
// binary logs it is a warning: the chunks are read anyway.
type HeaderError struct {
	Err error
}

func (e *HeaderError) Error() string { return "evtx: file header: " + e.Err.Error() }
func (e *HeaderError) Unwrap() error { return e.Err }

// A ChunkError reports a problem with one 64 KiB chunk. Offset is the chunk's
// byte offset in the file and Chunk its index (0 for the chunk right after
// the file header).
type ChunkError struct {
	Offset int64
	Chunk  int
	Err    error
}

func (e *ChunkError) Error() string {
	return fmt.Sprintf("evtx: chunk %d at offset %d: %v", e.Chunk, e.Offset, e.Err)
}
func (e *ChunkError) Unwrap() error { return e.Err }

// A RecordError reports a record that could not be decoded. The record is
// skipped and reading goes on with the next one. Offset is the byte offset
// in the file where the record starts (for exports, where the bad event
// starts); RecordID is the record's identifier when it could be read.
type RecordError struct {
	Offset    int64
	RecordID  uint64
	Recovered bool // the record was being carved from slack space
	Err       error
}

func (e *RecordError) Error() string {
	what := "record"
	if e.Recovered {
		what = "recovered record"
	}
	if e.RecordID != 0 {
		return fmt.Sprintf("evtx: %s %d at offset %d: %v", what, e.RecordID, e.Offset, e.Err)
	}
	return fmt.Sprintf("evtx: %s at offset %d: %v", what, e.Offset, e.Err)
}
func (e *RecordError) Unwrap() error { return e.Err }

// errf builds a decoding error that wraps one of the sentinels.
func errf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
