package classify

import (
	"bytes"
	"context"
	"testing"

	"github.com/wudiag/wudiag/cbslog"
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

// BenchmarkPrefilterCBS runs the CBS needle set (prefilterFor with the
// stock rules and failure patterns) over the entry texts of a synthetic
// 32 MiB CBS.log that it reads, those without a failing code, as
// extractCBSEntry does, and prints MB/s of entry text: the largest part of
// what analyze does beyond the CBS summary.
func BenchmarkPrefilterCBS(b *testing.B) {
	var buf bytes.Buffer
	if err := synth.CBSLog(&buf, 32<<20, 1); err != nil {
		b.Fatal(err)
	}
	var texts []string
	var n int64
	r := cbslog.NewReader(&buf)
	for r.Scan() {
		if e := r.Entry(); !e.Failure && !e.Failed() {
			texts = append(texts, e.Text)
			n += int64(len(e.Text))
		}
	}
	keep := prefilterFor(StockRules(), StockFailurePatterns()).forKind(KindCBS)
	b.SetBytes(n)
	kept := 0
	for b.Loop() {
		for _, t := range texts {
			if keep.match(t) {
				kept++
			}
		}
	}
	b.ReportMetric(float64(kept)/float64(b.N), "kept/op")
}

// BenchmarkParseStockRules parses the embedded rules.yaml, as every
// process that analyses does once.
func BenchmarkParseStockRules(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRules(bytes.NewReader(stockRules)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseStockFailures parses the embedded failures.yaml, as every
// process that analyses does once.
func BenchmarkParseStockFailures(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseFailurePatterns(bytes.NewReader(stockFailures)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseStockFamilies parses the embedded families.yaml.
func BenchmarkParseStockFamilies(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseFamilies(stockFamiliesYAML); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadStock reads the stock rules and failure patterns from
// stock.gob and compiles them, as every process that analyses does once
// (instead of BenchmarkParseStockRules and BenchmarkParseStockFailures).
func BenchmarkLoadStock(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		d, err := decodeStock(stockGob)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := compileRules(d.Rules, d.RuleLines, true); err != nil {
			b.Fatal(err)
		}
		if _, err := compileFailurePatterns(d.Failures, true); err != nil {
			b.Fatal(err)
		}
	}
}
