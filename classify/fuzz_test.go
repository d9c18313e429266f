package classify

import (
	"context"
	"testing"
)

// FuzzAnalyzeText runs any text through format detection, the readers,
// the failure patterns and the rules: whatever it holds, Analyze returns
// a diagnosis without panicking.
func FuzzAnalyzeText(f *testing.F) {
	for _, p := range StockFailurePatterns() {
		for _, l := range p.Tests.Positive {
			f.Add(l + "\r\n")
		}
	}
	f.Add("2024-01-09 03:21:20, Error CBS Failed [HRESULT = 0x80073712]\n continuation\n\tError CBS WER: Generating failure report for package: P, status: 0x8007000d, failure source: Execute\n")
	f.Fuzz(func(t *testing.T, text string) {
		d, _ := Analyze(context.Background(), []Input{bytesInput("excerpt.log", text)}, nil)
		if d == nil {
			t.Fatal("no diagnosis")
		}
	})
}
