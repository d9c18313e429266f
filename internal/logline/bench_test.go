package logline

import (
	"bytes"
	"io"
	"testing"

	"github.com/wudiag/wudiag/internal/synth"
)

// BenchmarkScanner measures the shared grammar alone: decoding, line
// splitting, prefix parsing and record assembly, without building entries.
func BenchmarkScanner(b *testing.B) {
	var buf bytes.Buffer
	if err := synth.CBSLog(&buf, 64<<20, 1); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s := NewScanner(bytes.NewReader(data), nil)
		n := 0
		for s.Scan() {
			n += len(s.Record().Text)
		}
		if s.Err() != nil && s.Err() != io.EOF {
			b.Fatal(s.Err())
		}
	}
}
