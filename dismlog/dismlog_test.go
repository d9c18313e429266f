package dismlog

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

func entries(t *testing.T, in string) []Entry {
	t.Helper()
	var out []Entry
	for e, err := range Entries(strings.NewReader(in)) {
		require.NoError(t, err)
		out = append(out, e)
	}
	return out
}

func TestParseDISMLines(t *testing.T) {
	in := strings.Join([]string{
		"2023-05-17 12:06:13, Info                  DISM   DISM Package Manager: PID=5372 TID=12240  Error in operation: source for package or file not found, ResolveSource() unsuccessful. (CBS HRESULT=0x800f081f) - CCbsConUIHandler::Error",
		"2023-05-17 12:06:13, Error                 DISM   DISM Package Manager: PID=5372 TID=12244 Failed finalizing changes. - CDISMPackageManager::Internal_Finalize(hr:0x800f081f)",
		"2014-02-17 15:23:45, Info                  DISM   DISM.EXE: Executing command line: DISM.exe  /Online /Enable-Feature:Printing-Foundation-LPDPrintService",
		"2020-05-11 22:15:00, Info                  DISM   API: PID=6980 TID=18464 DismApi.dll: <----- Starting DismApi.dll session -----> - DismInitializeInternal",
		"2014-02-17 15:22:02, Info                  DISM   PID=10500 Scratch directory set to 'C:\\Users\\x\\AppData\\Local\\Temp\\'. - CDISMManager::put_ScratchDir",
		"2020-05-11 22:15:21, Error                        EnumeratePathEx: FindFirstFile failed for [C:\\$Windows.~BT\\*]; GLE = 0x3[gle=0x00000003]",
		"[3252.2868] [0x8007007b] FIOReadFileIntoBuffer:(1456): The filename, directory name, or volume label syntax is incorrect.",
		"2023-11-14 10:05:12, Error                 DISM   DISM.EXE: DISM Package Manager processed the command line but failed. HRESULT=800F0922",
		"2020-05-11 22:15:00, Info                  CBS    Offline servicing, using stack version from: \\\\?\\D:\\Windows\\Servicing\\Version\\10.0.19041.1\\",
	}, "\r\n")
	got := entries(t, in)
	require.Len(t, got, 9)

	e := got[0]
	assert.Equal(t, "DISM Package Manager", e.Subsystem)
	assert.Equal(t, 5372, e.PID)
	assert.Equal(t, 12240, e.TID)
	assert.Equal(t, "CCbsConUIHandler::Error", e.Method)
	assert.True(t, e.HasCBSHR)
	assert.Equal(t, codes.Code(0x800f081f), e.CBSHR)
	assert.False(t, e.HasHR)
	assert.Equal(t, "Error in operation: source for package or file not found, ResolveSource() unsuccessful. (CBS HRESULT=0x800f081f)", e.Message)

	e = got[1]
	assert.Equal(t, "CDISMPackageManager::Internal_Finalize", e.Method)
	assert.True(t, e.HasHR)
	assert.Equal(t, codes.Code(0x800f081f), e.HR)
	assert.Equal(t, "Failed finalizing changes.", e.Message)

	e = got[2]
	assert.Equal(t, "DISM.EXE", e.Subsystem)
	assert.Equal(t, "DISM.exe  /Online /Enable-Feature:Printing-Foundation-LPDPrintService", e.Command)

	e = got[3]
	assert.Equal(t, "API", e.Subsystem)
	assert.Equal(t, SessionStart, e.Boundary)
	assert.Equal(t, "DismInitializeInternal", e.Method)

	e = got[4]
	assert.Equal(t, "", e.Subsystem)
	assert.Equal(t, 10500, e.PID)
	assert.Equal(t, 0, e.TID, "Win7 DISM writes no TID")
	assert.Equal(t, "CDISMManager::put_ScratchDir", e.Method)

	e = got[5]
	assert.Equal(t, "", e.Component, "empty component column")
	assert.Equal(t, "Error", e.Level)
	assert.Contains(t, e.Codes, codes.Code(0x80070003))

	e = got[6]
	assert.True(t, e.WIMGAPI)
	assert.Equal(t, 3252, e.PID)
	assert.Equal(t, 2868, e.TID)
	assert.Equal(t, codes.Code(0x8007007b), e.HR)
	assert.Equal(t, "FIOReadFileIntoBuffer", e.Method)
	assert.Equal(t, "The filename, directory name, or volume label syntax is incorrect.", e.Message)

	assert.Contains(t, got[7].Codes, codes.Code(0x800f0922))

	assert.Equal(t, "CBS", got[8].Component, "CBS records inside dism.log keep their meaning")
	assert.Equal(t, "", got[8].Subsystem)
}

func TestSummarySessions(t *testing.T) {
	in := strings.Join([]string{
		"2023-05-17 12:05:00, Info                  DISM   DISM.EXE: <----- Starting Dism.exe session ----->",
		"2023-05-17 12:05:00, Info                  DISM   DISM.EXE: Executing command line: DISM  /Online /Cleanup-Image /RestoreHealth",
		"2023-05-17 12:05:01, Warning               DISM   PID=5372 TID=5908 Failed to archive the log file. - CDISMManager::CreateLocalImageSession(hr:0x80070002)",
		"2023-05-17 12:06:13, Info                  DISM   DISM Package Manager: PID=5372 TID=12240  Error in operation: source for package or file not found, ResolveSource() unsuccessful. (CBS HRESULT=0x800f081f) - CCbsConUIHandler::Error",
		"2023-05-17 12:06:13, Error                 DISM   DISM Package Manager: PID=5372 TID=12244 Failed finalizing changes. - CDISMPackageManager::Internal_Finalize(hr:0x800f081f)",
		"2023-05-17 12:06:14, Error                 DISM   DISM.EXE: DISM Package Manager processed the command line but failed. HRESULT=800F081F",
		"2023-05-17 12:06:14, Info                  DISM   DISM.EXE: <----- Ending Dism.exe session ----->",
		"2023-05-17 12:06:14, Info                  CSI    00000001@2023/5/17:19:06:14.000 (F) Hydration failed with error NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA) . Delta Type: Reverse Delta",
	}, "\n")
	s, err := Summarize(strings.NewReader(in))
	require.NoError(t, err)
	require.Len(t, s.Sessions, 1)
	ss := s.Sessions[0]
	assert.Equal(t, "DISM  /Online /Cleanup-Image /RestoreHealth", ss.Command)
	assert.True(t, ss.ResultKnown)
	assert.Equal(t, codes.Code(0x800f081f), ss.Result)
	require.Len(t, ss.Failures, 3, "CBS HRESULT, error with hr, final HRESULT=")
	assert.Equal(t, 1, s.Benign, "failing to archive the log is routine")
	assert.Equal(t, codes.Code(0x800f081f), ss.Failures[0].Code)
	assert.False(t, ss.End.IsZero())
	assert.Equal(t, 1, s.CBS.Entries)
	assert.Contains(t, s.CBS.Codes, codes.Code(0xC007000D))
}

func TestSamplesDISM(t *testing.T) {
	root := sharedtest.Dir(t, "samples", "text")
	var files []string
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(strings.ToLower(d.Name()), "dism") {
			files = append(files, path)
		}
		return nil
	})
	require.NotEmpty(t, files)
	for _, path := range files {
		f, err := os.Open(path)
		require.NoError(t, err)
		s, err := Summarize(f)
		f.Close()
		rel, _ := filepath.Rel(root, path)
		require.NoError(t, err, rel)
		failed := 0
		for _, ss := range s.Sessions {
			if len(ss.Failures) > 0 {
				failed++
			}
		}
		t.Logf("%-60s entries=%-6d sessions=%-4d with-failures=%-3d cbs-records=%d", rel, s.Entries, len(s.Sessions), failed, s.CBS.Entries)
	}
}

func TestSampleRestoreHealthSourceMissing(t *testing.T) {
	path := sharedtest.Dir(t, "samples", "text", "cbs-dism-win11-22621-hydration-corrupt", "dism.log")
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	s, err := Summarize(f)
	require.NoError(t, err)
	var restore, sourceMissing bool
	for _, ss := range s.Sessions {
		if strings.Contains(strings.ToLower(ss.Command), "/restorehealth") {
			restore = true
		}
		for _, fl := range ss.Failures {
			if fl.Code == 0x800f081f {
				sourceMissing = true
			}
		}
	}
	assert.True(t, restore, "a /RestoreHealth run is logged")
	assert.True(t, sourceMissing, "0x800f081f is found")
}

func FuzzReader(f *testing.F) {
	f.Add("2023-05-17 12:06:13, Error                 DISM   DISM Package Manager: PID=5372 TID=12244 Failed. - C::M(hr:0x800f081f)\n[1.2] [0x8007007b] F:(1): x")
	f.Add("[3252.2868] [0x] x\n2014-02-17 15:22:02, Info DISM PID= - ::(hr:")
	f.Fuzz(func(t *testing.T, in string) {
		var s Summary
		rd := NewReader(strings.NewReader(in))
		for rd.Scan() {
			e := rd.Entry()
			s.Add(&e)
		}
		s.Finish()
		if rd.Err() != nil {
			t.Fatal(rd.Err())
		}
	})
}
