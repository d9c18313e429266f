package corpus

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/wudiag/wudiag/codes"
	"github.com/wudiag/wudiag/internal/synth"
)

// A cbsFailure is what CBS logs inside a failing installation session
// before the common closing lines. write returns the failure source
// ("Resolve", "Execute", ...).
type cbsFailure struct {
	code  uint32
	write func(b *builder, g *synth.CBSWriter, u *wuUpdate, a *wuArgs) string
}

func cbsFailureNames() []string {
	var ns []string
	for n := range cbsFailures {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// sysCreateFile writes the CSI record of a file open that failed with an
// NTSTATUS, as the file system provider logs it.
func sysCreateFile(g *synth.CBSWriter, status string, gle uint32, path string) {
	g.CSI("Error", "(F) %s #%d# from Windows::Rtl::SystemImplementation::DirectFileSystemProvider::SysCreateFile(flags = (AllowSharingViolation), handle = {provider=NULL, handle=0, name= (\"null\")}, da = (SYNCHRONIZE|GENERIC_READ|GENERIC_WRITE), oa = @0x%x->OBJECT_ATTRIBUTES {s:48; rd:NULL; on:[l:%d]\"%s\"; a:(OBJ_CASE_INSENSITIVE)}, iosb = @0x%x, as = (null), fa = (FILE_ATTRIBUTE_NORMAL), sa = (FILE_SHARE_READ|FILE_SHARE_DELETE), cd = FILE_OPEN_IF, co = (FILE_NON_DIRECTORY_FILE|FILE_SYNCHRONOUS_IO_NONALERT|0x00004000), eab = NULL, eal = 0, disp = Invalid)[gle=0x%08x]",
		status, 100000+g.Rand().IntN(900000), 0xb0000000+g.Rand().IntN(0xfffffff), len(path), path, 0xb0000000+g.Rand().IntN(0xfffffff), gle)
}

// stageFailed writes the CBS lines that close a failed staging.
func stageFailed(g *synth.CBSWriter, u *wuUpdate, c uint32) {
	g.Line("Info", "CBS", "Failed to add one or more deployment %s", hr(c))
	g.Line("Info", "CBS", "Failed to bulk stage deployment manifest and pin deployment for package:%s %s", u.pkg, hr(c))
}

var cbsFailures = map[string]cbsFailure{
	// The store is corrupt: a payload file fails to hydrate (shared case
	// cbs-dism-win11-22621-hydration-corrupt).
	"store_corruption": {0x80073712, func(b *builder, g *synth.CBSWriter, u *wuUpdate, a *wuArgs) string {
		file := a.File
		if file == "" {
			file = "shell32.dll"
		}
		comp := "Microsoft-Windows-" + upperFirst(strings.TrimSuffix(strings.TrimSuffix(file, ".dll"), ".exe"))
		g.CSI("Info", "Loading manifest for component [l:%d]'%s'", len(b.deployment(strings.ToLower(comp))), b.deployment(strings.ToLower(comp)))
		g.CSI("Error", "(F) Hydration failed for component %s, version %s, arch amd64, nonSxS, pkt {l:8 b:31bf3856ad364e35} on file %s with NTSTATUS -1073283059.[gle=0xd015000f]", comp, g.Version(b.m.ubr+40), file)
		g.CSI("Error", "(F) Attempting to mark store corrupt with category [l:18 ml:19]'CorruptPayloadFile'[gle=0x80004005]")
		g.CSI("Error", "(F) STATUS_SXS_COMPONENT_STORE_CORRUPT #%d# from CCSDirectTransaction::OperateEnding at index 0 of 1 operations, disposition 0[gle=0xd015001a]", 60000+g.Rand().IntN(5000))
		g.CSI("Error", "(F) HRESULT_FROM_WIN32(14098) #%d# from Windows::ServicingAPI::CCSITransaction::ICSITransaction2_AddComponents(Flags = 1, a = @0x%x, mp = @0x%x, disp = 0)[gle=0x80073712]", 60000+g.Rand().IntN(5000), 0x29dd79f0000+g.Rand().IntN(0xfffff), 0x29dd79f0000+g.Rand().IntN(0xfffff))
		stageFailed(g, u, 0x80073712)
		g.Line("Info", "CBS", "Failed to resolve execution chain. %s", hr(0x80073712))
		return "Resolve"
	}},
	// A package manifest of an earlier update is missing (shared case
	// cbs-ws2012r2-manifest-missing-800f0831).
	"manifest_missing": {0x800f0831, func(b *builder, g *synth.CBSWriter, u *wuUpdate, a *wuArgs) string {
		prev := fmt.Sprintf("Package_for_RollupFix~31bf3856ad364e35~amd64~~%d.%d.1.%d", b.m.pkgBuild, b.m.ubr, 1+fnvHash(u.kb)%9)
		g.Line("Info", "CBS", "Store corruption, manifest missing for package: %s", prev)
		g.Line("Error", "CBS", "Failed to resolve package '%s' %s", prev, hr(0x800f0831))
		g.Line("Info", "CBS", "Mark store corruption flag because of package: %s. %s", prev, hr(0x800f0831))
		g.Line("Info", "CBS", "Failed to resolve package %s", hr(0x800f0831))
		g.Line("Info", "CBS", "Failed to resolve execution chain. %s", hr(0x800f0831))
		return "Resolve"
	}},
	// The update needs a newer servicing stack than the one loaded.
	"ssu_required": {0x800f0823, func(b *builder, g *synth.CBSWriter, u *wuUpdate, a *wuArgs) string {
		need := b.m.ssu + 300 + int(fnvHash(u.kb)%200)
		g.Line("Error", "CBS", "Package \"%s\" requires Servicing Stack v%s but current Servicing Stack is v%s. %s", u.pkg, g.Version(need), g.Version(b.m.ssu), hr(0x800f0823))
		g.Line("Info", "CBS", "Failed to resolve execution chain. %s", hr(0x800f0823))
		return "Resolve"
	}},
	// Another process (a file-system filter) holds a file CBS must write.
	"sharing_violation": {0x80070020, func(b *builder, g *synth.CBSWriter, u *wuUpdate, a *wuArgs) string {
		sysCreateFile(g, "STATUS_SHARING_VIOLATION", 0xc0000043, b.winsxsPath(a.File))
		stageFailed(g, u, 0x80070020)
		return "Stage"
	}},
	// A security product denies CBS access to a file.
	"access_denied": {0x80070005, func(b *builder, g *synth.CBSWriter, u *wuUpdate, a *wuArgs) string {
		sysCreateFile(g, "STATUS_ACCESS_DENIED", 0xc0000022, b.winsxsPath(a.File))
		stageFailed(g, u, 0x80070005)
		return "Stage"
	}},
	// The OS volume is full.
	"disk_full": {0x80070070, func(b *builder, g *synth.CBSWriter, u *wuUpdate, a *wuArgs) string {
		sysCreateFile(g, "STATUS_DISK_FULL", 0xc000007f, b.winsxsPath(a.File))
		stageFailed(g, u, 0x80070070)
		return "Stage"
	}},
	// A file in WinSxS cannot be read back: the volume is damaged.
	"file_corrupt": {0x80070570, func(b *builder, g *synth.CBSWriter, u *wuUpdate, a *wuArgs) string {
		sysCreateFile(g, "STATUS_FILE_CORRUPT_ERROR", 0xc0000102, b.winsxsPath(a.File))
		stageFailed(g, u, 0x80070570)
		return "Stage"
	}},
	// A .NET Framework advanced installer (NGEN) fails.
	"netfx_installer": {0x800f0922, func(b *builder, g *synth.CBSWriter, u *wuUpdate, a *wuArgs) string {
		g.CSI("Error", "(F) Failed execution of queue item Installer: Generic Command ({81a34a10-4256-436a-89d6-794b97ca407c}) with HRESULT HRESULT_FROM_WIN32(1603).  Failure will not be ignored: A rollback will be initiated after all the operations in the installer queue are completed; installer is reliable[gle=0x80004005]")
		g.Line("Info", "CBS", "Failed to perform operation. %s", hr(0x800f0922))
		return "Execute"
	}},
	// The downloaded payload is damaged: the express delta is not in the
	// container and the package cannot be opened.
	"download_corrupt": {0x80070570, func(b *builder, g *synth.CBSWriter, u *wuUpdate, a *wuArgs) string {
		g.Line("Info", "DPX", "Started DPX phase: Apply Deltas Provided In File")
		file := a.File
		if file == "" {
			file = "ntoskrnl.exe"
		}
		g.Line("Info", "DPX", "Extraction of file: %s\\%s failed because it is not present in the container.", b.deployment("microsoft-windows-os-kernel"), file)
		g.Line("Info", "CBS", "Failed to internally open package. %s", hr(0x80070570))
		g.Line("Info", "CBS", "Failed to resolve execution chain. %s", hr(0x80070570))
		return "Resolve"
	}},
}

// winsxsPath returns an NT path to a file in WinSxS.
func (b *builder) winsxsPath(file string) string {
	if file == "" {
		file = "ntoskrnl.exe"
	}
	return fmt.Sprintf("\\??\\C:\\Windows\\WinSxS\\%s\\%s", b.deployment("microsoft-windows-os-kernel"), file)
}

type sfcFile struct {
	File      string `yaml:"file"`
	Component string `yaml:"component"`
	Dir       string `yaml:"dir"`     // folder of the file, for "Repairing file"
	Outcome   string `yaml:"outcome"` // repaired, cannot_repair
}

type cbsArgs struct {
	Passage string    `yaml:"passage"` // sfc, fod_download
	Files   []sfcFile `yaml:"files"`
	Code    string    `yaml:"code"`
}

// cbsBlock writes a passage of CBS.log that is not part of an
// installation: an SFC run, a failed Feature-on-Demand download.
func (b *builder) cbsBlock(at time.Time, n *yaml.Node) error {
	var a cbsArgs
	if err := decode(n, &a); err != nil {
		return err
	}
	switch a.Passage {
	case "sfc":
		b.cbsAt(at, func(g *synth.CBSWriter) { b.sfc(g, a.Files) })
	case "fod_download":
		c, err := parseCode(a.Code, 0x8024402c)
		if err != nil {
			return err
		}
		b.cbsAt(at, func(g *synth.CBSWriter) { b.fodDownload(g, c) })
	default:
		return fmt.Errorf("passage %q: want sfc or fod_download", a.Passage)
	}
	return nil
}

// sfc writes an sfc /scannow run: verification in batches of 100, then
// repairs. Repaired files are repaired from the store; files SFC cannot
// repair are reported as hash mismatches.
func (b *builder) sfc(g *synth.CBSWriter, files []sfcFile) {
	g.CSI("Info", "[SR] Beginning Verify and Repair transaction")
	batches := 40 + g.Rand().IntN(60)
	bad := map[int]sfcFile{}
	for i, f := range files {
		bad[(i+1)*batches/(len(files)+1)] = f
	}
	for i := range batches {
		g.CSI("Info", "[SR] Verifying 100 components")
		if f, ok := bad[i]; ok {
			if f.Outcome == "cannot_repair" {
				g.CSI("Info", "[SR] Cannot repair member file [l:%d]'%s' of %s, version %s, arch amd64, nonSxS, pkt {l:8 b:31bf3856ad364e35} in the store, hash mismatch", len(f.File), f.File, f.Component, g.Version(b.m.ubr))
			} else {
				g.CSI("Info", "Hashes for file member [l:%d]'%s' do not match.", len(f.File), f.File)
				g.Cont(" Expected: {l:32 ml:33 b:%016x%016x%016x%016x}.", fnvHash(f.File, "1"), fnvHash(f.File, "2"), fnvHash(f.File, "3"), fnvHash(f.File, "4"))
				g.Cont(" Actual: {l:32 b:%016x%016x%016x%016x}.", fnvHash(f.File, "5"), fnvHash(f.File, "6"), fnvHash(f.File, "7"), fnvHash(f.File, "8"))
			}
		}
	}
	g.CSI("Info", "[SR] Verify complete")
	g.CSI("Info", "[SR] Repairing %d components", len(files))
	g.CSI("Info", "[SR] Beginning Verify and Repair transaction")
	for _, f := range files {
		if f.Outcome == "cannot_repair" {
			g.CSI("Info", "[SR] Cannot repair member file [l:%d]'%s' of %s, version %s, arch amd64, nonSxS, pkt {l:8 b:31bf3856ad364e35} in the store, hash mismatch", len(f.File), f.File, f.Component, g.Version(b.m.ubr))
		} else {
			g.CSI("Info", "[SR] Repairing file \\??\\C:\\Windows\\%s\\\\%s from store", f.Dir, f.File)
		}
	}
	g.CSI("Info", "[SR] Repair complete")
	g.CSI("Info", "[SR] Committing transaction")
	g.CSI("Info", "[SR] Verify and Repair Transaction completed. All files and registry keys listed in this transaction  have been successfully repaired")
}

// fodDownload writes a Feature-on-Demand download that cannot reach
// Windows Update (shared case cbs-win10-19041-fod-download-8024402c).
func (b *builder) fodDownload(g *synth.CBSWriter, c uint32) {
	id := g.SessionID()
	g.Line("Info", "CBS", "Session: %s initialized by client FodHelper(LanguageFeaturesOnDemand), external staging directory: (null), external registry directory: (null)", id)
	g.Line("Info", "CBS", "FC:   CFCAcquirerWUClient::Download(134): Result = 0x%08X", c)
	g.Line("Info", "CBS", "Exec: Failed to download FOD from WU, retry once. %s", hr(c))
	g.Line("Info", "CBS", "FC:   CFCAcquirerWUClient::Download(134): Result = 0x%08X", c)
	g.Line("Info", "CBS", "Session: %s finalized. Reboot required: no %s", id, hr(c))
}

type dismArgs struct {
	Command string    `yaml:"command"` // restorehealth, add_package
	Result  string    `yaml:"result"`  // 0x800f081f, 0x0, 0x800f0823
	Files   []string  `yaml:"files"`   // corrupt payloads: "<component dir>\\<file>" or a file name
	Fixed   bool      `yaml:"fixed"`   // RestoreHealth repaired them
	Package string    `yaml:"package"` // add_package: the .msu/.cab path
	SFC     []sfcFile `yaml:"sfc"`     // not used by DISM; kept for symmetry
}

// dismBlock writes a DISM run in dism.log and the CBS session it drives.
func (b *builder) dismBlock(at time.Time, n *yaml.Node) error {
	var a dismArgs
	if err := decode(n, &a); err != nil {
		return err
	}
	c, err := parseCode(a.Result, 0)
	if err != nil {
		return err
	}
	pid, tid := uint32(2000+b.rnd.IntN(9000))&^3, uint32(2000+b.rnd.IntN(12000))&^3
	var cmd string
	var dur time.Duration
	switch a.Command {
	case "restorehealth":
		cmd, dur = "DISM  /Online /Cleanup-Image /RestoreHealth", 23*time.Minute
		b.cbsAt(at.Add(30*time.Second), func(g *synth.CBSWriter) { b.restoreHealthCBS(g, &a, c, dur) })
	case "add_package":
		cmd, dur = "DISM  /Online /Add-Package /PackagePath:"+a.Package, 2*time.Minute
	default:
		return fmt.Errorf("command %q: want restorehealth or add_package", a.Command)
	}
	b.dismAt(at, func(g *synth.CBSWriter) { b.dismRun(g, cmd, pid, tid, c, dur, a.Command) })
	return nil
}

func (b *builder) dismRun(g *synth.CBSWriter, cmd string, pid, tid uint32, c uint32, dur time.Duration, kind string) {
	d := func(level, format string, args ...any) { g.Line(level, "DISM", format, args...) }
	d("Info", "PID=%d TID=%d Scratch directory set to 'C:\\Windows\\TEMP\\'. - CDISMManager::put_ScratchDir", pid, tid)
	d("Info", "PID=%d TID=%d DismCore.dll version: %s - CDISMManager::FinalConstruct", pid, tid, fmt.Sprintf("10.0.%d.%d", b.m.pkgBuild, b.m.ubr-300))
	d("Info", "Initialized Panther logging at C:\\Windows\\Logs\\DISM\\dism.log")
	d("Info", "DISM Provider Store: PID=%d TID=%d Found and Initialized the DISM Logger. - CDISMProviderStore::Internal_InitializeLogger", pid, tid)
	d("Warning", "DISM Provider Store: PID=%d TID=%d  Failed to load the provider: C:\\Windows\\System32\\Dism\\SiloedPackageProvider.dll. - CDISMProviderStore::Internal_GetProvider(hr:0x8007007e)", pid, tid)
	d("Info", "DISM.EXE: ")
	d("Info", "DISM.EXE: <----- Starting Dism.exe session ----->")
	d("Info", "DISM.EXE: ")
	d("Info", "DISM.EXE: Host machine information: OS Version=10.0.%d, Running architecture=amd64, Number of processors=4", b.m.display)
	d("Info", "DISM.EXE: Dism.exe version: 10.0.%d.%d", b.m.pkgBuild, b.m.ubr-300)
	d("Info", "DISM.EXE: Executing command line: %s", cmd)
	token := "cleanup-image"
	if kind == "add_package" {
		token = "add-package"
	}
	d("Info", "DISM Package Manager: PID=%d TID=%d Processing the top level command token(%s). - CPackageManagerCLIHandler::Private_ValidateCmdLine", pid, tid, token)
	d("Info", "DISM Package Manager: PID=%d TID=%d CBS session options=0x40100! - CDISMPackageManager::Internal_Finalize", pid, tid)
	g.SetNow(g.Now().Add(dur))
	if codes.Code(c).Failed() {
		if c == 0x800f081f {
			d("Info", "DISM Package Manager: PID=%d TID=%d  Error in operation: source for package or file not found, ResolveSource() unsuccessful. (CBS HRESULT=0x800f081f) - CCbsConUIHandler::Error", pid, tid-4)
		}
		d("Error", "DISM Package Manager: PID=%d TID=%d Failed finalizing changes. - CDISMPackageManager::Internal_Finalize(hr:%s)", pid, tid, codes.Code(c))
		if kind == "restorehealth" {
			if c == 0x800f081f {
				d("Error", "DISM Package Manager: PID=%d TID=%d The source files could not be found; their location must be specified using the /source option to restore the health of the component store. - CDISMPackageManager::RestoreHealth(hr:0x800f081f)", pid, tid)
			}
			d("Error", "DISM Package Manager: PID=%d TID=%d Failed to restore the image health. - CPackageManagerCLIHandler::ProcessCmdLine_CleanupImage(hr:%s)", pid, tid, codes.Code(c))
			d("Error", "DISM Package Manager: PID=%d TID=%d Failed while processing command cleanup-image. - CPackageManagerCLIHandler::ExecuteCmdLine(hr:%s)", pid, tid, codes.Code(c))
		}
		d("Info", "DISM Package Manager: PID=%d TID=%d Further logs for online package and feature related operations can be found at %%WINDIR%%\\logs\\CBS\\cbs.log - CPackageManagerCLIHandler::ExecuteCmdLine", pid, tid)
		d("Error", "DISM.EXE: DISM Package Manager processed the command line but failed. HRESULT=%08X", c)
	}
	d("Info", "DISM.EXE: Image session has been closed. Reboot required=no.")
	d("Info", "DISM.EXE: ")
	d("Info", "DISM.EXE: <----- Ending Dism.exe session ----->")
	d("Info", "DISM.EXE: ")
}

// restoreHealthCBS writes the CBS side of DISM /RestoreHealth: the
// corruption found, the "Checking System Update Readiness" summary and
// the session's result.
func (b *builder) restoreHealthCBS(g *synth.CBSWriter, a *dismArgs, c uint32, dur time.Duration) {
	id := g.SessionID()
	g.Line("Info", "CBS", "Session: %s initialized by client DISM Package Manager Provider, external staging directory: (null), external registry directory: (null)", id)
	g.Line("Info", "CBS", "Exec: Session processing started.  Client: Manual, Session(DISM Package Manager Provider Store Corruption Detect/Repair): %s", id)
	g.Line("Info", "CBS", "Exec: Download qualification evaluation, business scenario: Manual Corruption Repair")
	g.Line("Info", "CBS", "Exec: Clients specified using Windows Update.")
	var items []string
	for _, f := range a.Files {
		if strings.Contains(f, "\\") {
			items = append(items, f)
			continue
		}
		comp := "microsoft-windows-" + strings.ToLower(strings.TrimSuffix(f, ".dll"))
		items = append(items, b.deployment(comp)+"\\"+f)
		if !a.Fixed {
			name := "Microsoft-Windows-" + upperFirst(strings.TrimSuffix(f, ".dll"))
			g.CSI("Info", "[SR] Cannot repair member file [l:%d]'%s' of %s, version %s, arch amd64, nonSxS, pkt {l:8 b:31bf3856ad364e35} in the store, hash mismatch", len(f), f, name, g.Version(b.m.ubr))
		}
	}
	for i := 0; i < 10+g.Rand().IntN(20); i++ {
		g.Line("Info", "CBS", "Appl: Evaluating package applicability for package Package_for_RollupFix~31bf3856ad364e35~amd64~~%d.%d.1.%d, applicable state: Installed", b.m.pkgBuild, b.m.ubr, 1+i%9)
	}
	g.SetNow(g.Now().Add(dur - time.Minute))
	g.Line("Info", "CBS", "=================================")
	g.Line("Info", "CBS", "Checking System Update Readiness.")
	g.Line("Info", "CBS", "")
	for _, it := range items {
		if a.Fixed {
			g.Line("Info", "CBS", "(p)\tCSI Payload Corrupt\t(w)\t(Fixed)\t%s", it)
		} else {
			g.Line("Info", "CBS", "(p)\tCSI Payload Corrupt\t(n)\t\t\t%s", it)
			g.Line("Info", "CBS", "Repair failed: Missing replacement payload.")
		}
	}
	g.Line("Info", "CBS", "")
	g.Line("Info", "CBS", "Summary:")
	g.Line("Info", "CBS", "Operation: Detect and Repair ")
	g.Line("Info", "CBS", "Operation result: %s", resultText(c))
	g.Line("Info", "CBS", "Last Successful Step: Entire operation completes.")
	n, fixed := len(items), 0
	if a.Fixed {
		fixed = n
	}
	g.Line("Info", "CBS", "Total Detected Corruption:\t%d", n)
	for _, s := range []string{"CBS Manifest Corruption:\t0", "CBS Metadata Corruption:\t0", "CSI Manifest Corruption:\t0", "CSI Metadata Corruption:\t0", fmt.Sprintf("CSI Payload Corruption:\t%d", n)} {
		g.Line("Info", "CBS", "\t%s", s)
	}
	g.Line("Info", "CBS", "Total Repaired Corruption:\t%d", fixed)
	for _, s := range []string{"CBS Manifest Repaired:\t0", "CSI Manifest Repaired:\t0", fmt.Sprintf("CSI Payload Repaired:\t%d", fixed), "CSI Store Metadata refreshed:\tTrue"} {
		g.Line("Info", "CBS", "\t%s", s)
	}
	g.Line("Info", "CBS", "")
	g.Line("Info", "CBS", "Total Operation Time: %d seconds.", int(dur.Seconds())-40)
	if codes.Code(c).Failed() {
		g.Line("Info", "CBS", "Session: %s failed to perform store corruption detect and repair operation. %s", id, hr(c))
	} else {
		g.Line("Info", "CBS", "Exec: Processing complete, session(Corruption Repairing): %s %s", id, hr(c))
	}
	g.Line("Info", "CBS", "Session: %s finalized. Reboot required: no %s", id, hr(c))
}

func resultText(c uint32) string {
	if c == 0 {
		return "0x0"
	}
	return codes.Code(c).String()
}

// upperFirst returns s with its first letter in upper case.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
