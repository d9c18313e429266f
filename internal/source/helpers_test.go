package source

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cbsText returns n lines of CBS.log-like text.
func cbsText(n int, tag string) []byte {
	var b bytes.Buffer
	for i := range n {
		b.WriteString("2024-03-01 10:00:00, Info                  CBS    ")
		b.WriteString(tag)
		b.WriteString(" line ")
		b.WriteString(strings.Repeat("x", i%37))
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// utf16le encodes s as UTF-16LE with a BOM, as Windows writes some logs.
func utf16le(s string) []byte {
	out := []byte{0xff, 0xfe}
	for _, r := range s {
		out = binary.LittleEndian.AppendUint16(out, uint16(r))
	}
	return out
}

// A zent is one entry of a test zip. Raw entries are written as given:
// Data is already compressed and the sizes and CRC are declared as set,
// so that a test can make a header lie.
type zent struct {
	Name   string
	Data   []byte
	Method uint16 // zip.Store or zip.Deflate
	Raw    bool
	CRC    uint32
	CSize  uint64
	USize  uint64
	Flags  uint16
}

// makeZip returns a zip of the entries.
func makeZip(t testing.TB, ents ...zent) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range ents {
		if e.Raw {
			w, err := zw.CreateRaw(&zip.FileHeader{Name: e.Name, Method: e.Method, CRC32: e.CRC, CompressedSize64: e.CSize, UncompressedSize64: e.USize, Flags: e.Flags})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(e.Data)
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.Name, Method: e.Method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.Data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// deflate compresses p raw.
func deflate(p []byte) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	w.Write(p)
	w.Close()
	return b.Bytes()
}

// gz compresses p as a gzip member.
func gz(p []byte, name string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Name = name
	w.Write(p)
	w.Close()
	return b.Bytes()
}

// writeFiles writes files (relative path → content) under a new
// temporary folder and returns it.
func writeFiles(t testing.TB, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// openDir opens a bundle of dir with lim, with dir as the working folder
// for the rest of the test so that inputs are named relative to it.
func openDir(t *testing.T, dir string, lim Limits) *Bundle {
	t.Helper()
	t.Chdir(dir)
	b, err := Open(context.Background(), []string{"."}, lim)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// readAll reads an input to the end.
func readAll(in File) ([]byte, error) {
	rc, err := in.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// inputNames returns the names of the inputs.
func inputNames(b *Bundle) []string {
	var s []string
	for _, in := range b.Files() {
		s = append(s, in.Name)
	}
	return s
}

// problemFor returns the problem named name, or fails.
func problemFor(t *testing.T, b *Bundle, name string) Problem {
	t.Helper()
	for _, p := range b.Problems() {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no problem for %q; problems: %v", name, b.Problems())
	return Problem{}
}

// inputFor returns the input named name, or fails.
func inputFor(t *testing.T, b *Bundle, name string) File {
	t.Helper()
	for _, in := range b.Files() {
		if in.Name == name {
			return in
		}
	}
	t.Fatalf("no input %q; inputs: %v", name, inputNames(b))
	return File{}
}

// wantErr fails unless err wraps target.
func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want %v", err, target)
	}
}

// A cabFileSpec is one file for makeCab.
type cabFileSpec struct {
	Name string
	Data []byte
}

// makeCab returns a single-folder cabinet of the files, compressed with
// method (cabStored or cabMSZIP) in blocks of 32 KiB, with checksums.
// For MSZIP each block is a complete deflate stream that starts from the
// previous 32 KiB of the folder as its dictionary, as MS-MCI describes.
func makeCab(method uint16, files ...cabFileSpec) []byte {
	return buildCab(method, true, files...)
}

// buildCab is makeCab with the choice of MSZIP dictionary: without one,
// each block stands alone, which is valid too. cabextract (libmspack)
// fails on some blocks that Go's compressor writes against a dictionary,
// though zlib and Go decode them alike (most likely the single distance
// code Go then uses); the cross-check with cabextract uses none.
func buildCab(method uint16, dict bool, files ...cabFileSpec) []byte {
	le := binary.LittleEndian
	var all []byte
	var recs []byte
	for _, f := range files {
		rec := le.AppendUint32(nil, uint32(len(f.Data)))
		rec = le.AppendUint32(rec, uint32(len(all)))
		rec = le.AppendUint16(rec, 0)      // folder
		rec = le.AppendUint16(rec, 0x5821) // date
		rec = le.AppendUint16(rec, 0x6000) // time
		rec = le.AppendUint16(rec, 0x20)   // archive attribute
		rec = append(rec, f.Name...)
		recs = append(recs, append(rec, 0)...)
		all = append(all, f.Data...)
	}
	// Blocks.
	var blocks []byte
	n := 0
	for off := 0; off < len(all); off += mszipBlock {
		end := min(off+mszipBlock, len(all))
		raw := all[off:end]
		data := raw
		if method == cabMSZIP {
			var b bytes.Buffer
			b.WriteString("CK")
			var hist []byte
			if dict {
				hist = all[max(0, off-mszipBlock):off]
			}
			w, _ := flate.NewWriterDict(&b, flate.BestCompression, hist)
			w.Write(raw)
			w.Close()
			data = b.Bytes()
		}
		hdr := le.AppendUint16(nil, uint16(len(data)))
		hdr = le.AppendUint16(hdr, uint16(len(raw)))
		sum := cabChecksum(hdr, cabChecksum(data, 0))
		blocks = le.AppendUint32(blocks, sum)
		blocks = append(blocks, hdr...)
		blocks = append(blocks, data...)
		n++
	}
	coffFiles := 36 + 8
	coffData := coffFiles + len(recs)
	total := coffData + len(blocks)
	h := []byte("MSCF")
	h = le.AppendUint32(h, 0)
	h = le.AppendUint32(h, uint32(total))
	h = le.AppendUint32(h, 0)
	h = le.AppendUint32(h, uint32(coffFiles))
	h = le.AppendUint32(h, 0)
	h = append(h, 3, 1) // version 1.3
	h = le.AppendUint16(h, 1)
	h = le.AppendUint16(h, uint16(len(files)))
	h = le.AppendUint16(h, 0) // flags
	h = le.AppendUint16(h, 0x1234)
	h = le.AppendUint16(h, 0)
	h = le.AppendUint32(h, uint32(coffData))
	h = le.AppendUint16(h, uint16(n))
	h = le.AppendUint16(h, method)
	h = append(h, recs...)
	return append(h, blocks...)
}
