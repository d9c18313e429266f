package textlogs

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkWindowsUpdateDense reads a WindowsUpdate.log whose every line
// is a failure with an update ID and codes, the worst case for field
// extraction, and prints MB/s.
func BenchmarkWindowsUpdateDense(b *testing.B) {
	line := "2019/06/05 11:07:50.0950566 21136   9740  Agent           LogHistory called.   idUpdate={E0F87EBF-B414-4AC7-A225-8FE802CF8618}.1, resultMapped=80070643,   resultUnMapped=FFFE |\n" +
		"2021/07/13 15:04:05.5433228 576   8980  DownloadManager *FAILED* [80D05001] All available CDNs for the update 4CDABB4C-49C6-4846-B53D-4CCE9DBD02EE.200 are tried but the download job B925DB3E-3616-41B0-9893-324AA1872F3E still failed.\n"
	text := strings.Repeat(line, 20000)
	b.SetBytes(int64(len(text)))
	for range b.N {
		r := NewReader(strings.NewReader(text), WindowsUpdate)
		for r.Scan() {
		}
	}
}

// TestSplitWUAgreesWithTheGrammar checks the hand-written line splitter
// against the regular expressions that document the two formats.
func TestSplitWUAgreesWithTheGrammar(t *testing.T) {
	lines := []string{
		"2019/06/05 11:07:50.0950566 21136   9740  Agent           LogHistory called.",
		"2019/06/05 11:07:50 21136 9740 Agent",
		"2019/06/05 11:07:50.1234567890 1 2 Agent x",
		"2019/6/05 11:07:50 1 2 Agent x",
		"2010-01-05 18:52:06:747 808 aac Misc WARNING: WinHttp: SendRequestUsingProxy failed",
		"2010-01-05\t18:52:06:747\t808\taac\tMisc\tx",
		"2010-01-05 18:52:06:74 808 aac Misc x",
		"2010-01-05 18:52:06:747 808 zz Misc x",
		"not a line",
		"",
	}
	for _, l := range lines {
		for _, classic := range []bool{false, true} {
			if msg := splitWUDiff(l, classic); msg != "" {
				t.Error(msg)
			}
		}
	}
}

// splitWUDiff compares splitWU with the grammar on one line and says how
// they differ, or "".
func splitWUDiff(l string, classic bool) string {
	re := reWU10
	if classic {
		re = reWU7
	}
	want := re.FindSubmatch([]byte(l))
	got := splitWU([]byte(l), classic)
	if (want == nil) != (got == nil) {
		return fmt.Sprintf("%q classic=%v: split %v, grammar %v", l, classic, got != nil, want != nil)
	}
	for i := 1; want != nil && i < len(want); i++ {
		if string(want[i]) != string(got[i]) {
			return fmt.Sprintf("%q classic=%v: group %d = %q, grammar %q", l, classic, i, got[i], want[i])
		}
	}
	return ""
}
