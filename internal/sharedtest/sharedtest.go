// Package sharedtest finds the reference samples in ../shared for tests,
// and the peer programs (evtxexport, cabextract, Chromium, …) tests
// compare with.
//
// The samples sit beside the repository on developer machines and in CI,
// never inside it, and are absent for a user who clones the project. Tests
// that use them call Dir, which skips the test with a clear message when
// they are missing; the project's own generated data covers the rest.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the path of ../shared relative to the module root, or ""
// when it does not exist. WUDIAG_SHARED overrides the location.
func Root() string {
	if d := os.Getenv("WUDIAG_SHARED"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			shared := filepath.Join(dir, "..", "shared")
			if fi, err := os.Stat(shared); err == nil && fi.IsDir() {
				return shared
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Dir returns the path of ../shared/<elem...>, skipping the test when it
// is not there.
func Dir(tb testing.TB, elem ...string) string {
	tb.Helper()
	root := Root()
	if root == "" {
		tb.Skip("reference samples not found: ../shared is absent (set WUDIAG_SHARED to point at it)")
	}
	p := filepath.Join(append([]string{root}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("reference sample %s not found: %v", p, err)
	}
	return p
}
