package codes

import "testing"

// Real-looking CBS.log lines: most carry no code, a few do.
var benchLines = [][]byte{
	[]byte(`2023-05-17 08:25:12, Info                  CBS    Session: 31033555_3320119381 initialized by client WinMgmt, external staging directory: (null)`),
	[]byte(`2019-07-29 22:39:16, Info                  CBS    Appl: detect Parent, Package: Package_for_KB4503308~31bf3856ad364e35~amd64~~10.0.1.2, Parent: Microsoft-Windows-Client-Features-Package~31bf3856ad364e35~amd64~~10.0.18362.1, Disposition = Detect`),
	[]byte(`2015-02-23 21:47:28, Info                  CSI    00000001@2015/2/24:02:47:28.458 WcpInitialize (wcp.dll version 0.0.0.6) called (stack @0x7ffd497360e5 @0x7ffd49be2e53 @0x7ffd49be24ac)`),
	[]byte(`2023-05-17 08:25:28, Info                  CBS    Exec: Installing Package: Package_1_for_KB5026039~31bf3856ad364e35~amd64~~10.0.1.1, Update: 5026039-1, InstallDeployment: amd64_microsoft-windows-s..e-client-ui-wsreset_31bf3856ad364e35_10.0.22621.1_none_5d6d52b40a6c8a6a`),
}

// A typical 150-byte CBS line with no code: the common case.
var benchNoCode = []byte(`2023-05-17 08:25:12, Info                  CBS    Session: 31033555_3320119381 initialized by client WinMgmt, external staging directory: (null)`)

var benchCode = []byte(`2023-05-17 08:25:52, Info                  CBS    Failed to internally open package. [HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]`)

func BenchmarkFind(b *testing.B) {
	dst := make([]Match, 0, 8)
	Find(dst, benchCode) // load tables
	b.Run("nocode", func(b *testing.B) {
		b.SetBytes(int64(len(benchNoCode)))
		b.ReportAllocs()
		for b.Loop() {
			dst = Find(dst[:0], benchNoCode)
		}
	})
	b.Run("hresult", func(b *testing.B) {
		b.SetBytes(int64(len(benchCode)))
		b.ReportAllocs()
		for b.Loop() {
			dst = Find(dst[:0], benchCode)
		}
	})
	b.Run("mixed", func(b *testing.B) {
		n := 0
		for _, l := range benchLines {
			n += len(l)
		}
		b.SetBytes(int64(n))
		b.ReportAllocs()
		for b.Loop() {
			for _, l := range benchLines {
				dst = Find(dst[:0], l)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Parse("[HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]")
	}
}
