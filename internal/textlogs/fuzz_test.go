package textlogs

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

// FuzzReader reads arbitrary bytes as every kind: no panic, every record
// starts on a line that exists, its text is valid UTF-8 and bounded, and
// Sniff accepts the same bytes.
func FuzzReader(f *testing.F) {
	for _, s := range seedLines {
		for k := range Kinds {
			f.Add([]byte(s), uint8(k))
		}
	}
	f.Add([]byte("\xff\xfeM\x00p\x00C\x00m\x00d\x00R\x00u\x00n\x00:\x00"), uint8(5))
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		kind := Kinds[int(k)%len(Kinds)]
		Sniff("x.log", data)
		lines := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) + 1
		r := NewReader(bytes.NewReader(data), kind)
		for r.Scan() {
			rec := r.Record()
			if rec.Line < 1 || rec.Line > lines {
				t.Fatalf("%s: record at line %d of %d", kind, rec.Line, lines)
			}
			if len(rec.Text) > maxRecord+64 {
				t.Fatalf("%s: record text %d bytes", kind, len(rec.Text))
			}
			if !utf8.ValidString(rec.Text) {
				t.Fatalf("%s: invalid UTF-8 in %q", kind, rec.Text)
			}
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
	})
}

// seedLines are real lines of each format (quoted from the shared
// samples and the documents named in the package doc) and a few built
// ones.
var seedLines = []string{
	"2019/06/05 11:07:50.0950566 21136   9740  Agent           LogHistory called.   idUpdate={E0F87EBF-B414-4AC7-A225-8FE802CF8618}.1, resultMapped=80070643,   resultUnMapped=FFFE |  \n",
	"2021/07/13 10:23:06.3460256 3696  8172  Misc            *FAILED* [8024000C] LoadHistoryEventFromRegistry completed\r\n",
	"Windows failed to download from http://au.download.windowsupdate.com/c/msdownload/update/software/secu/2024/01/winreupdateinstaller_2401b_amd64_db08130ebf8845056f4677e8ef6d85ec048bf7b4.exe\nto local path = C:\\Windows\\SoftwareDistribution\\Download\\f8c37f82eee991ffa34047ca3710154c\\db08130ebf8845056f4677e8ef6d85ec048bf7b4 with error 0x80070070\n",
	"2021-08-28\t03:07:48:216\t 648\t13bc\tService\t**  END  **  Service: Service exit [Exit code = 0x240001]\r\n",
	"2010-01-05 18:52:06:747 808 aac Misc WARNING: WinHttp: SendRequestUsingProxy failed for <http://servername/selfupdate/wuident.cab>. error 0x8024402c\n",
	"{2C3C39FA-FC0F-4F44-9049-D2AA53B27FFB}\t2017-12-12 19:46:19:636+0900\t1\t182 [AGENT_INSTALLING_FAILED]\t101\t{BFC8A103-FD5F-4458-9935-231D9F79E2C1}\t203\t80242015\tUpdateOrchestrator\tFailure\tContent Install\tInstallation Failure: Windows failed to install the following update with error 0x80242015: Cumulative Update (KB4051033)\n",
	"2020-01-03 17:12:50, Info                         [ReAgentc.exe] -----Executing command line: reagentc  /setreimage /path R:\\Recovery\\WindowsRE-----\n",
	"2022-07-06 08:08:30, Info                  SP     Antivirus software information:\r\n                                   Name: Windows Defender, Path: %ProgramFiles%\\Windows Defender\\MsMpeng.exe, Timestamp: Tue, 05 Jul 2022 14:46:21 GMT, State: 397568\r\n\r\n",
	"-------------------------------------------------------------------------------------\r\nMpCmdRun: Command Line: \"C:\\Program Files\\Windows Defender\\MpCmdRun.exe\" SignatureUpdate\r\n Start Time: \u200e周日 \u200e5月 \u200e30 \u200e2021 13:43:24\r\nERROR: SignatureUpdate failed with hr=80070643\r\n",
	"================================ ValidateUpdate ================================\n\nDeltaUpdateFailure set to 0\nEnd time: 2024-03-25 03:17:54Z\n-------------------------------------------------------------------------------- Start time: 2024-03-25 17:33:12Z\n",
	"ERROR 0x80501005 : Failed to update platform from C:\\Users\\ADMINI~1.SVG\\AppData\\Local\\Temp\\C825D6EC-36AD-4487-968D-FBA1B9B06AB9\n",
	"[2D50:1074][2020-10-07T04:11:44]i399: Apply complete, result: 0x80070643, restart: None, ba requested restart:  No\n",
	"MSI (s) (A0:B4) [04:11:44:123]: MainEngineThread is returning 1603\nAction ended 4:11:44: InstallFinalize. Return value 3.\n",
	"Filter Name                     Num Instances    Altitude    Frame\n------------------------------  -------------  ------------  -----\nWdFilter                               10       328010         0\n",
	"     0 KB in bad sectors.\nWindows has scanned the file system and found no problems.\n",
	"Error: 0x800f0823  Package C:\\Windows\\Temp\\WinREFix.msu may have failed\n",
}

// FuzzSplitWU holds the hand-written WindowsUpdate.log line splitter to
// the regular expressions that document the formats.
func FuzzSplitWU(f *testing.F) {
	f.Add("2019/06/05 11:07:50.0950566 21136   9740  Agent           LogHistory called.", false)
	f.Add("2010-01-05 18:52:06:747 808 aac Misc WARNING: x", true)
	f.Fuzz(func(t *testing.T, l string, classic bool) {
		if msg := splitWUDiff(l, classic); msg != "" {
			t.Fatal(msg)
		}
	})
}
