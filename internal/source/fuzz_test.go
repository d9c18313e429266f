package source

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"testing"
)

// fuzzLimits keep one fuzz input's work small.
var fuzzLimits = Limits{MaxTotal: 4 << 20, MaxEntry: 1 << 20, MaxMemory: 4 << 20, MaxFiles: 1000}

// fuzzBundle opens data as a bundle and reads every input: nothing may
// panic, every input reads at most its Size (when known) and at most
// MaxEntry, and every problem names something and gives a reason.
func fuzzBundle(t *testing.T, data []byte) {
	b, err := openReaderAt(context.Background(), "f", bytes.NewReader(data), int64(len(data)), fuzzLimits)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close() // removes spooled archives
	for _, p := range b.Problems() {
		if p.Name == "" || p.Err == nil || p.Error() == "" {
			t.Fatalf("empty problem %#v", p)
		}
	}
	for _, in := range b.Files() {
		rc, err := in.Open()
		if err != nil {
			continue
		}
		n, _ := io.Copy(io.Discard, io.LimitReader(rc, fuzzLimits.MaxEntry+1))
		rc.Close()
		if n > fuzzLimits.MaxEntry || in.Size >= 0 && n > in.Size {
			t.Fatalf("%s: read %d bytes, Size %d", in.Name, n, in.Size)
		}
	}
}

// FuzzZip: any bytes as a zip (and whatever it nests).
func FuzzZip(f *testing.F) {
	log := cbsText(50, "fuzz")
	inner := makeZip(f, zent{Name: "in.log", Data: log, Method: zip.Deflate})
	f.Add(makeZip(f, zent{Name: "a.log", Data: log, Method: zip.Deflate}, zent{Name: "b.log", Data: log, Method: zip.Store}))
	f.Add(makeZip(f, zent{Name: "inner.zip", Data: inner, Method: zip.Store}, zent{Name: "inner2.zip", Data: inner, Method: zip.Deflate}))
	f.Add(makeZip(f, zent{Name: "../x.log", Data: log}, zent{Name: "g.gz", Data: gz(log, "g.log"), Method: zip.Store}))
	f.Add(makeZip(f, zent{Name: "c.cab", Data: makeCab(cabMSZIP, cabFileSpec{"c.log", log}), Method: zip.Store}))
	packed := deflate(make([]byte, 1<<20))
	f.Add(makeZip(f, zent{Name: "liar.log", Raw: true, Method: zip.Deflate, Data: packed, CSize: uint64(len(packed)), USize: 2 * uint64(len(packed))}))
	f.Add(gz(log, "x.log"))
	f.Fuzz(fuzzBundle)
}

// FuzzCab: any bytes as a cabinet.
func FuzzCab(f *testing.F) {
	log := cbsText(600, "fuzz")
	f.Add(makeCab(cabMSZIP, cabFileSpec{"a.log", log}, cabFileSpec{`d\b.log`, log[:100]}))
	f.Add(makeCab(cabStored, cabFileSpec{"a.log", log[:5000]}))
	f.Add(buildCab(cabMSZIP, false, cabFileSpec{"a.log", log}))
	lzx := makeCab(cabMSZIP, cabFileSpec{"a.log", log[:3000]})
	lzx[42], lzx[43] = cabLZX, 16
	f.Add(lzx)
	data := lzxTestData(3*lzxFrame+100, 9)
	f.Add(lzxCab(15, lzxEncode(data, 15, 2, false), cabFileSpec{"v.log", data}))
	f.Add(lzxCab(17, lzxEncode(data, 17, 0, true), cabFileSpec{"a.log", data}))
	if gc, err := os.ReadFile("testdata/gcab-mszip.cab"); err == nil {
		f.Add(gc)
	}
	f.Fuzz(fuzzBundle)
}
