package main

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCollectFromCopiedDrive runs collect (no commands) on a generated
// Windows tree, then analyze on its zip.
func TestCollectFromCopiedDrive(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "c")
	code, _, stderr := runCLI("corpus", "gen", "-scenario", "win10-en-lcu-disk-full", "-o", root)
	require.Equal(t, exitOK, code, stderr)
	zipName := filepath.Join(dir, "out.zip")
	code, out, stderr := runCLI("collect", "-no-commands", "-root", root, "-o", zipName)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, "files taken")
	assert.Contains(t, stderr, "wudiag collect:")
	zr, err := zip.OpenReader(zipName)
	require.NoError(t, err)
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	zr.Close()
	assert.Contains(t, names, "manifest.json")
	assert.Contains(t, names, "Windows/Logs/CBS/CBS.log")

	code, out, _ = runCLI("analyze", zipName)
	assert.Equal(t, exitFindings, code)
	assert.True(t, strings.Contains(out, "0x80070643") || strings.Contains(out, "disk"), out)

	code, _, _ = runCLI("collect", "extra")
	assert.Equal(t, exitUsage, code)
}

// TestAnalyzeMountedDrive analyzes a generated C:\ tree directly: a note
// in the user's documents that mentions the error is not read.
func TestAnalyzeMountedDrive(t *testing.T) {
	root := filepath.Join(t.TempDir(), "c")
	code, _, stderr := runCLI("corpus", "gen", "-scenario", "win10-en-lcu-disk-full", "-o", root)
	require.Equal(t, exitOK, code, stderr)
	notes := filepath.Join(root, "Users", "x", "Documents", "notes.txt")
	require.NoError(t, os.MkdirAll(filepath.Dir(notes), 0o755))
	require.NoError(t, os.WriteFile(notes, []byte("2026-01-01 10:00:00, Error CBS Failed to install. [HRESULT = 0x80070643]\r\n"), 0o644))
	code, out, stderr := runCLI("analyze", root)
	assert.Equal(t, exitFindings, code, stderr)
	assert.NotContains(t, out+stderr, "notes.txt")
	assert.Contains(t, out, "CBS.log")
}
