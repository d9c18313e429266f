package textlogs

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wudiag/wudiag/internal/sharedtest"
)

// caseKinds maps the "kind" values of the shared samples' case.json to
// the kinds Sniff should report for the files of that kind ("" for logs
// other packages own).
var caseKinds = map[string][]Kind{
	"windowsupdate":           {WindowsUpdate, WindowsUpdateClassic},
	"burn":                    {Burn},
	"mpcmdrun":                {MpCmdRun},
	"mpsigstub":               {MpSigStub},
	"setupact":                {SetupAct},
	"defender-updateplatform": {UpdatePlatform},
	"cbs":                     {""},
	"dism":                    {""},
	"evtx-text":               {""},
}

// sampleKinds is the kind each shared sample file must sniff as, where the
// file's kind is clear from its case.json.
var sampleKinds = map[string]Kind{
	"burn-dotnet-core-sdk-3.1.402-apply-80070643/burn-bundle.part1.log":                  Burn,
	"burn-dotnet-core-sdk-3.1.402-apply-80070643/burn-bundle.part2.log":                  Burn,
	"mpcmdrun-zhcn-utf16-scheduled-sigupdate-clean/MpCmdRun.log":                         MpCmdRun,
	"mpsigstub-win10-delta-update-success/MpSigStub.log.excerpt":                         MpSigStub,
	"setupact-win10-upgrade-dismhost-800700b7/setupact.log":                              SetupAct,
	"updateplatform-defender-platform-80501005/UpdatePlatform.log.excerpt":               UpdatePlatform,
	"updateplatform-defender-platform-80501005/install.ps1-output.txt":                   Generic,
	"wu-legacy-selfupdate-proxy-8024402c/WindowsUpdate.log.excerpt":                      WindowsUpdateClassic,
	"wu-vista-dotnet-rollup-80070643/WindowsUpdate.log.excerpt":                          WindowsUpdateClassic,
	"wu-win7-classic-format-clean/WindowsUpdate.log":                                     WindowsUpdateClassic,
	"wu-win10-sccm-getwindowsupdatelog-clean/WindowsUpdate.log":                          WindowsUpdate,
	"wu-win10-sccm-getwindowsupdatelog-clean/UpdatesDeployment.log":                      Generic,
	"wu-win10-sccm-getwindowsupdatelog-clean/WUAHandler.log":                             Generic,
	"wu-winre-updater-download-disk-full-80070070/WindowsUpdate.log.excerpt":             WindowsUpdate,
	"wu-wsus-wpp-custom-update-fffe-80070643/WindowsUpdate.part1.log":                    WindowsUpdate,
	"wu-wsus-wpp-custom-update-fffe-80070643/WindowsUpdate.part2.log":                    WindowsUpdate,
	"cbs-ws2016-taskscheduler-installer-800f0922/TaskScheduler-Operational-event146.txt": "",
	"cbs-ws2016-driver-doq-rollback-8007000d/setupapi.dev.log.excerpt":                   Generic,
	"dism-console-winre-commit-disk-full-112/script-and-dism-console.txt":                Generic,
	"dism-console-winre-msu-800f0823/dism-console.txt":                                   Generic,
}

// TestSharedSamples sniffs and reads every file of the shared text
// samples, checks the sniffed kind where it is known, and logs what each
// file yields.
func TestSharedSamples(t *testing.T) {
	root := sharedtest.Dir(t, "samples", "text")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "case.json" {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		head := make([]byte, sniffHead)
		n, _ := io.ReadFull(f, head)
		kind := Sniff(d.Name(), head[:n])
		if want, ok := sampleKinds[rel]; ok && kind != want {
			t.Errorf("%s: Sniff = %q, want %q", rel, kind, want)
		}
		if allowed := caseAllowed(t, filepath.Dir(p)); allowed != nil && !slices.Contains(allowed, kind) && sampleKinds[rel] != kind {
			t.Errorf("%s: Sniff = %q, case.json allows %q", rel, kind, allowed)
		}
		if kind == "" {
			t.Logf("%-90s %-22s (not read here)", rel, `""`)
			return nil
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		recs, withCodes, withFields := 0, 0, 0
		for rec, err := range Records(f, kind) {
			if err != nil {
				t.Errorf("%s: %v", rel, err)
				break
			}
			recs++
			if len(rec.Codes) > 0 {
				withCodes++
			}
			if len(rec.Fields) > 0 {
				withFields++
			}
		}
		t.Logf("%-90s %-22s records=%d with codes=%d with fields=%d", rel, kind, recs, withCodes, withFields)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// caseAllowed returns the kinds a case folder's case.json allows when it
// names exactly one kind this package maps, else nil.
func caseAllowed(t *testing.T, dir string) []Kind {
	b, err := os.ReadFile(filepath.Join(dir, "case.json"))
	if err != nil {
		return nil
	}
	var c struct{ Kind []string }
	if err := json.Unmarshal(b, &c); err != nil {
		t.Errorf("%s: %v", dir, err)
		return nil
	}
	if len(c.Kind) != 1 {
		return nil
	}
	k, ok := caseKinds[strings.ToLower(c.Kind[0])]
	if !ok {
		return nil
	}
	return k
}
