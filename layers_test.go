package wudiag_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// layers ranks the packages along the pipeline: intake → read →
// evidence, rules, rank (classify) → words (report) → render → front
// ends. A package may import only packages of a lower rank, so that the
// pipeline can be read from the tree and no reader or the intake ever
// depends on the classifier.
var layers = map[string]int{
	"codes": 0, "evtx": 0, "internal/textdec": 0, "internal/scan": 0, "internal/collect": 0,
	"internal/evtxwrite": 0, "internal/synth": 0, "internal/sharedtest": 0,
	"internal/logline": 1,
	"cbslog":           2, "internal/source": 2,
	"dismlog":           3,
	"internal/textlogs": 4, "internal/eventtext": 4,
	"classify": 5, "corpus": 5,
	"report":          6,
	"internal/render": 7,
	"internal/server": 8,
	"cmd/wudiag":      9,
}

const module = "github.com/wudiag/wudiag/"

func TestLayers(t *testing.T) {
	seen := map[string]bool{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		pkg := filepath.ToSlash(filepath.Dir(path))
		if strings.HasPrefix(pkg, "internal/synth/cmd") || strings.Contains(pkg, "/cmd/") && pkg != "cmd/wudiag" {
			pkg = "cmd/wudiag" // helper programs stand with the front ends
		}
		rank, ok := layers[pkg]
		if !ok {
			t.Errorf("%s: package %s has no layer: add it to layers", path, pkg)
			return nil
		}
		seen[pkg] = true
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			dep, ok := strings.CutPrefix(p, module)
			if !ok {
				continue
			}
			if r, known := layers[dep]; known && r >= rank && dep != pkg {
				t.Errorf("%s: %s (layer %d) imports %s (layer %d)", path, pkg, rank, dep, r)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for pkg := range layers {
		if !seen[pkg] {
			t.Errorf("layers names %s, which has no Go files", pkg)
		}
	}
}
