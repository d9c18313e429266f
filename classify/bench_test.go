package classify

import (
	"bytes"
	"context"
	"testing"

	"github.com/wudiag/wudiag/internal/synth"
)

// BenchmarkAnalyzeCBS analyzes a synthetic 64 MiB CBS.log end to end
// (reader, extractors, failures, rules) and prints MB/s.
func BenchmarkAnalyzeCBS(b *testing.B) {
	var buf bytes.Buffer
	if err := synth.CBSLog(&buf, 64<<20, 1); err != nil {
		b.Fatal(err)
	}
	in := []Input{bytesInput("CBS.log", buf.String())}
	b.SetBytes(int64(buf.Len()))
	b.ResetTimer()
	for range b.N {
		if _, err := Analyze(context.Background(), in, &Options{Workers: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
