package cbslog

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/wudiag/wudiag/internal/synth"
)

// benchSize is the size of the generated CBS.log the benchmarks read.
const benchSize = 200 << 20

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

// benchFile writes a 200 MiB synthetic CBS.log once per test binary.
func benchFile(b *testing.B) string {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "wudiag-bench-")
		if err != nil {
			benchErr = err
			return
		}
		benchPath = filepath.Join(dir, "CBS.log")
		f, err := os.Create(benchPath)
		if err != nil {
			benchErr = err
			return
		}
		defer f.Close()
		benchErr = synth.CBSLog(f, benchSize, 1)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPath
}

func benchOpen(b *testing.B) (*os.File, int64) {
	f, err := os.Open(benchFile(b))
	if err != nil {
		b.Fatal(err)
	}
	fi, _ := f.Stat()
	return f, fi.Size()
}

// BenchmarkReader measures entries/s and MB/s of Scan+Entry on a 200 MiB log.
func BenchmarkReader(b *testing.B) {
	f, size := benchOpen(b)
	defer f.Close()
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		f.Seek(0, io.SeekStart)
		r := NewReader(f)
		n := 0
		for r.Scan() {
			e := r.Entry()
			n += len(e.Codes)
		}
		if r.Err() != nil {
			b.Fatal(r.Err())
		}
	}
}

// BenchmarkSummarize measures the reader plus every extractor.
func BenchmarkSummarize(b *testing.B) {
	f, size := benchOpen(b)
	defer f.Close()
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		f.Seek(0, io.SeekStart)
		if _, err := Summarize(f); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSummaryMemoryIsFlat streams a 64 MiB log through Summarize without
// storing it and checks that the heap left afterwards is small: the
// summary must copy what it keeps rather than pin the reader's buffers.
func TestSummaryMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 64 MiB")
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(synth.CBSLog(pw, 64<<20, 3)) }()
	s, err := Summarize(pr)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	t.Logf("%d entries, %d sessions; heap after GC: %.1f MiB", s.Entries, len(s.Sessions), float64(m.HeapAlloc)/(1<<20))
	if m.HeapAlloc > 24<<20 {
		t.Errorf("heap after summarizing is %.1f MiB; the summary holds on to entry text", float64(m.HeapAlloc)/(1<<20))
	}
	runtime.KeepAlive(s)
}
