package evtx_test

import (
	"path/filepath"
	"testing"

	"github.com/wudiag/wudiag/internal/sharedtest"
)

// sharedSamples returns the real .evtx files in ../shared/samples/evtx.
// They are reference data, never copied into the repository; tests that
// need them skip when they are absent.
func sharedSamples(t testing.TB) (dir string, files []string) {
	t.Helper()
	dir = sharedtest.Dir(t, "samples", "evtx")
	files, _ = filepath.Glob(filepath.Join(dir, "*.evtx"))
	if len(files) == 0 {
		t.Skipf("no .evtx samples in %s", dir)
	}
	return dir, files
}
