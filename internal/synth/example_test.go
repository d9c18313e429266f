package synth

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
	dir := filepath.Join("..", "..", "corpus", "examples", "win10-store-corruption")
	var cbs, dism bytes.Buffer
	if err := StoreCorruptionExample(&cbs, &dism); err != nil {
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
			t.Fatalf("%v (run go test ./internal/synth -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output (run go test ./internal/synth -update)", path)
		}
	}
}

func TestCBSLogIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := CBSLog(&a, 1<<20, 7); err != nil {
		t.Fatal(err)
	}
	if err := CBSLog(&b, 1<<20, 7); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("same seed, different bytes")
	}
	if a.Len() < 1<<20 || a.Len() > 1<<20+64<<10 {
		t.Fatalf("asked for 1 MiB, got %d bytes", a.Len())
	}
}
