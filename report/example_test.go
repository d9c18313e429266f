package report_test

import (
	"context"
	"fmt"
	"log"
	"path/filepath"

	"golang.org/x/text/language"

	"github.com/wudiag/wudiag/classify"
	"github.com/wudiag/wudiag/report"
)

// Word a diagnosis in English and Japanese: the analysis runs once.
func Example() {
	d, err := classify.AnalyzePaths(context.Background(),
		[]string{filepath.Join("..", "corpus", "examples", "win10-store-corruption")}, nil)
	if err != nil {
		log.Fatal(err)
	}
	f := d.Findings[0]
	for _, lang := range []language.Tag{language.English, language.Japanese} {
		fmt.Println(report.CauseName(f.Cause, lang), "—", report.Confidence(f.Confidence, lang))
		fmt.Println(report.Remedy(f, lang)[1])
	}
	// Output:
	// Component store corruption — high
	// If the manifest of an earlier update is missing (0x800f0831), install that update from the Microsoft Update Catalog first.
	// コンポーネント ストアの破損 — 高
	// 以前の更新プログラムのマニフェストが欠落している場合 (0x800f0831) は、先にその更新プログラムを Microsoft Update カタログからインストールします。
}
