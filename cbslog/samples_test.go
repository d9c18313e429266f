package cbslog

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wudiag/wudiag/codes"
	"github.com/wudiag/wudiag/internal/sharedtest"
)

// TestSamplesReadWithoutError reads every real log under
// ../shared/samples/text with the CBS reader and prints what it found.
func TestSamplesReadWithoutError(t *testing.T) {
	root := sharedtest.Dir(t, "samples", "text")
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".json") {
			return err
		}
		n++
		f, err := os.Open(path)
		require.NoError(t, err)
		defer f.Close()
		s, err := Summarize(f)
		rel, _ := filepath.Rel(root, path)
		require.NoError(t, err, rel)
		assert.Positive(t, s.Entries, rel)
		unrepaired := 0
		for _, r := range s.Store {
			if r.Unrepaired() {
				unrepaired++
			}
		}
		t.Logf("%-70s entries=%-6d untimed=%-5d sessions=%-4d sfc=%-3d store=%d(unrepaired %d) stacks=%d codes=%d",
			rel, s.Entries, s.Untimed, len(s.Sessions), len(s.SFC), len(s.Store), unrepaired, len(s.Stacks), len(s.Codes))
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, n, 20)
}

func summarizeSample(t *testing.T, elem ...string) *Summary {
	t.Helper()
	path := sharedtest.Dir(t, append([]string{"samples", "text"}, elem...)...)
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	s, err := Summarize(f)
	require.NoError(t, err)
	return s
}

func TestSampleHydrationCorrupt(t *testing.T) {
	s := summarizeSample(t, "cbs-dism-win11-22621-hydration-corrupt", "CBS.log")
	require.NotEmpty(t, s.Store)
	for _, r := range s.Store {
		assert.True(t, r.Unrepaired(), "line %d", r.Line)
		assert.Positive(t, r.Detected)
		assert.NotEmpty(t, r.Items)
	}
	var cannot []string
	for _, f := range s.SFC {
		if !f.Repaired {
			cannot = append(cannot, f.File)
		}
	}
	assert.Contains(t, cannot, "dnsapi.dll")
	require.NotEmpty(t, s.Stacks)
	assert.Equal(t, "10.0.22621.1626", s.Stacks[0].Version)
	assert.True(t, s.OffsetKnown)
	assert.Contains(t, s.Codes, codes.Code(0xC007000D), "NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA)")
}

func TestSampleDefenderModuleRepaired(t *testing.T) {
	s := summarizeSample(t, "cbs-win10-1903-defender-psmodule-restorehealth", "CBS.log")
	require.NotEmpty(t, s.Store)
	last := s.Store[len(s.Store)-1]
	assert.Equal(t, 9, last.Detected)
	assert.Equal(t, 9, last.Repaired)
	assert.False(t, last.Unrepaired())
	for _, it := range last.Items {
		assert.True(t, it.Fixed, it.Path)
		assert.Contains(t, it.Path, "windows-defender-management-powershell")
	}
}

func TestSampleFODDownload(t *testing.T) {
	s := summarizeSample(t, "cbs-win10-19041-fod-download-8024402c", "CBS.log")
	clients := map[string]int{}
	for _, ss := range s.Sessions {
		if ss.ResultKnown && ss.Result == 0x8024402c {
			clients[ss.Client]++
		}
	}
	assert.Positive(t, clients["FodHelper(LanguageFeaturesOnDemand)"], "%v", clients)
	assert.Positive(t, clients["DISM Package Manager Provider"], "%v", clients)
}

func TestSampleSFCRepairedAppx(t *testing.T) {
	s := summarizeSample(t, "cbs-win11-24h2-sfc-repaired-appx-psd1", "CBS.log")
	var found bool
	for _, f := range s.SFC {
		if strings.HasSuffix(f.File, "Appx.psd1") {
			found = true
			assert.True(t, f.Repaired)
		}
	}
	assert.True(t, found)
	assert.Empty(t, s.Store)
}

func TestSampleWin7CannotRepair(t *testing.T) {
	s := summarizeSample(t, "cbs-win7-x86-sfc-cannot-repair-manifest-invalid", "CBS.log")
	var files []string
	for _, f := range s.SFC {
		if !f.Repaired {
			files = append(files, f.File)
		}
	}
	assert.Contains(t, files, "System.Design.dll")
	assert.Contains(t, s.Codes, codes.Code(0x800f080d))
}

func TestSampleAlteredCopies(t *testing.T) {
	s := summarizeSample(t, "cbs-ws2012r2-manifest-missing-800f0831", "CBS.log.excerpt")
	assert.Contains(t, s.Codes, codes.Code(0x800f0831))

	s = summarizeSample(t, "cbs-ws2016-taskscheduler-installer-800f0922", "CBS.log.excerpt")
	assert.Contains(t, s.Codes, codes.Code(0x800f0922))
	assert.Contains(t, s.Codes, codes.Code(0x80070002))

	s = summarizeSample(t, "cbs-ws2022-ssu-store-corrupt-80073712", "CBS.log.excerpt")
	assert.Contains(t, s.Codes, codes.Code(0x80073712))
	assert.Equal(t, -3*60*60*1e9, float64(s.Offset))
}
