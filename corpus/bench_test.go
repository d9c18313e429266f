package corpus_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/wudiag/wudiag/classify"
	"github.com/wudiag/wudiag/corpus"
)

// BenchmarkAnalyzeBundle analyzes a generated bundle end to end — CBS.log,
// dism.log and the event logs of a machine whose cumulative update failed
// on a corrupt store — as `wudiag analyze` does. The bundle is about
// WUDIAG_BENCH_MB megabytes (default 1000), generated once per run into a
// temporary folder:
//
//	go test ./corpus -run '^$' -bench AnalyzeBundle -benchtime 3x
func BenchmarkAnalyzeBundle(b *testing.B) {
	mb := int64(1000)
	if v := os.Getenv("WUDIAG_BENCH_MB"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		mb = n
	}
	s, err := corpus.Lookup("win10-en-lcu-store-corruption-restorehealth")
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(b.TempDir(), "bundle")
	if _, err := s.Materialize(dir, &corpus.Options{Scale: mb << 20}); err != nil {
		b.Fatal(err)
	}
	in, errs := classify.PathInputs(dir)
	if len(errs) > 0 {
		b.Fatal(errs[0])
	}
	var size int64
	for _, x := range in {
		size += x.Size
	}
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		d, err := classify.Analyze(context.Background(), in, nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(d.Findings) == 0 || d.Findings[0].Cause != classify.CauseComponentCorruption {
			b.Fatalf("wrong diagnosis: %+v", d.Findings)
		}
	}
}
