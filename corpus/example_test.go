package corpus

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite corpus/examples from the generator")

// TestExampleIsCurrent checks that the example bundle shipped in
// corpus/examples is what the generator writes; run with -update after
// changing the generator.
func TestExampleIsCurrent(t *testing.T) {
	dir := filepath.Join("examples", "win10-store-corruption")
	var cbs, dism bytes.Buffer
	if err := storeCorruptionExample(&cbs, &dism); err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]byte{"CBS.log": cbs.Bytes(), "dism.log": dism.Bytes()} {
		path := filepath.Join(dir, name)
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./corpus -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output (run go test ./corpus -update)", path)
		}
	}
}
