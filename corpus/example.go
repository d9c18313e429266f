package corpus

import (
	"io"
	"time"

	"github.com/wudiag/wudiag/internal/synth"
)

// storeCorruptionExample writes the CBS.log and dism.log of a Windows 10
// 22H2 machine whose January 2024 cumulative update failed because the
// component store is corrupt: routine servicing around the failure, the
// failing Windows Update session (ERROR_SXS_COMPONENT_STORE_CORRUPT, with
// the CSI records that mark the store corrupt), then the user's
// DISM /RestoreHealth, which cannot find a repair source
// (CBS_E_SOURCE_MISSING), and SFC, which cannot repair a hash mismatch.
// Every line follows a shape seen in real, public logs (CBS.log files
// published with their problems, such as
// https://github.com/logpai/loghub/blob/master/Windows/Windows_2k.log, and
// the excerpts of Microsoft's
// https://learn.microsoft.com/en-us/troubleshoot/windows-client/installing-updates-features-roles/analyze-sfc-program-log-file-entries).
func storeCorruptionExample(cbs, dism io.Writer) error {
	g := synth.NewCBSWriter(cbs, 20240109, synth.DefaultStart, synth.DefaultMachine)
	g.Raw("\xEF\xBB\xBF")
	g.TrustedInstallerStart()
	for range 6 {
		g.Session()
	}

	// The cumulative update, offered by Windows Update, fails.
	g.SetNow(g.Now().Add(3 * time.Minute))
	lcu := "Package_for_RollupFix~31bf3856ad364e35~amd64~~19041.3930.1.7"
	id := "31081144_2914731842"
	g.Line("Info", "CBS", "Session: %s initialized by client WindowsUpdateAgent, external staging directory: (null), external registry directory: (null)", id)
	g.Line("Info", "CBS", "Exec: Processing started.  Client: WindowsUpdateAgent, Session: %s, Package: %s, Identifier: KB5034122", id, lcu)
	g.Line("Info", "CBS", "Exec: Installing Package: %s, Update: 5034122-2789_neutral_PACKAGE, InstallDeployment: amd64_microsoft-windows-s..cingstack-inetsrv_31bf3856ad364e35_10.0.19041.3930_none_6b3c0a31f1d8e0a4", lcu)
	g.CSI("Info", "Loading manifest for component [l:96]'amd64_microsoft-windows-shell32_31bf3856ad364e35_10.0.19041.3930_none_0d3f7e8ac1b7d00b'")
	g.CSI("Error", "(F) Hydration failed for component Microsoft-Windows-Shell32, version 10.0.19041.3930, arch amd64, nonSxS, pkt {l:8 b:31bf3856ad364e35} on file shell32.dll with NTSTATUS -1073283059.[gle=0xd015000f]")
	g.CSI("Error", "(F) Attempting to mark store corrupt with category [l:18 ml:19]'CorruptPayloadFile'[gle=0x80004005]")
	g.CSI("Error", "(F) STATUS_SXS_COMPONENT_STORE_CORRUPT #62038# from CCSDirectTransaction::OperateEnding at index 0 of 1 operations, disposition 0[gle=0xd015001a]")
	g.CSI("Error", "(F) HRESULT_FROM_WIN32(14098) #61875# from Windows::ServicingAPI::CCSITransaction::ICSITransaction2_AddComponents(Flags = 1, a = @0x29dd79f20d0, mp = @0x29dd79f28d0, disp = 0)[gle=0x80073712]")
	g.Line("Info", "CBS", "Failed to add one or more deployment [HRESULT = 0x80073712 - ERROR_SXS_COMPONENT_STORE_CORRUPT]")
	g.Line("Info", "CBS", "Failed to bulk stage deployment manifest and pin deployment for package:%s [HRESULT = 0x80073712 - ERROR_SXS_COMPONENT_STORE_CORRUPT]", lcu)
	g.Line("Info", "CBS", "Failed to resolve execution chain. [HRESULT = 0x80073712 - ERROR_SXS_COMPONENT_STORE_CORRUPT]")
	g.Line("Error", "CBS", "Failed to process single phase execution. [HRESULT = 0x80073712 - ERROR_SXS_COMPONENT_STORE_CORRUPT]")
	g.Line("Info", "CBS", "WER: Generating failure report for package: %s, status: 0x80073712, failure source: Resolve, start state: Staged, target state: Installed, client id: WindowsUpdateAgent", lcu)
	g.Line("Info", "CBS", "Reporting package change completion for package: %s, current: Staged, original: Staged, target: Installed, status: 0x80073712, failure source: Resolve, failure details: \"(null)\", client id: WindowsUpdateAgent, initiated offline: False, execution sequence: 1917, first merged sequence: 1917, reboot required: False", lcu)
	g.Line("Info", "CBS", "Exec: Processing complete.  Session: %s, Package: %s, Identifier: KB5034122 [HRESULT = 0x80073712 - ERROR_SXS_COMPONENT_STORE_CORRUPT]", id, lcu)
	g.Line("Info", "CBS", "Session: %s finalized. Reboot required: no [HRESULT = 0x80073712 - ERROR_SXS_COMPONENT_STORE_CORRUPT]", id)
	for range 3 {
		g.Session()
	}

	// The user runs DISM /Online /Cleanup-Image /RestoreHealth.
	g.SetNow(g.Now().Add(40 * time.Minute))
	rh := "31081151_1402251770"
	g.Line("Info", "CBS", "Session: %s initialized by client DISM Package Manager Provider, external staging directory: (null), external registry directory: (null)", rh)
	g.Line("Info", "CBS", "Exec: Session processing started.  Client: Manual, Session(DISM Package Manager Provider Store Corruption Detect/Repair): %s", rh)
	g.Line("Info", "CBS", "Exec: Download qualification evaluation, business scenario: Manual Corruption Repair")
	g.Line("Info", "CBS", "Exec: Clients specified using Windows Update.")
	g.CSI("Info", "[SR] Cannot repair member file [l:11]'shell32.dll' of Microsoft-Windows-Shell32, version 10.0.19041.3930, arch amd64, nonSxS, pkt {l:8 b:31bf3856ad364e35} in the store, hash mismatch")
	g.CSI("Info", "[SR] Could not reproject corrupted file \\??\\C:\\Windows\\System32\\\\shell32.dll; source file in store is also corrupted")
	g.Line("Info", "CBS", "=================================")
	g.Line("Info", "CBS", "Checking System Update Readiness.")
	g.Line("Info", "CBS", "")
	g.Line("Info", "CBS", "(p)\tCSI Payload Corrupt\t(n)\t\t\tamd64_microsoft-windows-shell32_31bf3856ad364e35_10.0.19041.3930_none_0d3f7e8ac1b7d00b\\shell32.dll")
	g.Line("Info", "CBS", "Repair failed: Missing replacement payload.")
	g.Line("Info", "CBS", "")
	g.Line("Info", "CBS", "Summary:")
	g.Line("Info", "CBS", "Operation: Detect and Repair ")
	g.Line("Info", "CBS", "Operation result: 0x800f081f")
	g.Line("Info", "CBS", "Last Successful Step: Entire operation completes.")
	g.Line("Info", "CBS", "Total Detected Corruption:\t1")
	for _, c := range []string{"CBS Manifest Corruption:\t0", "CBS Metadata Corruption:\t0", "CSI Manifest Corruption:\t0", "CSI Metadata Corruption:\t0", "CSI Payload Corruption:\t1"} {
		g.Line("Info", "CBS", "\t%s", c)
	}
	g.Line("Info", "CBS", "Total Repaired Corruption:\t0")
	for _, c := range []string{"CBS Manifest Repaired:\t0", "CSI Manifest Repaired:\t0", "CSI Payload Repaired:\t0", "CSI Store Metadata refreshed:\tTrue"} {
		g.Line("Info", "CBS", "\t%s", c)
	}
	g.Line("Info", "CBS", "")
	g.Line("Info", "CBS", "Total Operation Time: 1384 seconds.")
	g.Line("Info", "CBS", "Session: %s failed to perform store corruption detect and repair operation. [HRESULT = 0x800f081f - CBS_E_SOURCE_MISSING]", rh)
	g.Line("Info", "CBS", "Session: %s finalized. Reboot required: no [HRESULT = 0x800f081f - CBS_E_SOURCE_MISSING]", rh)
	for range 2 {
		g.Session()
	}
	if err := g.Flush(); err != nil {
		return err
	}
	return dismExample(dism, g.Now().Add(-45*time.Minute))
}

// dismExample writes the dism.log of the failed /RestoreHealth run.
func dismExample(w io.Writer, start time.Time) error {
	g := synth.NewCBSWriter(w, 5372, start, synth.DefaultMachine)
	g.Raw("\xEF\xBB\xBF")
	d := func(level, format string, args ...any) { g.Line(level, "DISM", format, args...) }
	pid, tid := 5372, 12244
	d("Info", "PID=%d TID=%d Scratch directory set to 'C:\\Windows\\TEMP\\'. - CDISMManager::put_ScratchDir", pid, tid)
	d("Info", "PID=%d TID=%d DismCore.dll version: 10.0.19041.3636 - CDISMManager::FinalConstruct", pid, tid)
	d("Info", "Initialized Panther logging at C:\\Windows\\Logs\\DISM\\dism.log")
	d("Info", "DISM Provider Store: PID=%d TID=%d Found and Initialized the DISM Logger. - CDISMProviderStore::Internal_InitializeLogger", pid, tid)
	d("Warning", "DISM Provider Store: PID=%d TID=%d  Failed to load the provider: C:\\Windows\\System32\\Dism\\SiloedPackageProvider.dll. - CDISMProviderStore::Internal_GetProvider(hr:0x8007007e)", pid, tid)
	d("Info", "DISM.EXE: ")
	d("Info", "DISM.EXE: <----- Starting Dism.exe session ----->")
	d("Info", "DISM.EXE: ")
	d("Info", "DISM.EXE: Host machine information: OS Version=10.0.19045, Running architecture=amd64, Number of processors=4")
	d("Info", "DISM.EXE: Dism.exe version: 10.0.19041.3636")
	d("Info", "DISM.EXE: Executing command line: DISM  /Online /Cleanup-Image /RestoreHealth")
	d("Info", "DISM Package Manager: PID=%d TID=%d Processing the top level command token(cleanup-image). - CPackageManagerCLIHandler::Private_ValidateCmdLine", pid, tid)
	d("Info", "DISM Package Manager: PID=%d TID=%d CBS session options=0x40100! - CDISMPackageManager::Internal_Finalize", pid, tid)
	g.SetNow(g.Now().Add(23 * time.Minute))
	d("Info", "DISM Package Manager: PID=%d TID=%d  Error in operation: source for package or file not found, ResolveSource() unsuccessful. (CBS HRESULT=0x800f081f) - CCbsConUIHandler::Error", pid, 12240)
	d("Error", "DISM Package Manager: PID=%d TID=%d Failed finalizing changes. - CDISMPackageManager::Internal_Finalize(hr:0x800f081f)", pid, tid)
	d("Error", "DISM Package Manager: PID=%d TID=%d The source files could not be found; their location must be specified using the /source option to restore the health of the component store. - CDISMPackageManager::RestoreHealth(hr:0x800f081f)", pid, tid)
	d("Error", "DISM Package Manager: PID=%d TID=%d Failed to restore the image health. - CPackageManagerCLIHandler::ProcessCmdLine_CleanupImage(hr:0x800f081f)", pid, tid)
	d("Error", "DISM Package Manager: PID=%d TID=%d Failed while processing command cleanup-image. - CPackageManagerCLIHandler::ExecuteCmdLine(hr:0x800f081f)", pid, tid)
	d("Info", "DISM Package Manager: PID=%d TID=%d Further logs for online package and feature related operations can be found at %%WINDIR%%\\logs\\CBS\\cbs.log - CPackageManagerCLIHandler::ExecuteCmdLine", pid, tid)
	d("Info", "DISM.EXE: Image session has been closed. Reboot required=no.")
	d("Info", "DISM.EXE: ")
	d("Info", "DISM.EXE: <----- Ending Dism.exe session ----->")
	d("Info", "DISM.EXE: ")
	return g.Flush()
}
