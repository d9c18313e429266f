package corpus_test

import (
	"context"
	"fmt"
	"os"

	"github.com/wudiag/wudiag/classify"
	"github.com/wudiag/wudiag/corpus"
)

// Write a scenario's bundle and analyze it.
func ExampleScenario_Materialize() {
	s, err := corpus.Lookup("win10-en-winre-kb5034441-partition-small")
	if err != nil {
		panic(err)
	}
	dir, _ := os.MkdirTemp("", "bundle")
	defer os.RemoveAll(dir)
	if _, err := s.Materialize(dir, nil); err != nil {
		panic(err)
	}
	in, _ := classify.PathInputs(dir)
	d, _ := classify.Analyze(context.Background(), in, nil)
	fmt.Println("expected:", s.Expect.Causes[0])
	fmt.Println("found:   ", d.Findings[0].Cause)
	// Output:
	// expected: recovery_partition
	// found:    recovery_partition
}
