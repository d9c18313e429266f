package bundle

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
)

// The reviewers' hostile inputs (issue 11), built here rather than kept
// as files. Work is measured by counting what is read from the archive,
// never by the clock.

// sharedChainCab returns a stored cabinet of nFolders folders whose
// records all point at one chain of nBlocks empty data blocks, with one
// empty file per folder. The reviewers' cabinet has 256 folders and
// 65,535 blocks (about 526 KB).
func sharedChainCab(nFolders, nBlocks int) []byte {
	le := binary.LittleEndian
	coffFiles := 36 + 8*nFolders
	var recs []byte
	for i := range nFolders {
		rec := le.AppendUint32(nil, 0)        // size
		rec = le.AppendUint32(rec, 0)         // offset in folder
		rec = le.AppendUint16(rec, uint16(i)) // folder
		rec = le.AppendUint16(rec, 0x5821)    // date
		rec = le.AppendUint16(rec, 0x6000)    // time
		rec = le.AppendUint16(rec, 0x20)      // attributes
		rec = append(rec, fmt.Sprintf("f%d.log", i)...)
		recs = append(recs, append(rec, 0)...)
	}
	coffData := coffFiles + len(recs)
	total := coffData + 8*nBlocks
	h := []byte("MSCF")
	h = le.AppendUint32(h, 0)
	h = le.AppendUint32(h, uint32(total))
	h = le.AppendUint32(h, 0)
	h = le.AppendUint32(h, uint32(coffFiles))
	h = le.AppendUint32(h, 0)
	h = append(h, 3, 1)
	h = le.AppendUint16(h, uint16(nFolders))
	h = le.AppendUint16(h, uint16(nFolders))
	h = le.AppendUint16(h, 0)
	h = le.AppendUint16(h, 0x1234)
	h = le.AppendUint16(h, 0)
	for range nFolders {
		h = le.AppendUint32(h, uint32(coffData))
		h = le.AppendUint16(h, uint16(nBlocks))
		h = le.AppendUint16(h, cabStored)
	}
	h = append(h, recs...)
	return append(h, make([]byte, 8*nBlocks)...) // empty blocks, no checksum
}

// A countingReaderAt counts the ReadAt calls and bytes asked of it.
type countingReaderAt struct {
	r     io.ReaderAt
	calls atomic.Int64
	bytes atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	c.calls.Add(1)
	c.bytes.Add(int64(len(p)))
	return c.r.ReadAt(p, off)
}

// openCounting opens data as a bundle named name through a counting
// reader, and reads every input to its end.
func openCounting(t *testing.T, name string, data []byte, lim Limits) (*Bundle, *countingReaderAt) {
	t.Helper()
	cr := &countingReaderAt{r: bytes.NewReader(data)}
	b, err := openReaderAt(context.Background(), name, cr, int64(len(data)), lim)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range b.Inputs() {
		if rc, err := in.Open(); err == nil {
			io.Copy(io.Discard, rc)
			rc.Close()
		}
	}
	return b, cr
}

// TestCabSharedChain: the reviewers' cabinet of folders that all point
// at one chain of 65,535 empty blocks walked that chain once per folder
// (16.8 million block headers for 256 folders). The walk is now bounded
// by the file's size (one header per 8 bytes), and every folder but the
// first is refused as sharing the first one's blocks.
func TestCabSharedChain(t *testing.T) {
	cab := sharedChainCab(256, 65535)
	b, cr := openCounting(t, "shared.cab", cab, Limits{})
	if max := int64(len(cab))/8 + 1000; cr.calls.Load() > max {
		t.Errorf("%d reads of a %d-byte cabinet, want at most %d", cr.calls.Load(), len(cab), max)
	}
	if got := inputNames(b); len(got) != 1 || got[0] != "shared.cab:f0.log" {
		t.Errorf("inputs %q, want only shared.cab:f0.log", got)
	}
	p := problemFor(t, b, "shared.cab:f255.log")
	wantErr(t, p.Err, ErrCorrupt)
	if len(b.Problems()) != 255 {
		t.Errorf("%d problems, want 255", len(b.Problems()))
	}
}

// TestCabOverlappingChains: folders whose chains start at different
// blocks of one chain walk it again from each start; past the file's
// budget of block headers they are refused, and those that overlap an
// earlier folder's blocks are refused too.
func TestCabOverlappingChains(t *testing.T) {
	const nBlocks = 4096
	cab := sharedChainCab(64, nBlocks)
	le := binary.LittleEndian
	// Folder i starts at block i of the chain.
	coffData := int(le.Uint32(cab[36:]))
	for i := range 64 {
		le.PutUint32(cab[36+8*i:], uint32(coffData+8*i))
		le.PutUint16(cab[36+8*i+4:], uint16(nBlocks-i))
	}
	b, cr := openCounting(t, "overlap.cab", cab, Limits{})
	if max := int64(len(cab))/8 + 1000; cr.calls.Load() > max {
		t.Errorf("%d reads of a %d-byte cabinet, want at most %d", cr.calls.Load(), len(cab), max)
	}
	if got := inputNames(b); len(got) != 1 || got[0] != "overlap.cab:f0.log" {
		t.Errorf("inputs %q, want only overlap.cab:f0.log", got)
	}
	for _, p := range b.Problems() {
		if !errorsIsAny(p.Err, ErrCorrupt, ErrLimit) {
			t.Errorf("%v, want a corrupt or limit problem", p)
		}
	}
}

// errorsIsAny tells whether err wraps one of targets.
func errorsIsAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
