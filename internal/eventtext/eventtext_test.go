package eventtext

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wudiag/wudiag/evtx"
	"github.com/wudiag/wudiag/internal/sharedtest"
)

// named builds named fields from "name=value" pairs.
func named(kv ...string) []evtx.Field {
	var out []evtx.Field
	for _, s := range kv {
		n, v, _ := strings.Cut(s, "=")
		out = append(out, evtx.Field{Name: n, Value: v})
	}
	return out
}

// positional builds the unnamed fields of a classic source.
func positional(vs ...string) []evtx.Field {
	var out []evtx.Field
	for _, v := range vs {
		out = append(out, evtx.Field{Value: v})
	}
	return out
}

func TestCatalog(t *testing.T) {
	c := parseCatalog(catalogTSV)
	if c.err != nil {
		t.Fatal(c.err)
	}
	// The events the rules keep (classify's eventKeep) and the brief's
	// list: each has a sentence.
	for _, k := range []struct {
		p   string
		ids []uint32
	}{
		{"Microsoft-Windows-WindowsUpdateClient", []uint32{19, 20, 21, 22, 25, 31, 43, 44}},
		{"Microsoft-Windows-Servicing", []uint32{1, 2, 3, 4, 5, 6}},
		{"MsiInstaller", []uint32{1022, 1023, 1033, 1035, 1036, 11707, 11708, 11724, 11725, 11728, 11729}},
		{"Microsoft-Windows-Windows Defender", []uint32{1150, 1151, 2000, 2001, 2002, 2003, 2004, 2005, 2006, 2007, 2010, 2011, 2012, 2014, 5001, 5007, 5010, 5012}},
		{"Microsoft-Windows-WinREAgent", []uint32{4500, 4501, 4502, 4503, 4504}},
		{"SecurityCenter", []uint32{1, 15}},
		{"Service Control Manager", []uint32{7000, 7009, 7011, 7023, 7024, 7031, 7034, 7040, 7045}},
		{"disk", []uint32{7, 11, 15, 51, 52, 153, 154, 157}},
		{"Ntfs", []uint32{55, 98, 137, 140}},
		{"Microsoft-Windows-Ntfs", []uint32{55, 98, 137, 140, 142}},
		{"volsnap", []uint32{8, 25, 36}},
		{"Microsoft-Windows-WER-SystemErrorReporting", []uint32{1001}},
		{"Windows Error Reporting", []uint32{1001}},
		{"User32", []uint32{1074}},
		{"Microsoft-Windows-Kernel-General", []uint32{12, 13}},
	} {
		for _, id := range k.ids {
			if !Known(k.p, id) {
				t.Errorf("no sentence for %s %d", k.p, id)
			}
		}
	}
	for _, bad := range []string{
		"P\t1\t-\t{x\tja",        // unclosed {
		"P\t1\t-\tx}\tja",        // unopened }
		"P\t1\t-\t[a [b]]\tja",   // nested group
		"P\t1\t-\t[a\tja",        // unclosed [
		"P\t1\t-\t{x:shout}\tja", // unknown modifier
		"P\t1\t-\t{%0}\tja",      // positions start at 1
		"P\tx\t-\ta\tja",         // bad ID
		"P\t1\tfield\ta\tja",     // condition without =
		"P\t1\t-\ta",             // 4 columns
		"P\t1\t-\t\tja",          // no English
	} {
		if c := parseCatalog(bad); c.err == nil {
			t.Errorf("parseCatalog(%q) accepted a malformed row", bad)
		}
	}
}

func TestSentence(t *testing.T) {
	const title = "2024-01 Security Update for Windows 10 Version 22H2 for x64-based Systems (KB5034441)"
	tests := []struct {
		name     string
		provider string
		id       uint32
		fields   []evtx.Field
		en, ja   string
	}{
		{"WU 20", "Microsoft-Windows-WindowsUpdateClient", 20,
			named("errorCode=0x80070643", "updateTitle="+title, "updateGuid={A}", "updateRevisionNumber=1"),
			"Windows Update failed to install KB5034441: 0x80070643 ERROR_INSTALL_FAILURE — " + title,
			"Windows Update で KB5034441 のインストールに失敗しました: 0x80070643 ERROR_INSTALL_FAILURE — " + title},
		{"WU 20 without a KB", "Microsoft-Windows-WindowsUpdateClient", 20,
			named("errorCode=0x80073d02", "updateTitle=9WZDNCRFJBH4-Microsoft.Windows.Photos"),
			"Windows Update failed to install: 0x80073d02 — 9WZDNCRFJBH4-Microsoft.Windows.Photos",
			"Windows Update でインストールに失敗しました: 0x80073d02 — 9WZDNCRFJBH4-Microsoft.Windows.Photos"},
		{"WU 20 errorCode as a negative decimal", "Microsoft-Windows-WindowsUpdateClient", 20,
			named("errorCode=-2147023293", "updateTitle=Update (KB890830)"),
			"Windows Update failed to install KB890830: 0x80070643 ERROR_INSTALL_FAILURE — Update (KB890830)", ""},
		{"WU 19", "Microsoft-Windows-WindowsUpdateClient", 19, named("updateTitle=" + title),
			"Windows Update installed " + title, "Windows Update で " + title + " をインストールしました"},
		{"WU 31", "Microsoft-Windows-WindowsUpdateClient", 31, named("errorCode=0x80246008", "updateTitle=X (KB2267602)"),
			"Windows Update failed to download KB2267602: 0x80246008 WU_E_DM_FAILTOCONNECTTOBITS — X (KB2267602)", ""},
		{"WinRE 4502, Int32 error code", "Microsoft-Windows-WinREAgent", 4502, named("ErrorPhase=2", "Errorcode=-2146498520"),
			"WinRE agent: servicing failed: error phase 2, 0x800f0828 CBS_E_INSUFFICIENT_DISK_SPACE",
			"WinRE エージェント: 回復環境の更新に失敗しました: エラー フェーズ 2、0x800f0828 CBS_E_INSUFFICIENT_DISK_SPACE"},
		{"WinRE 4502 without the phase", "Microsoft-Windows-WinREAgent", 4502, named("ErrorCode=0x800f0828"),
			"WinRE agent: servicing failed: 0x800f0828 CBS_E_INSUFFICIENT_DISK_SPACE", ""},
		{"Defender 2001", "Microsoft-Windows-Windows Defender", 2001,
			named("Product Name=Microsoft Defender Antivirus", "Error Code=0x80240016", "Error Description=Another install is in progress.", "Update Source=Microsoft Update Server"),
			"Defender security intelligence update failed: 0x80240016 WU_E_INSTALL_NOT_ALLOWED — Another install is in progress. (source: Microsoft Update Server)",
			"Defender のセキュリティ インテリジェンスの更新に失敗しました: 0x80240016 WU_E_INSTALL_NOT_ALLOWED — Another install is in progress. (更新元: Microsoft Update Server)"},
		{"Defender 2000, old field names", "Microsoft-Windows-Windows Defender", 2000,
			named("Current Signature Version=1.329.3292.0", "Previous Signature Version=1.273.933.0", "Signature Type=%%800"),
			"Defender security intelligence updated to 1.329.3292.0 (was 1.273.933.0)", ""},
		{"MsiInstaller 1033 failed", "MsiInstaller", 1033, positional("EMET 5.51", "5.51", "1033", "1603", "Microsoft Corporation", "(NULL)", ""),
			"Windows Installer failed to install EMET 5.51 (version 5.51): 0x80070643 ERROR_INSTALL_FAILURE (status 1603)",
			"Windows インストーラーで EMET 5.51 (バージョン 5.51) のインストールに失敗しました: 0x80070643 ERROR_INSTALL_FAILURE (状態 1603)"},
		{"MsiInstaller 1033 success", "MsiInstaller", 1033, positional("Microsoft .NET Framework 4 Client Profile", "4.0.30319", "0", "0", "Microsoft Corporation"),
			"Windows Installer installed Microsoft .NET Framework 4 Client Profile (version 4.0.30319)", ""},
		{"MsiInstaller 1033 as classify names it", "MsiInstaller", 1033, named("data0=EMET 5.51", "data3=1618"),
			"Windows Installer failed to install EMET 5.51: 0x80070652 ERROR_INSTALL_ALREADY_RUNNING (status 1618)", ""},
		{"MsiInstaller 11708", "MsiInstaller", 11708, positional("Product: EMET 5.51 -- Installation failed.", "(NULL)", "(NULL)"),
			"Windows Installer: installing EMET 5.51 failed", "Windows インストーラー: EMET 5.51 のインストールに失敗しました"},
		{"Servicing 3", "Microsoft-Windows-Servicing", 3,
			named("PackageIdentifier=KB4093137", "IntendedPackageState=Staged", "ErrorCode=0x800f0816", "Client=WindowsUpdateAgent"),
			"Servicing failed to change KB4093137 to Staged: 0x800f0816 CBS_E_DPX_JOB_STATE_SAVED (requested by WindowsUpdateAgent)",
			"サービス処理: KB4093137 の Staged への変更に失敗しました: 0x800f0816 CBS_E_DPX_JOB_STATE_SAVED (要求元: WindowsUpdateAgent)"},
		{"Servicing 2 success", "Microsoft-Windows-Servicing", 2,
			named("PackageIdentifier=KB777778", "IntendedPackageState=Absent", "ErrorCode=0x0", "Client=RetailDemoService"),
			"Servicing: KB777778 changed to Absent successfully (requested by RetailDemoService)",
			"サービス処理: KB777778 の Absent への変更に成功しました (要求元: RetailDemoService)"},
		{"SCM 7023, HRESULT insert", "Service Control Manager", 7023, named("param1=Spooler", "param2=%%2147942414"),
			"Service Spooler stopped with error 0x8007000e E_OUTOFMEMORY", "サービス Spooler がエラー 0x8007000e E_OUTOFMEMORY で終了しました"},
		{"SCM 7000, Win32 insert", "Service Control Manager", 7000, named("param1=CldFlt", "param2=%%50"),
			"Service CldFlt failed to start: 0x80070032 ERROR_NOT_SUPPORTED", ""},
		{"SCM 7045", "Service Control Manager", 7045,
			named("ServiceName=klif", "ImagePath=system32\\DRIVERS\\klif.sys", "ServiceType=kernel mode driver", "StartType=boot start", "AccountName="),
			"Service installed: klif (system32\\DRIVERS\\klif.sys), kernel mode driver, boot start", ""},
		{"disk 7", "disk", 7, positional(`\Device\Harddisk0\DR0`), `Bad block on \Device\Harddisk0\DR0`, `\Device\Harddisk0\DR0 に不良ブロックがあります`},
		{"Disk 51, provider case", "Disk", 51, positional(`\Device\Harddisk1\DR1`), `Error on \Device\Harddisk1\DR1 during a paging operation`, ""},
		{"Ntfs 98 healthy", "Microsoft-Windows-Ntfs", 98, named("DriveName=C:", `DeviceName=\Device\HarddiskVolume2`, "CorruptionActionState=0"),
			`Volume C: (\Device\HarddiskVolume2) is healthy`, `ボリューム C: (\Device\HarddiskVolume2) は正常です`},
		{"Ntfs 98 needs repair", "Microsoft-Windows-Ntfs", 98, named("DriveName=C:", "CorruptionActionState=2"),
			`Volume C: needs an offline repair (chkdsk), state 2`, ""},
		{"volsnap 36", "volsnap", 36, positional(`\Device\HarddiskVolumeShadowCopy2`, "C:"),
			"Shadow copies of volume C: were aborted: the shadow copy storage could not grow", ""},
		{"WER 1001 Windows Update", "Windows Error Reporting", 1001,
			positional("", "0", "WindowsUpdateFailure", "Not available", "0", "7.3.7600.16385", "8024001f", "00000000-0000-0000-0000-000000000000", "Scan", "101", "Unmanaged"),
			"Windows Update error report: 0x8024001f WU_E_NO_CONNECTION during Scan (agent 7.3.7600.16385), update 00000000-0000-0000-0000-000000000000",
			"Windows Update のエラー報告: 0x8024001f WU_E_NO_CONNECTION、処理 Scan、エージェント 7.3.7600.16385、更新 00000000-0000-0000-0000-000000000000"},
		{"WER 1001 other", "Windows Error Reporting", 1001,
			positional("", "0", "APPCRASH", "Not available", "0", "foo.exe", "1.0", "", "", "c0000005"),
			"Error report APPCRASH: P1 foo.exe, P2 1.0, P5 c0000005", ""},
		{"SecurityCenter 15", "SecurityCenter", 15, positional("Contoso Endpoint Security", "SECURITY_PRODUCT_STATE_ON"),
			"Security Center: state of Contoso Endpoint Security updated to SECURITY_PRODUCT_STATE_ON",
			"セキュリティ センター: Contoso Endpoint Security の状態を SECURITY_PRODUCT_STATE_ON に更新しました"},
		{"decisive field missing: fields instead", "Microsoft-Windows-WindowsUpdateClient", 20, named("updateTitle=X"),
			"Microsoft-Windows-WindowsUpdateClient 20: updateTitle=X", "Microsoft-Windows-WindowsUpdateClient 20: updateTitle=X"},
		{"unknown event, codes named", "Microsoft-Windows-DNS-Client", 1012, named("ErrorCode=3221225485", "Location=0"),
			"Microsoft-Windows-DNS-Client 1012: ErrorCode=0xc000000d STATUS_INVALID_PARAMETER Location=0", ""},
		{"unknown event, code in text", "Microsoft-Windows-Time-Service", 129, named("ErrorMessage=The entry is not found. (0x800706E1)", "RetryMinutes=15"),
			"Microsoft-Windows-Time-Service 129: ErrorMessage=The entry is not found. (0x800706E1 RPC_S_ENTRY_NOT_FOUND) RetryMinutes=15", ""},
		{"no data", "BTHUSB", 17, nil, "BTHUSB 17", "BTHUSB 17"},
		{"recovered without its provider", "", 1000, positional("x"), "Event 1000: x", ""},
		{"code field, unnamed failure in decimal", "Microsoft-Windows-GroupPolicy", 1126, named("ErrorCode=2148074276", "ProcessingTimeInMilliseconds=2148074276"),
			"Microsoft-Windows-GroupPolicy 1126: ErrorCode=0x80090324 ProcessingTimeInMilliseconds=2148074276", ""},
		{"unknown classic event", "VSS", 8193, positional("CoCreateInstance", "0x8007045b, A system shutdown is in progress.\r\n", ""),
			"VSS 8193: CoCreateInstance 0x8007045b ERROR_SHUTDOWN_IN_PROGRESS, A system shutdown is in progress.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sentence(tt.provider, tt.id, tt.fields, "en"); got != tt.en {
				t.Errorf("en:\n got %s\nwant %s", got, tt.en)
			}
			if tt.ja == "" {
				return
			}
			if got := Sentence(tt.provider, tt.id, tt.fields, "ja"); got != tt.ja {
				t.Errorf("ja:\n got %s\nwant %s", got, tt.ja)
			}
		})
	}
}

func TestAnnotate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"failed with 0x80070643", "failed with 0x80070643 ERROR_INSTALL_FAILURE"},
		{"failed with 0x80070643 ERROR_INSTALL_FAILURE", "failed with 0x80070643 ERROR_INSTALL_FAILURE"}, // named already
		{"Errorcode -2146498520 in phase 2", "Errorcode -2146498520 (0x800f0828 CBS_E_INSUFFICIENT_DISK_SPACE) in phase 2"},
		{"0x80190194 (-2145844844 HTTP_E_STATUS_NOT_FOUND)", "0x80190194 (-2145844844 HTTP_E_STATUS_NOT_FOUND)"},
		{"no code here", "no code here"},
	}
	for _, tt := range tests {
		if got := Annotate(tt.in); got != tt.want {
			t.Errorf("Annotate(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// placeholders lists every placeholder spelling of the catalog, to find
// one left in a sentence.
func placeholders(t *testing.T) []string {
	re := regexp.MustCompile(`\{[^{}]*\}`)
	seen := map[string]bool{}
	var out []string
	for _, line := range strings.Split(catalogTSV, "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, p := range re.FindAllString(line, -1) {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	if len(out) < 50 {
		t.Fatalf("only %d placeholders found in the catalog", len(out))
	}
	return out
}

// kept is classify's test for evidence: warnings and errors, and the
// events the catalog knows (which include every informational event the
// rules keep).
func kept(ev *evtx.Event) bool {
	return ev.Level >= 1 && ev.Level <= 3 || Known(ev.Provider, ev.EventID)
}

// TestSamples reads every event the rules would keep in the real logs of
// ../shared/samples/evtx, in both languages: no sentence is empty, none
// contains a placeholder of the catalog, and the events the catalog knows
// read as sentences, not field lists, unless a decisive field is absent.
func TestSamples(t *testing.T) {
	dir := sharedtest.Dir(t, "samples", "evtx")
	files, _ := filepath.Glob(filepath.Join(dir, "*.evtx"))
	if len(files) == 0 {
		t.Skip("no .evtx samples")
	}
	phs := placeholders(t)
	var total, known, asSentence int
	for _, f := range files {
		r, err := evtx.Open(f, &evtx.Options{Recover: true})
		if err != nil {
			continue
		}
		for ev, err := range r.All(context.Background()) {
			if err != nil || !kept(ev) {
				continue
			}
			total++
			for _, lang := range []string{"en", "ja"} {
				s := OfEvent(ev, lang)
				prefix := head(ev.Provider, ev.EventID)
				if strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(s, prefix), ":")) == "" && hasValue(ev) {
					t.Errorf("%s record %d (%s): empty sentence %q", filepath.Base(f), ev.RecordID, lang, s)
				}
				if s == "" {
					t.Errorf("%s record %d (%s): empty", filepath.Base(f), ev.RecordID, lang)
				}
				for _, p := range phs {
					if strings.Contains(s, p) {
						t.Errorf("%s record %d (%s): placeholder %s left in %q", filepath.Base(f), ev.RecordID, lang, p, s)
					}
				}
				if lang == "en" && Known(ev.Provider, ev.EventID) {
					known++
					if !strings.HasPrefix(s, prefix) {
						asSentence++
					} else if testing.Verbose() {
						t.Logf("%s record %d: fields shown: %s", filepath.Base(f), ev.RecordID, s)
					}
				}
			}
		}
		r.Close()
	}
	t.Logf("%d kept events in %d files; %d known to the catalog, %d of them read as sentences", total, len(files), known, asSentence)
	if known > 0 && asSentence*100 < known*95 {
		t.Errorf("only %d of %d known events read as sentences", asSentence, known)
	}
}

func hasValue(ev *evtx.Event) bool {
	for _, f := range ev.Data {
		if v := clean(f.Value, 100); v != "" && !isInsert(v) && !strings.HasPrefix(f.Name, "Unused") {
			return true
		}
	}
	return false
}

func BenchmarkSentence(b *testing.B) {
	wu := named("errorCode=0x80070643", "updateTitle=2024-01 Security Update for Windows 10 Version 22H2 for x64-based Systems (KB5034441)",
		"updateGuid={A}", "updateRevisionNumber=1", "serviceGuid={B}")
	msi := positional("EMET 5.51", "5.51", "1033", "1603", "Microsoft Corporation", "(NULL)", "")
	unknown := named("QueryName=wpad", "AddressLength=128", "ErrorCode=9002")
	b.ReportAllocs()
	for b.Loop() {
		Sentence("Microsoft-Windows-WindowsUpdateClient", 20, wu, "en")
		Sentence("MsiInstaller", 1033, msi, "ja")
		Sentence("Microsoft-Windows-DNS-Client", 1014, unknown, "en")
	}
}

// refs lists the field references of a template.
func (t template) refs(out []alt) []alt {
	for _, p := range t {
		switch {
		case p.ph != nil:
			out = append(out, p.ph.alts...)
		case p.group != nil:
			out = p.group.refs(out)
		}
	}
	return out
}

// TestEveryRowFills generates, for every row of the catalog, an event
// whose fields all hold a value, and fills the row's templates: both
// languages are present and read as a sentence with no placeholder or
// bracket of the template syntax left.
func TestEveryRowFills(t *testing.T) {
	c := parseCatalog(catalogTSV)
	rows := 0
	for k, rs := range c.rows {
		for i, r := range rs {
			var named []evtx.Field
			maxPos := 0
			for _, tm := range r.tmpl {
				for _, a := range tm.refs(nil) {
					if a.pos > maxPos {
						maxPos = a.pos
					}
					if a.name != "" {
						named = append(named, evtx.Field{Name: a.name, Value: "v-" + a.name})
					}
				}
			}
			if w := r.when; w != nil && w.ref[0].pos > maxPos {
				maxPos = w.ref[0].pos
			}
			fields := make([]evtx.Field, maxPos)
			for p := range fields {
				fields[p].Value = "p" + strconv.Itoa(p+1)
			}
			fields = append(fields, named...)
			if w := r.when; w != nil {
				v := "x"
				if !w.neg {
					v = w.values[0]
				}
				if a := w.ref[0]; a.pos > 0 {
					fields[a.pos-1].Value = v
				} else {
					fields = append([]evtx.Field{{Name: a.name, Value: v}}, fields...)
				}
			}
			for l, tm := range r.tmpl {
				if len(tm) == 0 {
					t.Errorf("%s %d row %d: no template in language %d", k.provider, k.id, i, l)
					continue
				}
				s, ok := tm.fill(fields)
				if !ok || s == "" || strings.ContainsAny(s, "{}[]") {
					t.Errorf("%s %d row %d, language %d: %q, %v", k.provider, k.id, i, l, s, ok)
				}
			}
			rows++
		}
	}
	if rows < 100 {
		t.Errorf("only %d rows", rows)
	}
}

// TestEvidenceNames reads a classic event as classify's evidence names
// its values (data0, data1, …; absent ones left out).
func TestEvidenceNames(t *testing.T) {
	fields := named("data0=EMET 5.51", "data1=5.51", "data3=1603")
	if got, ok := Catalog("MsiInstaller", 1033, fields, "ja"); !ok || got != "Windows インストーラーで EMET 5.51 (バージョン 5.51) のインストールに失敗しました: 0x80070643 ERROR_INSTALL_FAILURE (状態 1603)" {
		t.Errorf("got %q, %v", got, ok)
	}
	if _, ok := Catalog("MsiInstaller", 1033, named("data1=5.51"), "en"); ok {
		t.Error("a sentence without the product name")
	}
}
