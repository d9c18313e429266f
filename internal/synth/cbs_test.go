package synth

import (
	"bytes"
	"testing"
)

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
