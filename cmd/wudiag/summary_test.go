package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestSummaryOfTheShippedExample(t *testing.T) {
	code, out, stderr := runCLI("summary", filepath.Join("..", "..", "corpus", "examples", "win10-store-corruption"))
	assert.Equal(t, exitOK, code, stderr)
	for _, want := range []string{
		"WindowsUpdateAgent  KB5034122  → 0x80073712 ERROR_SXS_COMPONENT_STORE_CORRUPT",
		"NOT repaired shell32.dll (Microsoft-Windows-Shell32): hash mismatch",
		"store report, line 2469: Detect and Repair, result 0x800f081f CBS_E_SOURCE_MISSING, detected 1, repaired 0: CORRUPTION REMAINS",
		"DISM  /Online /Cleanup-Image /RestoreHealth  → 0x800f081f CBS_E_SOURCE_MISSING",
	} {
		assert.Contains(t, out, want)
	}
}

func TestSummaryReportsUnreadableFilesAndGoesOn(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "CBS.log")
	os.WriteFile(good, []byte("2024-01-09 10:00:00, Info                  CBS    Session: 1_2 initialized by client WinMgmt\r\n"), 0o644)
	code, out, stderr := runCLI("summary", good, filepath.Join(dir, "missing.log"))
	assert.Equal(t, exitFindings, code)
	assert.Contains(t, out, "sessions: 1, 0 failed")
	assert.Contains(t, stderr, "missing.log")
}

func TestSummaryUsage(t *testing.T) {
	code, _, stderr := runCLI("summary")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "usage: wudiag summary")

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("nothing to see\n"), 0o644)
	code, _, stderr = runCLI("summary", dir)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "no CBS.log or dism.log found")
}

func TestUnknownCommand(t *testing.T) {
	code, _, stderr := runCLI("frobnicate")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `unknown command "frobnicate"`)
	code, out, _ := runCLI("help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "summary")
}
