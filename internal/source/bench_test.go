package source

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var (
	benchOnce sync.Once
	benchDir  string
	benchZip  string
	benchSize int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchBundle writes, once per test binary, a 200 MB zip of the shape of
// a TSS bundle: forty 5 MB CBS-like logs deflated and two stored 2 MB
// event logs.
func benchBundle(b *testing.B) string {
	benchOnce.Do(func() {
		var err error
		if benchDir, err = os.MkdirTemp("", "bundle-bench"); err != nil {
			b.Fatal(err)
		}
		benchZip = filepath.Join(benchDir, "DND_SetupReport.zip")
		f, err := os.Create(benchZip)
		if err != nil {
			b.Fatal(err)
		}
		zw := zip.NewWriter(f)
		for i := range 40 {
			w, _ := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("Logs/CBS/CbsPersist_%02d.log", i), Method: zip.Deflate})
			chunk := cbsText(1000, fmt.Sprintf("part %d", i))
			for n := 0; n < 5<<20; n += len(chunk) {
				w.Write(chunk)
				benchSize += int64(len(chunk))
			}
		}
		for i := range 2 {
			w, _ := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("evtx/%d.evtx", i), Method: zip.Store})
			p := make([]byte, 2<<20)
			copy(p, "ElfFile\x00")
			p[100] = byte(i)
			w.Write(p)
			benchSize += int64(len(p))
		}
		if err := zw.Close(); err != nil {
			b.Fatal(err)
		}
		f.Close()
	})
	return benchZip
}

// BenchmarkOpenAndRead lists a generated 200 MB zip and reads every
// input once, as the analyzer would.
func BenchmarkOpenAndRead(b *testing.B) {
	path := benchBundle(b)
	b.SetBytes(benchSize)
	b.ResetTimer()
	for b.Loop() {
		bu, err := Open(context.Background(), []string{path}, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		if len(bu.Problems()) != 0 || len(bu.Files()) != 42 {
			b.Fatalf("%d inputs, problems %v", len(bu.Files()), bu.Problems())
		}
		for _, in := range bu.Files() {
			rc, err := in.Open()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, rc); err != nil {
				b.Fatal(err)
			}
			rc.Close()
		}
		bu.Close()
	}
}
