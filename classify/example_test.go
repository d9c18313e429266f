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
		// Results are data: the report package words them.
		fmt.Println("first step:", f.Remedy[0].ID, f.Remedy[0].Values["rh_code"])
	}
	// Output:
	// failed: KB5034122 0x80073712
	// failed: DISM 0x800f081f
	// cause: component_corruption high
	// first step: component_corruption.repair_source 0x800f081f
}
