package classify_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/wudiag/wudiag/classify"
	"github.com/wudiag/wudiag/corpus"
)

// Analyse a support bundle as users send it: a zip of the logs, read in
// place (a zip inside it, a .cab or a .gz would be read too).
func ExampleAnalyzePaths() {
	bundle, remove := exampleZip() // the logs of corpus/examples/win10-store-corruption, zipped
	defer remove()

	d, err := classify.AnalyzePaths(context.Background(), []string{bundle}, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range d.Findings {
		fmt.Println(f.Cause, f.Confidence)
	}
	for _, in := range d.Inputs {
		fmt.Println(filepath.Base(in.File), in.Kind, in.Entries)
	}
	// Output:
	// component_corruption high
	// store.zip:CBS.log cbs 2452
	// store.zip:dism.log dism 23
}

// exampleZip writes the example bundle as a zip in a temporary folder and
// returns its path and a function that removes it.
func exampleZip() (string, func()) {
	dir, err := os.MkdirTemp("", "wudiag-example")
	if err != nil {
		log.Fatal(err)
	}
	name := filepath.Join(dir, "store.zip")
	f, err := os.Create(name)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if err := corpus.WriteZip(f, filepath.Join("..", "corpus", "examples", "win10-store-corruption")); err != nil {
		log.Fatal(err)
	}
	return name, func() { os.RemoveAll(dir) }
}
