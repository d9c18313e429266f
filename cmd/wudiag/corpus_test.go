package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCorpusGen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bundle")
	code, out, stderr := runCLI("corpus", "gen", "-scenario", "win10-en-lcu-disk-full", "-zip", "-o", dir)
	assert.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, "CBS.log")
	_, err := os.Stat(dir + ".zip")
	assert.NoError(t, err)

	code, out, _ = runCLI("corpus", "list")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "win10-ja-winre-kb5034441-partition-small")

	code, _, stderr = runCLI("corpus", "gen", "-scenario", "nope", "-o", dir)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "no scenario")
	code, _, _ = runCLI("corpus", "gen")
	assert.Equal(t, exitUsage, code)
}
