package textlogs

import (
	"bytes"
	"encoding/binary"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/wudiag/wudiag/internal/sharedtest"
)

// read returns every record of text read as kind.
func read(t *testing.T, kind Kind, text string) []Record {
	t.Helper()
	var out []Record
	for rec, err := range Records(strings.NewReader(text), kind) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
	return out
}

func TestFields(t *testing.T) {
	tests := []struct {
		name      string
		kind      Kind
		text      string
		rec       int // index of the record checked
		line      int
		component string
		level     string
		time      string // RFC 3339 with nanoseconds, "" for zero
		fields    map[string]string
		codes     []string
		textHas   string
	}{{
		name: "wu10 LogHistory (wu-wsus-wpp-custom-update-fffe-80070643, pasted with ' |')",
		kind: WindowsUpdate,
		text: "2019/06/05 11:07:50.0950566 21136   9740  Agent           LogHistory called.   idUpdate={E0F87EBF-B414-4AC7-A225-8FE802CF8618}.1, resultMapped=80070643,   resultUnMapped=FFFE |  \r\n",
		line: 1, component: "Agent", time: "2019-06-05T11:07:50.0950566Z",
		fields: map[string]string{"pid": "21136", "tid": "9740", "update_id": "E0F87EBF-B414-4AC7-A225-8FE802CF8618",
			"result_mapped": "0x80070643", "result_unmapped": "0x0000fffe"},
		codes: []string{"0x80070643", "0x0000fffe"},
	}, {
		name: "wu10 *FAILED* bracket code",
		kind: WindowsUpdate,
		text: "2021/07/13 10:23:06.3460256 3696  8172  Misc            *FAILED* [8024000C] LoadHistoryEventFromRegistry completed\r\n",
		line: 1, component: "Misc", time: "2021-07-13T10:23:06.3460256Z",
		fields: map[string]string{"hr": "0x8024000c"}, codes: []string{"0x8024000c"},
	}, {
		name: "wu10 title line",
		kind: WindowsUpdate,
		text: "2021/07/13 14:02:41.8208077 576   1504  Agent             Title = Windows Malicious Software Removal Tool x64 - v5.91 (KB890830)\n",
		line: 1, component: "Agent", time: "2021-07-13T14:02:41.8208077Z",
		fields: map[string]string{"title": "Windows Malicious Software Removal Tool x64 - v5.91 (KB890830)", "kb": "KB890830"},
	}, {
		name: "WinRE installer download onto a full OS disk (wu-winre-updater-download-disk-full-80070070, no timestamps)",
		kind: WindowsUpdate,
		text: "Windows failed to download from http://au.download.windowsupdate.com/c/msdownload/update/software/secu/2024/01/winreupdateinstaller_2401b_amd64_db08130ebf8845056f4677e8ef6d85ec048bf7b4.exe\n" +
			"to local path = C:\\Windows\\SoftwareDistribution\\Download\\f8c37f82eee991ffa34047ca3710154c\\db08130ebf8845056f4677e8ef6d85ec048bf7b4 with error 0x80070070\n",
		line: 1,
		fields: map[string]string{
			"url":  "http://au.download.windowsupdate.com/c/msdownload/update/software/secu/2024/01/winreupdateinstaller_2401b_amd64_db08130ebf8845056f4677e8ef6d85ec048bf7b4.exe",
			"path": `C:\Windows\SoftwareDistribution\Download\f8c37f82eee991ffa34047ca3710154c\db08130ebf8845056f4677e8ef6d85ec048bf7b4`},
		codes: []string{"0x80070070"}, textHas: ".exe\nto local path",
	}, {
		name: "wu10 Handler MSI transaction (KB903772 wording, built line)",
		kind: WindowsUpdate,
		text: "2012/04/10 22:47:10.0000000 956   728   Handler         MSI transaction completed. MSI: 0x80070643, Handler: 0x8024200b\n",
		line: 1, component: "Handler", time: "2012-04-10T22:47:10Z",
		fields: map[string]string{"msi_result": "0x80070643", "handler_result": "0x8024200b"},
		codes:  []string{"0x80070643", "0x8024200b"},
	}, {
		name: "classic first failure (KB903772 wording, built line)",
		kind: WindowsUpdateClassic,
		text: "2009-11-18\t16:02:55:468\t1096\tf74\tHandler\tWARNING: First failure for update {D6C74CA9-4F5A-4B3E-8E57-0A3F9C1B2D3E}, transaction error = 0x8024200b, MSI result = 0x80070643, MSI action = StartCache\r\n",
		line: 1, component: "Handler", time: "2009-11-18T16:02:55.468Z",
		fields: map[string]string{"pid": "1096", "tid": "f74", "update_id": "D6C74CA9-4F5A-4B3E-8E57-0A3F9C1B2D3E",
			"handler_result": "0x8024200b", "msi_result": "0x80070643", "msi_action": "StartCache"},
	}, {
		name: "classic proxy failure (wu-legacy-selfupdate-proxy-8024402c, single spaces)",
		kind: WindowsUpdateClassic,
		text: "2010-01-05 18:52:06:747 808 aac Misc WARNING: DownloadFileInternal failed for http://servername/selfupdate/wuident.cab: error 0x8024402c\n",
		line: 1, component: "Misc", time: "2010-01-05T18:52:06.747Z",
		fields: map[string]string{"pid": "808", "tid": "aac", "url": "http://servername/selfupdate/wuident.cab"},
		codes:  []string{"0x8024402c"},
	}, {
		name: "classic REPORT EVENT, tab separated (built from the ReportingEvents layout)",
		kind: WindowsUpdateClassic,
		text: "2017-04-20\t10:15:02:120\t1188\t1418\tReport\tREPORT EVENT: {87F8BCEC-FE1A-47A9-886D-E56112D19E42}\t2017-04-20 10:14:57:713+0900\t1\t182\t101\t{53367D29-F57A-442B-9F49-DC50B1334BD4}\t205\t80070643\tAutomaticUpdates\tFailure\tContent Install\tInstallation Failure: Windows failed to install the following update with error 0x80070643: Security Update for Microsoft .NET Framework 4.6 (KB4014984).\r\n",
		line: 1, component: "Report", time: "2017-04-20T10:15:02.12Z",
		fields: map[string]string{"event_id": "182", "update_id": "53367D29-F57A-442B-9F49-DC50B1334BD4", "revision": "205",
			"result": "0x80070643", "client": "AutomaticUpdates", "status": "Failure", "operation": "Content Install",
			"title": "Security Update for Microsoft .NET Framework 4.6 (KB4014984)", "kb": "KB4014984"},
		codes: []string{"0x80070643"},
	}, {
		name: "ReportingEvents.log line",
		kind: ReportingEvents,
		text: "{2C3C39FA-FC0F-4F44-9049-D2AA53B27FFB}\t2017-12-12 19:46:19:636+0900\t1\t182 [AGENT_INSTALLING_FAILED]\t101\t{BFC8A103-FD5F-4458-9935-231D9F79E2C1}\t203\t80242015\tUpdateOrchestrator\tFailure\tContent Install\tInstallation Failure: Windows failed to install the following update with error 0x80242015: Cumulative Update (KB4051033).\tzJjC7+v4xEmJYbP.1\r\n",
		line: 1, time: "2017-12-12T10:46:19.636Z",
		fields: map[string]string{"event_id": "182", "event_name": "AGENT_INSTALLING_FAILED", "result": "0x80242015",
			"client": "UpdateOrchestrator", "status": "Failure", "title": "Cumulative Update (KB4051033)", "kb": "KB4051033"},
	}, {
		name: "ReAgentc line (veracrypt/VeraCrypt#574)",
		kind: ReAgent,
		text: "2020-01-03 17:12:50, Info                         [ReAgentc.exe] -----Executing command line: reagentc  /setreimage /path R:\\Recovery\\WindowsRE-----\r\n",
		line: 1, level: "Info", time: "2020-01-03T17:12:50Z",
		fields: map[string]string{"tool": "ReAgentc.exe"}, textHas: "-----Executing command line",
	}, {
		name: "ReAgent partition info (built; wording unknown, labels matched loosely)",
		kind: ReAgent,
		text: "2024-01-10 10:00:00, Info                         [ReAgentc.exe] MeetPartitionRequirements: WinRE size: 524288000, required free space: 262144000, partition free space: 104857600, partition size: 555745280\n" +
			"2024-01-10 10:00:00, Info                         [ReAgentc.exe] BitlockerEnabled: 1\n",
		line: 1, level: "Info", time: "2024-01-10T10:00:00Z",
		fields: map[string]string{"tool": "ReAgentc.exe", "winre_size": "524288000", "required_free": "262144000",
			"partition_free": "104857600", "partition_size": "555745280"},
	}, {
		name: "ReAgent BitLocker flag (built)",
		kind: ReAgent,
		text: "2024-01-10 10:00:00, Info                         [ReAgentc.exe] BitlockerEnabled: 1\n",
		line: 1, level: "Info", time: "2024-01-10T10:00:00Z",
		fields: map[string]string{"tool": "ReAgentc.exe", "bitlocker": "1"},
	}, {
		name: "setupact antivirus block (setupact-win10-upgrade-dismhost-800700b7)",
		kind: SetupAct,
		text: "2022-07-06 08:08:30, Info                  SP     Antivirus software information:\r\n" +
			"                                   Name: Windows Defender, Path: %ProgramFiles%\\Windows Defender\\MsMpeng.exe, Timestamp: Tue, 05 Jul 2022 14:46:21 GMT, State: 397568\r\n" +
			"                                   Name: Contoso AV, Path: C:\\Program Files\\Contoso\\av.exe, State: 266240\r\n\r\n",
		rec: 1, line: 3, component: "SP", level: "Info", time: "2022-07-06T08:08:30Z",
		fields: map[string]string{"av_name": "Contoso AV", "av_path": `C:\Program Files\Contoso\av.exe`, "av_state": "266240"},
	}, {
		name: "setupact tagged WinRE line (setupact-win10-upgrade-dismhost-800700b7)",
		kind: SetupAct,
		text: "2022-07-06 08:08:32, Info                         [SetupHost.exe] ReAgentConfig::ReadBcdAndUpdateEnhancedConfigInfo WinRE disabled, WinRE Guid could not be determined  (0x490) \r\n",
		line: 1, level: "Info", time: "2022-07-06T08:08:32Z",
		fields: map[string]string{"tool": "SetupHost.exe"}, textHas: "ReAgentConfig::",
	}, {
		name: "MpCmdRun failing run (built around the real zh-CN dates)",
		kind: MpCmdRun,
		text: "-------------------------------------------------------------------------------------\r\n" +
			"MpCmdRun: Command Line: \"C:\\Program Files\\Windows Defender\\MpCmdRun.exe\" -SignatureUpdate\r\n" +
			" Start Time: \u200e周日 \u200e5月 \u200e30 \u200e2021 13:43:24\r\n\r\n" +
			"ERROR: SignatureUpdate failed with hr=80070643\r\n" +
			"MpCmdRun: End Time: \u200eSun \u200eMay \u200e30 \u200e2021 13:44:02\r\n" +
			"-------------------------------------------------------------------------------------\r\n",
		line: 2, time: "2021-05-30T13:43:24Z",
		fields: map[string]string{"command": `"C:\Program Files\Windows Defender\MpCmdRun.exe" -SignatureUpdate`,
			"start": "2021-05-30T13:43:24", "end": "2021-05-30T13:44:02", "hr": "0x80070643", "function": "SignatureUpdate"},
		codes: []string{"0x80070643"}, textHas: "周日 5月 30 2021",
	}, {
		name:   "MpCmdRun unknown date language keeps the raw text",
		kind:   MpCmdRun,
		text:   "MpCmdRun: Command Line: x\n Start Time: \u200eso \u200ekvě \u200e30 \u200e2021 13:43:24\nUpdate failed with hr: 0x8024402c\n",
		line:   1,
		fields: map[string]string{"start_raw": "so kvě 30 2021 13:43:24", "hr": "0x8024402c"},
	}, {
		name: "MpSigStub success section (mpsigstub-win10-delta-update-success)",
		kind: MpSigStub,
		text: "================================ ValidateUpdate ================================\n\n" +
			"MpSigStub successfully updated Microsoft Windows Defender (RS1+) using the AM BDD package.\n\n" +
			"DeltaUpdateFailure set to 0\nBddUpdateFailure set to 0\nEnd time: 2024-03-25 03:17:54Z\n" +
			"--------------------------------------------------------------------------------\n",
		line: 3, time: "2024-03-25T03:17:54Z",
		fields: map[string]string{"section": "ValidateUpdate", "end": "2024-03-25T03:17:54Z", "delta_update_failure": "0", "bdd_update_failure": "0"},
	}, {
		name: "MpSigStub failure with Watson table (built from the documented keys)",
		kind: MpSigStub,
		text: "-------------------------------------------------------------------------------- Start time: 2024-03-25 17:33:12Z\n" +
			"Command: /stub 1.1.24010.2001 /payload 1.407.708.0\n" +
			"================================ ValidateUpdate ================================\n" +
			"ERROR 0x80070643 : Engine failed to update.\nWatson Report:\n  HRESULT: 0x80070643\n  FailedFunction: UpdateEngine\n  ProductVersion: 4.10.14393.0\n",
		rec: 1, line: 4, time: "2024-03-25T17:33:12Z",
		fields: map[string]string{"section": "ValidateUpdate", "start": "2024-03-25T17:33:12Z", "command": "/stub 1.1.24010.2001 /payload 1.407.708.0",
			"hr": "0x80070643", "error": "Engine failed to update.", "hresult": "0x80070643", "failed_function": "UpdateEngine", "product_version": "4.10.14393.0"},
	}, {
		name:   "UpdatePlatform error (updateplatform-defender-platform-80501005)",
		kind:   UpdatePlatform,
		text:   "ERROR 0x80501005 : Failed to update platform from C:\\Users\\ADMINI~1.SVG\\AppData\\Local\\Temp\\C825D6EC-36AD-4487-968D-FBA1B9B06AB9\n",
		line:   1,
		fields: map[string]string{"hr": "0x80501005", "path": `C:\Users\ADMINI~1.SVG\AppData\Local\Temp\C825D6EC-36AD-4487-968D-FBA1B9B06AB9`},
		codes:  []string{"0x80501005"},
	}, {
		name: "Burn apply complete (burn-dotnet-core-sdk-3.1.402-apply-80070643)",
		kind: Burn,
		text: "[2D50:1074][2020-10-07T04:11:44]i399: Apply complete, result: 0x80070643, restart: None, ba requested restart:  No\n",
		line: 1, component: "i399", level: "Info", time: "2020-10-07T04:11:44Z",
		fields: map[string]string{"pid": "2D50", "tid": "1074", "result": "0x80070643"}, codes: []string{"0x80070643"},
	}, {
		name: "Burn MSI error with bundle name (built)",
		kind: Burn,
		text: "[2D50:1074][2020-10-07T04:11:30]i000: Setting string variable 'WixBundleName' to value 'Microsoft .NET Core SDK 3.1.402 (x64)'\n" +
			"[2D50:1074][2020-10-07T04:11:40]i301: Applying execute package: dotnet_runtime_3.1.8_win_x64, action: Install, path: C:\\x.msi\n" +
			"[2D50:1074][2020-10-07T04:11:43]e000: Error 0x80070643: Failed to install MSI package.\n",
		rec: 2, line: 3, component: "e000", level: "Error", time: "2020-10-07T04:11:43Z",
		fields: map[string]string{"hr": "0x80070643", "bundle": "Microsoft .NET Core SDK 3.1.402 (x64)"},
	}, {
		name: "MSI failing action (built)",
		kind: MSI,
		text: "=== Verbose logging started: 10/7/2020  4:11:40  Build type: SHIP UNICODE 5.00.10011.00  Calling process: C:\\x.exe ===\n" +
			"Action start 4:11:43: InstallFinalize.\n" +
			"Action ended 4:11:44: InstallFinalize. Return value 3.\n" +
			"MSI (s) (A0:B4) [04:11:44:123]: Product: Microsoft .NET Core Runtime - 3.1.8 (x64) -- Installation failed.\n" +
			"MSI (s) (A0:B4) [04:11:44:130]: MainEngineThread is returning 1603\n",
		rec: 2, line: 3,
		fields: map[string]string{"action": "InstallFinalize", "return_value": "3"},
	}, {
		name: "MSI MainEngineThread (built)",
		kind: MSI,
		text: "=== Verbose logging started: 10/7/2020  4:11:40  Build type: SHIP ===\nMSI (s) (A0:B4) [04:11:44:130]: MainEngineThread is returning 1603\n",
		rec:  1, line: 2, component: "MSI (s)", time: "2020-10-07T04:11:44.13Z",
		fields: map[string]string{"msi_error": "1603", "pid": "A0", "tid": "B4"}, codes: []string{"0x80070643"},
	}, {
		name: "fltmc row (built)",
		kind: Fltmc,
		text: "Filter Name                     Num Instances    Altitude    Frame\n------------------------------  -------------  ------------  -----\nbindflt                                 1       409800         0\nWdFilter                               10       328010         0\n",
		rec:  1, line: 4,
		fields: map[string]string{"filter": "WdFilter", "instances": "10", "altitude": "328010", "frame": "0"},
	}, {
		name:   "chkdsk bad sectors (built)",
		kind:   Chkdsk,
		text:   "  4,096 KB in bad sectors.\n",
		line:   1,
		fields: map[string]string{"bad_sectors_kb": "4096"},
	}, {
		name:   "chkdsk clean (built)",
		kind:   Chkdsk,
		text:   "Windows has scanned the file system and found no problems.\n",
		line:   1,
		fields: map[string]string{"no_problems": "true"},
	}, {
		name:  "generic: signed decimal code (updateplatform install.ps1 output)",
		kind:  Generic,
		text:  "nothing here\nCommand \"UpdatePlatform.exe\" failed with error -2142236667 after 00:00:04.2079816\n",
		rec:   1,
		line:  2,
		codes: []string{"0x80501005"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := read(t, tt.kind, tt.text)
			if tt.rec >= len(recs) {
				t.Fatalf("got %d records, want record %d: %+v", len(recs), tt.rec, recs)
			}
			r := recs[tt.rec]
			if r.Line != tt.line {
				t.Errorf("Line = %d, want %d", r.Line, tt.line)
			}
			if r.Component != tt.component {
				t.Errorf("Component = %q, want %q", r.Component, tt.component)
			}
			if r.Level != tt.level {
				t.Errorf("Level = %q, want %q", r.Level, tt.level)
			}
			got := ""
			if !r.Time.IsZero() {
				got = r.Time.Format(time.RFC3339Nano)
			}
			if got != tt.time {
				t.Errorf("Time = %q, want %q", got, tt.time)
			}
			for k, v := range tt.fields {
				if r.Fields[k] != v {
					t.Errorf("Fields[%q] = %q, want %q", k, r.Fields[k], v)
				}
			}
			var cs []string
			for _, c := range r.Codes {
				cs = append(cs, c.String())
			}
			for _, c := range tt.codes {
				if !strings.Contains(strings.Join(cs, " "), c) {
					t.Errorf("Codes = %v, want %s", cs, c)
				}
			}
			if !strings.Contains(r.Text, tt.textHas) {
				t.Errorf("Text = %q, want it to hold %q", r.Text, tt.textHas)
			}
			if t.Failed() {
				t.Logf("record: %+v", r)
			}
		})
	}
}

// TestConsoleWrap reads a REPORT EVENT line hard-wrapped at 80 columns with
// its tabs turned into spaces, the damage of the copy in
// LegacyUpdate/LegacyUpdate#115.
func TestConsoleWrap(t *testing.T) {
	line := "2023-02-06      11:45:33:713    1188    1418    Report  REPORT EVENT: {11111111-2222-3333-4444-555555555555}    2023-02-06 11:45:28:713+0900    1       182101{66666666-7777-8888-9999-AAAAAAAAAAAA}    205     80070643        Legacy UpdateFailure    Content Install Installation Failure: Windows failed to install the following update with error 0x80070643: Security and Quality Rollup for .NET Framework (KB4014984)."
	var wrapped strings.Builder
	for len(line) > 80 {
		wrapped.WriteString(line[:80] + "\n")
		line = line[80:]
	}
	wrapped.WriteString(line + "\n")
	recs := read(t, WindowsUpdateClassic, wrapped.String())
	if len(recs) != 1 {
		t.Fatalf("got %d records", len(recs))
	}
	r := recs[0]
	want := map[string]string{"event_id": "182", "status": "Failure", "client": "Legacy Update", "result": "0x80070643",
		"update_id": "66666666-7777-8888-9999-AAAAAAAAAAAA", "kb": "KB4014984",
		"title": "Security and Quality Rollup for .NET Framework (KB4014984)"}
	for k, v := range want {
		if r.Fields[k] != v {
			t.Errorf("Fields[%q] = %q, want %q", k, r.Fields[k], v)
		}
	}
	if !strings.Contains(r.Text, "Installation Failure: Windows failed to install the following update") {
		t.Errorf("Text not unwrapped: %q", r.Text)
	}
}

func TestSniff(t *testing.T) {
	utf16le := func(s string) []byte {
		var b bytes.Buffer
		b.Write([]byte{0xff, 0xfe})
		for _, u := range utf16.Encode([]rune(s)) {
			binary.Write(&b, binary.LittleEndian, u)
		}
		return b.Bytes()
	}
	tests := []struct {
		name string
		file string
		head []byte
		want Kind
	}{
		{"wu10", "x.txt", []byte("2021/07/13 10:22:58.9553434 3696  8172  Shared          InitializeSus\r\n"), WindowsUpdate},
		{"wu7", "x.txt", []byte("2021-08-28\t03:07:48:216\t 648\t13bc\tReport\tCWERReporter finishing event handling. (00000000)\r\n"), WindowsUpdateClassic},
		{"reporting", "x.txt", []byte("{2C3C39FA-FC0F-4F44-9049-D2AA53B27FFB}\t2017-12-12 19:46:19:636+0900\t1\t182 [AGENT_INSTALLING_FAILED]\t101\t{BFC8A103-FD5F-4458-9935-231D9F79E2C1}\t203\t80242015\tx\tFailure\tContent Install\tx\n"), ReportingEvents},
		{"mpcmdrun utf16", "x.txt", utf16le("\r\n---------------------------------\r\nMpCmdRun: Command Line: x\r\n"), MpCmdRun},
		{"burn", "x.txt", []byte("[2D50:1074][2020-10-07T04:11:44]i399: Apply complete, result: 0x80070643\n"), Burn},
		{"msi", "x.txt", []byte("=== Verbose logging started: 10/7/2020  4:11:40  Build type: SHIP ===\n"), MSI},
		{"cbs", "x.txt", []byte("2015-02-23 21:47:28, Info                  CBS    Loaded Servicing Stack v6.3.9600.17246\r\n"), ""},
		{"dism", "x.txt", []byte("2014-02-17 15:22:02, Info                  DISM   DISM.EXE: Image session has been closed. Reboot required=no.\n"), ""},
		{"reagent", "x.txt", []byte("2020-01-03 17:12:50, Info                         [ReAgentc.exe] -----Executing command line: reagentc  /info-----\n"), ReAgent},
		{"setupact", "x.txt", []byte("2022-07-06 08:08:29, Info                  MOUPG  SetupHost::Initialize\r\n"), SetupAct},
		{"winreagent setupact by folder", `C:\Windows\Logs\WinREAgent\setupact.log`, []byte("2022-07-06 08:08:29, Info                  MOUPG  SetupHost::Initialize\r\n"), ReAgent},
		{"evtx", "x.evtx", []byte("ElfFile\x00\x00\x00"), ""},
		{"zip", "x.zip", []byte("PK\x03\x04\x14\x00"), ""},
		{"binary", "x.bin", bytes.Repeat([]byte{1, 2, 3, 0, 200, 7}, 100), ""},
		{"event text", "x.txt", []byte("Log Name:      Microsoft-Windows-TaskScheduler/Operational\r\nSource:        x\r\nEvent ID:      146\r\n"), ""},
		{"fltmc by name", "fltmc.txt", []byte("nothing to see\n"), Fltmc},
		{"fltmc by header", "x.txt", []byte("Filter Name                     Num Instances    Altitude    Frame\n"), Fltmc},
		{"chkdsk", "x.txt", []byte("The type of the file system is NTFS.\n"), Chkdsk},
		{"generic", "x.txt", []byte("hello\n"), Generic},
		{"empty", "x.txt", nil, Generic},
	}
	for _, tt := range tests {
		if got := Sniff(tt.file, tt.head); got != tt.want {
			t.Errorf("%s: Sniff = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestLongRecord checks that a run of continuation lines longer than the
// record cap comes back in pieces, none longer than the cap.
func TestLongRecord(t *testing.T) {
	var b strings.Builder
	b.WriteString("2021/07/13 10:22:58.9553434 3696  8172  Shared          head\n")
	line := strings.Repeat("x", 1000) + "\n"
	for b.Len() < 3*maxRecord {
		b.WriteString(line)
	}
	n := 0
	for rec, err := range Records(strings.NewReader(b.String()), WindowsUpdate) {
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Text) > maxRecord {
			t.Fatalf("record of %d bytes", len(rec.Text))
		}
		if rec.Fields["pid"] != "3696" {
			t.Fatalf("piece lost its head fields: %v", rec.Fields)
		}
		n++
	}
	if n < 3 {
		t.Fatalf("got %d pieces", n)
	}
}

// TestRecordOwnsData keeps records across Scan calls.
func TestRecordOwnsData(t *testing.T) {
	r := NewReader(strings.NewReader("error 0x80070002 one\nerror 0x80070003 two\n"), Generic)
	var recs []Record
	for r.Scan() {
		recs = append(recs, r.Record())
	}
	if len(recs) != 2 || recs[0].Text != "error 0x80070002 one" || recs[1].Text != "error 0x80070003 two" {
		t.Fatalf("got %+v", recs)
	}
}

func TestContainsFold(t *testing.T) {
	for _, tt := range []struct {
		s, sub string
		want   bool
	}{{"Install FAILED here", "fail", true}, {"ERROR", "error", true}, {"err", "error", false}, {"", "fail", false}, {"Faİl", "fail", false}} {
		if got := containsFold(tt.s, tt.sub); got != tt.want {
			t.Errorf("containsFold(%q, %q) = %v", tt.s, tt.sub, got)
		}
	}
}

func TestSniffSkipsJSON(t *testing.T) {
	for _, in := range []string{"{\n  \"source\": \"x\",\n  \"label\": \"other\"\n}\n", "[{\"a\":1}]", "\uFEFF{ \"k\": 1 }"} {
		if k := Sniff("case.json", []byte(in)); k != "" {
			t.Errorf("%q sniffed as %q", in, k)
		}
	}
	if k := Sniff("notes.txt", []byte("{l:32 b:abc} is a CSI hash, not JSON\nError: 0x80070643\n")); k == "" {
		t.Error("text that starts with a brace is still text")
	}
}

// The title on the line before an UpdateId names that update.
func TestWindowsUpdateTitleNamesTheNextID(t *testing.T) {
	recs := read(t, WindowsUpdate,
		"2024/01/10 03:05:01.1234567 1234  5678  Agent           * Title = 2024-01 Security Update for Windows 10 Version 22H2 for x64-based Systems (KB5034441)\n"+
			"2024/01/10 03:05:01.1234568 1234  5678  Agent           * UpdateId = {7D5E1B66-9D6A-4E3B-9F2C-0E7F3C1D2A4B}.200\n")
	if len(recs) != 2 {
		t.Fatalf("got %d records", len(recs))
	}
	r := recs[1]
	if r.Fields["update_id"] != "7D5E1B66-9D6A-4E3B-9F2C-0E7F3C1D2A4B" || r.Fields["kb"] != "KB5034441" {
		t.Errorf("fields %v", r.Fields)
	}
}

// TestConsoleCopies reads logs as a console or a forum post hands them
// over: cut at 80 or 120 columns, indented as a code block, quoted as in
// a mail. Each gives the record the original gives.
func TestConsoleCopies(t *testing.T) {
	cut, prefix := sharedtest.ConsoleCut, sharedtest.PrefixLines
	for _, tt := range []struct {
		kind Kind
		log  string
		want string // a field=value the failing record must carry, and its text
	}{
		{MSI, "=== Verbose logging started: 3/4/2024  10:00:00  Build type: SHIP UNICODE 5.00.10011.00 ===\n" +
			"MSI (s) (08:3C) [05:54:13:979]: Warning: Local cached package 'C:\\Windows\\Installer\\246556.msi' is missing and the source for this product is not available.\n" +
			"MSI (s) (08:3C) [05:54:14:001]: Product: Contoso Widget 2.0 -- Installation failed because the original installation package could not be found on this computer.\n" +
			"MSI (s) (08:3C) [05:54:14:002]: MainEngineThread is returning 1603\n",
			"product=Contoso Widget 2.0"},
		{WindowsUpdate, "2024/01/10 03:12:40.1234567 1234  5678  Agent           Installation Failure: Windows failed to install the following update with error 0x80070643: 2024-01 Security Update for Windows 10 Version 22H2 for x64-based Systems (KB5034441).\n" +
			"2024/01/10 03:12:41.1234567 1234  5678  Agent           Deployment job Id 00000000-0000-0000-0000-000000000000 : Update 8d5b8e0f-2b57-4e4f-9a1f-2f1e1f4c7f1a.1 failed\n",
			"kb=KB5034441"},
	} {
		base := readKind(t, tt.kind, tt.log)
		for name, copy := range map[string]string{
			"cut-80": cut(tt.log, 80), "cut-120": cut(tt.log, 120), "indented": prefix(tt.log, "    "),
			"quoted": prefix(tt.log, "> "), "quoted-cut": prefix(cut(tt.log, 80), "> "), "indented-cut": prefix(cut(tt.log, 80), "    "),
		} {
			got := readKind(t, tt.kind, copy)
			if !strings.Contains(got, tt.want) || got != base {
				t.Errorf("%s %s:\n got %s\nwant %s", tt.kind, name, got, base)
			}
		}
	}
}

// readKind reads log as kind and sums up its records with fields.
func readKind(t *testing.T, kind Kind, log string) string {
	t.Helper()
	r := NewReader(strings.NewReader(log), kind)
	var out []string
	for r.Scan() {
		rec := r.Record()
		if len(rec.Fields) == 0 {
			continue
		}
		var kv []string
		for k, v := range rec.Fields {
			if k != "pid" && k != "tid" {
				kv = append(kv, k+"="+v)
			}
		}
		sort.Strings(kv)
		out = append(out, strings.Join(kv, " ")+" | "+strings.Join(strings.Fields(rec.Text), " "))
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, "\n")
}

// TestReAgentSizesAcrossLines: MeetPartitionRequirements logs the space
// WinRE needs and the space a partition has on separate lines; the line
// with the second carries the first, until the next reagentc run.
func TestReAgentSizesAcrossLines(t *testing.T) {
	log := "2024-01-10 10:12:00, Info                         [ReAgentc.exe] -----Executing command line: reagentc  /enable-----\n" +
		"2024-01-10 10:12:00, Info                         [ReAgentc.exe] WinRE WIM size: 500289248, required free space: 262144000\n" +
		"2024-01-10 10:12:00, Info                         [ReAgentc.exe] Partition free space: 52428800, total size: 554696704\n" +
		"2024-01-10 10:13:00, Info                         [ReAgentc.exe] -----Executing command line: reagentc  /info-----\n" +
		"2024-01-10 10:13:00, Info                         [ReAgentc.exe] Partition free space: 52428800, total size: 554696704\n"
	r := NewReader(strings.NewReader(log), ReAgent)
	var got []string
	for r.Scan() {
		rec := r.Record()
		got = append(got, rec.Fields["required_free"]+"/"+rec.Fields["partition_free"])
	}
	want := []string{"/", "262144000/", "262144000/52428800", "/", "/52428800"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("required/free per line = %v, want %v", got, want)
	}
}

// A sentence a program wrapped itself is one record of plain text; lines
// that start records of their own (a time, a capital, a title after a
// closed sentence) stay apart.
func TestProseJoined(t *testing.T) {
	for _, tt := range []struct {
		name, text string
		want       []string
		lines      []int
	}{
		{"sfc wraps at 75 columns",
			"Windows Resource Protection found corrupt files but was unable to fix some\nof them. For online repairs, details are included in the CBS log file located at\n" +
				"windir\\Logs\\CBS\\CBS.log.\n",
			[]string{"Windows Resource Protection found corrupt files but was unable to fix some of them. For online repairs, details are included in the CBS log file located at windir\\Logs\\CBS\\CBS.log."},
			[]int{1}},
		{"closed sentence, short line, capital",
			"The operation completed successfully.\nnext line\nshort line without an end\nnot joined\n" +
				"This line is long enough to have been wrapped by a program\nWhich starts with a capital here\n",
			[]string{"The operation completed successfully.", "next line", "short line without an end", "not joined",
				"This line is long enough to have been wrapped by a program", "Which starts with a capital here"},
			[]int{1, 2, 3, 4, 5, 6}},
		{"log lines keep their own records",
			"2024/02/14 10:25:02.1234567 1188  9012  Handler         CBS called Error with 0x800f081f,\n2024/02/14 10:25:03.1234567 1188  9012  Agent           done\n",
			[]string{"2024/02/14 10:25:02.1234567 1188  9012  Handler         CBS called Error with 0x800f081f,",
				"2024/02/14 10:25:03.1234567 1188  9012  Agent           done"},
			[]int{1, 2}},
		{"japanese continues with hiragana",
			"Windows リソース保護により、破損したファイルが見つかりましたが、それらの一部は修正でき\nませんでした。\n",
			[]string{"Windows リソース保護により、破損したファイルが見つかりましたが、それらの一部は修正でき ませんでした。"},
			[]int{1}},
		{"a blank line ends a paragraph",
			"This line is long enough to have been wrapped by a program\n\nbut a blank line stands between\n",
			[]string{"This line is long enough to have been wrapped by a program", "but a blank line stands between"},
			[]int{1, 3}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			recs := read(t, Generic, tt.text)
			var got []string
			var lines []int
			for _, r := range recs {
				got = append(got, r.Text)
				lines = append(lines, r.Line)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") || len(lines) != len(tt.lines) {
				t.Fatalf("records %q, want %q", got, tt.want)
			}
			for i := range lines {
				if lines[i] != tt.lines[i] {
					t.Errorf("record %d on line %d, want %d", i, lines[i], tt.lines[i])
				}
			}
		})
	}
	// A run of continuation lines is bounded.
	long := "This line is long enough to have been wrapped by a program" + strings.Repeat("\nand goes on and on and on", 1000) + "\n"
	for _, r := range read(t, Generic, long) {
		if len(r.Text) > maxProse {
			t.Fatalf("a record of %d bytes", len(r.Text))
		}
	}
}

// winget's "Found <name> [<id>]" line names the package in plain text.
func TestWingetFound(t *testing.T) {
	recs := read(t, Generic, "Found Microsoft .NET Windows Desktop Runtime 6.0 [Microsoft.DotNet.DesktopRuntime.6] Version 6.0.26\nFound nothing here\n")
	if len(recs) != 2 || recs[0].Fields["product"] != "Microsoft .NET Windows Desktop Runtime 6.0" ||
		recs[0].Fields["package_id"] != "Microsoft.DotNet.DesktopRuntime.6" || recs[1].Fields["package_id"] != "" {
		t.Errorf("records %+v", recs)
	}
}
