package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExitStatusByScenario generates corpus scenarios and checks the exit
// status: 0 when there is nothing to act on (clean logs, a false alarm),
// 1 when there is.
func TestExitStatusByScenario(t *testing.T) {
	for scenario, want := range map[string]int{
		"win10-en-clean-routine":                    exitOK,
		"win10-en-kb5057589-false-alarm":            exitOK,
		"win11-ja-clean-sfc-repaired-module":        exitOK,
		"server2022-en-clean-defender-module-fixed": exitOK,
		"win10-en-lcu-disk-full":                    exitFindings,
		"win10-ja-winre-kb5034441-partition-small":  exitFindings,
		"win10-en-wsus-third-party-643":             exitFindings,
	} {
		t.Run(scenario, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), scenario)
			code, _, stderr := runCLI("corpus", "gen", "-scenario", scenario, "-o", dir)
			require.Equal(t, exitOK, code, stderr)
			code, _, stderr = runCLI("analyze", "-q", "-format", "json", dir)
			assert.Equal(t, want, code, stderr)
		})
	}
}

func TestAnalyzeUsageErrors(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runCLI("analyze", filepath.Join(dir, "nope"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "nope")

	code, _, stderr = runCLI("analyze", "-lang", "fr", dir)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `unknown -lang "fr"`)

	code, _, stderr = runCLI("analyze", "-since", "2024-03-02", "-until", "2024-03-01", dir)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "is after")

	// -until with a date alone is the end of that day: the same day works.
	w, u, d := parseWhenInDay(t, "2024-03-01")
	assert.True(t, d)
	assert.Equal(t, "2024-03-01T23:59:59Z", w.Add(u).Format("2006-01-02T15:04:05Z07:00"))

	code, out, _ := runCLI("analyze", "-h")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "usage: wudiag analyze", "help goes to standard output")
}

func TestAnalyzeFormatFromExtensionAndStdin(t *testing.T) {
	ex := filepath.Join("..", "..", "corpus", "examples", "win10-store-corruption", "CBS.log")
	out := filepath.Join(t.TempDir(), "report.html")
	code, _, stderr := runCLI("analyze", "-q", "-o", out, ex)
	assert.Equal(t, exitFindings, code, stderr)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(b), "<!DOCTYPE html>"))

	f, err := os.Open(ex)
	require.NoError(t, err)
	defer f.Close()
	old := stdin
	stdin = f
	defer func() { stdin = old }()
	code, o, stderr := runCLI("analyze", "-q", "-format", "ticket", "-")
	assert.Equal(t, exitFindings, code, stderr)
	assert.Contains(t, o, "KB5034122 0x80073712")

	f.Seek(0, 0)
	code, o, stderr = runCLI("analyze", "-q", "-format", "text", "-")
	assert.Equal(t, exitFindings, code, stderr)
	assert.Regexp(t, `\bstdin:\d+`, o, "standard input is named stdin")
	assert.NotContains(t, o, "wudiag-stdin-")
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI("version")
	assert.Equal(t, exitOK, code)
	assert.True(t, strings.HasPrefix(out, "wudiag "))
	assert.Contains(t, out, "go1")
}

func parseWhenInDay(t *testing.T, s string) (w time.Time, add time.Duration, date bool) {
	t.Helper()
	w, date, err := parseWhenIn(s, nil)
	require.NoError(t, err)
	return w, 24*time.Hour - time.Second, date
}

// Every file looked at is in the Inputs, the skipped ones with the
// reason, and they do not change the exit status.
func TestAnalyzeListsSkippedInputs(t *testing.T) {
	dir := t.TempDir()
	cbs, err := os.ReadFile(filepath.Join("..", "..", "corpus", "examples", "win10-store-corruption", "CBS.log"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "CBS.log"), cbs, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "WindowsUpdate.20240101.etl"), []byte("\x00\x01binary trace\x00"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.zip"), []byte("PK\x03\x04garbage"), 0o644))
	for _, lang := range []string{"en", "ja"} {
		code, out, stderr := runCLI("analyze", "-q", "-format", "text", "-lang", lang, dir)
		assert.Equal(t, exitFindings, code, stderr)
		assert.Contains(t, out, "WindowsUpdate.20240101.etl")
		assert.Contains(t, out, "Get-WindowsUpdateLog")
		assert.Contains(t, out, "bad.zip")
	}
	_, out, _ := runCLI("analyze", "-q", "-format", "text", dir)
	assert.Contains(t, out, "damaged archive")
}

// TestWindowInMachineTime: without -tz, -since is read in the machine's
// local time (the example's CBS.log says UTC-8), as the report shows it;
// with -tz UTC or an RFC 3339 offset it is read as written.
func TestWindowInMachineTime(t *testing.T) {
	type answer struct {
		UTCOffset string `json:"utc_offset"`
		Since     string `json:"since"`
		Failures  []struct {
			Time string `json:"time"`
		} `json:"failures"`
	}
	run := func(args ...string) answer {
		t.Helper()
		_, out, stderr := runCLI(append([]string{"analyze", "-q", "-format", "json"}, append(args, "../../corpus/examples/win10-store-corruption")...)...)
		var a answer
		require.NoError(t, json.Unmarshal([]byte(out), &a), stderr)
		return a
	}
	all := run()
	require.Equal(t, "-08:00", all.UTCOffset)
	require.Len(t, all.Failures, 2) // 11:21Z and 11:44Z: 03:21 and 03:44 on the machine

	local := run("-since", "2024-01-09 03:30")
	assert.Equal(t, "2024-01-09T11:30:00Z", local.Since)
	if assert.Len(t, local.Failures, 1) {
		assert.Equal(t, "2024-01-09T11:44:21Z", local.Failures[0].Time)
	}
	utc := run("-tz", "UTC", "-since", "2024-01-09 03:30")
	assert.Equal(t, "2024-01-09T03:30:00Z", utc.Since)
	assert.Len(t, utc.Failures, 2)
	abs := run("-since", "2024-01-09T11:30:00+00:00")
	assert.Equal(t, "2024-01-09T11:30:00Z", abs.Since)
	assert.Len(t, abs.Failures, 1)
}
