package cbslog

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wudiag/wudiag/codes"
)

func readEntries(t *testing.T, in string) []Entry {
	t.Helper()
	var out []Entry
	for e, err := range Entries(strings.NewReader(in)) {
		require.NoError(t, err)
		out = append(out, e)
	}
	return out
}

func TestEntryFields(t *testing.T) {
	in := "\uFEFF" +
		"2025-02-27 08:58:35, Error                 CSI    0000000a@2025/2/27:11:58:35.891 (F) Attempting to mark store corrupt with category [l:21 ml:22]'CorruptComponentValue'[gle=0x80004005]\r\n" +
		"2025-02-27 08:58:35, Info                  CBS    Failed to add one or more deployment [HRESULT = 0x80073712 - ERROR_SXS_COMPONENT_STORE_CORRUPT]\r\n" +
		"2023-03-29 15:59:39, Info                  CSI    00000213 [SR] Repairing 0 components\r\n" +
		"2023-03-29 15:59:40, Info                  CSI    00000214 Hashes for file member [l:9]'Appx.psd1' do not match.\r\n" +
		" Expected: {l:32 ml:33 b:027fea2e090be00217335c51e41777ef7d6f105789ca49b375ae1083e48420ad}.\r\n" +
		"Error\tCSI    00000c6e@ (F) CMIADAPTER: AI failed. HRESULT = HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)\r\n"
	got := readEntries(t, in)
	require.Len(t, got, 5)

	e := got[0]
	assert.Equal(t, 1, e.Line)
	assert.Equal(t, time.Date(2025, 2, 27, 8, 58, 35, 0, time.UTC), e.Time)
	assert.Equal(t, "Error", e.Level)
	assert.Equal(t, "CSI", e.Component)
	assert.Equal(t, 10, e.Seq)
	assert.Equal(t, time.Date(2025, 2, 27, 11, 58, 35, 891e6, time.UTC), e.UTC)
	assert.True(t, e.Failure)
	assert.Equal(t, "Attempting to mark store corrupt with category [l:21 ml:22]'CorruptComponentValue'[gle=0x80004005]", e.Text)
	assert.Equal(t, []codes.Code{0x80004005}, e.Codes)

	assert.Equal(t, -1, got[1].Seq, "CBS lines have no counter")
	assert.Equal(t, []codes.Code{0x80073712}, got[1].Codes)
	assert.True(t, got[1].Failed())

	assert.Nil(t, got[2].Codes)
	assert.False(t, got[2].Failed())

	assert.Equal(t, 4, got[3].Line)
	assert.Equal(t, "Hashes for file member [l:9]'Appx.psd1' do not match.\n Expected: {l:32 ml:33 b:027fea2e090be00217335c51e41777ef7d6f105789ca49b375ae1083e48420ad}.", got[3].Text)
	assert.Nil(t, got[3].Codes, "a hash is not a code")

	assert.Equal(t, 6, got[4].Line)
	assert.True(t, got[4].Time.IsZero(), "timestamp stripped in the copy")
	assert.True(t, got[4].Failure)
	assert.True(t, got[4].UTC.IsZero(), "empty @ stamp")
	assert.Equal(t, []codes.Code{0x80070002}, got[4].Codes)
}

func TestReaderLocation(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	r := NewReader(strings.NewReader("2024-01-09 10:00:00, Info                  CBS    x\n"))
	r.Location = tokyo
	require.True(t, r.Scan())
	assert.Equal(t, time.Date(2024, 1, 9, 1, 0, 0, 0, time.UTC), r.Entry().Time.UTC())
	assert.Equal(t, "utf-8", r.DetectedEncoding())
}

func TestEntriesStopsEarly(t *testing.T) {
	n := 0
	for range Entries(strings.NewReader("2024-01-09 10:00:00, Info CBS a\n2024-01-09 10:00:00, Info CBS b\n")) {
		n++
		break
	}
	assert.Equal(t, 1, n)
}

func TestParsePackage(t *testing.T) {
	tests := []struct {
		in   string
		want Package
		ok   bool
	}{
		{"Package_for_KB5034441~31bf3856ad364e35~amd64~~19041.3920.1.3", Package{Name: "Package_for_KB5034441", Arch: "amd64", Version: "19041.3920.1.3", KB: "KB5034441", Kind: "kb"}, true},
		{"Package_123_for_KB3192392~31bf3856ad364e35~amd64~~6.3.1.4", Package{Name: "Package_123_for_KB3192392", Arch: "amd64", Version: "6.3.1.4", KB: "KB3192392", Kind: "kb"}, true},
		{"Package_for_RollupFix~31bf3856ad364e35~amd64~~14393.4889.1.2", Package{Name: "Package_for_RollupFix", Arch: "amd64", Version: "14393.4889.1.2", Kind: "rollup"}, true},
		{"Package_for_ServicingStack_3081~31bf3856ad364e35~amd64~~20348.3081.1.1", Package{Name: "Package_for_ServicingStack_3081", Arch: "amd64", Version: "20348.3081.1.1", Kind: "ssu"}, true},
		{"Wrapper-DDDA51604A99B1668F4E7D804F8F81E7558D0FEB4EA0DE087D6BF2DE607411F0~31bf3856ad364e35~amd64~~10.0.20348.3081", Package{Name: "Wrapper-DDDA51604A99B1668F4E7D804F8F81E7558D0FEB4EA0DE087D6BF2DE607411F0", Arch: "amd64", Version: "10.0.20348.3081", Kind: "wrapper"}, true},
		{"Microsoft-Windows-Client-Refresh-LanguagePack-Package~31bf3856ad364e35~amd64~fi-FI~6.3.1.0", Package{Name: "Microsoft-Windows-Client-Refresh-LanguagePack-Package", Arch: "amd64", Language: "fi-FI", Version: "6.3.1.0", Kind: "other"}, true},
		{"Package_for_KB5034441~31bf3856ad364e35~amd64~~", Package{}, false},
		{"not~a~package", Package{}, false},
		{"Package_for_KB1~xyz~amd64~~1.0", Package{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParsePackage(tt.in)
			require.Equal(t, tt.ok, ok)
			if ok {
				tt.want.Identity = tt.in
				tt.want.PublicKeyToken = "31bf3856ad364e35"
				assert.Equal(t, tt.want, got)
			}
		})
	}
}

func TestFindPackagesInLines(t *testing.T) {
	line := "ref: ( flgs: 00000000 guid: {d16d444c-56d8-11d5-882d-0080c847b195} name: [l:122]'Windows-Defender-AM-Default-Definitions-Package~31bf3856ad364e35~amd64~en-US~10.0.19041.1.43b88c2e5c84f60b174db17bd846f771' ncdata: [l:0]'')"
	got := findPackages(nil, line)
	require.Len(t, got, 1)
	assert.Equal(t, "Windows-Defender-AM-Default-Definitions-Package~31bf3856ad364e35~amd64~en-US~10.0.19041.1", got[0].Identity)

	got = findPackages(nil, "Mark store corruption flag because of package: Package_123_for_KB3192392~31bf3856ad364e35~amd64~~6.3.1.4. [HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]")
	require.Len(t, got, 1)
	assert.Equal(t, "KB3192392", got[0].KB)
}

func TestFindKB(t *testing.T) {
	assert.Equal(t, "KB5034441", FindKB("2024-01 Security Update for Windows 10 Version 22H2 for x64-based Systems (KB5034441)"))
	assert.Equal(t, "KB2267602", FindKB("Security Intelligence Update for Microsoft Defender Antivirus - KB2267602 (Version 1.403.1234.0)"))
	assert.Equal(t, "", FindKB("KB12345 too short, KB12345678 too long, XKB5034441 glued"))
	assert.Equal(t, "KB777778", FindKB("Identifier: KB777778 [HRESULT"))
}

func TestSummary(t *testing.T) {
	in := strings.Join([]string{
		"2023-05-17 08:25:10, Info                  CBS    Loaded Servicing Stack v10.0.14393.4349 with Core: C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.14393.4349_none_x\\cbscore.dll",
		"2023-05-17 08:25:11, Info                  CSI    00000001@2023/5/17:15:25:11.001 WcpInitialize (wcp.dll version 0.0.0.6) called",
		"2023-05-17 08:25:12, Info                  CBS    Session: 31033555_3320119381 initialized by client WindowsUpdateAgent, external staging directory: (null), external registry directory: (null)",
		"2023-05-17 08:25:13, Info                  CBS    Exec: Processing started.  Client: WindowsUpdateAgent, Session: 31033555_3320119381, Package: Package_for_KB5012170~31bf3856ad364e35~amd64~~14393.5285.1.2, Identifier: KB5012170",
		"2023-05-17 08:25:14, Error                 CBS    Package \"Package_for_KB5012170~31bf3856ad364e35~amd64~~14393.5285.1.2\" requires Servicing Stack v10.0.14393.5285 but current Servicing Stack is v10.0.14393.4349. [HRESULT = 0x800f0823 - CBS_E_NEW_SERVICING_STACK_REQUIRED]",
		"2023-05-17 08:25:15, Error                 CBS    Failed to process single phase execution. [HRESULT = 0x800f0823 - CBS_E_NEW_SERVICING_STACK_REQUIRED]",
		"2023-05-17 08:25:16, Info                  CBS    Session: 31033555_3320119381 finalized. Reboot required: no [HRESULT = 0x800f0823 - CBS_E_NEW_SERVICING_STACK_REQUIRED]",
		"2023-05-17 08:53:11, Info                  CSI    00000072 [SR] Cannot repair member file [l:10]'dnsapi.dll' of Microsoft-Windows-DNS-Client-MinWin, version 10.0.22621.1485, arch amd64, nonSxS, pkt {l:8 b:31bf3856ad364e35} in the store, hash mismatch",
		"2023-05-17 08:53:11, Info                  CSI    00000076 [SR] Repairing file \\??\\C:\\Windows\\System32\\\\dnsapi.dll from store",
		"2023-05-17 08:53:14, Info                  CSI    0000008a [SR] Could not reproject corrupted file \\??\\C:\\Windows\\Fonts\\\\YuGothB.ttc; source file in store is also corrupted",
		"2019-02-24 21:36:22, Info                  CSI    0000000d [SR] Cannot repair member file [l:34{17}]\"System.Design.dll\" of System.Design, Version = 6.1.7601.18763, pA = PROCESSOR_ARCHITECTURE_MSIL (8), Culture neutral, VersionScope neutral, PublicKeyToken = {l:8 b:b03f5f7f11d50a3a}, Type neutral, TypeName neutral, PublicKey neutral in the store, hash mismatch",
		"2023-05-17 08:56:21, Info                  CBS    Checking System Update Readiness.",
		"2023-05-17 08:56:21, Info                  CBS    ",
		"2023-05-17 08:56:21, Info                  CBS    (p)\tCSI Payload Corrupt\t(n)\t\t\tamd64_microsoft-windows-f..uetype-yugothicbold_31bf3856ad364e35_10.0.22621.1_none_10eeed168993f23b\\YuGothB.ttc",
		"2023-05-17 08:56:21, Info                  CBS    (p)\tCSI Payload Corrupt\t(w)\t(Fixed)\tamd64_windows-defender-management-powershell_31bf3856ad364e35_10.0.18362.1_none_b620cb061e8a941c\\MSFT_MpComputerStatus.cdxml",
		"2023-05-17 08:56:21, Info                  CBS    Summary:",
		"2023-05-17 08:56:21, Info                  CBS    Operation: Detect and Repair ",
		"2023-05-17 08:56:21, Info                  CBS    Operation result: 0x800f081f",
		"2023-05-17 08:56:21, Info                  CBS    Last Successful Step: Entire operation completes.",
		"2023-05-17 08:56:21, Info                  CBS    Total Detected Corruption:\t2",
		"2023-05-17 08:56:21, Info                  CBS    \tCBS Manifest Corruption:\t0",
		"2023-05-17 08:56:21, Info                  CBS    \tCSI Payload Corruption:\t2",
		"2023-05-17 08:56:21, Info                  CBS    Total Repaired Corruption:\t1",
		"2023-05-17 08:56:21, Info                  CBS    \tCSI Payload Repaired:\t1",
		"2023-05-17 08:56:21, Info                  CBS    \tCSI Store Metadata refreshed:\tTrue",
		"2023-05-17 08:56:22, Info                  CBS    Session: 1_2 initialized by client DISM Package Manager Provider",
	}, "\r\n")
	s, err := Summarize(strings.NewReader(in))
	require.NoError(t, err)

	assert.Equal(t, 26, s.Entries)
	assert.Equal(t, -7*time.Hour, s.Offset, "local 08:25 is 15:25 UTC")
	assert.True(t, s.OffsetKnown)

	require.Len(t, s.Stacks, 1)
	assert.Equal(t, "10.0.14393.4349", s.Stacks[0].Version)
	require.Len(t, s.Required, 1)
	assert.Equal(t, StackRequirement{Line: 5, Time: time.Date(2023, 5, 17, 8, 25, 14, 0, time.UTC),
		Package: "Package_for_KB5012170~31bf3856ad364e35~amd64~~14393.5285.1.2", Required: "10.0.14393.5285", Current: "10.0.14393.4349"}, s.Required[0])

	require.Len(t, s.Sessions, 2)
	ss := s.Sessions[0]
	assert.Equal(t, "31033555_3320119381", ss.ID)
	assert.Equal(t, "WindowsUpdateAgent", ss.Client)
	assert.Equal(t, "KB5012170", ss.KB)
	assert.True(t, ss.ResultKnown)
	assert.Equal(t, codes.Code(0x800f0823), ss.Result)
	require.Len(t, ss.Packages, 1)
	require.NotNil(t, ss.FirstFailure)
	assert.Equal(t, 5, ss.FirstFailure.Line)
	assert.Equal(t, "DISM Package Manager Provider", s.Sessions[1].Client)
	assert.False(t, s.Sessions[1].ResultKnown)

	require.Len(t, s.SFC, 4)
	assert.Equal(t, SFCFinding{Line: 8, Time: time.Date(2023, 5, 17, 8, 53, 11, 0, time.UTC), File: "dnsapi.dll", Component: "Microsoft-Windows-DNS-Client-MinWin",
		Reason: "hash mismatch", Text: s.SFC[0].Text}, s.SFC[0])
	assert.Equal(t, `\??\C:\Windows\System32\\dnsapi.dll`, s.SFC[1].File)
	assert.True(t, s.SFC[1].Repaired)
	assert.Equal(t, `\??\C:\Windows\Fonts\\YuGothB.ttc`, s.SFC[2].File)
	assert.Equal(t, "source file in store is also corrupted", s.SFC[2].Reason)
	assert.Equal(t, "System.Design.dll", s.SFC[3].File)
	assert.Equal(t, "System.Design", s.SFC[3].Component)

	require.Len(t, s.Store, 1)
	r := s.Store[0]
	assert.Equal(t, "Detect and Repair", r.Operation)
	assert.Equal(t, codes.Code(0x800f081f), r.Result)
	assert.Equal(t, 2, r.Detected)
	assert.Equal(t, 1, r.Repaired)
	assert.Equal(t, map[string]int{"CBS Manifest Corruption": 0, "CSI Payload Corruption": 2}, r.DetectedBy)
	assert.Equal(t, map[string]int{"CSI Payload Repaired": 1}, r.RepairedBy)
	require.Len(t, r.Items, 2)
	assert.Equal(t, StoreItem{Line: 14, Class: "CSI Payload Corrupt", Path: `amd64_microsoft-windows-f..uetype-yugothicbold_31bf3856ad364e35_10.0.22621.1_none_10eeed168993f23b\YuGothB.ttc`}, r.Items[0])
	assert.True(t, r.Items[1].Fixed)
	assert.True(t, r.Unrepaired())

	assert.Equal(t, 3, s.Codes[0x800f0823].Count)
}

func TestUntimestampedStoreReport(t *testing.T) {
	// Windows 8 / Server 2012 write the summary without timestamps; the
	// lines continue the record above them.
	in := "2014-01-01 10:00:00, Info                  CBS    Checking System Update Readiness.\r\n" +
		"\r\n" +
		"(p)\tCSI Payload Corrupt\t\t\tamd64_microsoft-windows-x_31bf3856ad364e35_6.3.9600.16384_none_0\\x.dll\r\n" +
		"Repair failed: Missing replacement payload.\r\n" +
		"\r\n" +
		"Summary:\r\n" +
		"Operation: Detect and Repair \r\n" +
		"Operation result: 0x800f081f\r\n" +
		"Total Detected Corruption:\t1\r\n" +
		"\tCSI Payload Corruption:\t1\r\n" +
		"Total Repaired Corruption:\t0\r\n" +
		"\tCSI Payload Repaired:\t0\r\n" +
		"\tCSI Store Metadata refreshed:\tTrue\r\n"
	s, err := Summarize(strings.NewReader(in))
	require.NoError(t, err)
	require.Len(t, s.Store, 1)
	r := s.Store[0]
	assert.Equal(t, 1, r.Detected)
	assert.Equal(t, 0, r.Repaired)
	require.Len(t, r.Items, 1)
	assert.Equal(t, "Repair failed: Missing replacement payload.", r.Items[0].Reason)
	assert.True(t, r.Unrepaired())
}

func TestRepairedStoreIsNotUnrepaired(t *testing.T) {
	r := StoreReport{Detected: 9, Repaired: 9, ResultKnown: true, Items: []StoreItem{{Fixed: true}}}
	assert.False(t, r.Unrepaired())
}

func FuzzReader(f *testing.F) {
	f.Add("2025-02-27 08:58:35, Error                 CSI    0000000a@2025/2/27:11:58:35.891 (F) x [gle=0x80004005]\r\n (F) y")
	f.Add("Error\tCSI    00000c6e@ (F) CMIADAPTER\n(p)\tCSI Payload Corrupt\t(n)\tx\nTotal Detected Corruption:\t1")
	f.Add("2023-05-17 08:25:12, Info CBS Session: 1_2 initialized by client X\nSession: 1_2 finalized [HRESULT = 0x0]")
	f.Fuzz(func(t *testing.T, in string) {
		var s Summary
		rd := NewReader(strings.NewReader(in))
		last := 0
		for rd.Scan() {
			e := rd.Entry()
			if e.Line < last {
				t.Fatalf("line %d after %d", e.Line, last)
			}
			last = e.Line
			s.Add(&e)
		}
		s.Finish()
		if rd.Err() != nil {
			t.Fatal(rd.Err())
		}
	})
}

func TestSummarySessionLimit(t *testing.T) {
	var b strings.Builder
	for i := 0; i <= maxSessions; i++ {
		fmt.Fprintf(&b, "2024-01-01 00:00:00, Info                  CBS    Session: %d_1 initialized by client WindowsUpdateAgent\n", i)
	}
	// A package line of the session past the limit must not land in the
	// last kept session.
	fmt.Fprintf(&b, "2024-01-01 00:00:01, Info                  CBS    Exec: Processing started.  Client: WindowsUpdateAgent, Session: %d_1, Package: Package_for_KB5034441~31bf3856ad364e35~amd64~~19041.3920.1.3\n", maxSessions)
	s, err := Summarize(strings.NewReader(b.String()))
	require.NoError(t, err)
	assert.Len(t, s.Sessions, maxSessions)
	assert.Equal(t, 1, s.Dropped)
	assert.Empty(t, s.Sessions[maxSessions-1].Packages)
}
