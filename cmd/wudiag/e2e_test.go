package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/unicode"

	"github.com/wudiag/wudiag/internal/evtxwrite"
	"github.com/wudiag/wudiag/internal/sharedtest"
)

// buildBinary builds wudiag once into a temporary folder.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "wudiag")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// hostileZip writes a support zip as users send them, with what goes
// wrong in real uploads: a zip-bomb entry, an entry whose name climbs out
// of the archive, an event log cut in the middle, and a log re-saved as
// UTF-16 by PowerShell — next to the logs that explain the failure.
func hostileZip(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	zw := zip.NewWriter(f)
	add := func(name string, body []byte, method uint16) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		require.NoError(t, err)
		_, err = w.Write(body)
		require.NoError(t, err)
	}
	example := filepath.Join("..", "..", "corpus", "examples", "win10-store-corruption")
	for _, name := range []string{"CBS.log", "dism.log"} {
		b, err := os.ReadFile(filepath.Join(example, name))
		require.NoError(t, err)
		add("Logs/"+name, b, zip.Deflate)
	}
	add("bomb/zeros.log", make([]byte, 64<<20), zip.Deflate)
	add("../../../etc/cron.d/evil", []byte("* * * * * root true\n"), zip.Store)

	var ev bytes.Buffer
	w := evtxwrite.New(&ev, nil)
	base := time.Date(2024, 1, 9, 11, 0, 0, 0, time.UTC)
	for i := range 2000 {
		w.Add(evtxwrite.Event{Channel: "System", Provider: "Service Control Manager", EventID: 7036, Level: 4,
			Time: base.Add(time.Duration(i) * time.Second), Computer: "PC01",
			Data: []evtxwrite.Field{{Name: "param1", Value: "Windows Update"}, {Name: "param2", Value: "running"}}})
	}
	require.NoError(t, w.Close())
	add("evtx/System.evtx", ev.Bytes()[:ev.Len()-ev.Len()/3], zip.Store)

	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(
		"2024/01/09 03:21:00.1234567 1234  5678  Agent           * START * Installing updates CallerId = UpdateOrchestrator\r\n" +
			"2024/01/09 03:21:23.1234567 1234  5678  Agent           LogHistory called. idUpdate={3E4F2B6A-1F2C-4A47-9F1B-6C5D0A1B2C3D}.200, resultMapped=80073712, resultUnMapped=0\r\n"))
	require.NoError(t, err)
	add("WindowsUpdate.log", utf16, zip.Deflate)
	require.NoError(t, zw.Close())
	require.NoError(t, f.Close())
}

func TestEndToEndHostileZip(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	bundle := filepath.Join(dir, "upload.zip")
	hostileZip(t, bundle)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "analyze", "-format", "json", "-q", bundle)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "stderr: %s", stderr.String())
	assert.Equal(t, exitFindings, exit.ExitCode())

	var doc struct {
		Failures []struct{ Update, Code string }
		Findings []struct{ Cause, Confidence string }
		Inputs   []struct {
			File, Kind string
			Entries    int
			Errors     []string
		}
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &doc), stdout.String())
	require.NotEmpty(t, doc.Findings)
	assert.Equal(t, "component_corruption", doc.Findings[0].Cause)

	byName := map[string]int{}
	for i, in := range doc.Inputs {
		byName[in.File[strings.LastIndex(in.File, ".zip:")+len(".zip:"):]] = i
	}
	input := func(name string) (kind string, entries int, errs string) {
		i, ok := byName[name]
		require.True(t, ok, "input %s is reported: %v", name, doc.Inputs)
		in := doc.Inputs[i]
		return in.Kind, in.Entries, strings.Join(in.Errors, "; ")
	}
	_, _, errs := input("bomb/zeros.log")
	assert.Contains(t, errs, "bomb", "the bomb is named with the reason")
	// An unsafe name is never used as a path: the archive is named, and
	// the entry quoted in the reason.
	var traversal string
	for _, in := range doc.Inputs {
		if e := strings.Join(in.Errors, "; "); strings.Contains(e, "unsafe name") {
			traversal = e
		}
	}
	assert.Contains(t, traversal, `"../../../etc/cron.d/evil"`)
	kind, entries, errs := input("evtx/System.evtx")
	assert.Equal(t, "evtx", kind)
	assert.Greater(t, entries, 1000, "a truncated event log yields what it holds")
	assert.NotEmpty(t, errs, "and says it was truncated")
	kind, entries, _ = input("WindowsUpdate.log")
	assert.Equal(t, "windowsupdate", kind, "UTF-16 is decoded")
	assert.Positive(t, entries)
	kind, _, _ = input("Logs/CBS.log")
	assert.Equal(t, "cbs", kind)

	_, err = os.Stat("/etc/cron.d/evil")
	assert.True(t, os.IsNotExist(err), "nothing is written outside")
}

// TestHTMLReportInChromium opens the HTML report in headless Chromium
// and checks that it renders the diagnosis; it skips where Chromium is not
// installed.
func TestHTMLReportInChromium(t *testing.T) {
	chromium := sharedtest.Peer(t, "chromium")
	bin := buildBinary(t)
	dir := t.TempDir()
	report := filepath.Join(dir, "report.html")
	example := filepath.Join("..", "..", "corpus", "examples", "win10-store-corruption")
	out, err := exec.Command(bin, "analyze", "-format", "html", "-o", report, example).CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !(errorsAs(err, &exit) && exit.ExitCode() == exitFindings) {
		t.Fatalf("analyze: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--dump-dom", "file://"+report)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	dom := stdout.String()
	assert.Contains(t, dom, "Component store corruption")
	assert.Contains(t, dom, "KB5034122")
	assert.Contains(t, dom, "Timeline of the failure window")
}

func errorsAs(err error, target **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	if ok {
		*target = e
	}
	return ok
}
