package classify_test

import (
	"context"
	"fmt"
	"log"
	"path/filepath"

	"github.com/wudiag/wudiag/classify"
)

// Analyze a folder of logs copied off a machine.
func ExampleAnalyze() {
	inputs, errs := classify.PathInputs(filepath.Join("..", "corpus", "examples", "win10-store-corruption"))
	for _, err := range errs {
		log.Print(err)
	}
	d, err := classify.Analyze(context.Background(), inputs, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range d.Failures {
		fmt.Println("failed:", f.Update, f.Code)
	}
	for _, f := range d.Findings {
		fmt.Println("cause:", f.Cause, f.Confidence)
		fmt.Println("first step:", f.Remedy[0])
	}
	// Output:
	// failed: KB5034122 0x80073712
	// cause: component_corruption high
	// first step: Run DISM /Online /Cleanup-Image /RestoreHealth, then sfc /scannow, and retry KB5034122.
}
