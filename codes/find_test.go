package codes

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// found is a compact form of a Match for table tests: the code and the
// spelling it was read from.
type found struct {
	Code     Code
	Spelling string
}

func findAll(text string) []found {
	var out []found
	for _, m := range FindString(nil, text) {
		out = append(out, found{m.Code, text[m.Start:m.End]})
	}
	return out
}

func equalFound(a, b []found) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Real lines from the shared samples and the docs (text-log-formats.md §2.3,
// domain.md §d1), one or two per spelling.
func TestFindRealLines(t *testing.T) {
	tests := []struct {
		line string
		want []found
	}{
		{`2023-05-17 08:25:52, Info                  CBS    Failed to internally open package. [HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]`,
			[]found{{0x800f0805, "0x800f0805"}}},
		{`2023-05-17 08:26:51, Info                  CBS    Failed to OpenPackage using worker session [HRESULT = 0x800f0805]`,
			[]found{{0x800f0805, "0x800f0805"}}},
		{`Exec: Failed to download FOD from WU, retry once. [HRESULT = 0x8024402c - Unknown Error]`,
			[]found{{0x8024402c, "0x8024402c"}}},
		{`FC:   CFCAcquirerWUClient::Download(134): Result = 0x8024402C`,
			[]found{{0x8024402c, "0x8024402C"}}},
		{`2025-02-27 08:58:35, Error                 CSI    0000000c (F) HRESULT_FROM_WIN32(14098) #61875# from Windows::ServicingAPI::CCSITransaction::ICSITransaction2_AddComponents(Flags = 1, a = @0x29dd79f20d0, mp = @0x29dd79f2)[gle=0x80073712]`,
			[]found{{0x80073712, "HRESULT_FROM_WIN32(14098)"}, {0x80073712, "0x80073712"}}},
		{`2025-02-27 08:58:35, Error                 CSI    0000000b (F) STATUS_SXS_COMPONENT_STORE_CORRUPT #62038# from CCSDirectTransaction::OperateEnding at index 0 of 1 operations, disposition 0[gle=0xd015001a]`,
			[]found{{0xd015001a, "0xd015001a"}}},
		{`(F) Hydration failed with error NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA) . Delta Type: Reverse Delta , IntegrityState Valid`,
			[]found{{0xC007000D, "NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA)"}}},
		{`8 b:31bf3856ad364e35} on file wmploc.DLL.mun with NTSTATUS -1073283059. Matching Component`,
			[]found{{0xC007000D, "-1073283059"}}},
		{`Doqe: Recording result: 0x8007000d, for Inf: mshdc.inf`,
			[]found{{0x8007000d, "0x8007000d"}}},
		{`2025-02-27 08:58:35, Info                  CBS    WER: Generating failure report for package: Package_for_ServicingStack_3081~31bf3856ad364e35~amd64~~20348.3081.1.1, status: 0x80073712, failure source: Resolve, start state: Installed, target state: Installed, client id: WindowsUpdateAgent`,
			[]found{{0x80073712, "0x80073712"}}},
		{`2023-05-17 12:06:13, Info                  DISM   DISM Package Manager: PID=5372 TID=12240  Error in operation: source for package or file not found, ResolveSource() unsuccessful. (CBS HRESULT=0x800f081f) - CCbsConUIHandler::Error`,
			[]found{{0x800f081f, "0x800f081f"}}},
		{`2023-05-17 12:06:13, Error                 DISM   DISM Package Manager: PID=5372 TID=12244 Failed finalizing changes. - CDISMPackageManager::Internal_Finalize(hr:0x800f081f)`,
			[]found{{0x800f081f, "0x800f081f"}}},
		{`DISM Package Manager: PID=2332 TID=8720 HRESULT=800F0922 - CDISMPackageManager::Finalize`,
			[]found{{0x800f0922, "HRESULT=800F0922"}}},
		{`Error: 112`, []found{{0x80070070, "Error: 112"}}},
		{`Error: 0x800f0823  Package C:\Windows\Temp\WinREFix.msu may have failed due to pending updates to servicing components in the image.`,
			[]found{{0x800f0823, "0x800f0823"}}},
		{`ERROR 0x80501005 : Failed to update platform from C:\Users\ADMINI~1.SVG\AppData\Local\Temp\C825D6EC-36AD-4487-968D-FBA1B9B06AB9`,
			[]found{{0x80501005, "0x80501005"}}},
		{`Command "UpdatePlatform.exe" failed with error -2142236667 after 00:00:04.2079816`,
			[]found{{0x80501005, "-2142236667"}}},
		{`2019/06/05 11:07:50.0950566 21136   9740  Agent           LogHistory called.   idUpdate={E0F87EBF-B414-4AC7-A225-8FE802CF8618}.1, resultMapped=80070643,   resultUnMapped=FFFE |  `,
			[]found{{0x80070643, "resultMapped=80070643"}}},
		{`FB-8E2E-ABD9B063B689}.204, resultMapped=80242014, resultUnMapped=0`,
			[]found{{0x80242014, "resultMapped=80242014"}}},
		{`ERROR: MpUpdateEngine failed with hr=80070643`,
			[]found{{0x80070643, "hr=80070643"}}},
		{`Update failed with hr: 0x80072ee2`,
			[]found{{0x80072ee2, "0x80072ee2"}}},
		{`Error	CSI    00000c6e@ (F) CMIADAPTER: AI failed. HRESULT = HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)`,
			[]found{{0x80070002, "HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)"}}},
		{`Error CSI 000000fc@2018/9/29:08:45:29.414 (F) 80070002 [Warning,Facility=FACILITY_NTWIN32,Code=ERROR_FILE_NOT_FOUND]`,
			[]found{{0x80070002, "80070002"}, {0x80070002, "Code=ERROR_FILE_NOT_FOUND"}}},
		{`2020-05-11 22:15:21, Error                        EnumeratePathEx: FindFirstFile failed for [C:\$Windows.~BT\*]; GLE = 0x3[gle=0x00000003]`,
			[]found{{0x80070003, "GLE = 0x3"}, {0x80070003, "gle=0x00000003"}}},
		{`overall result:0x800f0922 (CBS_E_INSTALLERS_FAILED)`,
			[]found{{0x800f0922, "0x800f0922"}}},
		{`Exec: Processing complete, session(Corruption Repairing): 30754339_543620214 [HRESULT = 0x00000000 - S_OK]`,
			[]found{{0, "0x00000000"}}},
		{`[2D50:1074][2020-10-07T04:11:44]i399: Apply complete, result: 0x80070643, restart: None, ba requested restart:  No`,
			[]found{{0x80070643, "0x80070643"}}},
		{`2010-01-05 18:52:06:747 808 aac Misc WARNING: WinHttp: SendRequestUsingProxy failed for <http://servername/selfupdate/wuident.cab>. error 0x8024402c`,
			[]found{{0x8024402c, "0x8024402c"}}},
		{`2022-07-06 08:08:30, Info                  MOUPG  Storage Reserve Manager Unavailable: [0x800F0970]`,
			[]found{{0x800f0970, "0x800F0970"}}},
		{`Installation Failure: Windows failed to install the following update with error 0x80070643: April, 2017 Security and Quality Rollup`,
			[]found{{0x80070643, "0x80070643"}}},
	}
	for _, tt := range tests {
		if got := findAll(tt.line); !equalFound(got, tt.want) {
			t.Errorf("Find(%q)\n got %v\nwant %v", tt.line, got, tt.want)
		}
	}
}

// Lines that contain no code, although they look busy.
func TestFindNegatives(t *testing.T) {
	for _, line := range []string{
		`2023-05-17 08:25:12, Info                  CBS    Session: 31033555_3320119381 initialized by client WinMgmt, external staging directory: (null)`,
		`2015-02-23 21:47:28, Info                  CSI    00000001@2015/2/24:02:47:28.458 WcpInitialize (wcp.dll version 0.0.0.6) called (stack @0x7ffd497360e5 @0x7ffd49be2e53 @0x7ffd49be24ac @0x7ff654ced2df @0x7ff654ced9e4 @0x7ffd5b362053)`,
		`stack @0x6d2b1c4d @0x6d2c1e10`, // 32-bit addresses: 8 hex digits after '@'
		`2016-09-28 04:30:31, Info                  CBS    SQM: Failed to start upload with file pattern: C:\Windows\servicing\sqm\*_std.sqm, flags: 0x2`,
		`CSIPERF:AIDONE;{d4486727-4d36-45a5-bc81-b8935aed1429};(null);88us`,
		` Expected: {l:32 ml:33 b:027fea2e090be00217335c51e41777ef7d6f105789ca49b375ae1083e48420ad}.`,
		`  Found: {l:32 b:Z/ziLDaW70ExB4hJYnZDLmVeIGN5IiR59jG8n8LLOH4=} Expected: {l:32 b:7o/6kfb8WmnFfNiq7U0O/eUsUvwPUKRqq4vDPSMar38=}`,
		`amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.22621.1626_none_e930f5a242f053dd`,
		`2015-02-23 21:47:28, Info                  CBS    Loaded Servicing Stack v6.3.9600.17246 with Core: C:\WINDOWS\winsxs\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_6.3.9600.17246_none_fa4ae8e99b1f603c\cbscore.dll`,
		`Caller SID for Applicability: S-1-5-21-3358816194-846788011-3211852687-51512`,
		`2021/07/13 10:32:03.0163822 3696  8172  Shared          * END * Service exit Exit code = 0x240001`,
		`2022-07-06 08:08:29, Info                  MOUPG  SetupHost::Initialize: Flags                  = [0x801]`,
		`<time="08:53:19.672+240" date="07-14-2021" component="UpdatesDeploymentAgent" context="" type="3" thread="10928">`,
		`Package_for_RollupFix~31bf3856ad364e35~amd64~~14393.4889.1.2`,
		`ApplicableState: 112, CurrentState:0`,
		`Error: 112.5 MB`, `Error: 1234567`, `some text-1234567890-more`, `value -2147483649 too small`,
		`offset -1234567890123`, `id=-0123456789`, `hr=8007064`, `hr=800706433`, `xhr=80070643`,
		`HRESULT_FROM_WIN32(ERROR_NO_SUCH_NAME_AT_ALL)`, `MY_HRESULT_FROM_WIN32(2)`, `HRESULT_FROM_WIN32(2`,
		`0x`, `0x8007064`, `a0x80070643`, `0x80070643a`, `0x800706431`, `-`, `(F) `, `(F) 8007000`, `Error:`, `Code=ERROR_FILE_NOT_FOUND`,
	} {
		if got := findAll(line); len(got) != 0 {
			t.Errorf("Find(%q) = %v, want nothing", line, got)
		}
	}
}

// Every self-contained match parses back to the same code.
func TestFindSpellingsParse(t *testing.T) {
	line := `hr=800f081f [HRESULT = 0x800f0805 - X] HRESULT_FROM_WIN32(14098) NTSTATUS -1073283059 Error: 112 [gle=0x00000003] resultMapped=80070643`
	for _, m := range FindString(nil, line) {
		got, err := Parse(line[m.Start:m.End])
		if err != nil || got != m.Code {
			t.Errorf("Parse(%q) = %v, %v; Find said %v", line[m.Start:m.End], got, err, m.Code)
		}
	}
}

func TestFindAppendsAndAllocs(t *testing.T) {
	line := []byte(`2025-02-27 08:58:35, Error CSI 0000000c (F) HRESULT_FROM_WIN32(14098) #61875# [gle=0x80073712] hr=800f081f NTSTATUS -1073283059`)
	dst := make([]Match, 1, 16)
	dst = Find(dst, line)
	if len(dst) != 5 || dst[0] != (Match{}) {
		t.Fatalf("Find appended %v", dst)
	}
	Find(nil, line) // load the tables
	if n := testing.AllocsPerRun(100, func() { dst = Find(dst[:0], line) }); n != 0 {
		t.Errorf("Find allocates %v times per call", n)
	}
	s := string(line)
	if n := testing.AllocsPerRun(100, func() { dst = FindString(dst[:0], s) }); n != 0 {
		t.Errorf("FindString allocates %v times per call", n)
	}
}

// samplesDir is the shared reference data next to the module root; tests
// that need it skip when it is absent (e.g. in a clean clone).
func samplesDir(t testing.TB) string {
	dir := filepath.Join("..", "..", "shared", "samples", "text")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared samples not found at %s (../shared relative to the module root); skipping", dir)
	}
	return dir
}

// TestFindSamples runs Find over every sample line and checks the codes the
// case files are about are found, and that every match is well formed.
func TestFindSamples(t *testing.T) {
	dir := samplesDir(t)
	want := map[string]Code{
		"cbs-ws2022-ssu-store-corrupt-80073712/CBS.log.excerpt":                  0x80073712,
		"cbs-ws2012r2-manifest-missing-800f0831/CBS.log.excerpt":                 0x800f0831,
		"cbs-ws2016-taskscheduler-installer-800f0922/CBS.log.excerpt":            0x800f0922,
		"cbs-ws2016-driver-doq-rollback-8007000d/CBS.log.excerpt":                0x8007000d,
		"cbs-win10-19041-fod-download-8024402c/CBS.log":                          0x8024402c,
		"dism-console-winre-commit-disk-full-112/script-and-dism-console.txt":    0x80070070,
		"dism-console-winre-msu-800f0823/dism-console.txt":                       0x800f0823,
		"updateplatform-defender-platform-80501005/UpdatePlatform.log.excerpt":   0x80501005,
		"wu-wsus-wpp-custom-update-fffe-80070643/WindowsUpdate.part2.log":        0x80070643,
		"wu-legacy-selfupdate-proxy-8024402c/WindowsUpdate.log.excerpt":          0x8024402c,
		"wu-winre-updater-download-disk-full-80070070/WindowsUpdate.log.excerpt": 0x80070070,
		"burn-dotnet-core-sdk-3.1.402-apply-80070643/burn-bundle.part2.log":      0x80070643,
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
	var dst []Match
	for _, f := range files {
		if strings.HasSuffix(f, "case.json") {
			continue
		}
		rel, _ := filepath.Rel(dir, f)
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[Code]bool{}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			dst = Find(dst[:0], line)
			for _, m := range dst {
				if m.Start < 0 || m.Start >= m.End || m.End > len(line) {
					t.Fatalf("%s: bad match %+v in %q", rel, m, line)
				}
				seen[m.Code] = true
			}
		}
		fh.Close()
		if c, ok := want[filepath.ToSlash(rel)]; ok && !seen[c] {
			t.Errorf("%s: %v not found", rel, c)
		}
	}
	for rel := range want {
		if _, err := os.Stat(filepath.Join(dir, rel)); err != nil {
			t.Logf("expected sample %s not present", rel)
		}
	}
}
