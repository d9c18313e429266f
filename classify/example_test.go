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
	// failed: DISM 0x800f081f
	// cause: component_corruption high
	// first step: DISM /RestoreHealth already failed on this machine (0x800f081f): go straight to a repair source, installation media or a mounted ISO of the same build and edition (10.0.19041): DISM /Online /Cleanup-Image /RestoreHealth /Source:WIM:X:\sources\install.wim:1 /LimitAccess, then sfc /scannow, and retry KB5034122.
}
