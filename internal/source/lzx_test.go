package source

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/wudiag/wudiag/internal/sharedtest"
)

// The LZX decoder is checked against cabinets written by a small LZX
// encoder below, which cabextract (libmspack, an independent decoder)
// must read back too where it is installed: the encoder is then known to
// write valid LZX, and the decoder must agree with libmspack on it.

// lzxBitWriter writes bits most significant first into 16-bit
// little-endian words, as LZX reads them.
type lzxBitWriter struct {
	out  []byte
	acc  uint32
	nacc int
}

func (w *lzxBitWriter) write(v uint32, n int) {
	for n > 0 {
		take := min(n, 16-w.nacc)
		w.acc = w.acc<<take | (v>>(n-take))&(1<<take-1)
		w.nacc += take
		n -= take
		if w.nacc == 16 {
			w.out = binary.LittleEndian.AppendUint16(w.out, uint16(w.acc))
			w.acc, w.nacc = 0, 0
		}
	}
}

// align pads with zero bits to the next word.
func (w *lzxBitWriter) align() {
	if w.nacc > 0 {
		w.write(0, 16-w.nacc)
	}
}

// completeLengths gives the used symbols a complete prefix code: with n
// used symbols, the first 2^L-n get L-1 bits and the rest L bits.
func completeLengths(used []bool) []uint8 {
	var syms []int
	for s, u := range used {
		if u {
			syms = append(syms, s)
		}
	}
	lens := make([]uint8, len(used))
	if len(syms) == 0 {
		return lens
	}
	if len(syms) == 1 { // a complete code needs two leaves
		other := 0
		if syms[0] == 0 {
			other = 1
		}
		syms = append(syms, other)
		if other < syms[0] {
			syms[0], syms[1] = other, syms[0]
		}
	}
	n := len(syms)
	L := bits.Len(uint(n - 1))
	short := 1<<L - n
	for i, s := range syms {
		if i < short {
			lens[s] = uint8(L - 1)
		} else {
			lens[s] = uint8(L)
		}
	}
	return lens
}

// canonicalCodes assigns canonical codes to lengths, as the decoder does.
func canonicalCodes(lens []uint8) []uint32 {
	var count [17]int
	for _, l := range lens {
		if l > 0 {
			count[l]++
		}
	}
	var next [18]uint32
	code := uint32(0)
	for l := 1; l <= 16; l++ {
		next[l] = code
		code = (code + uint32(count[l])) << 1
	}
	codes := make([]uint32, len(lens))
	for s, l := range lens {
		if l > 0 {
			codes[s] = next[l]
			next[l]++
		}
	}
	return codes
}

// writeLengths sends lens[first:last] as deltas from prev, with a pretree
// of its own; long runs of zeros use code 18 so that path is exercised.
func writeLengths(w *lzxBitWriter, lens, prev []uint8, first, last int) {
	type item struct{ sym, extra, nextra int }
	var items []item
	for x := first; x < last; {
		if lens[x] == 0 && prev[x] == 0 {
			run := 0
			for x+run < last && lens[x+run] == 0 && prev[x+run] == 0 && run < 51 {
				run++
			}
			if run >= 20 {
				items = append(items, item{18, run - 20, 5})
				x += run
				continue
			}
		}
		items = append(items, item{(int(prev[x]) - int(lens[x]) + 17) % 17, 0, 0})
		x++
	}
	used := make([]bool, lzxPretreeSymbols)
	for _, it := range items {
		used[it.sym] = true
	}
	pre := completeLengths(used)
	codes := canonicalCodes(pre)
	for _, l := range pre {
		w.write(uint32(l), 4)
	}
	for _, it := range items {
		w.write(codes[it.sym], int(pre[it.sym]))
		if it.nextra > 0 {
			w.write(uint32(it.extra), it.nextra)
		}
	}
	copy(prev[first:last], lens[first:last])
}

// lzxEncode compresses data into LZX frames of 32 KiB with a window of
// 2^windowBits, one block per frame: verbatim blocks with greedy matches
// (repeated offsets R0-R2 included) — aligned-offset blocks instead when
// aligned is set — and every uncompressedEvery-th frame as an
// uncompressed block. It returns each frame's bytes.
func lzxEncode(data []byte, windowBits uint, uncompressedEvery int, aligned bool) [][]byte {
	return lzxEncodeE8(data, windowBits, uncompressedEvery, aligned, 0)
}

// lzxEncodeE8 is lzxEncode with the E8 call translation for a file size
// of e8Size (0: off), applied to each frame before it is compressed, as
// Microsoft's compressor does for x86 code.
func lzxEncodeE8(data []byte, windowBits uint, uncompressedEvery int, aligned bool, e8Size int32) [][]byte {
	if e8Size != 0 {
		data = append([]byte(nil), data...)
		for fstart, fi := 0, 0; fstart < len(data); fstart, fi = fstart+lzxFrame, fi+1 {
			p := data[fstart:min(fstart+lzxFrame, len(data))]
			if len(p) <= 10 {
				continue
			}
			cur := int32(fstart)
			for i := 0; i < len(p)-10; {
				if p[i] != 0xE8 {
					i++
					cur++
					continue
				}
				rel := int32(binary.LittleEndian.Uint32(p[i+1:]))
				switch {
				case rel >= -cur && rel < e8Size-cur:
					binary.LittleEndian.PutUint32(p[i+1:], uint32(rel+cur))
				case rel >= e8Size-cur && rel < e8Size:
					binary.LittleEndian.PutUint32(p[i+1:], uint32(rel-e8Size))
				}
				i += 5
				cur += 5
			}
		}
	}
	slots := lzxSlots[windowBits]
	mainSyms := lzxNumChars + slots*8
	prevMain := make([]uint8, mainSyms)
	prevLen := make([]uint8, lzxLengthSymbols)
	r := [3]uint32{1, 1, 1}
	head := map[uint32]int{}
	w := &lzxBitWriter{}
	if e8Size != 0 {
		w.write(1, 1)
		w.write(uint32(e8Size)>>16, 16)
		w.write(uint32(e8Size)&0xffff, 16)
	} else {
		w.write(0, 1) // no E8 translation
	}
	var frames [][]byte
	maxOff := 1<<windowBits - 3
	for fstart, fi := 0, 0; fstart < len(data); fstart, fi = fstart+lzxFrame, fi+1 {
		fend := min(fstart+lzxFrame, len(data))
		size := fend - fstart
		if uncompressedEvery > 0 && fi%uncompressedEvery == uncompressedEvery-1 {
			w.write(lzxUncompressed, 3)
			w.write(uint32(size>>8), 16)
			w.write(uint32(size&0xff), 8)
			// 1 to 16 bits of padding to the word, then R0-R2 and the bytes.
			w.write(0, 16-w.nacc)
			for _, v := range r {
				w.out = binary.LittleEndian.AppendUint32(w.out, v)
			}
			w.out = append(w.out, data[fstart:fend]...)
			if size&1 == 1 {
				w.out = append(w.out, 0)
			}
			for i := fstart; i+3 <= fend; i++ {
				head[hash3(data[i:])] = i
			}
		} else {
			type tok struct {
				lit             byte
				length, slot    int
				footer, nfooter int
				isMatch         bool
			}
			var toks []tok
			for i := fstart; i < fend; {
				best, bestOff := 0, 0
				if i+3 <= fend {
					h := hash3(data[i:])
					if j, ok := head[h]; ok && i-j <= maxOff {
						n := 0
						for i+n < fend && n < 257 && data[j+n] == data[i+n] {
							n++
						}
						if n >= 3 {
							best, bestOff = n, i-j
						}
					}
					// Prefer a repeated offset when it matches as well.
					for _, ro := range r {
						if int(ro) <= i && int(ro) <= maxOff {
							n := 0
							for i+n < fend && n < 257 && data[i-int(ro)+n] == data[i+n] {
								n++
							}
							if n >= 3 && n >= best {
								best, bestOff = n, int(ro)
							}
						}
					}
				}
				if best == 0 {
					toks = append(toks, tok{lit: data[i]})
					if i+3 <= fend {
						head[hash3(data[i:])] = i
					}
					i++
					continue
				}
				t := tok{isMatch: true, length: best}
				switch uint32(bestOff) {
				case r[0]:
					t.slot = 0
				case r[1]:
					t.slot = 1
					r[0], r[1] = r[1], r[0]
				case r[2]:
					t.slot = 2
					r[0], r[2] = r[2], r[0]
				default:
					f := uint32(bestOff) + 2
					s := 3
					for s+1 < slots && lzxPositionBase[s+1] <= f {
						s++
					}
					t.slot, t.footer, t.nfooter = s, int(f-lzxPositionBase[s]), int(lzxExtraBits[s])
					r[2], r[1], r[0] = r[1], r[0], uint32(bestOff)
				}
				toks = append(toks, t)
				for k := 0; k < best; k++ {
					if i+k+3 <= fend {
						head[hash3(data[i+k:])] = i + k
					}
				}
				i += best
			}
			usedMain := make([]bool, mainSyms)
			// With E8 translation on, a code for the E8 literal tells the
			// decoder so (it translates once a tree has one).
			usedMain[0xE8] = e8Size != 0
			usedLen := make([]bool, lzxLengthSymbols)
			for _, t := range toks {
				if !t.isMatch {
					usedMain[t.lit] = true
					continue
				}
				lh := min(t.length-2, 7)
				usedMain[256+t.slot*8+lh] = true
				if lh == 7 {
					usedLen[t.length-2-7] = true
				}
			}
			mainLens := completeLengths(usedMain)
			lenLens := completeLengths(usedLen)
			usedAligned := make([]bool, lzxAlignedSymbols)
			for _, t := range toks {
				if t.isMatch && t.nfooter >= 3 {
					usedAligned[t.footer&7] = true
				}
			}
			alignedLens := completeLengths(usedAligned)
			ac := canonicalCodes(alignedLens)
			blockType := uint32(lzxVerbatim)
			if aligned {
				blockType = lzxAligned
			}
			w.write(blockType, 3)
			w.write(uint32(size>>8), 16)
			w.write(uint32(size&0xff), 8)
			if aligned {
				for _, l := range alignedLens {
					w.write(uint32(l), 3)
				}
			}
			writeLengths(w, mainLens, prevMain, 0, 256)
			writeLengths(w, mainLens, prevMain, 256, mainSyms)
			writeLengths(w, lenLens, prevLen, 0, lzxLengthSymbols)
			mc, lc := canonicalCodes(mainLens), canonicalCodes(lenLens)
			for _, t := range toks {
				if !t.isMatch {
					w.write(mc[t.lit], int(mainLens[t.lit]))
					continue
				}
				lh := min(t.length-2, 7)
				m := 256 + t.slot*8 + lh
				w.write(mc[m], int(mainLens[m]))
				if lh == 7 {
					w.write(lc[t.length-2-7], int(lenLens[t.length-2-7]))
				}
				switch {
				case aligned && t.nfooter >= 3:
					w.write(uint32(t.footer>>3), t.nfooter-3)
					w.write(ac[t.footer&7], int(alignedLens[t.footer&7]))
				case t.nfooter > 0:
					w.write(uint32(t.footer), t.nfooter)
				}
			}
		}
		w.align()
		frames = append(frames, w.out)
		w.out = nil
	}
	return frames
}

func hash3(b []byte) uint32 { return uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]) }

// lzxCab wraps LZX frames and their data into a one-folder cabinet.
func lzxCab(windowBits uint, frames [][]byte, files ...cabFileSpec) []byte {
	le := binary.LittleEndian
	var all, recs []byte
	for _, f := range files {
		rec := le.AppendUint32(nil, uint32(len(f.Data)))
		rec = le.AppendUint32(rec, uint32(len(all)))
		rec = le.AppendUint16(rec, 0)
		rec = le.AppendUint16(rec, 0x5821)
		rec = le.AppendUint16(rec, 0x6000)
		rec = le.AppendUint16(rec, 0x20)
		rec = append(rec, f.Name...)
		recs = append(recs, append(rec, 0)...)
		all = append(all, f.Data...)
	}
	var blocks []byte
	for i, fr := range frames {
		ub := min(lzxFrame, len(all)-i*lzxFrame)
		hdr := le.AppendUint16(nil, uint16(len(fr)))
		hdr = le.AppendUint16(hdr, uint16(ub))
		blocks = le.AppendUint32(blocks, cabChecksum(hdr, cabChecksum(fr, 0)))
		blocks = append(blocks, hdr...)
		blocks = append(blocks, fr...)
	}
	coffFiles := 36 + 8
	coffData := coffFiles + len(recs)
	h := []byte("MSCF")
	h = le.AppendUint32(h, 0)
	h = le.AppendUint32(h, uint32(coffData+len(blocks)))
	h = le.AppendUint32(h, 0)
	h = le.AppendUint32(h, uint32(coffFiles))
	h = le.AppendUint32(h, 0)
	h = append(h, 3, 1)
	h = le.AppendUint16(h, 1)
	h = le.AppendUint16(h, uint16(len(files)))
	h = le.AppendUint16(h, 0)
	h = le.AppendUint16(h, 0x1234)
	h = le.AppendUint16(h, 0)
	h = le.AppendUint32(h, uint32(coffData))
	h = le.AppendUint16(h, uint16(len(frames)))
	h = le.AppendUint16(h, cabLZX|uint16(windowBits)<<8)
	h = append(h, recs...)
	return append(h, blocks...)
}

// lzxTestData is log-like text with long repeats and some binary noise.
func lzxTestData(n int, seed uint64) []byte {
	rnd := rand.New(rand.NewPCG(seed, 1))
	var b bytes.Buffer
	for b.Len() < n {
		switch rnd.IntN(10) {
		case 0:
			for range 40 + rnd.IntN(200) {
				b.WriteByte(byte(rnd.IntN(256)))
			}
		default:
			fmt.Fprintf(&b, "2024-01-09 03:%02d:%02d, Info                  CBS    Appl: detect Parent, Package: Package_for_KB%d~31bf3856ad364e35~amd64~~10.0.1.%d\r\n",
				rnd.IntN(60), rnd.IntN(60), 5000000+rnd.IntN(90000), rnd.IntN(20))
		}
	}
	return b.Bytes()[:n]
}

// TestLZXRoundTrip decodes what the test's LZX encoder writes, and has
// cabextract (when installed; required with WUDIAG_REQUIRE_PEERS=1) decode
// the same cabinets: the encoder is checked by an independent decoder.
func TestLZXRoundTrip(t *testing.T) {
	cabextract := sharedtest.OptionalPeer(t, "cabextract")
	extracted := 0
	for _, tc := range []struct {
		name       string
		size       int
		window     uint
		uncompEach int
		aligned    bool
	}{
		{"small", 5000, 15, 0, false},
		{"one odd frame", lzxFrame - 1, 16, 0, false},
		{"many frames", 9*lzxFrame + 1234, 17, 0, false},
		{"uncompressed blocks", 5*lzxFrame + 17, 15, 2, false},
		{"aligned offsets", 6*lzxFrame + 99, 18, 0, true},
		{"aligned and uncompressed", 7*lzxFrame + 5, 20, 3, true},
		{"big window", 12*lzxFrame + 3, 21, 3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := lzxTestData(tc.size*2/3, 1)
			b := lzxTestData(tc.size-len(a), 2)
			frames := lzxEncode(append(append([]byte(nil), a...), b...), tc.window, tc.uncompEach, tc.aligned)
			cab := lzxCab(tc.window, frames, cabFileSpec{"a.log", a}, cabFileSpec{"b.log", b})
			c, err := openCab(context.Background(), bytes.NewReader(cab), int64(len(cab)), 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range [][]byte{a, b} {
				rc, err := c.openFile(i)
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(rc)
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("file %d: %v (%d of %d bytes)", i, err, len(got), len(want))
				}
			}
			if cabextract == "" {
				return // OptionalPeer said so
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "t.cab")
			if err := os.WriteFile(path, cab, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(cabextract, "-q", "-d", dir, path).CombinedOutput()
			if err != nil {
				t.Fatalf("cabextract rejects the encoder's cabinet: %v\n%s", err, out)
			}
			for name, want := range map[string][]byte{"a.log": a, "b.log": b} {
				got, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("cabextract's %s differs from the input: %v", name, err)
				}
				extracted++
			}
		})
	}
	if cabextract != "" {
		sharedtest.Compared(t, extracted, "files")
	}
}

// An LZX cabinet inside a zip, as Windows' own collectors leave them, is
// listed and read through Open like any other archive.
func TestLZXCabInBundle(t *testing.T) {
	a, b := cbsText(3000, "lzx a"), cbsText(40, "lzx b")
	all := append(append([]byte(nil), a...), b...)
	cab := lzxCab(21, lzxEncode(all, 21, 0, true), cabFileSpec{`Logs\CbsPersist_1.log`, a}, cabFileSpec{"DISM.log", b})
	dir := writeFiles(t, map[string][]byte{"upload.zip": makeZip(t, zent{Name: "Windows/Logs.cab", Data: cab, Method: zip.Store})})
	bu := openDir(t, dir, Limits{})
	if len(bu.Problems()) != 0 {
		t.Fatal(bu.Problems())
	}
	for name, want := range map[string][]byte{
		"upload.zip:Windows/Logs.cab:Logs/CbsPersist_1.log": a,
		"upload.zip:Windows/Logs.cab:DISM.log":              b,
	} {
		got, err := readAll(inputFor(t, bu, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: %d of %d bytes, %v", name, len(got), len(want), err)
		}
	}
}

// TestLZXCallTranslation compresses x86-like data with E8 call
// translation: the decoder must undo it exactly as cabextract does, which
// extracts the same bytes when installed (required with
// WUDIAG_REQUIRE_PEERS=1).
func TestLZXCallTranslation(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	data := lzxTestData(4*lzxFrame+321, 4)
	for i := 0; i < len(data)-5; i += 37 + rnd.IntN(50) {
		data[i] = 0xE8
		binary.LittleEndian.PutUint32(data[i+1:], uint32(int32(rnd.IntN(400000)-200000)))
	}
	const size = 12000000
	frames := lzxEncodeE8(data, 16, 3, false, size)
	cab := lzxCab(16, frames, cabFileSpec{"code.bin", data})
	c, err := openCab(context.Background(), bytes.NewReader(cab), int64(len(cab)), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := c.openFile(0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("%v: %d of %d bytes, equal %v", err, len(got), len(data), bytes.Equal(got, data))
	}
	cabextract := sharedtest.OptionalPeer(t, "cabextract")
	if cabextract == "" {
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "t.cab")
	if err := os.WriteFile(path, cab, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(cabextract, "-q", "-d", dir, path).CombinedOutput(); err != nil {
		t.Fatalf("cabextract: %v\n%s", err, out)
	}
	if ext, err := os.ReadFile(filepath.Join(dir, "code.bin")); err != nil || !bytes.Equal(ext, data) {
		t.Fatalf("cabextract undoes the translation differently (%v)", err)
	}
	sharedtest.Compared(t, 1, "files")
}

// TestLZXDamage damages a frame three ways (cut short, a flipped byte, an
// empty block): opening or reading the file must fail with ErrCorrupt or
// ErrTruncated, never return the bytes (right or wrong) without an error.
func TestLZXDamage(t *testing.T) {
	data := lzxTestData(3*lzxFrame, 3)
	frames := lzxEncode(data, 16, 0, false)
	for i, mut := range []func([][]byte){
		func(f [][]byte) { f[1] = f[1][:len(f[1])/2] },
		func(f [][]byte) { f[0][40] ^= 0xff },
		func(f [][]byte) { f[2] = nil },
	} {
		fr := make([][]byte, len(frames))
		for i := range frames {
			fr[i] = append([]byte(nil), frames[i]...)
		}
		mut(fr)
		cab := lzxCab(16, fr, cabFileSpec{"a.log", data})
		err := func() error {
			c, err := openCab(context.Background(), bytes.NewReader(cab), int64(len(cab)), 1<<30)
			if err != nil {
				return err
			}
			rc, err := c.openFile(0)
			if err != nil {
				return err
			}
			_, err = io.ReadAll(rc)
			return err
		}()
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTruncated) {
			t.Errorf("damage %d: error %v, want corrupt or truncated", i, err)
		}
	}
}

// BenchmarkLZXDecode reads a 16 MiB log-like file out of an LZX cabinet
// (2 MiB window) made by the test encoder.
func BenchmarkLZXDecode(b *testing.B) {
	data := lzxTestData(16<<20, 3)
	const window = 21
	cab := lzxCab(window, lzxEncode(data, window, 0, false), cabFileSpec{"CBS.log", data})
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		c, err := openCab(context.Background(), bytes.NewReader(cab), int64(len(cab)), 1<<30)
		if err != nil {
			b.Fatal(err)
		}
		rc, err := c.openFile(0)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, rc); err != nil || n != int64(len(data)) {
			b.Fatalf("%d bytes: %v", n, err)
		}
	}
	b.ReportMetric(float64(len(data))/float64(len(cab)), "ratio")
}
