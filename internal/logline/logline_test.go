package logline

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wudiag/wudiag/internal/sharedtest"
	"github.com/wudiag/wudiag/internal/textdec"
)

func TestParse(t *testing.T) {
	ts := time.Date(2023, 5, 17, 12, 6, 13, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want Line
	}{
		{"cbs genuine",
			"2023-05-17 12:06:13, Info                  CBS    Session: 31033555_3320119381 initialized by client WinMgmt",
			Line{Kind: Stamped, Time: ts, Level: "Info", Component: "CBS", Msg: []byte("Session: 31033555_3320119381 initialized by client WinMgmt")}},
		{"csi with counter",
			"2023-05-17 12:06:13, Error                 CSI    0000000a@2025/2/27:11:58:35.891 (F) Attempting",
			Line{Kind: Stamped, Time: ts, Level: "Error", Component: "CSI", Msg: []byte("0000000a@2025/2/27:11:58:35.891 (F) Attempting")}},
		{"dism",
			"2023-05-17 12:06:13, Warning               DISM   PID=7092 TID=5908 Failed to archive - CDISMManager::CreateLocalImageSession(hr:0x80070002)",
			Line{Kind: Stamped, Time: ts, Level: "Warning", Component: "DISM", Msg: []byte("PID=7092 TID=5908 Failed to archive - CDISMManager::CreateLocalImageSession(hr:0x80070002)")}},
		{"empty component (level padded to 29)",
			"2023-05-17 12:06:13, Error                        EnumeratePathEx: FindFirstFile failed for [C:\\$Windows.~BT\\*]; GLE = 0x3[gle=0x00000003]",
			Line{Kind: Stamped, Time: ts, Level: "Error", Msg: []byte("EnumeratePathEx: FindFirstFile failed for [C:\\$Windows.~BT\\*]; GLE = 0x3[gle=0x00000003]")}},
		{"empty component with upper-case first word",
			"2023-05-17 12:06:13, Info                         CBS: Package Keyform: HyperV",
			Line{Kind: Stamped, Time: ts, Level: "Info", Msg: []byte("CBS: Package Keyform: HyperV")}},
		{"padding collapsed to one space",
			"2023-05-17 12:06:13, Info CBS Store corruption, manifest missing for package: Package_123_for_KB3192392~31bf3856ad364e35~amd64~~6.3.1.4",
			Line{Kind: Stamped, Time: ts, Level: "Info", Component: "CBS", Msg: []byte("Store corruption, manifest missing for package: Package_123_for_KB3192392~31bf3856ad364e35~amd64~~6.3.1.4")}},
		{"placeholder date",
			"20xx-xx-18 15:21:14, Info CBS Perf: Doqe: Critical install started.",
			Line{Kind: Stamped, Level: "Info", Component: "CBS", Msg: []byte("Perf: Doqe: Critical install started.")}},
		{"placeholder date and time",
			"<Date> <Time>, Info CSI 00000142 [SR] Repairing 1 components",
			Line{Kind: Stamped, Level: "Info", Component: "CSI", Msg: []byte("00000142 [SR] Repairing 1 components")}},
		{"timestamp stripped, tab",
			"Error\tCSI    00000c63 (F) Logged @: [l:26 ml:27]'JobsHandler::Install enter'",
			Line{Kind: Bare, Level: "Error", Component: "CSI", Msg: []byte("00000c63 (F) Logged @: [l:26 ml:27]'JobsHandler::Install enter'")}},
		{"timestamp stripped, comma",
			"Info,\tCSI    00000c61 Begin executing advanced installer phase 38",
			Line{Kind: Bare, Level: "Info", Component: "CSI", Msg: []byte("00000c61 Begin executing advanced installer phase 38")}},
		{"message id",
			"Error      [0x018003] CSI    00000c71 (F) Failed execution of queue item Installer",
			Line{Kind: Bare, Level: "Error", MsgID: "[0x018003]", Component: "CSI", Msg: []byte("00000c71 (F) Failed execution of queue item Installer")}},
		{"setupact message id",
			"2023-05-17 12:06:13, Error      [0x0606ae] IBS    [SetupCl library] failed",
			Line{Kind: Stamped, Time: ts, Level: "Error", MsgID: "[0x0606ae]", Component: "IBS", Msg: []byte("[SetupCl library] failed")}},
		{"trailing pipe of a pasted table",
			"2023-05-17 12:06:13, Info                  CBS    Failed [HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE] |  ",
			Line{Kind: Stamped, Time: ts, Level: "Info", Component: "CBS", Msg: []byte("Failed [HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]")}},
		{"stray bom",
			"\uFEFF2023-05-17 12:06:13, Info                  CBS    TI: --- Initializing Trusted Installer ---",
			Line{Kind: Stamped, Time: ts, Level: "Info", Component: "CBS", Msg: []byte("TI: --- Initializing Trusted Installer ---")}},
		{"wimgapi",
			"[3252.2868] [0x8007007b] FIOReadFileIntoBuffer:(1456): The filename is incorrect.",
			Line{Kind: Tagged, Msg: []byte("[3252.2868] [0x8007007b] FIOReadFileIntoBuffer:(1456): The filename is incorrect.")}},
		{"continuation", " Expected: {l:32 ml:33 b:027fea2e}.", Line{Kind: Text, Msg: []byte(" Expected: {l:32 ml:33 b:027fea2e}.")}},
		{"prose starting with a level word", "Error: 0x800f0823", Line{Kind: Text, Msg: []byte("Error: 0x800f0823")}},
		{"prose starting with Information", "Information about the thing", Line{Kind: Text, Msg: []byte("Information about the thing")}},
		{"empty message", "2023-05-17 12:06:13, Info                  CBS    ", Line{Kind: Stamped, Time: ts, Level: "Info", Component: "CBS", Msg: []byte{}}},
		{"bad date digits", "2023-13-17 12:06:13, Info CBS x", Line{Kind: Stamped, Level: "Info", Component: "CBS", Msg: []byte("x")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Parse([]byte(tt.in), nil))
		})
	}
}

type rec struct {
	Line  int
	Comp  string
	Text  string
	Split bool
}

func scanAll(t *testing.T, in string, opts *Options) []rec {
	t.Helper()
	s := NewScanner(strings.NewReader(in), opts)
	var out []rec
	for s.Scan() {
		r := s.Record()
		out = append(out, rec{r.Line, r.Head.Component, string(r.Text), r.Split})
	}
	require.NoError(t, s.Err())
	return out
}

func TestScannerAttachesContinuations(t *testing.T) {
	in := "\uFEFF" + `orphan summary line
	second orphan
2024-01-01 00:00:00, Info                  CSI    00000001 Hashes for file member do not match.
 Expected: {l:32 ml:33 b:00}.
 Actual: {l:32 b:11}.

2024-01-01 00:00:01, Info                  CBS    next
2024-01-01 00:00:02, Info                  CSI    00000002 Move File: Source = [l:10]"\SystemRoot\WinSx
2024-01-01 00:00:02, Info                  CSI    S\Temp\x"
[1.2] [0x8007007b] WIMGetMountedImageHandle:(2897)
`
	got := scanAll(t, in, nil)
	assert.Equal(t, []rec{
		{1, "", "orphan summary line\n\tsecond orphan", false},
		{3, "CSI", "00000001 Hashes for file member do not match.\n Expected: {l:32 ml:33 b:00}.\n Actual: {l:32 b:11}.", false},
		{7, "CBS", "next", false},
		{8, "CSI", "00000002 Move File: Source = [l:10]\"\\SystemRoot\\WinSx\nS\\Temp\\x\"", false},
		{10, "", "[1.2] [0x8007007b] WIMGetMountedImageHandle:(2897)", false},
	}, got)
}

func TestScannerTimestampCacheKeepsTrimming(t *testing.T) {
	in := "2024-01-01 00:00:00, Info                  CBS    a |\n2024-01-01 00:00:00, Info                  CBS    b |\n"
	assert.Equal(t, []rec{{1, "CBS", "a", false}, {2, "CBS", "b", false}}, scanAll(t, in, nil))
}

func TestScannerBoundsRecords(t *testing.T) {
	in := "2024-01-01 00:00:00, Info                  CBS    head\n" + strings.Repeat("abcdefghi\n", 10)
	got := scanAll(t, in, &Options{MaxRecord: 32})
	require.NotEmpty(t, got)
	total := 0
	for _, r := range got {
		assert.LessOrEqual(t, len(r.Text), 32)
		total += strings.Count(r.Text, "abcdefghi")
	}
	assert.Equal(t, 10, total, "no continuation line is lost")
	assert.True(t, got[0].Split)
}

func TestScannerJoinsCutLines(t *testing.T) {
	long := strings.Repeat("x", 50)
	in := "2024-01-01 00:00:00, Info                  CBS    " + long + "\nnext line\n"
	got := scanAll(t, in, &Options{Text: textdec.Options{MaxLine: 64}})
	assert.Equal(t, []rec{{1, "CBS", long + "\nnext line", true}}, got)
}

func FuzzScanner(f *testing.F) {
	f.Add("2024-01-01 00:00:00, Info                  CSI    00000001 x\n y\r\nError CBS z", 16)
	f.Add("[1] [0x1] a\n<Date> <Time>, Info CSI 0000 b", 3)
	f.Fuzz(func(t *testing.T, in string, max int) {
		s := NewScanner(strings.NewReader(in), &Options{MaxRecord: max%256 + 1, Text: textdec.Options{MaxLine: max % 100}})
		prev := 0
		for s.Scan() {
			r := s.Record()
			if r.Line < prev {
				t.Fatalf("record line %d after %d", r.Line, prev)
			}
			prev = r.Line
		}
		if s.Err() != nil {
			t.Fatal(s.Err())
		}
	})
}

// TestConsoleCopies: a CBS.log cut at 80 or 120 columns by a console,
// indented as a code block or quoted as in a mail reads as the same
// records.
func TestConsoleCopies(t *testing.T) {
	log := "2024-01-10 03:12:40, Info                  CBS    Exec: Processing started.  Client: WindowsUpdateAgent, Session: 31087164_3432874431, Package: Package_for_RollupFix~31bf3856ad364e35~amd64~~19041.3930.1.6\n" +
		"2024-01-10 03:12:41, Error                 CBS    Failed to pre-stage package: Package_for_RollupFix~31bf3856ad364e35~amd64~~19041.3930.1.6 [HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]\n" +
		"2024-01-10 03:12:41, Info                  CSI    00000012 [SR] Cannot repair member file [l:12]'TextShaping.dll' of Microsoft-Windows-TextShaping, version 10.0.19041.3930, arch amd64, nonSxS, pkt {l:8 b:31bf3856ad364e35} in the store, hash mismatch\n" +
		"2024-01-10 03:12:42, Info                  CBS    Short line\n"
	records := func(s string) []string {
		sc := NewScanner(strings.NewReader(s), nil)
		var out []string
		for sc.Scan() {
			out = append(out, sc.Record().Head.Level+" "+sc.Record().Head.Component+" "+string(sc.Record().Text))
		}
		return out
	}
	cut, prefix := sharedtest.ConsoleCut, sharedtest.PrefixLines
	want := records(log)
	require.Len(t, want, 4)
	for name, copy := range map[string]string{
		"cut-80": cut(log, 80), "cut-120": cut(log, 120), "indented": prefix(log, "    "),
		"quoted": prefix(log, "> "), "quoted-twice": prefix(prefix(log, "> "), "> "), "indented-cut": prefix(cut(log, 80), "    "),
		"quoted-cut": prefix(cut(log, 120), "> "),
	} {
		assert.Equal(t, want, records(copy), name)
	}
}

func TestUnquote(t *testing.T) {
	for in, want := range map[string]string{
		"> a": "a", ">a": "a", "> > a": "a", ">> a": "a", "  > a": "a", ">  indented": " indented",
		"a > b": "a > b", "": "", ">": "", "=> x": "=> x", "     > five blanks is code": "     > five blanks is code",
	} {
		assert.Equal(t, want, string(Unquote([]byte(in))), in)
	}
}
