package corpus

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	gevtx "github.com/0xrawsec/golang-evtx/evtx"

	"github.com/wudiag/wudiag/evtx"
	"github.com/wudiag/wudiag/internal/sharedtest"
)

// exampleScenarios are materialized in corpus/examples for the README
// and golden tests; one is a Japanese machine.
var exampleScenarios = []string{
	"win10-ja-winre-kb5034441-partition-small",
	"win10-en-av-securitycenter-si-failure",
}

// TestExamplesAreCurrent checks the bundles in corpus/examples against
// the generator (run with -update after changing it), byte for byte.
func TestExamplesAreCurrent(t *testing.T) {
	for _, name := range exampleScenarios {
		t.Run(name, func(t *testing.T) {
			s, err := Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join("examples", name)
			if *update {
				os.RemoveAll(dir)
				if _, err := s.Materialize(dir, nil); err != nil {
					t.Fatal(err)
				}
				return
			}
			tmp := t.TempDir()
			paths, err := s.Materialize(tmp, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range paths {
				want := filepath.Join(dir, filepath.FromSlash(p))
				got := filepath.Join(tmp, filepath.FromSlash(p))
				a, err := os.ReadFile(want)
				b, _ := os.ReadFile(got)
				if err != nil || !bytes.Equal(a, b) {
					t.Errorf("%s differs from the generator's output (go test ./corpus -update): %v", want, err)
				}
			}
		})
	}
}

// TestGolangEvtxReadsBundles checks the generated event logs with an
// independent reader: golang-evtx must see the same records, IDs and
// named values as wudiag's reader.
func TestGolangEvtxReadsBundles(t *testing.T) {
	for _, name := range []string{"win10-ja-defender-si-failure", "server2022-en-av-lcu-sharing-violation", "win11-ja-dotnet-sdk-burn-1603", "win10-en-kb5057589-false-alarm"} {
		s, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		paths, err := s.Materialize(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			if !strings.HasSuffix(p, ".evtx") {
				continue
			}
			file := filepath.Join(dir, filepath.FromSlash(p))
			var ours []string
			for ev, err := range evtx.Events(context.Background(), file, nil) {
				if err != nil {
					t.Fatalf("%s: %v", file, err)
				}
				var kv []string
				for _, d := range ev.Data {
					if d.Name != "" && ev.UserData == "" {
						kv = append(kv, d.Name+"="+strings.Trim(d.Value, "{}"))
					}
				}
				sort.Strings(kv)
				ours = append(ours, fmt.Sprintf("%d %d %s", ev.RecordID, ev.EventID, strings.Join(kv, "|")))
			}
			f, err := gevtx.OpenDirty(file)
			if err != nil {
				t.Fatalf("golang-evtx: %s: %v", file, err)
			}
			var theirs []string
			for m := range f.FastEvents() {
				var kv []string
				if ed, ok := (*m)["Event"].(gevtx.GoEvtxMap)["EventData"].(gevtx.GoEvtxMap); ok {
					for k, v := range ed {
						// Unnamed classic data shows as Data, Data1, ...; GUIDs lose their braces.
						if !strings.HasPrefix(k, "Data") && k != "Binary" {
							val := fmt.Sprint(v)
							if v == nil {
								val = "" // golang-evtx gives empty strings as nil
							}
							kv = append(kv, k+"="+strings.Trim(val, "{}"))
						}
					}
				}
				sort.Strings(kv)
				theirs = append(theirs, fmt.Sprintf("%d %d %s", m.EventRecordID(), m.EventID(), strings.Join(kv, "|")))
			}
			f.Close()
			sort.Strings(theirs)
			sort.Strings(ours)
			if a, b := strings.Join(ours, "\n"), strings.Join(theirs, "\n"); a != b {
				t.Errorf("%s: golang-evtx and wudiag read different events:\nwudiag:\n%s\ngolang-evtx:\n%s", p, a, b)
			}
		}
	}
}

// TestEvtxexportReadsBundles checks the generated event logs with libevtx
// (Debian libevtx-utils), where it is installed: it must count the same
// records as wudiag's reader.
func TestEvtxexportReadsBundles(t *testing.T) {
	bin := sharedtest.Peer(t, "evtxexport")
	compared := 0
	for _, name := range exampleScenarios {
		dir := filepath.Join("examples", name)
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !strings.HasSuffix(path, ".evtx") {
				return err
			}
			out, err := exec.Command(bin, "-f", "xml", path).Output()
			if err != nil {
				t.Errorf("evtxexport %s: %v", path, err)
				return nil
			}
			theirs := bytes.Count(out, []byte("<Event "))
			if ours := strings.Count(readEvents(t, path), "\n"); ours != theirs {
				t.Errorf("%s: evtxexport reads %d records, wudiag %d", path, theirs, ours)
			}
			if theirs > 0 {
				compared++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sharedtest.Compared(t, compared, "event log files with records")
	t.Logf("%d event log files compared with evtxexport", compared)
}
