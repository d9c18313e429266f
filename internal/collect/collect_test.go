package collect_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/wudiag/wudiag/corpus"
	"github.com/wudiag/wudiag/internal/collect"
)

// windowsTree writes a scenario's bundle (Windows-like paths) into a temp
// dir, plus files the selection must take and files it must not.
func windowsTree(t *testing.T) (root string, want []string) {
	t.Helper()
	root = t.TempDir()
	s, err := corpus.Lookup("server2019-en-lcu-manifest-missing")
	if err != nil {
		t.Fatal(err)
	}
	paths, err := s.Materialize(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	extra := map[string]bool{ // path: taken?
		"Windows/System32/config/SOFTWARE":                                    false,
		"Windows/Logs/CBS/CbsPersist_20260101000000.log":                      true,
		"Windows/Logs/CBS/FilterList.txt":                                     false,
		"Windows/Logs/WindowsUpdate/WindowsUpdate.20260101.1.etl":             true,
		"Windows/Logs/ReAgent.log":                                            true,
		"$Windows.~BT/Sources/Panther/setuperr.log":                           true,
		"ProgramData/Microsoft/Windows Defender/Support/MPLog-20260101.log":   true,
		"Users/x/AppData/Local/Temp/dd_NDP48-KB5011048_decompression_log.txt": true,
		"Users/x/AppData/Local/Temp/vcredist.msi.log":                         true,
		"Users/x/AppData/Local/Temp/private.txt":                              false,
		"Users/x/Documents/notes.txt":                                         false,
		"Users/x/Documents/MSI1234.LOG":                                       false,
		"Windows/Temp/MSI5a3f.LOG":                                            true,
		"Windows/Temp/random.tmp":                                             false,
		"Windows/System32/winevt/Logs/Security.evtx":                          false,
		"Windows/System32/drivers/etc/hosts":                                  false,
	}
	for rel, taken := range extra {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("Error 0x80070643\r\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if taken {
			want = append(want, rel)
		}
	}
	want = append(want, paths...) // fltmc.txt, WindowsUpdate.log at the root: an unpacked collection
	sort.Strings(want)
	return root, want
}

func TestSelectTakesExactlyTheList(t *testing.T) {
	root, want := windowsTree(t)
	files, errs, err := collect.Select(context.Background(), root)
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Rel)
	}
	if !slices.Equal(got, want) {
		t.Errorf("selected\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !collect.IsWindowsRoot(root) {
		t.Error("IsWindowsRoot = false on the generated tree")
	}
	if collect.IsWindowsRoot(filepath.Join(root, "Users")) {
		t.Error("IsWindowsRoot = true on Users")
	}
}

// fakeRunner answers like the Windows programs; wevtutil and
// Get-WindowsUpdateLog write the file named in their arguments.
type fakeRunner struct{ calls []string }

func (f *fakeRunner) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	f.calls = append(f.calls, name+" "+strings.Join(args, " "))
	switch name {
	case "wevtutil":
		if args[1] == "Setup" {
			return nil, errors.New("wevtutil: access denied")
		}
		return nil, os.WriteFile(args[2], []byte("ElfFile\x00exported "+args[1]), 0o644)
	case "powershell":
		script := args[len(args)-1]
		if _, p, ok := strings.Cut(script, "-LogPath '"); ok {
			p = p[:strings.IndexByte(p, '\'')]
			return nil, os.WriteFile(p, []byte("2026/01/01 00:00:00.0000000 1 1 Agent *FAILED* [80070643]\r\n"), 0o644)
		}
		return []byte("output of " + script), nil
	}
	return []byte(name + " output\r\n"), nil
}

func TestWriteZip(t *testing.T) {
	root, want := windowsTree(t)
	var buf, progress bytes.Buffer
	r := &fakeRunner{}
	m, err := collect.Write(context.Background(), &buf, collect.Options{Root: root, Runner: r, Steps: collect.Steps(), Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(rc)
		rc.Close()
		got[f.Name] = b.String()
		// Every entry carries the collection's time (an entry without
		// one shows as 1980-00-00 in unzip -l).
		if f.Modified.Year() < 2000 {
			t.Errorf("%s: modified %v", f.Name, f.Modified)
		}
	}
	for _, w := range want {
		if _, ok := got[w]; !ok {
			t.Errorf("zip lacks %s", w)
		}
	}
	for _, n := range []string{"manifest.json", "fltmc.txt", "reagentc.txt", "volumes.txt", "partitions.txt", "WindowsUpdate.log"} {
		if _, ok := got[n]; !ok {
			t.Errorf("zip lacks %s", n)
		}
	}
	for n := range got {
		if strings.HasPrefix(n, "Users/x/Documents") || strings.HasSuffix(n, "private.txt") || strings.Contains(n, "config/") || strings.HasSuffix(n, "Security.evtx") {
			t.Errorf("zip holds %s, outside the list", n)
		}
	}
	// The exported System log replaces the live one; Setup failed to
	// export, so the file on disk is taken and the failure is listed.
	if !strings.HasPrefix(got[collect.Channels[0].File], "ElfFile\x00exported System") {
		t.Errorf("System.evtx is not the exported copy")
	}
	var mm collect.Manifest
	if err := json.Unmarshal([]byte(got["manifest.json"]), &mm); err != nil {
		t.Fatal(err)
	}
	if len(mm.Taken) != len(m.Taken) || len(mm.Taken) != len(got)-1 {
		t.Errorf("manifest lists %d taken, zip holds %d files", len(mm.Taken), len(got)-1)
	}
	for _, e := range mm.Taken {
		if e.SHA256 == "" || int64(len(got[e.Name])) != e.Size {
			t.Errorf("manifest entry %+v: size or hash wrong (zip has %d bytes)", e, len(got[e.Name]))
		}
	}
	if len(mm.Failed) != 1 || !strings.Contains(mm.Failed[0].Error, "access denied") {
		t.Errorf("failed = %+v, want the Setup export", mm.Failed)
	}
	if !strings.Contains(progress.String(), "wudiag collect:") {
		t.Errorf("no progress line: %q", progress.String())
	}
}

func TestWriteStopsOnCancel(t *testing.T) {
	root, _ := windowsTree(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var buf bytes.Buffer
	if _, err := collect.Write(ctx, &buf, collect.Options{Root: root}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
