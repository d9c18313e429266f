package classify

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/wudiag/wudiag/internal/sharedtest"
)

// pastings are what people do to a log on its way into a forum post or a
// ticket. A diagnosis that depends on any of them would miss the same
// evidence in another excerpt.
var pastings = []struct {
	name string
	f    func(string) string
}{
	{"crlf", func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n") }},
	{"no-timestamps", func(s string) string { return reStamp.ReplaceAllString(s, "") }},
	{"collapsed-spaces", func(s string) string {
		// A copy already cut at 80 columns is only rejoined by its line
		// lengths, which collapsing spaces destroys: leave it as it is.
		if sharedtest.CutAt(s, 80) {
			return s
		}
		return reBlanks.ReplaceAllString(s, " ")
	}},
	{"indented", func(s string) string { return sharedtest.PrefixLines(s, "    ") }},
	{"cut-at-120", func(s string) string { return sharedtest.ConsoleCut(s, 120) }},
	{"cut-at-80", func(s string) string { return sharedtest.ConsoleCut(s, 80) }},
	{"quoted", func(s string) string { return sharedtest.PrefixLines(s, "> ") }},
	{"in-a-post", func(s string) string {
		return "Hi all, my update keeps failing. Here is the log:\n\n" + s + "\n\nAny idea? Thanks in advance.\n"
	}},
}

var (
	reStamp  = regexp.MustCompile(`(?m)^\d{4}[-/]\d{2}[-/]\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.:]\d+)?Z?,?[ \t]*`)
	reBlanks = regexp.MustCompile(`[ \t]{2,}`)
)

// TestSamplesSurvivePasting analyzes every real case again after each
// pasting and wants the same outcome: the same cause first (or none), a
// failure found or not as before, and no medium or high finding where
// there was none.
func TestSamplesSurvivePasting(t *testing.T) {
	root := sharedtest.Dir(t, "samples", "text")
	dirs, err := os.ReadDir(root)
	require.NoError(t, err)
	changed := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		dir := filepath.Join(root, d.Name())
		base := pasteOutcome(t, dir, nil)
		for _, p := range pastings {
			got := pasteOutcome(t, dir, p.f)
			if got != base {
				changed++
				t.Errorf("%s %s: %s, want %s", d.Name(), p.name, got, base)
			}
		}
	}
	t.Logf("%d outcomes changed by pasting", changed)
}

// pasteOutcome analyzes the logs of a case directory, each passed
// through paste when it is UTF-8 text, and sums up the diagnosis.
func pasteOutcome(t *testing.T, dir string, paste func(string) string) string {
	t.Helper()
	tmp := t.TempDir()
	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	var in []Input
	for _, f := range files {
		if f.IsDir() || f.Name() == "case.json" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, f.Name()))
		require.NoError(t, err)
		if paste != nil && utf8.Valid(b) {
			b = []byte(paste(string(b)))
		}
		name := filepath.Join(tmp, f.Name())
		require.NoError(t, os.WriteFile(name, b, 0o644))
		in = append(in, FileInput(name))
	}
	diag, _ := Analyze(context.Background(), in, nil)
	top, firm := "none", false
	if len(diag.Findings) > 0 {
		top = diag.Findings[0].Cause
	}
	for _, f := range diag.Findings {
		firm = firm || f.Confidence != Low
	}
	return "top=" + top + " failure=" + map[bool]string{true: "yes", false: "no"}[len(diag.Failures) > 0] +
		" firm=" + map[bool]string{true: "yes", false: "no"}[firm]
}
