package evtx_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/wudiag/wudiag/evtx"
	"github.com/wudiag/wudiag/internal/evtxwrite"
)

// exportEvents is a small mix of the events wudiag reads, written as a
// binary log; the tests below render them in every text form a person
// sends and require each form to read back as the same events.
type exportEvent struct {
	bin     evtxwrite.Event
	message string
}

func exportMix() []exportEvent {
	tm := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	return []exportEvent{
		{evtxwrite.Event{Channel: "System", Provider: "Microsoft-Windows-WindowsUpdateClient", ProviderGUID: "{945A8954-C147-4ACD-923F-40C45405A658}",
			EventID: 20, Level: 2, Time: tm, Computer: "PC01.contoso.com", UserID: "S-1-5-18",
			Data: []evtxwrite.Field{{Name: "errorCode", Value: evtxwrite.HexInt32(0x80070643)}, {Name: "updateTitle", Value: "2024-01 Update for Windows (KB5034441)"}}},
			"Installation Failure: Windows failed to install the following update with error 0x80070643: 2024-01 Update for Windows (KB5034441)."},
		{evtxwrite.Event{Channel: "Application", Provider: "MsiInstaller", EventID: 1033, HasQualifiers: true, Level: 4, Time: tm.Add(13 * time.Hour), Computer: "PC01.contoso.com",
			Unnamed: true, Data: []evtxwrite.Field{{Value: []string{"EMET 5.51", "5.51", "1033", "1603", "Microsoft Corporation", "(NULL)", ""}}}},
			"Windows Installer installed the product. Product Name: EMET 5.51. Product Version: 5.51. Product Language: 1033. Manufacturer: Microsoft Corporation. Installation success or error status: 1603.\n\nSecond paragraph, \"quoted\", with a comma."},
		{evtxwrite.Event{Channel: "Setup", Provider: "Microsoft-Windows-Servicing", EventID: 3, Level: 3, Time: tm.Add(25 * time.Hour), Computer: "PC01.contoso.com",
			UserData: "CbsPackageChangeState", UserDataNS: "http://manifests.microsoft.com/win/2004/08/windows/setup_provider",
			Data: []evtxwrite.Field{{Name: "PackageIdentifier", Value: "KB5034441"}, {Name: "ErrorCode", Value: "0x800f0922"}}},
			"Package KB5034441 failed to be changed to the Installed state. Status: 0x800f0922."},
	}
}

func levelName(l uint8, ja bool) string {
	en := map[uint8]string{1: "Critical", 2: "Error", 3: "Warning", 4: "Information", 5: "Verbose"}
	jp := map[uint8]string{1: "重大", 2: "エラー", 3: "警告", 4: "情報", 5: "詳細"}
	if ja {
		return jp[l]
	}
	return en[l]
}

// what a form keeps of an event.
type keeps struct {
	channel, computer, data, message, record bool
}

// readForm reads an export and compares it with the binary events.
func readForm(t *testing.T, name string, doc []byte, kind evtx.Kind, k keeps, bin []*evtx.Event, mix []exportEvent) {
	t.Helper()
	if got := evtx.Sniff(doc); got != kind {
		t.Fatalf("%s: Sniff = %v, want %v", name, got, kind)
	}
	r := evtx.NewReader(bytes.NewReader(doc), int64(len(doc)), nil)
	i := 0
	for r.Next() {
		if len(r.Warnings()) > 0 {
			t.Errorf("%s: warnings %v", name, r.Warnings())
		}
		ev, want := r.Event(), bin[min(i, len(bin)-1)]
		at := fmt.Sprintf("%s event %d", name, i)
		if ev.Provider != want.Provider || ev.EventID != want.EventID || ev.Level != want.Level || !ev.Time.Equal(want.Time) {
			t.Errorf("%s: %s %d level %d %v, want %s %d level %d %v", at, ev.Provider, ev.EventID, ev.Level, ev.Time, want.Provider, want.EventID, want.Level, want.Time)
		}
		if k.channel && ev.Channel != want.Channel {
			t.Errorf("%s: channel %q, want %q", at, ev.Channel, want.Channel)
		}
		if k.computer && ev.Computer != want.Computer {
			t.Errorf("%s: computer %q, want %q", at, ev.Computer, want.Computer)
		}
		if k.record && ev.RecordID != want.RecordID {
			t.Errorf("%s: record %d, want %d", at, ev.RecordID, want.RecordID)
		}
		if k.data && fmt.Sprint(ev.Data) != fmt.Sprint(want.Data) {
			t.Errorf("%s: Data %q, want %q", at, ev.Data, want.Data)
		}
		if k.message && ev.Message != mix[min(i, len(mix)-1)].message {
			t.Errorf("%s: message %q, want %q", at, ev.Message, mix[i].message)
		}
		i++
	}
	t.Logf("%s: %d events", name, i)
	if i != len(bin) || r.Err() != nil {
		t.Errorf("%s: %d events (want %d), err %v, warnings %v", name, i, len(bin), r.Err(), r.Warnings())
	}
}

func utf16LE(s string) []byte {
	b := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func csvQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// TestExportForms renders the mix as Event Viewer's text (English and
// Japanese UI, with the XML section), wevtutil /f:text, Event Viewer's CSV
// and tab-delimited text (English and Japanese), PowerShell Export-Csv and
// Format-List (default and *), and reads each back.
func TestExportForms(t *testing.T) {
	mix := exportMix()
	var buf bytes.Buffer
	w := evtxwrite.New(&buf, nil)
	for _, e := range mix {
		w.Add(e.bin)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	var bin []*evtx.Event
	r := evtx.NewReader(bytes.NewReader(data), int64(len(data)), nil)
	for r.Next() {
		bin = append(bin, r.Event())
	}
	if len(bin) != len(mix) {
		t.Fatal(len(bin), r.Err(), r.Warnings())
	}
	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

	// Event Viewer "Copy details as text" / "Save as text" blocks.
	for _, ja := range []bool{false, true} {
		var b strings.Builder
		for i, ev := range bin {
			if ja {
				fmt.Fprintf(&b, "ログの名前:         %s\nソース:           %s\n日付:            %s\nイベント ID:       %d\nタスクのカテゴリ:      なし\nレベル:           %s\nキーワード:         クラシック\nユーザー:          N/A\nコンピューター:       %s\n説明:\n%s\nイベント XML:\n%s\n",
					ev.Channel, ev.Provider, ev.Time.Format("2006/01/02 15:04:05"), ev.EventID, levelName(ev.Level, true), ev.Computer, mix[i].message, toXML(ev))
			} else {
				fmt.Fprintf(&b, "Log Name:      %s\nSource:        %s\nDate:          %s\nEvent ID:      %d\nTask Category: None\nLevel:         %s\nKeywords:      Classic\nUser:          SYSTEM\nComputer:      %s\nDescription:\n%s\nEvent Xml:\n%s\n",
					ev.Channel, ev.Provider, ev.Time.Format("1/2/2006 3:04:05 PM"), ev.EventID, levelName(ev.Level, false), ev.Computer, mix[i].message, toXML(ev))
			}
		}
		name := map[bool]string{false: "Event Viewer text (en)", true: "Event Viewer text (ja)"}[ja]
		doc := []byte(crlf(b.String()))
		readForm(t, name, doc, evtx.Text, keeps{channel: true, computer: true, data: true, message: true, record: true}, bin, mix)
		readForm(t, name+" UTF-16", utf16LE(string(doc)), evtx.Text, keeps{channel: true, computer: true, data: true, message: true, record: true}, bin, mix)
		// Copied without the XML section.
		var nox strings.Builder
		for _, block := range strings.SplitAfter(b.String(), "</Event>\r\n\n") {
			if i := strings.Index(block, map[bool]string{false: "Event Xml:", true: "イベント XML:"}[ja]); i >= 0 {
				block = block[:i]
			}
			nox.WriteString(block)
		}
		readForm(t, name+" without XML", []byte(crlf(nox.String())), evtx.Text, keeps{channel: true, computer: true, message: true}, bin, mix)
	}

	// wevtutil qe System /f:text
	var wv strings.Builder
	for i, ev := range bin {
		fmt.Fprintf(&wv, "Event[%d]:\n  Log Name: %s\n  Source: %s\n  Date: %s\n  Event ID: %d\n  Task: N/A\n  Level: %s\n  Opcode: Info\n  Keyword: Classic\n  User: S-1-5-18\n  User Name: NT AUTHORITY\\SYSTEM\n  Computer: %s\n  Description: \n%s\n\n",
			i, ev.Channel, ev.Provider, ev.Time.Format("2006-01-02T15:04:05.000"), ev.EventID, levelName(ev.Level, false), ev.Computer, mix[i].message)
	}
	readForm(t, "wevtutil /f:text", []byte(crlf(wv.String())), evtx.Text, keeps{channel: true, computer: true, message: true}, bin, mix)

	// Event Viewer "Save All Events As" CSV and tab-delimited text.
	for _, ja := range []bool{false, true} {
		for _, sep := range []string{",", "\t"} {
			var b strings.Builder
			b.WriteString("\uFEFF")
			if ja {
				b.WriteString(strings.Join([]string{"レベル", "日付と時刻", "ソース", "イベント ID", "タスクのカテゴリ"}, sep) + "\n")
			} else {
				b.WriteString(strings.Join([]string{"Level", "Date and Time", "Source", "Event ID", "Task Category"}, sep) + "\n")
			}
			for i, ev := range bin {
				date := ev.Time.Format("1/2/2006 3:04:05 PM")
				if ja {
					date = ev.Time.Format("2006/01/02 15:04:05")
				}
				b.WriteString(strings.Join([]string{levelName(ev.Level, ja), date, ev.Provider, fmt.Sprint(ev.EventID), "None", csvQuote(mix[i].message)}, sep) + "\n")
			}
			name := fmt.Sprintf("Event Viewer CSV (ja %v, sep %q)", ja, sep)
			readForm(t, name, []byte(crlf(b.String())), evtx.CSV, keeps{message: true}, bin, mix)
		}
	}

	// Get-WinEvent | Export-Csv (Windows PowerShell 5.1: #TYPE line).
	cols := []string{"Message", "Id", "Version", "Qualifiers", "Level", "Task", "Opcode", "Keywords", "RecordId", "ProviderName", "ProviderId", "LogName", "ProcessId", "ThreadId", "MachineName", "UserId", "TimeCreated", "ActivityId", "RelatedActivityId", "ContainerLog", "MatchedQueryIds", "Bookmark", "LevelDisplayName", "OpcodeDisplayName", "TaskDisplayName", "KeywordsDisplayNames", "Properties"}
	var pc strings.Builder
	pc.WriteString("#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\n")
	for i, c := range cols {
		if i > 0 {
			pc.WriteString(",")
		}
		pc.WriteString(csvQuote(c))
	}
	pc.WriteString("\n")
	for i, ev := range bin {
		vals := map[string]string{"Message": mix[i].message, "Id": fmt.Sprint(ev.EventID), "Version": "0", "Level": fmt.Sprint(ev.Level),
			"Keywords": fmt.Sprint(int64(ev.Keywords)), "RecordId": fmt.Sprint(ev.RecordID), "ProviderName": ev.Provider,
			"ProviderId": strings.ToLower(strings.Trim(ev.ProviderGUID, "{}")), "LogName": ev.Channel, "MachineName": ev.Computer,
			"TimeCreated": ev.Time.Format("1/2/2006 3:04:05 PM"), "LevelDisplayName": levelName(ev.Level, false),
			"Properties": "System.Collections.Generic.List`1[System.Diagnostics.Eventing.Reader.EventProperty]", "MatchedQueryIds": "System.Int32[]"}
		for j, c := range cols {
			if j > 0 {
				pc.WriteString(",")
			}
			pc.WriteString(csvQuote(vals[c]))
		}
		pc.WriteString("\n")
	}
	readForm(t, "Export-Csv", []byte(crlf(pc.String())), evtx.CSV, keeps{channel: true, computer: true, message: true, record: true}, bin, mix)

	// Get-WinEvent | Format-List and Format-List *.
	indent := func(msg string, col int) string {
		return strings.ReplaceAll(msg, "\n", "\n"+strings.Repeat(" ", col))
	}
	var fl, fls strings.Builder
	for i, ev := range bin {
		fmt.Fprintf(&fl, "\n\nTimeCreated  : %s\nProviderName : %s\nId           : %d\nMessage      : %s\n",
			ev.Time.Format("1/2/2006 3:04:05 PM"), ev.Provider, ev.EventID, indent(mix[i].message, 15))
		fmt.Fprintf(&fls, "\n\nMessage              : %s\nId                   : %d\nVersion              : 0\nLevel                : %d\nTask                 : 0\nRecordId             : %d\nProviderName         : %s\nLogName              : %s\nMachineName          : %s\nTimeCreated          : %s\nLevelDisplayName     : %s\nProperties           : {System.Diagnostics.Eventing.Reader.EventProperty}\n",
			indent(mix[i].message, 23), ev.EventID, ev.Level, ev.RecordID, ev.Provider, ev.Channel, ev.Computer, ev.Time.Format("2006/01/02 15:04:05"), levelName(ev.Level, true))
	}
	// Format-List (default) has no level: compare what it has.
	readList := func(name, doc string, k keeps, noLevel bool) {
		want := bin
		if noLevel {
			want = nil
			for _, ev := range bin {
				c := *ev
				c.Level = 0
				want = append(want, &c)
			}
		}
		readForm(t, name, []byte(crlf(doc)), evtx.Text, k, want, mix)
	}
	readList("Format-List", fl.String(), keeps{message: true}, true)
	readList("Format-List *", fls.String(), keeps{channel: true, computer: true, message: true, record: true}, false)
}

// TestJapaneseTextSample reads a block copied from a Japanese Event Viewer
// (the labels and layout as Windows writes them, padded with spaces).
func TestJapaneseTextSample(t *testing.T) {
	doc := "ログの名前:         Microsoft-Windows-TaskScheduler/Operational\r\n" +
		"ソース:           Microsoft-Windows-TaskScheduler\r\n" +
		"日付:            2025/06/02 14:20:21\r\n" +
		"イベント ID:       101\r\n" +
		"タスクのカテゴリ:      タスクの開始に失敗しました\r\n" +
		"レベル:           エラー\r\n" +
		"キーワード:         \r\n" +
		"ユーザー:          SYSTEM\r\n" +
		"コンピューター:       PC01\r\n" +
		"説明:\r\n" +
		"タスク スケジューラはユーザー \"PC01\\user\" の \"\\Example\" タスクを開始できませんでした。追加データ: エラーの値: 2147942402。\r\n"
	r := evtx.NewReader(strings.NewReader(doc), int64(len(doc)), nil)
	if !r.Next() {
		t.Fatal(r.Err(), r.Warnings())
	}
	ev := r.Event()
	if ev.Channel != "Microsoft-Windows-TaskScheduler/Operational" || ev.EventID != 101 || ev.Level != 2 || ev.Computer != "PC01" ||
		!ev.Time.Equal(time.Date(2025, 6, 2, 14, 20, 21, 0, time.UTC)) || !strings.Contains(ev.Message, "2147942402") {
		t.Errorf("%+v", ev)
	}
}

// TestEnglishTextSample reads the shared Task Scheduler event 146 copied
// from Event Viewer (no date line, no XML).
func TestEnglishTextSample(t *testing.T) {
	dir, _ := sharedSamples(t)
	name := filepath.Join(filepath.Dir(dir), "text", "cbs-ws2016-taskscheduler-installer-800f0922", "TaskScheduler-Operational-event146.txt")
	data, err := os.ReadFile(name)
	if err != nil {
		t.Skip(err)
	}
	r := evtx.NewReader(bytes.NewReader(data), int64(len(data)), nil)
	if !r.Next() {
		t.Fatal(r.Err(), r.Warnings())
	}
	ev := r.Event()
	if ev.Provider != "Microsoft-Windows-TaskScheduler" || ev.EventID != 146 || ev.Level != 2 || !strings.Contains(ev.Message, "2147942402") {
		t.Errorf("%+v", ev)
	}
}

// TestNotExports: text that only resembles an export is not taken for one
// (a setup log of the shared samples, CSV of other things, prose).
func TestNotExports(t *testing.T) {
	for _, in := range []string{
		"[09/24/10,22:40:16] Watson UX Data Logging started\r\n[09/24/10,22:40:16] ProductCode: {2FC099BD}\r\n",
		"Name,Value\nId,3\nSource,x\n",
		"Id : 3\n",
		"Notes: the Event ID: was 20 and the Source: WU\n",
		"<Date> <Time>, Info CSI 00000142 [SR] Repairing 1 components\r\n",
		"\uFEFF<![LOG[CWuaHandler::SetCategoriesForStateReportingExclusion called]LOG]!><time=\"10:00:00.000+000\" date=\"01-02-2024\">\r\n",
		"<html><body>EventViewer</body></html>",
	} {
		if k := evtx.Sniff([]byte(in)); k != evtx.Unknown {
			t.Errorf("Sniff(%q) = %v", in, k)
		}
	}
	dir, _ := sharedSamples(t)
	name := filepath.Join(filepath.Dir(dir), "text", "dd-netfx35-xp-sp3-netfx20a-msi-1603", "uxeventlog.txt")
	if data, err := os.ReadFile(name); err == nil {
		if k := evtx.Sniff(data[:min(len(data), 4096)]); k != evtx.Unknown {
			t.Errorf("%s: Sniff = %v", name, k)
		}
	}
}

// TestSniffSharedTextSamples: among the shared real logs, only the event
// logs and the one Event Viewer text export are taken for event logs, so
// that a caller routing inputs by Sniff sends every other log elsewhere.
func TestSniffSharedTextSamples(t *testing.T) {
	dir, _ := sharedSamples(t)
	root := filepath.Join(filepath.Dir(dir), "text")
	files, _ := filepath.Glob(filepath.Join(root, "*", "*"))
	if len(files) == 0 {
		t.Skip("no text samples")
	}
	for _, f := range files {
		if filepath.Base(f) == "case.json" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		want := evtx.Unknown
		switch {
		case strings.HasSuffix(f, ".evtx"):
			want = evtx.Binary
		case filepath.Base(f) == "TaskScheduler-Operational-event146.txt":
			want = evtx.Text
		}
		if got := evtx.Sniff(data[:min(len(data), 4608)]); got != want {
			t.Errorf("%s: Sniff = %v, want %v", f, got, want)
		}
	}
}

// People copy the prompt and the command above the output: a command
// that names the columns it selects is no CSV header, and a Format-List
// after it is still read.
func TestExportAfterPrompt(t *testing.T) {
	const list = "TimeCreated  : 1/10/2024 3:12:44 AM\r\nProviderName : Microsoft-Windows-WindowsUpdateClient\r\nId           : 20\r\n" +
		"Message      : Installation Failure: Windows failed to install the following update with error 0x80070643: 2024-01\r\n" +
		"               Security Update for Windows 10 Version 22H2 for x64-based Systems (KB5034441).\r\n\r\n"
	for _, prompt := range []string{
		"PS C:\\> Get-WinEvent -LogName System -MaxEvents 3 | Format-List TimeCreated,ProviderName,Id,Message\r\n\r\n",
		"PS C:\\Users\\me> Get-WinEvent -LogName System | fl TimeCreated,ProviderName,Id,Message\r\n",
		"C:\\Windows\\system32>powershell -c \"Get-WinEvent -LogName System | Format-List TimeCreated,ProviderName,Id,Message\"\r\n",
	} {
		data := []byte(prompt + list)
		if got := evtx.Sniff(data); got != evtx.Text {
			t.Errorf("%q: Sniff = %v, want Text", prompt, got)
			continue
		}
		var got []*evtx.Event
		for ev, err := range evtx.NewReader(bytes.NewReader(data), int64(len(data)), nil).All(context.Background()) {
			if err != nil {
				t.Fatalf("%q: %v", prompt, err)
			}
			got = append(got, ev)
		}
		if len(got) != 1 || got[0].EventID != 20 || !strings.Contains(got[0].Message, "(KB5034441)") {
			t.Errorf("%q: events %+v", prompt, got)
		}
	}
	// A real header still is one.
	if got := evtx.Sniff([]byte("\"Level\",\"Date and Time\",\"Source\",\"Event ID\",\"Task Category\"\r\n")); got != evtx.CSV {
		t.Errorf("CSV header: Sniff = %v", got)
	}
}
