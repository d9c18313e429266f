package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

func TestAnalyzeTheShippedExample(t *testing.T) {
	example := filepath.Join("..", "..", "corpus", "examples", "win10-store-corruption")
	code, out, stderr := runCLI("analyze", "-lang", "en", example)
	assert.Equal(t, exitFindings, code, stderr)
	assert.Contains(t, out, "KB5034122    0x80073712 ERROR_SXS_COMPONENT_STORE_CORRUPT")
	assert.Contains(t, out, "1. Component store corruption — high")
	assert.Contains(t, out, "DISM /RestoreHealth already failed on this machine (0x800f081f)", "the step the logs show was tried is not advised again")
	assert.Contains(t, out, "and retry KB5034122.")

	code, out, _ = runCLI("analyze", "-lang", "ja", example)
	assert.Equal(t, exitFindings, code)
	assert.Contains(t, out, "コンポーネント ストアの破損")

	code, out, _ = runCLI("analyze", "-format", "json", example)
	assert.Equal(t, exitFindings, code)
	var doc struct {
		SchemaVersion int `json:"schema_version"`
		Failures      []struct {
			Update, Code string
			Source       struct{ File string }
		}
		Findings []struct {
			Cause, Confidence string
			Evidence          []struct{ Rule, Signal string }
			Remedy            []string
		}
		Inputs []struct {
			File, Kind string
			Entries    int
			Errors     []string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	assert.Equal(t, 1, doc.SchemaVersion)
	require.NotEmpty(t, doc.Failures)
	assert.Equal(t, "0x80073712", doc.Failures[0].Code)
	require.NotEmpty(t, doc.Findings)
	assert.Equal(t, "component_corruption", doc.Findings[0].Cause)
	assert.NotEmpty(t, doc.Findings[0].Evidence)
	assert.Len(t, doc.Inputs, 2)
	assert.NotNil(t, doc.Inputs[0].Errors, "errors is always an array")
}

func TestAnalyzeNothingReadable(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "photo.jpg"), []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10}, 0o644)
	code, out, stderr := runCLI("analyze", dir)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "no readable log")
	assert.Contains(t, out, "No failed installation was found", "a result is always written")
}

func TestAnalyzeUsage(t *testing.T) {
	code, _, stderr := runCLI("analyze", "-format", "pdf", ".")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "unknown format")
	code, _, _ = runCLI("analyze")
	assert.Equal(t, exitUsage, code)
}
