package source

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"runtime"
	"strings"
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
	for _, in := range b.Files() {
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

// overlapZip returns a zip of n central-directory entries that all point
// at one local header and its deflate stream of data, declaring sizes
// that differ slightly (len(data) - i), as the reviewers' 4 MB zip whose
// entries expand to 8 GB.
func overlapZip(n int, data []byte) []byte {
	le := binary.LittleEndian
	stream := deflate(data)
	crc := crc32.ChecksumIEEE(data)
	local := le.AppendUint32(nil, 0x04034b50)
	local = le.AppendUint16(local, 20) // version needed
	local = le.AppendUint16(local, 0)  // flags
	local = le.AppendUint16(local, 8)  // deflate
	local = le.AppendUint32(local, 0)  // time and date
	local = le.AppendUint32(local, crc)
	local = le.AppendUint32(local, uint32(len(stream)))
	local = le.AppendUint32(local, uint32(len(data)))
	local = le.AppendUint16(local, 5)
	local = le.AppendUint16(local, 0)
	local = append(local, "a.log"...)
	out := append(local, stream...)
	dirStart := len(out)
	for i := range n {
		name := fmt.Sprintf("e%02d.log", i)
		d := le.AppendUint32(nil, 0x02014b50)
		d = le.AppendUint16(d, 20)
		d = le.AppendUint16(d, 20)
		d = le.AppendUint16(d, 0)
		d = le.AppendUint16(d, 8)
		d = le.AppendUint32(d, 0)
		d = le.AppendUint32(d, crc)
		d = le.AppendUint32(d, uint32(len(stream)))
		d = le.AppendUint32(d, uint32(len(data)-i))
		d = le.AppendUint16(d, uint16(len(name)))
		d = le.AppendUint16(d, 0) // extra
		d = le.AppendUint16(d, 0) // comment
		d = le.AppendUint16(d, 0) // disk
		d = le.AppendUint16(d, 0) // internal attributes
		d = le.AppendUint32(d, 0) // external attributes
		d = le.AppendUint32(d, 0) // local header offset
		out = append(append(out, d...), name...)
	}
	end := le.AppendUint32(nil, 0x06054b50)
	end = le.AppendUint16(end, 0)
	end = le.AppendUint16(end, 0)
	end = le.AppendUint16(end, uint16(n))
	end = le.AppendUint16(end, uint16(n))
	end = le.AppendUint32(end, uint32(len(out)-dirStart))
	end = le.AppendUint32(end, uint32(dirStart))
	end = le.AppendUint16(end, 0)
	return append(out, end...)
}

// TestZipOverlappingEntries: 60 entries over one deflate stream were
// each listed and decompressed in full. Now the first is listed and the
// others are refused as zip bombs, naming the offset they share; the
// archive is read about once.
func TestZipOverlappingEntries(t *testing.T) {
	data := cbsText(20000, "overlap")
	z := overlapZip(60, data)
	b, cr := openCounting(t, "bomb.zip", z, Limits{})
	if max := 3 * int64(len(z)); cr.bytes.Load() > max {
		t.Errorf("%d bytes read from a %d-byte zip, want at most %d", cr.bytes.Load(), len(z), max)
	}
	if got := inputNames(b); len(got) != 1 || got[0] != "bomb.zip:e00.log" {
		t.Errorf("inputs %q, want only bomb.zip:e00.log", got)
	}
	p := problemFor(t, b, "bomb.zip:e59.log")
	wantErr(t, p.Err, ErrBomb)
	if !strings.Contains(p.Err.Error(), "offset 35") || !strings.Contains(p.Err.Error(), `"e00.log"`) {
		t.Errorf("%v: want the offset and the entry it overlaps", p)
	}
	if n := len(b.Problems()); n != 59 {
		t.Errorf("%d problems, want 59: %v", n, b.Problems())
	}
}

// TestZipDeclaredSizesCapped: entries that each pass MaxRatio (tiny
// ones get 64 KiB of slack) may not declare more than MaxRatio × the
// archive's size all together.
func TestZipDeclaredSizesCapped(t *testing.T) {
	var ents []zent
	for i := range 3000 {
		// A stored block of 8 bytes, then nothing: 13 bytes declaring
		// 60 KB, listed (their first bytes read) and failing only later.
		stored := append([]byte{0, 8, 0, 0xf7, 0xff}, "2024-03-"...)
		ents = append(ents, zent{Name: fmt.Sprintf("%04d.log", i), Raw: true, Method: zip.Deflate, Data: stored, CSize: 13, USize: uint64(60000 - i)})
	}
	z := makeZip(t, ents...)
	b, _ := openCounting(t, "many.zip", z, Limits{})
	var declared int64
	for _, in := range b.Files() {
		declared += in.Size
	}
	max := int64(float64(len(z))*DefaultLimits().MaxRatio) + 64<<10
	if declared > max || len(b.Files()) == 0 {
		t.Errorf("%d inputs declaring %d bytes from a %d-byte zip, want at most %d", len(b.Files()), declared, len(z), max)
	}
	wantErr(t, problemFor(t, b, "many.zip:2999.log").Err, ErrBomb)
}

// TestLZXCarryOverBounded: blocks that each hold far more data than
// their frame reads made the decoder carry a growing remainder into
// every frame and copy it each time (quadratic). A frame may now leave at
// most one block's data unread; this cabinet is refused as corrupt after
// a few frames, with little allocated.
func TestLZXCarryOverBounded(t *testing.T) {
	const nBlocks = 120
	data := bytes.Repeat([]byte("2024-03-01 10:00:00, Info CBS carry-over\r\n"), nBlocks*lzxFrame/42+1)[:nBlocks*lzxFrame]
	var stream []byte
	for _, f := range lzxEncode(data, 15, 0, false) {
		stream = append(stream, f...)
	}
	stream = append(stream, make([]byte, nBlocks*65535-len(stream))...)
	var blocks [][]byte
	for i := range nBlocks {
		blocks = append(blocks, stream[i*65535:(i+1)*65535])
	}
	cab := lzxCab(15, blocks, cabFileSpec{"c.log", data})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b, err := openReaderAt(context.Background(), "carry.cab", bytes.NewReader(cab), int64(len(cab)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = readAll(inputFor(t, b, "carry.cab:c.log"))
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("%d MB allocated reading a %d-byte cabinet", alloc>>20, len(cab))
	}
	wantErr(t, err, ErrCorrupt)
}

// TestReadersStopWithContext: once the context given to Open is done,
// every decompressing reader of the bundle's inputs fails with its error
// instead of reading on (deflate and stored zip entries, gzip, MSZIP and
// LZX cabinets), and so do the cabinet walk and block loop.
func TestReadersStopWithContext(t *testing.T) {
	log := cbsText(2000, "ctx")
	lzx := lzxCab(16, lzxEncode(log, 16, 0, false), cabFileSpec{"l.log", log})
	dir := writeFiles(t, map[string][]byte{
		"z.zip":    makeZip(t, zent{Name: "d.log", Data: cbsText(2000, "d"), Method: zip.Deflate}, zent{Name: "s.log", Data: cbsText(10, "s"), Method: zip.Store}),
		"g.log.gz": gz(cbsText(30, "g"), "g.log"),
		"m.cab":    makeCab(cabMSZIP, cabFileSpec{"m.log", cbsText(50, "m")}),
		"l.cab":    lzx,
	})
	t.Chdir(dir)
	ctx, cancel := context.WithCancel(context.Background())
	b, err := Open(ctx, []string{"."}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	cancel()
	for _, name := range []string{"z.zip:d.log", "z.zip:s.log", "g.log", "m.cab:m.log", "l.cab:l.log"} {
		if _, err := readAll(inputFor(t, b, name)); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: read with a done context: %v, want %v", name, err, context.Canceled)
		}
	}

	// The cabinet's own loops: the walk of block headers, and the block
	// loop of a folder reader (a long run of empty blocks).
	cab := sharedChainCab(1, 65535)
	if _, err := openCab(ctx, bytes.NewReader(cab), int64(len(cab)), 1<<30); !errors.Is(err, context.Canceled) {
		t.Errorf("openCab with a done context: %v", err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	c, err := openCab(ctx2, bytes.NewReader(cab), int64(len(cab)), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	cancel2()
	fr, err := c.openFolder(0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fr.Read(make([]byte, 10)); !errors.Is(err, context.Canceled) {
		t.Errorf("folder of empty blocks read with a done context: %v", err)
	}
}

// TestNestedArchivesNotHeldInMemory: compressed nested archives were read
// into memory (up to 1 GiB all together, twice that while read), so a few
// MB of upload held GBs. Now only MaxMemory (16 MiB) of them is held,
// and the rest is spooled to TempDir until Close: the heap held by an
// open bundle of two 24 MB nested zips stays under MaxMemory.
func TestNestedArchivesNotHeldInMemory(t *testing.T) {
	dir := func() string {
		var ents []zent
		for i := range 2 {
			inner := makeZip(t, zent{Name: "CBS.log", Data: cbsText(360000, fmt.Sprint("nested ", i)), Method: zip.Store})
			ents = append(ents, zent{Name: fmt.Sprintf("in%d.zip", i), Data: inner, Method: zip.Deflate})
		}
		return writeFiles(t, map[string][]byte{"up.zip": makeZip(t, ents...)})
	}()
	tmp := t.TempDir()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b := openDir(t, dir, Limits{TempDir: tmp})
	runtime.GC()
	runtime.ReadMemStats(&after)
	if len(b.Files()) != 2 {
		t.Fatalf("inputs %q, problems %v", inputNames(b), b.Problems())
	}
	if held := int64(after.HeapAlloc) - int64(before.HeapAlloc); held > 20<<20 {
		t.Errorf("an open bundle of nested archives holds %d MB of heap", held>>20)
	}
	if spooled, _ := os.ReadDir(tmp); len(spooled) != 2 {
		t.Errorf("%d files in TempDir, want the 2 nested archives", len(spooled))
	}
	runtime.KeepAlive(b)
}
