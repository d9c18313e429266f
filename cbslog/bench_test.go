package cbslog

import (
	"io"
	"os"
	"path/filepath"
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
