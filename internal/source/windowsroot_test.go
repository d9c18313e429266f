package source_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/wudiag/wudiag/corpus"
	"github.com/wudiag/wudiag/internal/source"
)

// TestWindowsRootReadsOnlyTheSelection opens a generated C:\ tree with
// junk beside the logs: only the files collect would take are inputs.
func TestWindowsRootReadsOnlyTheSelection(t *testing.T) {
	root := t.TempDir()
	s, err := corpus.Lookup("win10-en-lcu-disk-full")
	if err != nil {
		t.Fatal(err)
	}
	paths, err := s.Materialize(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, junk := range []string{
		"Users/x/Documents/notes.txt",
		"Users/x/Desktop/CBS.log",
		"Windows/System32/config/SYSTEM",
		"Windows/Logs/CBS/notes.txt",
		"Program Files/App/install.log",
	} {
		p := filepath.Join(root, filepath.FromSlash(junk))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(junk+": 2026-01-01 Error 0x80070643 Fatal error during installation\r\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := source.Open(context.Background(), []string{root}, source.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var got []string
	for _, in := range b.Files() {
		rel, err := filepath.Rel(root, in.Name)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, filepath.ToSlash(rel))
	}
	sort.Strings(got)
	if !slices.Equal(got, paths) {
		t.Errorf("inputs\n%v\nwant\n%v", got, paths)
	}
	if len(b.Problems()) > 0 {
		t.Errorf("problems: %v", b.Problems())
	}

	// A plain folder (no Windows root) is still walked whole.
	plain := filepath.Join(root, "Users", "x")
	b2, err := source.Open(context.Background(), []string{plain}, source.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	if n := len(b2.Files()); n != 2 {
		t.Errorf("plain folder: %d inputs, want 2", n)
	}
}
